//! The transfer queue panel, file drops and the upload/download dialogs (desktop).

use egui::{Align, Layout, RichText};
use egui_extras::{Column, TableBuilder};

use crate::format::{human_bytes, rate};
use crate::transfer::queue::{Direction, JobState, TransferQueue};

/// Files dropped on the window this frame, and whether files hover over it.
pub fn dropped_files(ctx: &egui::Context) -> (Vec<std::path::PathBuf>, bool) {
    ctx.input(|i| {
        let dropped = i
            .raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        (dropped, !i.raw.hovered_files.is_empty())
    })
}

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
pub fn queue_ui(ui: &mut egui::Ui, queue: &mut TransferQueue) {
    let totals = queue.totals();
    let mut clear = false;
    let mut cancel_all = false;
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
        });
    });
    let mut cancel = None;
    let mut retry = None;
    let mut pause = None;
    let mut resume = None;
    let jobs = queue.jobs().to_vec();
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
            body.rows(22.0, jobs.len(), |mut row| {
                let job = &jobs[row.index()];
                let state = job.state();
                let done = job
                    .progress
                    .bytes_done
                    .load(std::sync::atomic::Ordering::Relaxed);
                let total = job
                    .progress
                    .bytes_total
                    .load(std::sync::atomic::Ordering::Relaxed);
                row.col(|ui| {
                    let arrow = match job.direction {
                        Direction::Upload => "⬆",
                        Direction::Download => "⬇",
                    };
                    ui.label(format!("{arrow} {}", job.name()))
                        .on_hover_text(format!(
                            "s3://{}/{} ⇄ {}",
                            job.bucket,
                            job.key,
                            job.local.display()
                        ));
                });
                row.col(|ui| {
                    let fraction = if total == 0 {
                        if state == JobState::Done { 1.0 } else { 0.0 }
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
                        .eta_secs()
                        .map(|s| format!(" · {s:.0} s left"))
                        .unwrap_or_default();
                    ui.label(format!("{}{eta}", rate(job.rate())));
                });
                row.col(|ui| match &state {
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
                        if state != JobState::Done
                            && ui.small_button("⟳").on_hover_text("Retry").clicked()
                        {
                            retry = Some(job.id);
                        }
                        return;
                    }
                    if state == JobState::Paused {
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
    if clear {
        queue.clear_finished();
    }
}
