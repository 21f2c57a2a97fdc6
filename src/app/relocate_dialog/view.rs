//! What the rename, copy, move and change-class window draws at each step.

use super::{CLASSES, Event, Purpose, RelocateDialog, Step, command_of};
use crate::format::{count, human_bytes};
use crate::relocate::{Inventory, Mode, RelocateCounts};
use crate::s3::Connection;

/// What a frame of the window leaves the browser to do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Shown {
    pub closed: bool,
    /// Objects changed: list again.
    pub refresh: bool,
    /// The commands that do the same, asked for.
    pub show_command: Option<crate::s3::commands::Action>,
}

impl RelocateDialog {
    /// Draws the window and takes in the jobs' news; the effects run here.
    pub fn show(&mut self, ctx: &egui::Context, connection: &Connection) -> Shown {
        let mut shown = Shown::default();
        for event in self.poll() {
            let effects = self.update(event);
            shown.refresh |= self.apply(ctx, connection, effects);
        }
        let mut open = true;
        let mut events = Vec::new();
        crate::app::widgets::dialog(ctx, self.title())
            .open(&mut open)
            .default_width(520.0)
            .show(ctx, |ui| self.step_ui(ui, &mut events));
        for event in events {
            let effects = self.update(event);
            shown.refresh |= self.apply(ctx, connection, effects);
        }
        shown.show_command = self.asked_command.take();
        if !open {
            if let Some(job) = &self.run_job {
                // The copies in flight finish and their sources are deleted; nothing half done.
                job.stop();
            }
            shown.closed = true;
        }
        shown
    }

    fn step_ui(&mut self, ui: &mut egui::Ui, events: &mut Vec<Event>) {
        let purpose = self.purpose.clone();
        match &mut self.step {
            Step::Choose { text, problem } => {
                let label = match &purpose {
                    Purpose::Rename { .. } => "New name:",
                    Purpose::Relocate { .. } => {
                        "Into the folder (s3://bucket/folder/ or a folder of this bucket):"
                    }
                    Purpose::ChangeClass { .. } => "New storage class:",
                };
                ui.label(label);
                let submit = if let Purpose::ChangeClass { .. } = purpose {
                    egui::ComboBox::from_id_salt("class")
                        .selected_text(text.as_str())
                        .show_ui(ui, |ui| {
                            for class in CLASSES {
                                ui.selectable_value(text, (*class).to_owned(), *class);
                            }
                        });
                    ui.small("Each object is copied onto itself with the new class; metadata and tags are kept. Archive classes (GLACIER, DEEP_ARCHIVE) must be restored before they can be read.");
                    false
                } else {
                    let hint = match &purpose {
                        Purpose::Rename { .. } => "new name",
                        _ => "s3://bucket/folder/",
                    };
                    let edit = ui.add(
                        egui::TextEdit::singleline(text)
                            .hint_text(hint)
                            .desired_width(480.0),
                    );
                    // The cursor starts in the field, once: Enter gives it up to submit.
                    if std::mem::take(&mut self.focus_field) {
                        edit.request_focus();
                    }
                    edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
                };
                if let Some(problem) = problem {
                    ui.colored_label(ui.visuals().error_fg_color, problem.as_str());
                }
                ui.add_space(6.0);
                if ui.button("Next: see what it takes").clicked() || submit {
                    events.push(Event::Submit);
                }
            }
            Step::Listing { seen } => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Listing what to copy… {} objects so far", seen));
                });
            }
            Step::Review {
                inventory,
                replace_ok,
                estimate,
            } => {
                if review_ui(ui, inventory, estimate.as_deref(), replace_ok, events) {
                    self.asked_command = Some(command_of(&inventory.spec));
                }
            }
            Step::Running {
                run,
                counts,
                stopping,
            } => {
                let inventory = run.inventory();
                let fraction = counts.bytes_copied as f32 / inventory.bytes.max(1) as f32;
                ui.add(egui::ProgressBar::new(fraction).show_percentage());
                ui.label(progress_text(
                    counts,
                    inventory,
                    inventory.spec.mode == Mode::Move,
                ));
                if *stopping {
                    ui.label("Stopping: the copies in flight finish, and their sources are deleted only once confirmed.");
                } else if ui.button("⏹ Stop").clicked() {
                    events.push(Event::Stop);
                }
            }
            Step::Report {
                run,
                report,
                failures,
                saved,
            } => {
                ui.label(egui::RichText::new(report.summary()).strong());
                for failure in failures.iter() {
                    ui.label(failure.as_str());
                }
                if let Some(saved) = saved {
                    ui.small(saved.as_str());
                }
                ui.horizontal(|ui| {
                    if !report.is_complete() && ui.button("▶ Continue").clicked() {
                        events.push(Event::Continue);
                    }
                    if ui.button("📋 Copy the report (CSV)").clicked() {
                        ui.ctx().copy_text(run.export_csv());
                    }
                });
            }
            Step::Failed { error } => {
                ui.colored_label(ui.visuals().error_fg_color, error.as_str());
            }
        }
    }
}

/// The inventory: how much, a sample of what goes where, and the objects it would replace.
/// Whether the commands that do the same were asked for.
fn review_ui(
    ui: &mut egui::Ui,
    inventory: &Inventory,
    estimate: Option<&str>,
    replace_ok: &mut bool,
    events: &mut Vec<Event>,
) -> bool {
    ui.label(egui::RichText::new(inventory.spec.describe()).strong());
    ui.label(inventory.summary());
    if inventory.pairs.is_empty() {
        ui.label("Nothing to do: no object is there.");
        return false;
    }
    egui::ScrollArea::vertical()
        .max_height(180.0)
        .show(ui, |ui| {
            for pair in inventory.pairs.iter().take(50) {
                ui.label(egui::RichText::new(format!("{}  ⏵  {}", pair.from, pair.to)).small());
            }
            if inventory.pairs.len() > 50 {
                ui.small(format!("… and {} more", inventory.pairs.len() - 50));
            }
        });
    if let Some(estimate) = estimate {
        ui.label(estimate).on_hover_text(crate::pricing::SOURCE);
        ui.small("An estimate at AWS us-east-1 list prices; archive classes also bill retrievals and a minimum of 90 (GLACIER) or 180 (DEEP_ARCHIVE) days.");
    }
    let moving = inventory.spec.mode == Mode::Move;
    if moving {
        ui.small("Each source is deleted only once its copy is confirmed (same size, and the same ETag or checksum).");
    }
    if !inventory.existing.is_empty() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{} exist at the destination, e.g. {}.",
                count(inventory.existing.len() as u64, "object", "objects"),
                inventory.existing[0]
            ),
        );
        if ui.checkbox(replace_ok, "Replace them").changed() {
            events.push(Event::AgreeToReplace(*replace_ok));
        }
    }
    let verb = match (inventory.spec.mode, inventory.spec.changes.is_empty()) {
        (Mode::Move, _) => "Move",
        (Mode::Copy, true) => "Copy",
        (Mode::Copy, false) => "Change",
    };
    let label = format!(
        "{verb} {}",
        count(inventory.pairs.len() as u64, "object", "objects")
    );
    ui.horizontal(|ui| {
        if ui
            .add_enabled(*replace_ok, egui::Button::new(label))
            .clicked()
        {
            events.push(Event::Run);
        }
        ui.button("</> Show command").clicked()
    })
    .inner
}

/// "3.1 GiB of 4.0 GiB copied · 120 of 300 objects".
pub fn progress_text(counts: &RelocateCounts, inventory: &Inventory, moving: bool) -> String {
    let mut text = format!(
        "{} of {} copied · {} of {} objects",
        human_bytes(counts.bytes_copied),
        human_bytes(inventory.bytes),
        counts.copied,
        inventory.pairs.len()
    );
    if moving {
        text.push_str(&format!(" · {} sources deleted", counts.sources_deleted));
    }
    if counts.failures > 0 {
        text.push_str(&format!(" · {} failed", counts.failures));
    }
    text
}
