//! The cleanup wizard's window: it draws the flow (`flow`, pure) with its views (`view`) and
//! carries out the flow's effects: the scan and the run as engine jobs (`cleanup::jobs`), the
//! abort rule, the audit copy and exports.

mod flow;
#[cfg(test)]
mod tests;
mod view;

use egui::RichText;
use poll_promise::Promise;

pub use flow::{CleanupFlow, CleanupOutcome, Effect, Event, FilterFields, Scan, Stage};

use super::task;
use crate::cleanup::Scope;
use crate::cleanup::jobs::{RunJob, ScanJob};
use crate::s3::{Connection, S3Error};

pub struct CleanupWizard {
    flow: CleanupFlow,
    connection: Connection,
    notify: crate::runtime::Notify,
    scanning: Option<ScanJob>,
    running: Option<RunJob>,
    run_started_secs: f64,
    abort_rule: Option<Promise<Result<u32, S3Error>>>,
    /// Where the audit copy of each report goes; `None` keeps none.
    reports_dir: Option<std::path::PathBuf>,
    file_dialogs: super::FileDialogs,
    exporting: Option<super::platform::ReportExport>,
    /// The plan's commands, made once per plan rather than each frame the fold is open.
    commands: Option<(
        crate::s3::commands::Action,
        crate::s3::commands::Equivalents,
    )>,
}

impl CleanupWizard {
    /// Opens on the inventory step and starts the scan at once.
    pub fn open(
        ctx: &egui::Context,
        connection: Connection,
        scope: Scope,
        reports_dir: Option<std::path::PathBuf>,
        file_dialogs: super::FileDialogs,
    ) -> Self {
        let (flow, effects) = CleanupFlow::open(scope);
        let mut wizard = Self {
            flow,
            connection,
            notify: task::notifier(ctx),
            scanning: None,
            running: None,
            run_started_secs: 0.0,
            abort_rule: None,
            reports_dir,
            file_dialogs,
            exporting: None,
            commands: None,
        };
        wizard.carry_out(ctx, effects);
        wizard
    }

    pub fn show(&mut self, ctx: &egui::Context) -> CleanupOutcome {
        let mut events = self.news(ctx);
        let mut open = true;
        let elapsed = ctx.input(|i| i.time) - self.run_started_secs;
        egui::Window::new(self.flow.title())
            .id(egui::Id::unique("cleanup-wizard"))
            .collapsible(false)
            .resizable(true)
            .default_width(640.0)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                let titles = Stage::TITLES;
                super::widgets::steps_bar(ui, &titles, self.flow.stage.index());
                ui.label(RichText::new(self.flow.scope.describe()).strong());
                ui.separator();
                egui::ScrollArea::vertical()
                    .max_height(420.0)
                    .show(ui, |ui| {
                        ui.set_min_height(300.0);
                        events.extend(view::stage_ui(ui, &mut self.flow, elapsed));
                    });
                if let (Stage::Confirm { .. }, Some(action)) =
                    (&self.flow.stage, self.flow.action())
                {
                    self.show_command_ui(ui, action);
                }
                ui.separator();
                ui.horizontal(|ui| events.extend(view::buttons_ui(ui, &self.flow)));
            });
        if !open {
            events.push(Event::Close);
        }
        let closed = super::widgets::apply_events(ctx, events, |event| {
            let effects = self.flow.update(event);
            self.carry_out(ctx, effects)
        });
        closed.unwrap_or(CleanupOutcome::Open)
    }

    /// The plan as an AWS CLI, boto3 or skiff command, folded until asked for.
    fn show_command_ui(&mut self, ui: &mut egui::Ui, action: crate::s3::commands::Action) {
        let filtered = self
            .flow
            .filter_fields
            .filters()
            .is_ok_and(|f| !f.is_empty());
        let c = &self.connection;
        egui::CollapsingHeader::new("</> Show command").show(ui, |ui| {
            if filtered {
                ui.label(
                    RichText::new("The filters chosen here are not part of the command.").weak(),
                );
            }
            if self
                .commands
                .as_ref()
                .is_none_or(|(made_for, _)| *made_for != action)
            {
                let place = crate::s3::commands::Place::new(&c.endpoint, &c.region);
                let commands = crate::s3::commands::equivalents(&action, &place);
                self.commands = Some((action, commands));
            }
            if let Some((_, commands)) = &self.commands {
                super::show_command::commands_ui(ui, commands);
            }
        });
    }

    /// What the jobs and promises have brought since the last frame.
    fn news(&mut self, ctx: &egui::Context) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(job) = self.scanning.as_mut() {
            while let Some(event) = job.try_next() {
                events.push(Event::Scanned(event));
            }
        }
        if let Some(job) = self.running.as_mut() {
            while let Some(event) = job.try_next() {
                events.push(Event::Ran(event));
            }
        }
        if let Some(result) = task::take_ready(&mut self.abort_rule) {
            events.push(Event::AbortRuleAdded(result));
        }
        if let Some(export) = &mut self.exporting
            && let Some(done) = export.poll(ctx)
        {
            self.exporting = None;
            events.extend(done.map(Event::Noted));
        }
        events
    }

    /// Carries out the flow's effects; the outcome when one closes the window.
    fn carry_out(&mut self, ctx: &egui::Context, effects: Vec<Effect>) -> Option<CleanupOutcome> {
        let mut closed = None;
        for effect in effects {
            match effect {
                Effect::StartScan { scope, filters } => {
                    let notify = self.notify.clone();
                    self.scanning = Some(ScanJob::start(&self.connection, scope, filters, notify));
                }
                Effect::StopScan => {
                    if let Some(job) = &self.scanning {
                        job.stop();
                    }
                }
                Effect::StartRun(run) => {
                    let notify = self.notify.clone();
                    self.running = Some(RunJob::start(&self.connection, run, notify));
                    self.run_started_secs = ctx.input(|i| i.time);
                }
                Effect::StopRun => {
                    if let Some(job) = &self.running {
                        job.stop();
                    }
                }
                Effect::AddAbortRule { bucket, days } => {
                    let connection = self.connection.clone();
                    self.abort_rule = Some(task::spawn(ctx, async move {
                        crate::s3::uploads::add_abort_rule(&connection, &bucket, days)
                            .await
                            .map(|()| days)
                    }));
                }
                Effect::SaveAuditCopy(run) => {
                    let dir = self.reports_dir.as_deref();
                    if let Some(note) = super::platform::save_report_copy(&run, dir) {
                        let effects = self.flow.update(Event::Noted(note));
                        closed = closed.or(self.carry_out(ctx, effects));
                    }
                }
                Effect::Export { run, extension } => {
                    self.exporting =
                        super::platform::export_report(ctx, run, extension, self.file_dialogs);
                }
                Effect::Close(outcome) => closed = Some(outcome),
            }
        }
        closed
    }
}
