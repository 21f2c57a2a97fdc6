//! "🔑 Sign in with SSO": the device-authorization flow in the app for an AWS profile whose SSO
//! token is missing or expired. The browser opens the Identity Center's page, the app shows the
//! code to compare, and once approved the token is in the AWS CLI's cache and the app reconnects.

use egui::RichText;
use poll_promise::Promise;

use crate::app::task;
use crate::s3::S3Error;
use crate::s3::sso_login::{PendingSignIn, SsoLogin, sso_login_of};

/// Whether a profile signs in with SSO, found once per profile.
#[derive(Default)]
pub struct SsoProfiles {
    checked: Option<(String, Promise<Option<SsoLogin>>)>,
    sign_in: Option<SignIn>,
}

enum SignIn {
    Starting(SsoLogin, Promise<Result<PendingSignIn, S3Error>>),
    Waiting(
        SsoLogin,
        PendingSignIn,
        Promise<Result<std::path::PathBuf, S3Error>>,
    ),
    Failed(SsoLogin, String),
}

impl SsoProfiles {
    /// Under a connection error for `profile`: the sign-in button when the profile uses SSO,
    /// and the sign-in window once started. `true` once signed in (the app reconnects).
    pub fn sign_in_ui(&mut self, ui: &mut egui::Ui, profile: &str) -> bool {
        let ctx = ui.ctx().clone();
        if self.checked.as_ref().is_none_or(|(p, _)| p != profile) {
            let name = profile.to_owned();
            let check = task::spawn(&ctx, async move { sso_login_of(&name).await });
            self.checked = Some((profile.to_owned(), check));
        }
        let login = self
            .checked
            .as_ref()
            .and_then(|(_, c)| c.ready().cloned().flatten());
        if let Some(login) = login
            && self.sign_in.is_none()
            && ui
                .button("🔑 Sign in with SSO")
                .on_hover_text(format!(
                    "Opens {} in the browser to approve this computer; the token is kept where \
                     the AWS CLI keeps it",
                    login.start_url
                ))
                .clicked()
        {
            self.sign_in = Some(SignIn::start(&ctx, login));
        }
        self.window(&ctx)
    }

    fn window(&mut self, ctx: &egui::Context) -> bool {
        let Some(sign_in) = self.sign_in.take() else {
            return false;
        };
        let sign_in = sign_in.advance(ctx);
        let mut open = true;
        let mut retry = false;
        let mut signed_in = false;
        let title = format!("Sign in with SSO: profile {}", sign_in.login().profile);
        crate::app::widgets::dialog(ctx, title)
            .open(&mut open)
            .show(ctx, |ui| match &sign_in {
                SignIn::Starting(..) => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Asking the Identity Center for a code…");
                    });
                }
                SignIn::Waiting(_, pending, finish) => {
                    ui.label("Approve this computer on the page your browser opened, and check that it shows this code:");
                    ui.label(RichText::new(&pending.user_code).monospace().size(28.0).strong());
                    ui.horizontal(|ui| {
                        if ui.button("Open the page again").clicked() {
                            ui.ctx().open_url(egui::OpenUrl::new_tab(&pending.verification_url));
                        }
                        if ui.button("📋 Copy the page's address").clicked() {
                            ui.ctx().copy_text(pending.verification_url.clone());
                        }
                    });
                    ui.label(RichText::new(&pending.verification_url).weak());
                    match finish.ready() {
                        None => {
                            ui.horizontal(|ui| {
                                ui.spinner();
                                ui.label("Waiting for the approval…");
                            });
                        }
                        Some(Ok(_)) => signed_in = true,
                        Some(Err(_)) => {}
                    }
                }
                SignIn::Failed(_, why) => {
                    ui.colored_label(ui.visuals().error_fg_color, why);
                    retry = ui.button("Try again").clicked();
                }
            });
        if signed_in {
            return true;
        }
        if retry {
            self.sign_in = Some(SignIn::start(ctx, sign_in.into_login()));
        } else if open {
            self.sign_in = Some(sign_in);
        }
        false
    }
}

impl SignIn {
    fn start(ctx: &egui::Context, login: SsoLogin) -> Self {
        let started = login.clone();
        let start = task::spawn(ctx, async move { started.start().await });
        Self::Starting(login, start)
    }

    fn login(&self) -> &SsoLogin {
        match self {
            Self::Starting(l, _) | Self::Waiting(l, _, _) | Self::Failed(l, _) => l,
        }
    }

    fn into_login(self) -> SsoLogin {
        match self {
            Self::Starting(l, _) | Self::Waiting(l, _, _) | Self::Failed(l, _) => l,
        }
    }

    /// Moves on when the code arrived (the browser opens) or the wait ended in failure.
    fn advance(self, ctx: &egui::Context) -> Self {
        match self {
            Self::Starting(login, start) => match start.try_take() {
                Err(start) => Self::Starting(login, start),
                Ok(Err(e)) => Self::Failed(login, e.with_hint()),
                Ok(Ok(pending)) => {
                    ctx.open_url(egui::OpenUrl::new_tab(&pending.verification_url));
                    let (waiting, code) = (login.clone(), pending.clone());
                    let finish = task::spawn(ctx, async move { waiting.finish(&code).await });
                    Self::Waiting(login, pending, finish)
                }
            },
            Self::Waiting(login, pending, finish) => match finish.ready() {
                Some(Err(e)) => {
                    let why = e.with_hint();
                    Self::Failed(login, why)
                }
                _ => Self::Waiting(login, pending, finish),
            },
            failed => failed,
        }
    }
}
