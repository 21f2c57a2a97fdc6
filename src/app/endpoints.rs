//! Custom endpoints: what the endpoint form's answers do, and their secrets kept in the OS
//! keychain when the user asks (recalled to connect after a restart, removed with the endpoint).
//! Nothing secret goes into the app's saved state.

use poll_promise::Promise;

use super::endpoint_form::{EndpointForm, FormOutcome};
use super::{SkiffApp, platform};
use crate::s3::{ConnectionSpec, CustomEndpoint, Secret};

/// A keychain call's answer: the value, or why the keychain could not give it.
type Answer<T> = Promise<Result<T, String>>;

/// Keychain work in flight.
#[derive(Default)]
pub(super) struct KeychainWork {
    /// The secret of this endpoint, read to connect to it.
    recalling: Option<(CustomEndpoint, Answer<Option<Secret>>)>,
    /// Secrets being kept or removed: the endpoint's name, which, and the answer.
    changing: Vec<(String, Change, Answer<()>)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Remember,
    Forget,
}

impl KeychainWork {
    pub(super) fn recalling(&self) -> Option<&str> {
        self.recalling.as_ref().map(|(e, _)| e.name.as_str())
    }

    /// Nothing is being read, kept or removed.
    pub(super) fn is_idle(&self) -> bool {
        self.recalling.is_none() && self.changing.is_empty()
    }
}

impl SkiffApp {
    /// Nothing is being read from, kept in or removed from the keychain (for tests).
    pub fn keychain_idle(&self) -> bool {
        self.keychain.is_idle()
    }

    /// A saved endpoint without its secret in memory (after a restart): from the keychain when
    /// the user kept it there, else typed again.
    pub(super) fn connect_without_secret(&mut self, ctx: &egui::Context, endpoint: CustomEndpoint) {
        self.connecting = None;
        if endpoint.secret_in_keychain && platform::OFFERS_KEYCHAIN {
            let recall = platform::recall_secret(ctx, &endpoint.name);
            self.keychain.recalling = Some((endpoint, recall));
            return;
        }
        let why = "Secret keys are kept in memory only. Enter it again to connect.";
        self.endpoint_form = Some(EndpointForm::edit(&endpoint, Some(why.into())));
    }

    /// Each frame: a secret read from the keychain connects; keychain changes that failed are
    /// said, and a secret that could not be kept is no longer marked as kept.
    pub(super) fn poll_keychain(&mut self, ctx: &egui::Context) {
        if let Some((endpoint, recall)) = self.keychain.recalling.take() {
            match recall.try_take() {
                Err(recall) => self.keychain.recalling = Some((endpoint, recall)),
                Ok(Ok(Some(secret))) => {
                    let endpoint = CustomEndpoint {
                        secret_access_key: secret,
                        ..endpoint
                    };
                    self.keep_endpoint(&endpoint);
                    self.connect(ctx, ConnectionSpec::Custom(endpoint));
                }
                Ok(found) => {
                    let why = match found {
                        Ok(_) => format!(
                            "The keychain holds no secret for {}. Enter it to connect; it will \
                             be kept there again.",
                            endpoint.name
                        ),
                        Err(e) => format!(
                            "The secret of {} could not be read: {e}. Enter it to connect.",
                            endpoint.name
                        ),
                    };
                    self.endpoint_form = Some(EndpointForm::edit(&endpoint, Some(why)));
                }
            }
        }
        let mut still = Vec::new();
        for (name, change, promise) in std::mem::take(&mut self.keychain.changing) {
            match promise.try_take() {
                Err(promise) => still.push((name, change, promise)),
                Ok(Ok(())) => {}
                Ok(Err(why)) if change == Change::Remember => {
                    if let Some(e) = self
                        .state
                        .custom_endpoints
                        .iter_mut()
                        .find(|e| e.name == name)
                    {
                        e.secret_in_keychain = false;
                    }
                    self.notice = Some(format!(
                        "The secret of {name} was not kept in the keychain: {why}. It is kept \
                         for this session only."
                    ));
                }
                Ok(Err(why)) => {
                    self.notice = Some(format!(
                        "The secret of {name} could not be removed from the keychain: {why}. \
                         Remove the entry “Skiff S3 endpoint” for {name} in the system's \
                         keychain app."
                    ));
                }
            }
        }
        self.keychain.changing.extend(still);
    }

    pub(super) fn endpoint_form_ui(&mut self, ctx: &egui::Context) {
        let Some(form) = self.endpoint_form.as_mut() else {
            return;
        };
        match form.show(ctx) {
            FormOutcome::Open => {}
            FormOutcome::Cancelled => self.endpoint_form = None,
            FormOutcome::Saved(endpoint) => {
                self.endpoint_form = None;
                let was_kept = self
                    .state
                    .custom_endpoints
                    .iter()
                    .any(|e| e.name == endpoint.name && e.secret_in_keychain);
                if endpoint.secret_in_keychain {
                    let remember =
                        platform::remember_secret(ctx, &endpoint.name, &endpoint.secret_access_key);
                    (self.keychain.changing).push((
                        endpoint.name.clone(),
                        Change::Remember,
                        remember,
                    ));
                } else if was_kept {
                    self.forget_secret(ctx, &endpoint.name);
                }
                self.keep_endpoint(&endpoint);
                self.restore = None;
                self.connect(ctx, ConnectionSpec::Custom(endpoint));
            }
            FormOutcome::Removed(name) => {
                self.endpoint_form = None;
                self.state.custom_endpoints.retain(|e| e.name != name);
                if platform::OFFERS_KEYCHAIN {
                    self.forget_secret(ctx, &name);
                }
                if matches!(&self.active, ConnectionSpec::Custom(c) if c.name == name) {
                    self.restore = None;
                    let fallback = Self::default_connection(&self.env);
                    self.connect(ctx, fallback);
                }
            }
        }
    }

    fn forget_secret(&mut self, ctx: &egui::Context, name: &str) {
        let forget = platform::forget_secret(ctx, name);
        (self.keychain.changing).push((name.to_owned(), Change::Forget, forget));
    }

    /// Saves the endpoint in the app's state (its secret stays in memory: serde skips it).
    fn keep_endpoint(&mut self, endpoint: &CustomEndpoint) {
        let saved = &mut self.state.custom_endpoints;
        match saved.iter_mut().find(|e| e.name == endpoint.name) {
            Some(existing) => *existing = endpoint.clone(),
            None => saved.push(endpoint.clone()),
        }
    }

    /// A line under the top bar for what the user should know (a keychain that failed).
    pub(super) fn notice_ui(&mut self, ui: &mut egui::Ui) {
        let Some(notice) = &self.notice else {
            return;
        };
        let mut dismissed = false;
        egui::Panel::top("notice").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(ui.visuals().warn_fg_color, notice.as_str());
                dismissed = ui.small_button("✖").on_hover_text("Dismiss").clicked();
            });
        });
        if dismissed {
            self.notice = None;
        }
    }
}
