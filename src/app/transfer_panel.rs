//! The transfer queue panel and the drop target, the same on the desktop and in the browser:
//! they draw any [`QueueView`].

use egui::{Align, Layout, RichText};
use egui_extras::{Column, TableBuilder};

use crate::format::{human_bytes, rate};
use crate::transfer::IfExists;
use crate::transfer::job::{Direction, JobRow, JobState, QueueView};

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

/// What a click in the queue panel asks of the queue.
enum QueueAction {
    Cancel(u64),
    Retry(u64),
    Pause(u64),
    Resume(u64),
    CancelAll,
    PauseAll,
    ResumeAll,
    ClearFinished,
    Decide(IfExists),
    ShowCommand(Box<JobRow>),
}

/// The queue: one row per transfer, totals and actions above. The transfer whose command the
/// user asked to see, if any.
pub fn queue_ui(ui: &mut egui::Ui, queue: &mut dyn QueueView) -> Option<JobRow> {
    let mut actions = totals_ui(ui, queue);
    actions.extend(rows_ui(ui, queue));
    let mut show_command = None;
    for action in actions {
        match action {
            QueueAction::Cancel(id) => queue.cancel(id),
            QueueAction::Retry(id) => queue.retry(id),
            QueueAction::Pause(id) => queue.pause(id),
            QueueAction::Resume(id) => queue.resume(id),
            QueueAction::CancelAll => queue.cancel_all(),
            QueueAction::PauseAll => queue.pause_all(),
            QueueAction::ResumeAll => queue.resume_all(),
            QueueAction::ClearFinished => queue.clear_finished(),
            QueueAction::Decide(choice) => queue.decide(choice),
            QueueAction::ShowCommand(job) => show_command = Some(*job),
        }
    }
    show_command
}

/// The totals line with the actions on every job, and the question for files that exist.
fn totals_ui(ui: &mut egui::Ui, queue: &dyn QueueView) -> Vec<QueueAction> {
    let totals = queue.totals();
    let mut actions = Vec::new();
    ui.horizontal(|ui| {
        ui.label(RichText::new("Transfers").strong());
        let moving = (totals.active > 0 && totals.rate > 0.0).then(|| {
            format!(
                " · {}/s · {}",
                human_bytes(totals.rate as u64),
                crate::format::count(
                    totals.requests_in_flight as u64,
                    "connection",
                    "connections"
                )
            )
        });
        let line = ui.label(format!(
            "{} of {} done · {} of {}{}{}",
            totals.done,
            totals.jobs,
            human_bytes(totals.bytes_done),
            human_bytes(totals.bytes_total),
            if totals.failed > 0 {
                format!(" · {} failed", totals.failed)
            } else {
                String::new()
            },
            moving.as_deref().unwrap_or_default(),
        ));
        if moving.is_some() {
            line.on_hover_text(format!(
                "Connections: requests in flight now. Skiff moves more files at once while \
                 that makes the transfers faster: up to {} now.",
                totals.files_at_once
            ));
        }
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            let cancel_all = egui::Button::new("✖ Cancel all");
            if ui.add_enabled(totals.active > 0, cancel_all).clicked() {
                actions.push(QueueAction::CancelAll);
            }
            if ui.button("Clear finished").clicked() {
                actions.push(QueueAction::ClearFinished);
            }
            if totals.paused > 0 && ui.button("▶ Resume all").clicked() {
                actions.push(QueueAction::ResumeAll);
            }
            if totals.active > 0 && ui.button("⏸ Pause all").clicked() {
                actions.push(QueueAction::PauseAll);
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
                actions.push(QueueAction::Decide(IfExists::Overwrite));
            }
            if ui.button("Skip").clicked() {
                actions.push(QueueAction::Decide(IfExists::Skip));
            }
            if ui
                .button("Keep both")
                .on_hover_text("The new one becomes “name (1).ext”")
                .clicked()
            {
                actions.push(QueueAction::Decide(IfExists::Rename));
            }
        });
    }
    actions
}

/// One row per transfer, drawn only where the table is scrolled to.
fn rows_ui(ui: &mut egui::Ui, queue: &dyn QueueView) -> Vec<QueueAction> {
    let mut actions = Vec::new();
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
                row.col(|ui| {
                    if name_cell(ui, &job) {
                        actions.push(QueueAction::ShowCommand(Box::new(job.clone())));
                    }
                });
                row.col(|ui| {
                    let (done, total) = (job.bytes_done, job.bytes_total);
                    let fraction = if total == 0 {
                        if job.state == JobState::Done {
                            1.0
                        } else {
                            0.0
                        }
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
                    if matches!(job.state, JobState::Running) || job.state.is_finished() {
                        ui.label(format!("{}{eta}", rate(job.rate)));
                    }
                });
                row.col(|ui| state_cell(ui, &job.state));
                row.col(|ui| actions.extend(job_actions_ui(ui, job.id, &job.state)));
            });
        });
    actions
}

/// The transfer's name; `true` when "Show command" was picked in its menu (right click).
fn name_cell(ui: &mut egui::Ui, job: &JobRow) -> bool {
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
    let mut show_command = false;
    ui.add(egui::Label::new(name).sense(egui::Sense::click()))
        .on_hover_text(format!(
            "s3://{}/{}\n{}\nRight-click: the same in the AWS CLI, boto3 or skiff",
            job.bucket, job.key, job.local
        ))
        .context_menu(|ui| {
            if ui.button("</> Show command").clicked() {
                show_command = true;
                ui.close();
            }
        });
    show_command
}

fn state_cell(ui: &mut egui::Ui, state: &JobState) {
    match state {
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
    }
}

/// Retry for a finished job that did not succeed; pause or resume, and cancel, for the rest.
fn job_actions_ui(ui: &mut egui::Ui, id: u64, state: &JobState) -> Option<QueueAction> {
    let mut action = None;
    if state.is_finished() {
        if *state != JobState::Done && ui.small_button("⟳").on_hover_text("Retry").clicked() {
            action = Some(QueueAction::Retry(id));
        }
        return action;
    }
    if *state == JobState::Paused {
        if ui.small_button("▶").on_hover_text("Resume").clicked() {
            action = Some(QueueAction::Resume(id));
        }
    } else if ui.small_button("⏸").on_hover_text("Pause").clicked() {
        action = Some(QueueAction::Pause(id));
    }
    if ui.small_button("✖").on_hover_text("Cancel").clicked() {
        action = Some(QueueAction::Cancel(id));
    }
    action
}

/// Seconds between listings of the browsed prefix while uploads keep landing in it.
const LANDING_REFRESH_SECS: f64 = 3.0;

/// What the browser has seen of uploads landing in the prefix it lists.
#[derive(Debug, Default)]
pub struct Landings {
    finished_seen: usize,
    /// Uploads into the prefix landed since it was last listed.
    unseen: bool,
    /// When it was last listed for them (egui's clock, seconds).
    listed_at: Option<f64>,
}

/// What to do about uploads that landed in the listed prefix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Relist {
    Now,
    /// More are landing and the last listing was recent: again in this many seconds.
    After(f64),
    Nothing,
}

impl Landings {
    /// `done` jobs finished so far (`into_prefix`: some upload goes into the listed prefix),
    /// `active` still moving, at `now` on egui's clock.
    fn relist(
        &mut self,
        (done, active): (usize, usize),
        into_prefix: impl FnOnce() -> bool,
        loading: bool,
        now: f64,
    ) -> Relist {
        if done != self.finished_seen {
            self.finished_seen = done;
            self.unseen |= into_prefix();
        }
        if !self.unseen || loading {
            return Relist::Nothing;
        }
        let wait = (self.listed_at).map_or(0.0, |at| at + LANDING_REFRESH_SECS - now);
        if active > 0 && wait > 0.0 {
            return Relist::After(wait);
        }
        self.unseen = false;
        self.listed_at = Some(now);
        Relist::Now
    }
}

/// When uploads into the listed prefix land, lists it again so they appear: at once for the
/// first, then at most every few seconds while more land (each listing of a large folder is
/// many pages), and once more when nothing is moving.
pub fn refresh_when_uploads_land(
    ctx: &egui::Context,
    queue: &dyn QueueView,
    landings: &mut Landings,
    browser: &mut super::Browser,
) {
    let totals = queue.totals();
    let into_prefix = || queue.uploads_into(&browser.bucket, &browser.prefix);
    let loading = browser.is_loading();
    let now = ctx.input(|i| i.time);
    match landings.relist((totals.done, totals.active), into_prefix, loading, now) {
        Relist::Now => browser.refresh(ctx),
        Relist::After(secs) => ctx.request_repaint_after(std::time::Duration::from_secs_f64(secs)),
        Relist::Nothing => {}
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use crate::transfer::IfExists;
    use crate::transfer::job::{JobRow, QueueView, Totals};

    /// A queue seen only through its totals.
    struct Moving(Totals);

    impl QueueView for Moving {
        fn len(&self) -> usize {
            0
        }
        fn row(&self, _: usize) -> Option<JobRow> {
            None
        }
        fn totals(&self) -> Totals {
            self.0
        }
        fn uploads_into(&self, _: &str, _: &str) -> bool {
            false
        }
        fn pause(&mut self, _: u64) {}
        fn resume(&mut self, _: u64) {}
        fn cancel(&mut self, _: u64) {}
        fn retry(&mut self, _: u64) {}
        fn pause_all(&mut self) {}
        fn resume_all(&mut self) {}
        fn cancel_all(&mut self) {}
        fn clear_finished(&mut self) {}
        fn decide(&mut self, _: IfExists) {}
    }

    fn line(totals: Totals) -> bool {
        let queue = Moving(totals);
        let mut harness = Harness::new_ui(|ui| {
            super::totals_ui(ui, &queue);
        });
        harness.run();
        harness
            .query_by_label_contains("163 MiB/s · 99 connections")
            .is_some()
    }

    #[test]
    fn the_totals_show_the_rate_and_connections_while_moving() {
        let moving = Totals {
            jobs: 1500,
            done: 207,
            active: 64,
            bytes_done: 207 << 20,
            bytes_total: 1500 << 20,
            rate: 163.0 * (1 << 20) as f64,
            requests_in_flight: 99,
            files_at_once: 128,
            ..Totals::default()
        };
        assert!(line(moving), "shown while files move");
        let finished = Totals {
            active: 0,
            ..moving
        };
        assert!(!line(finished), "not once nothing moves");
    }

    #[test]
    fn uploads_landing_relist_the_folder_at_once_then_every_few_seconds_then_at_the_end() {
        use super::{Landings, Relist};
        let mut landings = Landings::default();
        let yes = || true;
        assert_eq!(landings.relist((0, 5), yes, false, 0.0), Relist::Nothing);
        assert_eq!(landings.relist((1, 4), yes, false, 1.0), Relist::Now);
        // More land a second later: not yet, and not while a listing runs.
        assert_eq!(landings.relist((2, 3), yes, false, 2.0), Relist::After(2.0));
        assert_eq!(landings.relist((2, 3), yes, true, 4.5), Relist::Nothing);
        assert_eq!(landings.relist((3, 2), yes, false, 4.5), Relist::Now);
        // The last one lands: listed at once, however recent the last listing.
        assert_eq!(landings.relist((5, 0), yes, false, 5.0), Relist::Now);
        assert_eq!(landings.relist((5, 0), yes, false, 6.0), Relist::Nothing);
        // Uploads elsewhere leave the listing alone.
        assert_eq!(
            landings.relist((6, 0), || false, false, 20.0),
            Relist::Nothing
        );
    }
}
