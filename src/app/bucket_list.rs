//! The bucket list on the left: buckets with their region and creation date, the new-bucket
//! wizard's button, and a bucket opened by name where the credentials may not list them.

use egui::RichText;

use super::{PersistedState, Session, bucket_wizard};
use crate::format::utc_datetime;
use crate::s3::S3Error;

impl Session {
    pub(super) fn buckets_ui(&mut self, ui: &mut egui::Ui, state: &PersistedState) {
        let ctx = ui.ctx().clone();
        ui.horizontal(|ui| {
            ui.heading("Buckets");
            if self.buckets_loading.is_some() {
                ui.spinner();
            } else if ui
                .small_button("⟳")
                .on_hover_text("Refresh the bucket list")
                .clicked()
            {
                self.load_buckets(&ctx);
            }
        });
        if ui
            .button("+ New bucket")
            .on_hover_text("A wizard that sets a bucket up for datasets")
            .clicked()
        {
            self.wizard = Some(bucket_wizard::BucketWizard::new(
                &ctx,
                self.connection.clone(),
                &today_yyyymmdd(),
            ));
        }
        if let Some(S3Error::AccessDenied { .. }) = &self.buckets_error {
            ui.label(
                RichText::new("These credentials may not list buckets. Open one by name below.")
                    .weak(),
            );
        }
        ui.separator();
        let selected = self.browser.as_ref().map(|b| b.bucket.clone());
        let mut open = None;
        egui::ScrollArea::vertical()
            .auto_shrink([false, true])
            .max_height(ui.available_height() - 70.0)
            .show(ui, |ui| {
                for b in &self.buckets {
                    let is_selected = selected.as_deref() == Some(b.name.as_str());
                    // Long names are cut with "…" (the full name shows on hover) rather than wrapped.
                    let response = ui
                        .add(
                            egui::Button::selectable(is_selected, format!("🗄 {}", b.name))
                                .truncate(),
                        )
                        .on_hover_text(&b.name);
                    let detail = format!(
                        "{} · {}",
                        b.region.as_deref().unwrap_or("region unknown"),
                        b.created_secs
                            .map(utc_datetime)
                            .map_or("created —".into(), |d| d[..10].to_owned())
                    );
                    ui.label(RichText::new(detail).small().weak());
                    if response.clicked() {
                        open = Some(b.name.clone());
                    }
                }
            });
        ui.separator();
        ui.label("Open a bucket by name:");
        ui.horizontal(|ui| {
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.typed_bucket)
                    .hint_text("bucket name")
                    .desired_width(130.0),
            );
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if (ui.button("Open").clicked() || enter) && !self.typed_bucket.trim().is_empty() {
                open = Some(self.typed_bucket.trim().to_owned());
            }
        });
        if let Some(name) = open {
            self.open_bucket(&ctx, &name, "", state);
        }
    }
}

/// Today's date as `20261125`, for suggested bucket names.
fn today_yyyymmdd() -> String {
    utc_datetime(crate::runtime::now_secs())[..10].replace('-', "")
}
