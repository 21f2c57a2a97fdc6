//! The details panel: what HeadObject says of the object selected, and what can be done with
//! it from there (verify a local copy, share a link).

use egui::{Align, Layout, RichText};

use super::{Browser, BrowserRequest};
use crate::app::inspector::Inspector;
use crate::app::versions_window::VersionsOf;
use crate::format::{human_bytes, thousands, utc_datetime};

/// A window the details panel opens.
enum Opened {
    Versions(String),
    Metadata(String),
}

impl Browser {
    pub(super) fn details_ui(&mut self, ui: &mut egui::Ui) {
        let mut close = false;
        let mut asked = None;
        let mut opened = None;
        let mut reread = None;
        ui.horizontal(|ui| {
            ui.heading("Details");
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if ui.button("✖").on_hover_text("Close").clicked() {
                    close = true;
                }
            });
        });
        ui.separator();
        if let Some((key, promise)) = &self.details {
            match promise.ready() {
                None => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(format!("Reading {key}…"));
                    });
                }
                Some(Err(e)) => {
                    ui.colored_label(ui.visuals().error_fg_color, e.to_string());
                    ui.label(e.hint());
                }
                Some(Ok(d)) => {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        let place = (&self.connection, self.bucket.as_str());
                        inspector_section_ui(ui, &mut self.inspector, &mut self.inspector_window, place, d);
                        fields_ui(ui, d);
                        ui.add_space(8.0);
                        if ui.button("🕘 Versions…").clicked() {
                            opened = Some(Opened::Versions(d.key.clone()));
                        }
                        if ui.button("🏷 Metadata and tags…").clicked() {
                            opened = Some(Opened::Metadata(d.key.clone()));
                        }
                        if cfg!(not(target_arch = "wasm32")) {
                            if ui
                                .button("✔ Verify a local copy…")
                                .on_hover_text("Same bytes? Size and stored checksum (CRC32C, CRC32 or CRC64NVME), without downloading")
                                .clicked()
                            {
                                asked = Some(BrowserRequest::Verify { key: d.key.clone() });
                            }
                            if ui
                                .button("🔗 Share link…")
                                .on_hover_text("A link anyone can download this object with, for up to 7 days")
                                .clicked()
                            {
                                asked = Some(BrowserRequest::ShareLink {
                                    keys: vec![d.key.clone()],
                                    version_id: None,
                                });
                            }
                        }
                        if super::restore::is_archived(d) {
                            let place = (&self.connection, self.bucket.as_str());
                            if super::restore::restore_ui(ui, &mut self.restore_form, place, d) {
                                reread = Some(d.key.clone());
                            }
                        }
                        if d.etag.as_deref().is_some_and(|e| e.contains('-')) {
                            ui.add_space(8.0);
                            ui.small("This ETag belongs to a multipart upload: it is not the MD5 of the bytes.");
                        }
                    });
                }
            }
        }
        if let Some(request) = asked {
            self.request = Some(request);
        }
        let ctx = ui.ctx().clone();
        if let Some(key) = reread {
            self.show_details(&ctx, &key);
        }
        match opened {
            Some(Opened::Versions(key)) => self.open_versions(&ctx, VersionsOf::Object(key)),
            Some(Opened::Metadata(key)) => self.edit_metadata(&ctx, &key),
            None => {}
        }
        if let Some(inspector) = self.inspector.as_mut().filter(|_| self.inspector_window) {
            let mut open = true;
            inspector.window(&ctx, &mut open);
            self.inspector_window = open;
        }
        if close {
            self.details = None;
            self.inspector_window = false;
            self.selection.clear();
            self.selection_changed();
        }
    }
}

/// What HeadObject said, field by field.
fn fields_ui(ui: &mut egui::Ui, d: &crate::s3::objects::ObjectDetails) {
    let field = |ui: &mut egui::Ui, name: &str, value: String| {
        ui.label(RichText::new(name).small().weak());
        ui.add(egui::Label::new(value).wrap());
        ui.add_space(4.0);
    };
    field(ui, "Key", d.key.clone());
    field(
        ui,
        "Size",
        format!(
            "{} ({} bytes)",
            human_bytes(d.size_bytes),
            thousands(d.size_bytes)
        ),
    );
    field(ui, "ETag", d.etag.clone().unwrap_or_else(|| "—".into()));
    if let Some(checksum) = &d.checksum {
        field(ui, "Checksum", checksum.clone());
    }
    field(
        ui,
        "Content type",
        d.content_type.clone().unwrap_or_else(|| "—".into()),
    );
    field(
        ui,
        "Storage class",
        d.storage_class.clone().unwrap_or_else(|| "—".into()),
    );
    field(
        ui,
        "Last modified",
        d.last_modified_secs
            .map(|s| format!("{} UTC", utc_datetime(s)))
            .unwrap_or_else(|| "—".into()),
    );
    if let Some(restore) = &d.restore {
        field(ui, "Restore", restore.clone());
    }
    if let Some(v) = &d.version_id {
        field(ui, "Version", v.clone());
    }
    ui.add_space(8.0);
    ui.label(RichText::new("User metadata").strong());
    if d.user_metadata.is_empty() {
        ui.label("none");
    }
    for (k, v) in &d.user_metadata {
        ui.label(format!("{k}: {v}"));
    }
}

impl Browser {
    /// Space: the Inspector's window for the one object selected, or closed again.
    pub(super) fn toggle_inspector_window(&mut self, ctx: &egui::Context) {
        if self.inspector_window {
            self.inspector_window = false;
            return;
        }
        let keys: Vec<String> = self.selection.keys().take(2).cloned().collect();
        let [key] = keys.as_slice() else {
            return;
        };
        if key.ends_with('/') {
            return;
        }
        let key = key.clone();
        if self.details.as_ref().is_none_or(|(shown, _)| *shown != key) {
            self.show_details(ctx, &key);
        }
        self.inspector_window = true;
    }
}

/// "Inside": the Inspector on the object whose details are shown, started when it changes;
/// "Larger" opens its window.
fn inspector_section_ui(
    ui: &mut egui::Ui,
    inspector: &mut Option<Inspector>,
    window: &mut bool,
    (connection, bucket): (&crate::s3::Connection, &str),
    d: &crate::s3::objects::ObjectDetails,
) {
    if !inspector.as_ref().is_some_and(|i| i.is_of(&d.key, None)) {
        *inspector = Some(Inspector::start(
            ui.ctx(),
            connection,
            bucket,
            &d.key,
            None,
            d.size_bytes,
        ));
    }
    let Some(inspector) = inspector else {
        return;
    };
    egui::CollapsingHeader::new(RichText::new("Inside").strong())
        .default_open(true)
        .show(ui, |ui| {
            if ui
                .small_button("⛶ Larger")
                .on_hover_text("Open in a window of its own (Space)")
                .clicked()
            {
                *window = true;
            }
            inspector.panel_ui(ui);
        });
    ui.add_space(8.0);
}
