//! The form for a custom S3-compatible endpoint (MinIO, Garage, Ceph, R2, ...).

use crate::s3::{CustomEndpoint, Secret};

pub enum FormOutcome {
    Open,
    Cancelled,
    Saved(CustomEndpoint),
}

pub struct EndpointForm {
    endpoint: CustomEndpoint,
    /// Editing an existing endpoint whose secret was not kept across the restart.
    needs_secret: bool,
    problem: Option<String>,
}

impl EndpointForm {
    pub fn new() -> Self {
        Self {
            endpoint: CustomEndpoint {
                name: "My endpoint".into(),
                ..CustomEndpoint::default()
            },
            needs_secret: false,
            problem: None,
        }
    }

    pub fn edit(endpoint: &CustomEndpoint, needs_secret: bool) -> Self {
        Self {
            endpoint: endpoint.clone(),
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
                if self.needs_secret {
                    ui.label("Secret keys are kept in memory only. Enter it again to connect.");
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
                        field(
                            ui,
                            "Secret key",
                            egui::TextEdit::singleline(e.secret_access_key.as_mut_string())
                                .hint_text("kept in memory only")
                                .password(true),
                        );
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
