//! The sections of a bucket's setup, shared by the new-bucket wizard and the settings view, and
//! the run that applies a spec one setting at a time.

use egui::RichText;

use super::task;
use crate::runtime::Job;
use crate::s3::Connection;
use crate::s3::bucket_setup::{
    BucketSpec, Capabilities, Encryption, Ownership, SetupEvent, SetupReport, SetupStep,
    StepOutcome, TransitionClass, TransitionRule, start_setup,
};

/// A note under a section the endpoint cannot do.
pub fn unavailable_note(ui: &mut egui::Ui, caps: Option<&Capabilities>, step: SetupStep) -> bool {
    let unsupported = caps.is_some_and(|c| !c.supports(step));
    if unsupported {
        ui.label(
            RichText::new(format!(
                "⚠ Unavailable on this endpoint: {} (it answered NotImplemented).",
                step.label()
            ))
            .color(ui.visuals().warn_fg_color),
        );
    }
    unsupported
}

pub fn versioning_ui(ui: &mut egui::Ui, spec: &mut BucketSpec, caps: Option<&Capabilities>) {
    let available = !unavailable_note(ui, caps, SetupStep::Versioning);
    ui.add_enabled_ui(available, |ui| {
        ui.checkbox(
            &mut spec.versioning,
            "Versioning: keep every version of every object",
        )
        .on_hover_text("Overwrites and deletes become recoverable; old versions cost storage.");
    });
}

pub fn encryption_ui(ui: &mut egui::Ui, spec: &mut BucketSpec, caps: Option<&Capabilities>) {
    let available = !unavailable_note(ui, caps, SetupStep::Encryption);
    ui.add_enabled_ui(available, |ui| {
        ui.horizontal(|ui| {
            ui.label("Default encryption:");
            let kms = matches!(spec.encryption, Encryption::SseKms { .. });
            if ui
                .radio(
                    spec.encryption == Encryption::SseS3,
                    "SSE-S3 (S3-managed keys)",
                )
                .clicked()
            {
                spec.encryption = Encryption::SseS3;
            }
            if ui.radio(kms, "SSE-KMS").clicked() && !kms {
                spec.encryption = Encryption::SseKms {
                    key_id: String::new(),
                };
            }
            if ui
                .radio(spec.encryption == Encryption::None, "Service default")
                .clicked()
            {
                spec.encryption = Encryption::None;
            }
        });
        if let Encryption::SseKms { key_id } = &mut spec.encryption {
            ui.horizontal(|ui| {
                let label = ui.label("KMS key id or ARN:");
                ui.add(
                    egui::TextEdit::singleline(key_id)
                        .hint_text("arn:aws:kms:REGION:ACCOUNT:key/ID")
                        .desired_width(340.0),
                )
                .labelled_by(label.id);
            });
        }
    });
}

pub fn lifecycle_ui(ui: &mut egui::Ui, spec: &mut BucketSpec, caps: Option<&Capabilities>) {
    let available = !unavailable_note(ui, caps, SetupStep::Lifecycle);
    ui.add_enabled_ui(available, |ui| {
        let lc = &mut spec.lifecycle;
        optional_days(
            ui,
            &mut lc.abort_incomplete_uploads_days,
            7,
            "Abort incomplete multipart uploads after",
            "Unfinished uploads are billed and never show in listings.",
        );
        optional_days(
            ui,
            &mut lc.noncurrent_expiration_days,
            90,
            "Delete noncurrent versions after",
            "Only matters with versioning: old versions go after this many days.",
        );
        ui.label("Move objects to a cheaper storage class:");
        let mut remove = None;
        for (i, t) in lc.transitions.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.label("under");
                ui.add(
                    egui::TextEdit::singleline(&mut t.prefix)
                        .hint_text("prefix (empty: all)")
                        .desired_width(140.0),
                );
                ui.label("after");
                ui.add(
                    egui::DragValue::new(&mut t.days)
                        .range(1..=3650)
                        .suffix(" days"),
                );
                ui.label("to");
                egui::ComboBox::from_id_salt(("transition-class", i))
                    .selected_text(t.class.label())
                    .show_ui(ui, |ui| {
                        for class in TransitionClass::ALL {
                            ui.selectable_value(&mut t.class, class, class.label());
                        }
                    });
                if ui
                    .small_button("✖")
                    .on_hover_text("Remove this rule")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            lc.transitions.remove(i);
        }
        if ui.button("+ Add a transition").clicked() {
            lc.transitions.push(TransitionRule {
                prefix: String::new(),
                days: 30,
                class: TransitionClass::StandardIa,
            });
        }
    });
}

fn optional_days(ui: &mut egui::Ui, value: &mut Option<u32>, default: u32, text: &str, hint: &str) {
    ui.horizontal(|ui| {
        let mut on = value.is_some();
        if ui.checkbox(&mut on, text).on_hover_text(hint).changed() {
            *value = on.then_some(default);
        }
        if let Some(days) = value {
            ui.add(egui::DragValue::new(days).range(1..=3650).suffix(" days"));
        }
    });
}

pub fn tags_ui(ui: &mut egui::Ui, spec: &mut BucketSpec, caps: Option<&Capabilities>) {
    let available = !unavailable_note(ui, caps, SetupStep::Tags);
    ui.add_enabled_ui(available, |ui| {
        let mut remove = None;
        for (i, (k, v)) in spec.tags.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.add_sized(
                    [150.0, 20.0],
                    egui::TextEdit::singleline(k).hint_text("key"),
                );
                ui.add_sized(
                    [240.0, 20.0],
                    egui::TextEdit::singleline(v).hint_text("value"),
                );
                if ui
                    .small_button("✖")
                    .on_hover_text("Remove this tag")
                    .clicked()
                {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            spec.tags.remove(i);
        }
        if ui.button("+ Add a tag").clicked() {
            spec.tags.push((String::new(), String::new()));
        }
    });
}

pub fn cors_ui(ui: &mut egui::Ui, spec: &mut BucketSpec, caps: Option<&Capabilities>) {
    let available = !unavailable_note(ui, caps, SetupStep::Cors);
    ui.add_enabled_ui(available, |ui| {
        let mut on = !spec.cors_origins.is_empty();
        if ui
            .checkbox(&mut on, "Let the Skiff web app use this bucket from a browser (CORS)")
            .changed()
        {
            // In the browser, the page the app runs in; on the desktop, an example to edit.
            let origin = crate::s3::error::page_origin().unwrap_or_else(|| "http://127.0.0.1:8080".into());
            spec.cors_origins = if on { vec![origin] } else { Vec::new() };
        }
        if on {
            ui.label("Allowed origins (the address the web app is served from), one per line:");
            let mut text = spec.cors_origins.join("\n");
            if ui
                .add(egui::TextEdit::multiline(&mut text).desired_rows(2).desired_width(360.0).hint_text("https://skiff.example.com"))
                .changed()
            {
                spec.cors_origins = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
            }
            ui.small("Methods GET, PUT, POST, DELETE, HEAD; every request header; ETag exposed for multipart uploads.");
        }
    });
}

pub fn protection_ui(
    ui: &mut egui::Ui,
    spec: &mut BucketSpec,
    caps: Option<&Capabilities>,
    at_creation: bool,
) {
    versioning_ui(ui, spec, caps);
    ui.add_space(6.0);
    encryption_ui(ui, spec, caps);
    ui.add_space(6.0);
    let available = !unavailable_note(ui, caps, SetupStep::PublicAccessBlock);
    ui.add_enabled_ui(available, |ui| {
        ui.label("Block Public Access (keeps the bucket private whatever a policy or ACL says):");
        let p = &mut spec.public_access_block;
        ui.checkbox(&mut p.block_public_acls, "Block public ACLs");
        ui.checkbox(&mut p.ignore_public_acls, "Ignore public ACLs");
        ui.checkbox(&mut p.block_public_policy, "Block public bucket policies");
        ui.checkbox(&mut p.restrict_public_buckets, "Restrict public buckets");
    });
    ui.add_space(6.0);
    let available = !unavailable_note(ui, caps, SetupStep::Ownership);
    ui.add_enabled_ui(available, |ui| {
        ui.horizontal(|ui| {
            ui.label("Object ownership:");
            for o in Ownership::ALL {
                ui.radio_value(&mut spec.ownership, o, o.as_str());
            }
        });
    });
    if at_creation {
        ui.add_space(6.0);
        // Object Lock rests on versioning: without it the flag would be silently ignored.
        let versioning = caps.is_none_or(|c| c.supports(SetupStep::Versioning));
        if !versioning {
            spec.object_lock = false;
            ui.label(
                RichText::new(
                    "⚠ Unavailable: Object Lock needs versioning, which this endpoint lacks.",
                )
                .color(ui.visuals().warn_fg_color),
            );
        }
        ui.add_enabled(
            versioning,
            egui::Checkbox::new(&mut spec.object_lock, "Object Lock (write once, read many)"),
        )
        .on_hover_text("Only possible when the bucket is created; it turns versioning on.");
        if spec.object_lock {
            spec.versioning = true;
        }
    }
}

/// Applying a spec, one setting after another, each with its own status: the engine's setup
/// job, and its report as the events arrive. (The settings window's; the new-bucket wizard
/// holds the same job through its flow.)
pub struct SetupRun {
    report: SetupReport,
    job: Option<Job<SetupEvent>>,
}

impl SetupRun {
    pub fn start(
        ctx: &egui::Context,
        connection: Connection,
        spec: BucketSpec,
        steps: Vec<SetupStep>,
    ) -> Self {
        let report = SetupReport::new(&steps);
        let job = start_setup(&connection, &spec, steps, task::notifier(ctx));
        Self {
            report,
            job: Some(job),
        }
    }

    /// Takes in what the setup reported since the last frame.
    pub fn poll(&mut self) {
        while let Some(event) = self.job.as_mut().and_then(Job::try_next) {
            self.report.take(event);
        }
        if self.report.finished {
            self.job = None;
        }
    }

    pub fn is_running(&self) -> bool {
        !self.report.finished
    }

    pub fn report_ui(&self, ui: &mut egui::Ui) {
        setup_report_ui(ui, &self.report);
    }
}

/// A setup's steps, each with its outcome or a spinner while it applies.
pub fn setup_report_ui(ui: &mut egui::Ui, report: &SetupReport) {
    let mut applying = report.applying;
    for (step, outcome) in &report.lines {
        // The first line of the step being applied that has no outcome yet.
        let now = outcome.is_none() && applying == Some(*step);
        if now {
            applying = None;
        }
        ui.horizontal_wrapped(|ui| match outcome {
            None if now => {
                ui.spinner();
                ui.label(step.label());
            }
            None => {
                ui.label(RichText::new(format!("○ {} (not applied)", step.label())).weak());
            }
            Some(StepOutcome::Applied) => {
                ui.label(
                    RichText::new(format!("✔ {}", step.label()))
                        .color(egui::Color32::from_rgb(90, 190, 110)),
                );
            }
            Some(StepOutcome::Unsupported) => {
                ui.label(
                    RichText::new(format!(
                        "– {}: skipped, this endpoint does not support it",
                        step.label()
                    ))
                    .color(ui.visuals().warn_fg_color),
                );
            }
            Some(StepOutcome::Failed(crate::s3::S3Error::BucketAlreadyYours { .. }))
                if *step == SetupStep::Create =>
            {
                ui.label(format!(
                    "✔ {}: it already exists and is yours",
                    step.label()
                ));
            }
            Some(StepOutcome::Failed(e)) => {
                ui.label(
                    RichText::new(format!("✖ {}: {e}", step.label()))
                        .color(ui.visuals().error_fg_color),
                );
                ui.label(RichText::new(e.hint()).weak());
            }
        });
    }
}
