//! The form for a custom S3-compatible endpoint (MinIO, Garage, Ceph, R2, ...).

use crate::s3::{CustomEndpoint, Secret};

pub enum FormOutcome {
    Open,
    Cancelled,
    Saved(CustomEndpoint),
    /// "Remove endpoint": forget this saved endpoint (and its secret in the keychain).
    Removed(String),
}

pub struct EndpointForm {
    endpoint: CustomEndpoint,
    /// Editing an endpoint already saved (it can be removed).
    saved: bool,
    /// Why the secret must be typed again, if it must.
    needs_secret: Option<String>,
    problem: Option<String>,
}

impl EndpointForm {
    pub fn new() -> Self {
        Self {
            endpoint: CustomEndpoint {
                name: "My endpoint".into(),
                ..CustomEndpoint::default()
            },
            saved: false,
            needs_secret: None,
            problem: None,
        }
    }

    /// A saved endpoint's form; `needs_secret` says why its secret must be typed again.
    pub fn edit(endpoint: &CustomEndpoint, needs_secret: Option<String>) -> Self {
        Self {
            endpoint: endpoint.clone(),
            saved: true,
            needs_secret,
            problem: None,
        }
    }

    pub fn show(&mut self, ctx: &egui::Context) -> FormOutcome {
        let mut outcome = FormOutcome::Open;
        let mut open = true;
        egui::Window::new("S3-compatible endpoint")
            .collapsible(false)
            .resizable(false)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                if let Some(why) = &self.needs_secret {
                    ui.label(why.as_str());
                    ui.add_space(4.0);
                }
                let e = &mut self.endpoint;
                egui::Grid::new("endpoint-form")
                    .num_columns(2)
                    .spacing([10.0, 6.0])
                    .show(ui, |ui| {
                        let field = |ui: &mut egui::Ui, label: &str, edit: egui::TextEdit<'_>| {
                            let label = ui.label(label);
                            ui.add(edit.desired_width(260.0)).labelled_by(label.id);
                            ui.end_row();
                        };
                        field(
                            ui,
                            "Name",
                            egui::TextEdit::singleline(&mut e.name).hint_text("e.g. MinIO lab"),
                        );
                        field(
                            ui,
                            "URL",
                            egui::TextEdit::singleline(&mut e.url)
                                .hint_text("http://127.0.0.1:9000"),
                        );
                        field(
                            ui,
                            "Region",
                            egui::TextEdit::singleline(&mut e.region).hint_text("us-east-1"),
                        );
                        ui.label("");
                        ui.checkbox(
                            &mut e.path_style,
                            "Path-style requests (MinIO, Garage, Ceph)",
                        );
                        ui.end_row();
                        field(
                            ui,
                            "Access key",
                            egui::TextEdit::singleline(&mut e.access_key_id)
                                .hint_text("access key ID"),
                        );
                        let hint = if e.secret_in_keychain {
                            "kept in the keychain"
                        } else {
                            "kept in memory only"
                        };
                        field(
                            ui,
                            "Secret key",
                            egui::TextEdit::singleline(e.secret_access_key.as_mut_string())
                                .hint_text(hint)
                                .password(true),
                        );
                        if super::platform::OFFERS_KEYCHAIN {
                            ui.label("");
                            ui.checkbox(
                                &mut e.secret_in_keychain,
                                "Remember the secret in the keychain",
                            )
                            .on_hover_text(
                                "Kept by the system's keychain (Secret Service, macOS Keychain \
                                 or Windows Credential Manager), never in Skiff's own files, so \
                                 the app connects without asking after a restart",
                            );
                            ui.end_row();
                        }
                    });
                if let Some(problem) = &self.problem {
                    ui.colored_label(ui.visuals().error_fg_color, problem);
                }
                ui.horizontal(|ui| {
                    if ui.button("Connect").clicked() {
                        match self.endpoint.validate() {
                            Ok(()) => outcome = FormOutcome::Saved(self.endpoint.clone()),
                            Err(problem) => self.problem = Some(problem),
                        }
                    }
                    if ui.button("Cancel").clicked() {
                        outcome = FormOutcome::Cancelled;
                    }
                    if self.saved
                        && ui
                            .button("🗑 Remove endpoint")
                            .on_hover_text("Forget this endpoint, and its secret in the keychain")
                            .clicked()
                    {
                        outcome = FormOutcome::Removed(self.endpoint.name.clone());
                    }
                });
            });
        if !open {
            outcome = FormOutcome::Cancelled;
        }
        if matches!(outcome, FormOutcome::Cancelled) {
            self.endpoint.secret_access_key = Secret::default();
        }
        outcome
    }
}
