//! The settings of a bucket that exists: read them, change them, apply the changes.

use egui::RichText;
use poll_promise::Promise;

use super::bucket_sections::{self as sections, SetupRun};
use super::task;
use super::widgets::Shown;
use crate::s3::bucket_setup::{BucketSpec, Capabilities, SetupStep, read_settings};
use crate::s3::{Connection, S3Error};

pub struct BucketSettings {
    connection: Connection,
    pub bucket: String,
    loading: Option<Promise<Result<(BucketSpec, Capabilities), S3Error>>>,
    read: Option<(BucketSpec, Capabilities)>,
    edited: Option<BucketSpec>,
    error: Option<S3Error>,
    run: Option<SetupRun>,
}

impl BucketSettings {
    pub fn open(ctx: &egui::Context, connection: Connection, bucket: &str) -> Self {
        let mut settings = Self {
            connection,
            bucket: bucket.to_owned(),
            loading: None,
            read: None,
            edited: None,
            error: None,
            run: None,
        };
        settings.load(ctx);
        settings
    }

    fn load(&mut self, ctx: &egui::Context) {
        let (connection, bucket) = (self.connection.clone(), self.bucket.clone());
        self.loading = Some(task::spawn(ctx, async move {
            read_settings(&connection, &bucket).await
        }));
        self.error = None;
    }

    /// The editable settings that differ from what the bucket has.
    pub fn changed_steps(&self) -> Vec<SetupStep> {
        let (Some((read, caps)), Some(edited)) = (&self.read, &self.edited) else {
            return Vec::new();
        };
        SetupStep::EDITABLE
            .into_iter()
            .filter(|s| caps.supports(*s))
            .filter(|s| match s {
                SetupStep::Versioning => read.versioning != edited.versioning,
                SetupStep::Encryption => read.encryption != edited.encryption,
                SetupStep::Lifecycle => read.lifecycle != edited.lifecycle,
                SetupStep::Tags => read.tags != edited.tags,
                SetupStep::Cors => read.cors_origins != edited.cors_origins,
                _ => false,
            })
            .collect()
    }

    pub fn show(&mut self, ctx: &egui::Context) -> Shown {
        if let Some(result) = self.loading.as_ref().and_then(|p| p.ready()) {
            match result {
                Ok((spec, caps)) => {
                    self.read = Some((spec.clone(), caps.clone()));
                    self.edited = Some(spec.clone());
                }
                Err(e) => self.error = Some(e.clone()),
            }
            self.loading = None;
        }
        if let Some(run) = &mut self.run {
            run.poll();
        }
        let mut open = true;
        let mut reload = false;
        egui::Window::new(format!("Settings of s3://{}", self.bucket))
            .collapsible(false)
            .default_width(600.0)
            .open(&mut open)
            .show(ctx, |ui| {
                if self.loading.is_some() {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Reading the bucket's settings…");
                    });
                    return;
                }
                if let Some(e) = &self.error {
                    let (message, hint) = (e.to_string(), e.hint());
                    super::widgets::error_card(ui, &message, &hint, || reload = true);
                    return;
                }
                let changed = self.changed_steps();
                let caps = self.read.as_ref().map(|(_, c)| c.clone());
                let Some(spec) = self.edited.as_mut() else {
                    return;
                };
                egui::ScrollArea::vertical()
                    .max_height(420.0)
                    .show(ui, |ui| {
                        ui.heading("Protection");
                        sections::versioning_ui(ui, spec, caps.as_ref());
                        sections::encryption_ui(ui, spec, caps.as_ref());
                        ui.add_space(6.0);
                        ui.heading("Lifecycle");
                        sections::lifecycle_ui(ui, spec, caps.as_ref());
                        ui.add_space(6.0);
                        ui.heading("Tags");
                        sections::tags_ui(ui, spec, caps.as_ref());
                        ui.add_space(6.0);
                        ui.heading("Web access");
                        sections::cors_ui(ui, spec, caps.as_ref());
                        if let Some(caps) = &caps
                            && !caps.unreadable.is_empty()
                        {
                            let names: Vec<_> = caps.unreadable.iter().map(|s| s.label()).collect();
                            ui.label(
                                RichText::new(format!(
                                    "Could not read: {} (shown as off).",
                                    names.join(", ")
                                ))
                                .color(ui.visuals().warn_fg_color),
                            );
                        }
                    });
                if !changed.is_empty() {
                    egui::CollapsingHeader::new("</> Show command").show(ui, |ui| {
                        let c = &self.connection;
                        let place = crate::s3::commands::Place::new(&c.endpoint, &c.region);
                        let commands = crate::s3::commands::Equivalents {
                            aws_cli: (spec
                                .aws_cli_commands_for(&changed, place.endpoint_url.as_deref()))
                            .join("\n\n"),
                            boto3: spec.boto3_snippet_for(&changed, &place),
                            // skiff mb applies every setting again; the others come out the same.
                            skiff: spec.skiff_command(&place),
                        };
                        super::show_command::commands_ui(ui, &commands);
                    });
                }
                ui.separator();
                if let Some(run) = &self.run {
                    run.report_ui(ui);
                }
                ui.horizontal(|ui| {
                    let running = self.run.as_ref().is_some_and(SetupRun::is_running);
                    let label = if changed.is_empty() {
                        "No changes".to_owned()
                    } else {
                        format!("Apply {} change(s)", changed.len())
                    };
                    if ui
                        .add_enabled(!changed.is_empty() && !running, egui::Button::new(label))
                        .clicked()
                    {
                        let mut spec = spec.clone();
                        spec.tags.retain(|(k, _)| !k.trim().is_empty());
                        self.run = Some(SetupRun::start(
                            ctx,
                            self.connection.clone(),
                            spec,
                            changed.clone(),
                        ));
                    }
                    if self.run.as_ref().is_some_and(|r| !r.is_running())
                        && ui.button("⟳ Read again").clicked()
                    {
                        reload = true;
                    }
                });
            });
        if reload {
            self.run = None;
            self.load(ctx);
        }
        Shown::open_while(open)
    }
}
