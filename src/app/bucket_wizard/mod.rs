//! The new-bucket wizard's window: it draws the flow (`flow`, pure) with its views (`view`) and
//! carries out the flow's effects: the endpoint's probe, the name check and the setup job.

mod flow;
#[cfg(test)]
mod tests;
mod view;

use poll_promise::Promise;

pub use flow::{BucketFlow, Effect, Endpoint, Event, Stage, Step, WizardOutcome};

use super::task;
use crate::runtime::Job;
use crate::s3::bucket_setup::{
    Availability, Capabilities, SetupEvent, check_availability, probe_capabilities, start_setup,
};
use crate::s3::{Connection, S3Error};

pub struct BucketWizard {
    flow: BucketFlow,
    connection: Connection,
    probe: Option<Promise<Capabilities>>,
    check: Option<(String, Promise<Result<Availability, S3Error>>)>,
    setup: Option<Job<SetupEvent>>,
}

impl BucketWizard {
    pub fn new(ctx: &egui::Context, connection: Connection, today_yyyymmdd: &str) -> Self {
        let endpoint = Endpoint {
            aws: !connection.single_region,
            url: connection.endpoint.clone(),
            region: connection.region.clone(),
        };
        let (flow, effects) = BucketFlow::open(endpoint, today_yyyymmdd);
        let mut wizard = Self {
            flow,
            connection,
            probe: None,
            check: None,
            setup: None,
        };
        wizard.carry_out(ctx, effects);
        wizard
    }

    pub fn show(&mut self, ctx: &egui::Context) -> WizardOutcome {
        let mut events = self.news();
        let mut open = true;
        egui::Window::new("New bucket")
            .collapsible(false)
            .resizable(true)
            .default_width(620.0)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                super::widgets::steps_bar(ui, &Stage::TITLES, self.flow.stage.index());
                ui.separator();
                // A steady height, so the buttons stay put from step to step.
                egui::ScrollArea::vertical()
                    .max_height(430.0)
                    .show(ui, |ui| {
                        ui.set_min_height(360.0);
                        view::stage_ui(ui, &mut self.flow);
                    });
                ui.separator();
                if let Some(problem) = &self.flow.problem {
                    ui.colored_label(ui.visuals().error_fg_color, problem);
                }
                ui.horizontal(|ui| events.extend(view::buttons_ui(ui, &self.flow)));
            });
        if !open {
            events.push(Event::Close);
        }
        let closed = super::widgets::apply_events(ctx, events, |event| {
            let effects = self.flow.update(event);
            self.carry_out(ctx, effects)
        });
        closed.unwrap_or(WizardOutcome::Open)
    }

    /// What the probe, the name check and the setup have brought since the last frame.
    fn news(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(capabilities) = task::take_ready(&mut self.probe) {
            events.push(Event::Probed(capabilities));
        }
        if let Some((name, promise)) = self.check.take() {
            match promise.try_take() {
                Ok(result) => events.push(Event::Checked { name, result }),
                Err(promise) => self.check = Some((name, promise)),
            }
        }
        while let Some(event) = self.setup.as_mut().and_then(Job::try_next) {
            let done = event == SetupEvent::Done;
            events.push(Event::Setup(event));
            if done {
                self.setup = None;
            }
        }
        events
    }

    fn carry_out(&mut self, ctx: &egui::Context, effects: Vec<Effect>) -> Option<WizardOutcome> {
        let mut closed = None;
        for effect in effects {
            match effect {
                Effect::ProbeCapabilities => {
                    let connection = self.connection.clone();
                    self.probe = Some(task::spawn(ctx, async move {
                        probe_capabilities(&connection).await
                    }));
                }
                Effect::CheckAvailability(name) => {
                    let connection = self.connection.clone();
                    let asked = name.clone();
                    let promise =
                        task::spawn(
                            ctx,
                            async move { check_availability(&connection, &asked).await },
                        );
                    self.check = Some((name, promise));
                }
                Effect::StartSetup { spec, steps } => {
                    let notify = task::notifier(ctx);
                    self.setup = Some(start_setup(&self.connection, &spec, steps, notify));
                }
                Effect::Close(outcome) => closed = Some(outcome),
            }
        }
        closed
    }
}
