//! Small widgets used across panels.

use egui::{Color32, RichText};

/// An error as users read it: what went wrong, what to do, and a retry button.
pub fn error_card(ui: &mut egui::Ui, message: &str, hint: &str, on_retry: impl FnOnce()) {
    egui::Frame::group(ui.style())
        .fill(ui.visuals().extreme_bg_color)
        .stroke(egui::Stroke::new(1.0, ui.visuals().error_fg_color))
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new("⚠")
                        .color(ui.visuals().error_fg_color)
                        .size(18.0),
                );
                ui.label(RichText::new(message).strong());
            });
            ui.label(RichText::new(hint).color(hint_color(ui)));
            if ui.button("⟳ Retry").clicked() {
                on_retry();
            }
        });
}

/// A wizard's steps in a row, `1. Name › 2. Region › …`, the current one highlighted.
pub fn steps_bar(ui: &mut egui::Ui, titles: &[&str], current: usize) {
    ui.horizontal_wrapped(|ui| {
        for (i, title) in titles.iter().enumerate() {
            let text = RichText::new(format!("{}. {title}", i + 1));
            ui.label(if i == current {
                text.strong().color(ui.visuals().selection.stroke.color)
            } else {
                text.weak()
            });
            if i + 1 < titles.len() {
                ui.label(RichText::new("›").weak());
            }
        }
    });
}

fn hint_color(ui: &egui::Ui) -> Color32 {
    ui.visuals().weak_text_color()
}
