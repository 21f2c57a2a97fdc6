//! The transfer queue panel and the drop target, the same on the desktop and in the browser:
//! they draw any [`QueueView`].

use egui::{Align, Layout, RichText};
use egui_extras::{Column, TableBuilder};

use crate::format::{human_bytes, rate};
use crate::transfer::IfExists;
use crate::transfer::job::{Direction, JobState, QueueView};

/// A highlight over `rect` while files hover, saying where they will go.
pub fn drop_target_ui(ctx: &egui::Context, rect: egui::Rect, destination: &str) {
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("skiff-drop-target"),
    ));
    let color = ctx.global_style().visuals.selection.stroke.color;
    painter.rect_filled(rect, 6.0, color.gamma_multiply(0.15));
    painter.rect_stroke(
        rect,
        6.0,
        egui::Stroke::new(2.0, color),
        egui::StrokeKind::Inside,
    );
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        format!("Drop to upload into {destination}"),
        egui::FontId::proportional(20.0),
        color,
    );
}

/// The queue: one row per transfer, totals and actions above.
pub fn queue_ui(ui: &mut egui::Ui, queue: &mut dyn QueueView) {
    let totals = queue.totals();
    let mut clear = false;
    let mut cancel_all = false;
    let (mut pause_all, mut resume_all) = (false, false);
    ui.horizontal(|ui| {
        ui.label(RichText::new("Transfers").strong());
        ui.label(format!(
            "{} of {} done · {} of {}{}",
            totals.done,
            totals.jobs,
            human_bytes(totals.bytes_done),
            human_bytes(totals.bytes_total),
            if totals.failed > 0 {
                format!(" · {} failed", totals.failed)
            } else {
                String::new()
            }
        ));
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if ui
                .add_enabled(totals.active > 0, egui::Button::new("✖ Cancel all"))
                .clicked()
            {
                cancel_all = true;
            }
            if ui.button("Clear finished").clicked() {
                clear = true;
            }
            if totals.paused > 0 && ui.button("▶ Resume all").clicked() {
                resume_all = true;
            }
            if totals.active > 0 && ui.button("⏸ Pause all").clicked() {
                pause_all = true;
            }
        });
    });
    if totals.waiting > 0 {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} already {} at the destination:",
                    crate::format::count(totals.waiting as u64, "file", "files"),
                    if totals.waiting == 1 {
                        "exists"
                    } else {
                        "exist"
                    }
                ),
            );
            if ui.button("Overwrite").clicked() {
                queue.decide(IfExists::Overwrite);
            }
            if ui.button("Skip").clicked() {
                queue.decide(IfExists::Skip);
            }
            if ui
                .button("Keep both")
                .on_hover_text("The new one becomes “name (1).ext”")
                .clicked()
            {
                queue.decide(IfExists::Rename);
            }
        });
    }
    let mut cancel = None;
    let mut retry = None;
    let mut pause = None;
    let mut resume = None;
    TableBuilder::new(ui)
        .id_salt("transfers")
        .striped(true)
        .max_scroll_height(160.0)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::remainder().at_least(160.0).clip(true))
        .column(Column::exact(220.0))
        .column(Column::exact(170.0))
        .column(Column::exact(190.0))
        .column(Column::exact(80.0))
        .body(|body| {
            body.rows(22.0, queue.len(), |mut row| {
                let Some(job) = queue.row(row.index()) else {
                    return;
                };
                let state = &job.state;
                let (done, total) = (job.bytes_done, job.bytes_total);
                row.col(|ui| {
                    let arrow = match job.direction {
                        Direction::Upload => "⬆",
                        Direction::Download => "⬇",
                    };
                    let name = match &job.landed_as {
                        Some(other) => format!(
                            "{arrow} {} as {}",
                            job.name,
                            other.rsplit(['/', '\\']).next().unwrap_or(other)
                        ),
                        None => format!("{arrow} {}", job.name),
                    };
                    ui.label(name)
                        .on_hover_text(format!("s3://{}/{}\n{}", job.bucket, job.key, job.local));
                });
                row.col(|ui| {
                    let fraction = if total == 0 {
                        if *state == JobState::Done { 1.0 } else { 0.0 }
                    } else {
                        done as f32 / total as f32
                    };
                    ui.add(egui::ProgressBar::new(fraction).text(format!(
                        "{} of {}",
                        human_bytes(done),
                        human_bytes(total)
                    )));
                });
                row.col(|ui| {
                    let eta = job
                        .eta_secs
                        .map(|s| format!(" · {}", crate::format::time_left(s)))
                        .unwrap_or_default();
                    // A paused or waiting job has no rate worth showing.
                    if matches!(state, JobState::Running) || state.is_finished() {
                        ui.label(format!("{}{eta}", rate(job.rate)));
                    }
                });
                row.col(|ui| match state {
                    JobState::Queued => {
                        ui.label("queued");
                    }
                    JobState::Running => {
                        ui.label("running");
                    }
                    JobState::Done => {
                        ui.colored_label(egui::Color32::from_rgb(90, 190, 110), "✔ done");
                    }
                    JobState::Cancelled => {
                        ui.label("cancelled");
                    }
                    JobState::Skipped => {
                        ui.label("skipped: it exists");
                    }
                    JobState::Exists => {
                        ui.colored_label(ui.visuals().warn_fg_color, "exists: choose above");
                    }
                    JobState::Paused => {
                        ui.label("⏸ paused");
                    }
                    JobState::Failed { message, hint } => {
                        ui.colored_label(ui.visuals().error_fg_color, "✖ failed")
                            .on_hover_text(format!("{message}\n{hint}"));
                    }
                });
                row.col(|ui| {
                    if state.is_finished() {
                        if *state != JobState::Done
                            && ui.small_button("⟳").on_hover_text("Retry").clicked()
                        {
                            retry = Some(job.id);
                        }
                        return;
                    }
                    if *state == JobState::Paused {
                        if ui.small_button("▶").on_hover_text("Resume").clicked() {
                            resume = Some(job.id);
                        }
                    } else if ui.small_button("⏸").on_hover_text("Pause").clicked() {
                        pause = Some(job.id);
                    }
                    if ui.small_button("✖").on_hover_text("Cancel").clicked() {
                        cancel = Some(job.id);
                    }
                });
            });
        });
    if let Some(id) = cancel {
        queue.cancel(id);
    }
    if let Some(id) = retry {
        queue.retry(id);
    }
    if let Some(id) = pause {
        queue.pause(id);
    }
    if let Some(id) = resume {
        queue.resume(id);
    }
    if cancel_all {
        queue.cancel_all();
    }
    if pause_all {
        queue.pause_all();
    }
    if resume_all {
        queue.resume_all();
    }
    if clear {
        queue.clear_finished();
    }
}

/// When uploads into the listed prefix land, lists it again so they appear.
pub fn refresh_when_uploads_land(
    ctx: &egui::Context,
    queue: &dyn QueueView,
    finished_seen: &mut usize,
    browser: &mut super::Browser,
) {
    let finished = queue.totals().done;
    if finished == *finished_seen {
        return;
    }
    *finished_seen = finished;
    if queue.uploads_into(&browser.bucket, &browser.prefix) && !browser.is_loading() {
        browser.refresh(ctx);
    }
}
