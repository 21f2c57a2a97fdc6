//! The egui front end. It sends work to the engine (`crate::s3`) and draws what comes back; it
//! never blocks on the network.

mod browser;
mod bucket_list;
mod bucket_sections;
mod bucket_settings;
pub mod bucket_wizard;
pub mod cleanup_wizard;
mod endpoint_form;
mod endpoints;
mod inspector;
pub mod metadata_window;
pub mod relocate_dialog;
pub mod rows;
pub mod selection;
mod shortcuts;
mod show_command;
mod sizes_window;
mod task;
mod theme;
pub mod transfer_choices;
pub mod transfer_panel;
pub mod versions_window;
mod widgets;

/// Where the desktop and the browser differ, behind one API: the transfer queue and what feeds
/// it, the windows one of them lacks, how a connection is made.
#[cfg_attr(not(target_arch = "wasm32"), path = "native/mod.rs")]
#[cfg_attr(target_arch = "wasm32", path = "web.rs")]
pub mod platform;

use egui::RichText;
use poll_promise::Promise;
use serde::{Deserialize, Serialize};

pub use browser::{Browser, BrowserRequest, ListStatus, ViewMode};
use endpoint_form::EndpointForm;
use rows::Sort;

use crate::format;
use crate::s3::buckets::{self, BucketInfo};
use crate::s3::{Connection, ConnectionSpec, CustomEndpoint, S3Error, StaticEndpoint};
pub use theme::ThemeChoice;

/// What the host (desktop `main`, the web entry or a test) hands the app at start.
#[derive(Debug, Clone, Default)]
pub struct AppEnvironment {
    /// The running local sandbox, if any.
    pub sandbox: Option<StaticEndpoint>,
    /// Why the sandbox could not start, shown when the user picks it.
    pub sandbox_error: Option<String>,
    /// Profiles found in the shared AWS config files.
    pub aws_profiles: Vec<String>,
    /// Where each cleanup leaves a CSV of what it did (an audit trail); `None` keeps none.
    pub reports_dir: Option<std::path::PathBuf>,
    /// Bucket and prefix to open once connected, before the last session's place (the web
    /// app's `?bucket=…&prefix=…`).
    pub open_at: Option<(String, String)>,
    /// Which file dialogs the desktop opens (the browser always uses its own picker).
    pub file_dialogs: FileDialogs,
}

/// The system's file dialogs, or Skiff's own where the system has none to offer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FileDialogs {
    #[default]
    System,
    InApp,
}

/// Everything the app remembers between runs. No secrets: `CustomEndpoint` skips its secret.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PersistedState {
    pub connection: Option<ConnectionSpec>,
    pub custom_endpoints: Vec<CustomEndpoint>,
    pub bucket: Option<String>,
    pub prefix: String,
    pub flat_view: bool,
    pub sort: Sort,
    pub theme: ThemeChoice,
    /// The prices the Sizes window estimates with (AWS us-east-1 list prices unless edited).
    pub prices: crate::pricing::PriceTable,
}

const STATE_KEY: &str = "skiff-state";

type Pending<T> = Option<Promise<Result<T, S3Error>>>;

struct Session {
    connection: Connection,
    buckets: Vec<BucketInfo>,
    buckets_loading: Pending<Vec<BucketInfo>>,
    buckets_error: Option<S3Error>,
    typed_bucket: String,
    browser: Option<Browser>,
    wizard: Option<bucket_wizard::BucketWizard>,
    settings: Option<bucket_settings::BucketSettings>,
    sizes: Option<sizes_window::SizesWindow>,
    cleanup: Option<cleanup_wizard::CleanupWizard>,
    reports_dir: Option<std::path::PathBuf>,
    file_dialogs: FileDialogs,
    platform: platform::Platform,
    /// The "Show command" window, when open.
    show_command: Option<show_command::ShowCommand>,
}

pub struct SkiffApp {
    env: AppEnvironment,
    state: PersistedState,
    active: ConnectionSpec,
    connecting: Pending<Connection>,
    connect_error: Option<S3Error>,
    session: Option<Session>,
    endpoint_form: Option<EndpointForm>,
    /// Bucket and prefix to reopen once the connection is up (the last session's place).
    restore: Option<(String, String)>,
    /// The keyboard-shortcut sheet is open.
    show_shortcuts: bool,
    /// Secrets being read from, kept in or removed from the OS keychain.
    keychain: endpoints::KeychainWork,
    /// What the user should know that belongs to no window (a keychain that failed).
    notice: Option<String>,
}

impl SkiffApp {
    pub fn new(cc: &eframe::CreationContext<'_>, env: AppEnvironment) -> Self {
        let state: PersistedState = cc
            .storage
            .and_then(|s| eframe::get_value(s, STATE_KEY))
            .unwrap_or_default();
        Self::with_state(&cc.egui_ctx, env, state)
    }

    pub fn with_state(ctx: &egui::Context, env: AppEnvironment, state: PersistedState) -> Self {
        let active = state
            .connection
            .clone()
            .filter(|c| Self::is_offered(&env, &state, c))
            .unwrap_or_else(|| Self::default_connection(&env));
        let restore = env
            .open_at
            .clone()
            .or_else(|| state.bucket.clone().map(|b| (b, state.prefix.clone())));
        let mut app = Self {
            env,
            state,
            active: active.clone(),
            connecting: None,
            connect_error: None,
            session: None,
            endpoint_form: None,
            restore,
            show_shortcuts: false,
            keychain: endpoints::KeychainWork::default(),
            notice: None,
        };
        ctx.set_theme(app.state.theme.preference());
        app.connect(ctx, active);
        app
    }

    fn default_connection(env: &AppEnvironment) -> ConnectionSpec {
        if !platform::EMBEDS_SANDBOX && env.sandbox.is_none() {
            // The web app has no embedded sandbox; it starts on the endpoint form.
            return ConnectionSpec::Custom(CustomEndpoint::default());
        }
        ConnectionSpec::Sandbox
    }

    fn is_offered(env: &AppEnvironment, state: &PersistedState, spec: &ConnectionSpec) -> bool {
        match spec {
            ConnectionSpec::Sandbox => platform::EMBEDS_SANDBOX || env.sandbox.is_some(),
            ConnectionSpec::AwsProfile { name } => env.aws_profiles.contains(name),
            ConnectionSpec::Custom(c) => state.custom_endpoints.iter().any(|e| e.name == c.name),
        }
    }

    /// The browser on screen, for tests and the host.
    pub fn browser(&self) -> Option<&Browser> {
        self.session.as_ref()?.browser.as_ref()
    }

    /// The transfer queue, once something was queued.
    pub fn queue(&self) -> Option<&platform::Queue> {
        self.session.as_ref()?.platform.queue()
    }

    /// What the app would save now (for tests: what survives a restart).
    pub fn persisted(&mut self) -> PersistedState {
        self.remember_place();
        self.state.clone()
    }

    pub fn buckets(&self) -> &[BucketInfo] {
        self.session.as_ref().map_or(&[], |s| &s.buckets)
    }

    pub fn connection_error(&self) -> Option<&S3Error> {
        self.connect_error
            .as_ref()
            .or_else(|| self.session.as_ref()?.buckets_error.as_ref())
    }

    fn connect(&mut self, ctx: &egui::Context, spec: ConnectionSpec) {
        self.active = spec.clone();
        self.state.connection = Some(spec.clone());
        self.session = None;
        self.connect_error = None;
        let spec = match spec {
            // Secrets live in memory only: the saved endpoint has none after a restart.
            // Nothing chosen yet (the web app's first start): ask for an endpoint.
            ConnectionSpec::Custom(c) if c.name.is_empty() => {
                self.endpoint_form = Some(EndpointForm::new());
                self.connecting = None;
                return;
            }
            ConnectionSpec::Custom(c) => {
                let saved = self
                    .state
                    .custom_endpoints
                    .iter()
                    .find(|e| e.name == c.name);
                let endpoint = saved.cloned().unwrap_or(c);
                if endpoint.secret_access_key.is_empty() {
                    self.connect_without_secret(ctx, endpoint);
                    return;
                }
                ConnectionSpec::Custom(endpoint)
            }
            other => other,
        };
        if let (ConnectionSpec::Sandbox, Some(reason)) = (&spec, &self.env.sandbox_error) {
            self.connect_error = Some(S3Error::Other {
                what: "Local sandbox".into(),
                detail: reason.trim_end_matches('.').to_owned(),
            });
            return;
        }
        self.connecting = Some(task::spawn(
            ctx,
            platform::connect(spec, self.env.sandbox.clone()),
        ));
    }

    fn poll(&mut self, ctx: &egui::Context) {
        self.poll_keychain(ctx);
        if let Some(result) = self.connecting.as_ref().and_then(|p| p.ready()) {
            match result {
                Ok(connection) => {
                    let mut session = Session {
                        connection: connection.clone(),
                        buckets: Vec::new(),
                        buckets_loading: None,
                        buckets_error: None,
                        typed_bucket: String::new(),
                        browser: None,
                        wizard: None,
                        settings: None,
                        sizes: None,
                        cleanup: None,
                        reports_dir: self.env.reports_dir.clone(),
                        file_dialogs: self.env.file_dialogs,
                        platform: platform::Platform::new(&self.env),
                        show_command: None,
                    };
                    session.load_buckets(ctx);
                    self.session = Some(session);
                }
                Err(e) => self.connect_error = Some(e.clone()),
            }
            self.connecting = None;
        }
        let Some(session) = self.session.as_mut() else {
            return;
        };
        if let Some(result) = session.buckets_loading.as_ref().and_then(|p| p.ready()) {
            match result {
                Ok(list) => {
                    session.buckets = list.clone();
                    session.buckets_error = None;
                }
                Err(e) => session.buckets_error = Some(e.clone()),
            }
            session.buckets_loading = None;
            if let Some((bucket, prefix)) = self.restore.take()
                && (session.buckets.iter().any(|b| b.name == bucket)
                    || session.buckets_error.is_some())
            {
                session.open_bucket(ctx, &bucket, &prefix, &self.state);
            }
        }
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        ui.horizontal(|ui| {
            ui.label(RichText::new("⛵ Skiff").heading().strong());
            ui.separator();
            let label = ui.label("Connection:");
            let mut choice: Option<ConnectionSpec> = None;
            let mut add_endpoint = false;
            egui::ComboBox::from_id_salt("connection")
                .selected_text(self.active.label())
                .width(220.0)
                .show_ui(ui, |ui| {
                    if platform::EMBEDS_SANDBOX || self.env.sandbox.is_some() {
                        ui.selectable_value(
                            &mut choice,
                            Some(ConnectionSpec::Sandbox),
                            "Local sandbox",
                        );
                    }
                    if let Some(sandbox) = &self.env.sandbox {
                        // Under "Local sandbox", indented: it belongs to that entry.
                        ui.horizontal(|ui| {
                            ui.add_space(12.0);
                            let copy = ui
                                .selectable_label(false, "Copy AWS CLI settings")
                                .on_hover_text(
                                    "Copies the export line that points the AWS CLI, s5cmd or \
                                     boto3 in a terminal at the local sandbox",
                                );
                            if copy.clicked() {
                                ui.ctx().copy_text(sandbox.aws_cli_env());
                            }
                        });
                    }
                    for name in &self.env.aws_profiles {
                        let spec = ConnectionSpec::AwsProfile { name: name.clone() };
                        ui.selectable_value(&mut choice, Some(spec.clone()), spec.label());
                    }
                    for endpoint in &self.state.custom_endpoints {
                        let spec = ConnectionSpec::Custom(endpoint.clone());
                        let label = format!("{} ({})", endpoint.name, endpoint.url);
                        ui.selectable_value(&mut choice, Some(spec), label);
                    }
                    ui.separator();
                    if ui.selectable_label(false, "+ Add endpoint…").clicked() {
                        add_endpoint = true;
                    }
                })
                .response
                .labelled_by(label.id);
            if let ConnectionSpec::Custom(c) = &self.active
                && ui
                    .button("✏ Edit")
                    .on_hover_text("Edit this endpoint")
                    .clicked()
            {
                let saved = self
                    .state
                    .custom_endpoints
                    .iter()
                    .find(|e| e.name == c.name);
                self.endpoint_form = Some(EndpointForm::edit(saved.unwrap_or(c), None));
            }
            if add_endpoint {
                self.endpoint_form = Some(EndpointForm::new());
            }
            if let Some(spec) = choice
                && spec != self.active
            {
                self.restore = None;
                self.connect(&ctx, spec);
            }
            if let Some(session) = &self.session {
                ui.label(
                    RichText::new(format!(
                        "{} · {}",
                        session.connection.endpoint, session.connection.region
                    ))
                    .weak(),
                );
            } else if self.connecting.is_some() {
                ui.spinner();
                ui.label("Connecting…");
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("⌨ Shortcuts")
                    .on_hover_text("The keyboard shortcuts (F1)")
                    .clicked()
                {
                    self.show_shortcuts = !self.show_shortcuts;
                }
                let before = self.state.theme;
                let combo = egui::ComboBox::from_id_salt("theme")
                    .selected_text(self.state.theme.label())
                    .show_ui(ui, |ui| {
                        for choice in ThemeChoice::ALL {
                            ui.selectable_value(&mut self.state.theme, choice, choice.label());
                        }
                    });
                let label = ui.label("Theme:");
                combo.response.labelled_by(label.id);
                if self.state.theme != before {
                    ctx.set_theme(self.state.theme.preference());
                }
            });
        });
    }

    fn central_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if let Some(error) = &self.connect_error {
            let (message, hint) = (error.to_string(), widgets::s3_hint(error));
            let mut retry = false;
            ui.add_space(12.0);
            widgets::error_card(ui, &message, &hint, || retry = true);
            if retry {
                self.connect(&ctx, self.active.clone());
            }
            return;
        }
        let Some(session) = self.session.as_mut() else {
            ui.add_space(24.0);
            ui.vertical_centered(|ui| {
                if self.connecting.is_some() {
                    ui.spinner();
                    ui.label(format!("Connecting to {}…", self.active.label()));
                } else if let Some(name) = self.keychain.recalling() {
                    ui.spinner();
                    ui.label(format!("Reading the secret of {name} from the keychain…"));
                } else {
                    ui.label("Choose a connection above, or add an endpoint.");
                }
            });
            return;
        };
        // Once a bucket typed by name is open, its own state (and errors) take the place of the
        // bucket list's error.
        if let Some(error) = &session.buckets_error
            && !matches!(error, S3Error::AccessDenied { .. })
            && session.browser.is_none()
        {
            let (message, hint) = (error.to_string(), widgets::s3_hint(error));
            let mut retry = false;
            ui.add_space(12.0);
            widgets::error_card(ui, &message, &hint, || retry = true);
            if let (S3Error::SsoSignInNeeded { .. }, ConnectionSpec::AwsProfile { name }) =
                (error, &self.active)
                && session.platform.sign_in_ui(ui, name)
            {
                // The new token is read by the next request's credential lookup.
                retry = true;
            }
            if retry {
                session.load_buckets(&ctx);
            }
            return;
        }
        match session.browser.as_mut() {
            Some(browser) => browser.ui(ui),
            None => {
                ui.add_space(24.0);
                ui.vertical_centered(|ui| {
                    if session.buckets.is_empty() && session.buckets_loading.is_none() {
                        ui.label(RichText::new("No buckets yet").heading());
                        ui.label("Create one with “+ New bucket” on the left; the wizard sets it up for datasets.");
                    } else {
                        ui.label(RichText::new("Pick a bucket on the left").heading());
                    }
                });
            }
        }
    }

    fn remember_place(&mut self) {
        let browser = self.session.as_ref().and_then(|s| s.browser.as_ref());
        if let Some(b) = browser {
            self.state.bucket = Some(b.bucket.clone());
            self.state.prefix = b.prefix.clone();
            self.state.flat_view = b.mode == ViewMode::Flat;
            self.state.sort = b.sort();
        }
    }
}

impl Session {
    /// The new-bucket wizard and the settings window, when open.
    fn dialogs_ui(&mut self, ctx: &egui::Context, state: &mut PersistedState) {
        let request = self.browser.as_mut().and_then(|b| b.request.take());
        match (request, self.browser.as_ref()) {
            (Some(BrowserRequest::Cleanup(scope)), Some(browser)) => {
                self.cleanup = Some(cleanup_wizard::CleanupWizard::open(
                    ctx,
                    browser.connection().clone(),
                    scope,
                    self.reports_dir.clone(),
                    self.file_dialogs,
                ));
            }
            (Some(BrowserRequest::Settings), Some(browser)) => {
                self.settings = Some(bucket_settings::BucketSettings::open(
                    ctx,
                    browser.connection().clone(),
                    &browser.bucket,
                ));
            }
            (Some(BrowserRequest::Sizes), Some(browser)) => {
                self.sizes = Some(sizes_window::SizesWindow::open(
                    ctx,
                    browser.connection(),
                    (&browser.bucket, &browser.prefix),
                    state.prices.clone(),
                    self.reports_dir.clone(),
                ));
            }
            (Some(BrowserRequest::ShowCommand(action)), _) => self.open_show_command(&action),
            (Some(request), Some(browser)) => self.platform.handle(ctx, browser, request),
            _ => {}
        }
        if let Some(window) = self.show_command.as_mut()
            && !window.show(ctx)
        {
            self.show_command = None;
        }
        if let Some(action) = self.platform.windows_ui(ctx) {
            self.open_show_command(&action);
        }
        if let Some(settings) = self.settings.as_mut()
            && settings.show(ctx) == widgets::Shown::Closed
        {
            self.settings = None;
        }
        if let Some(window) = self.sizes.as_mut() {
            let (shown, edited) = window.show(ctx);
            if let Some(prices) = edited {
                state.prices = prices;
            }
            if shown == widgets::Shown::Closed {
                self.sizes = None;
            }
        }
        match self.cleanup.as_mut().map(|w| w.show(ctx)) {
            Some(cleanup_wizard::CleanupOutcome::Closed) => self.cleanup = None,
            Some(cleanup_wizard::CleanupOutcome::Changed {
                bucket,
                bucket_deleted,
            }) => {
                self.cleanup = None;
                if bucket_deleted {
                    if self.browser.as_ref().is_some_and(|b| b.bucket == bucket) {
                        self.browser = None;
                    }
                    self.load_buckets(ctx);
                } else if let Some(browser) = self.browser.as_mut()
                    && browser.bucket == bucket
                {
                    browser.refresh(ctx);
                }
            }
            _ => {}
        }
        let outcome = self.wizard.as_mut().map(|w| w.show(ctx));
        match outcome {
            Some(bucket_wizard::WizardOutcome::Closed) => self.wizard = None,
            Some(bucket_wizard::WizardOutcome::Created(name)) => {
                self.wizard = None;
                self.load_buckets(ctx);
                self.open_bucket(ctx, &name, "", state);
            }
            _ => {}
        }
    }

    fn open_show_command(&mut self, action: &crate::s3::commands::Action) {
        let c = &self.connection;
        let place = crate::s3::commands::Place::new(&c.endpoint, &c.region);
        self.show_command = Some(show_command::ShowCommand::open(action, &place));
    }

    fn load_buckets(&mut self, ctx: &egui::Context) {
        let connection = self.connection.clone();
        self.buckets_loading = Some(task::spawn(ctx, async move {
            buckets::list_buckets(&connection).await
        }));
    }

    fn open_bucket(
        &mut self,
        ctx: &egui::Context,
        bucket: &str,
        prefix: &str,
        state: &PersistedState,
    ) {
        let region = self
            .buckets
            .iter()
            .find(|b| b.name == bucket)
            .and_then(|b| b.region.clone());
        let connection = match region {
            Some(r) => self.connection.in_region(&r),
            None => self.connection.clone(),
        };
        let mut browser = Browser::open(
            ctx,
            connection,
            bucket,
            prefix,
            // The browser on screen knows the sort and view in use; the saved state, at start.
            self.browser.as_ref().map_or(state.sort, |b| b.sort()),
            self.browser
                .as_ref()
                .map_or(state.flat_view, |b| b.mode == ViewMode::Flat),
        );
        if let Some(old) = &self.browser {
            browser.transfer_choices = old.transfer_choices.clone();
            // What was cut or copied can be pasted into another bucket.
            browser.clipboard = old.clipboard.clone();
        }
        browser.reports_dir = self.reports_dir.clone();
        self.browser = Some(browser);
    }
}

impl eframe::App for SkiffApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll(ctx);
        if let Some(session) = self.session.as_mut() {
            if let Some(browser) = session.browser.as_mut() {
                browser.poll(ctx);
            }
            let browser = session.browser.as_mut();
            session.platform.poll(ctx, &session.connection, browser);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        for shortcut in shortcuts::pressed(&ctx) {
            let browser = self.session.as_mut().and_then(|s| s.browser.as_mut());
            match (shortcut, browser) {
                (shortcuts::Shortcut::ShowShortcuts, _) => {
                    self.show_shortcuts = !self.show_shortcuts;
                }
                (_, Some(browser)) => browser.on_shortcut(&ctx, shortcut),
                (_, None) => {}
            }
        }
        if self.show_shortcuts {
            shortcuts::sheet_ui(&ctx, &mut self.show_shortcuts);
        }
        egui::Panel::top("top-bar").show(ui, |ui| {
            ui.add_space(4.0);
            self.top_bar_ui(ui);
            ui.add_space(2.0);
        });
        self.notice_ui(ui);
        egui::Panel::bottom("status").show(ui, |ui| {
            match self.session.as_ref().and_then(|s| s.browser.as_ref()) {
                Some(browser) => browser.status_ui(ui),
                None => {
                    ui.label(match &self.session {
                        Some(s) if s.buckets_loading.is_some() => "Loading buckets…".to_owned(),
                        Some(s) if s.buckets_error.is_some() => "Cannot list buckets".to_owned(),
                        Some(s) => format::count(s.buckets.len() as u64, "bucket", "buckets"),
                        None => "Not connected".to_owned(),
                    });
                }
            }
        });
        if let Some(session) = self.session.as_mut()
            && let Some(job) = session.platform.panels_ui(ui, &session.connection)
        {
            session.open_show_command(&show_command::action_of(&job));
        }
        if let Some(session) = self.session.as_mut() {
            let state = &self.state;
            egui::Panel::left("buckets")
                .resizable(true)
                .default_size(230.0)
                .show(ui, |ui| session.buckets_ui(ui, state));
        }
        let central = egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));
        if let Some(session) = self.session.as_mut()
            && let Some(browser) = session.browser.as_ref()
        {
            if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
                let destination = format!("s3://{}/{}", browser.bucket, browser.prefix);
                transfer_panel::drop_target_ui(&ctx, central.response.rect, &destination);
            }
            session.platform.upload_dropped(&ctx, browser);
        }
        if let Some(session) = self.session.as_mut() {
            session.dialogs_ui(&ctx, &mut self.state);
        }
        self.endpoint_form_ui(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.remember_place();
        eframe::set_value(storage, STATE_KEY, &self.state);
    }
}
