//! The new-bucket wizard: name, region, protection, layout and cost, web access, review. Each
//! step's transitions are plain methods, testable without a frame; the engine applies the spec.

use egui::RichText;
use poll_promise::Promise;

use super::bucket_sections::{self as sections, SetupRun};
use super::task;
use crate::s3::bucket_setup::{
    Availability, BucketSpec, Capabilities, check_availability, probe_capabilities,
};
use crate::s3::naming::{suggest_bucket_name, validate_bucket_name};
use crate::s3::{Connection, S3Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Name,
    Region,
    Protection,
    Layout,
    WebAccess,
    Review,
    Apply,
}

impl Step {
    const ORDER: [Step; 7] = [
        Step::Name,
        Step::Region,
        Step::Protection,
        Step::Layout,
        Step::WebAccess,
        Step::Review,
        Step::Apply,
    ];

    fn index(self) -> usize {
        Self::ORDER.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::Name => "Name",
            Step::Region => "Region",
            Step::Protection => "Protection",
            Step::Layout => "Layout and cost",
            Step::WebAccess => "Web access",
            Step::Review => "Review",
            Step::Apply => "Create",
        }
    }
}

/// The AWS regions, with the names people know them by.
pub const AWS_REGIONS: [(&str, &str); 29] = [
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("mx-central-1", "Mexico (Central)"),
    ("sa-east-1", "South America (São Paulo)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("af-south-1", "Africa (Cape Town)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("me-central-1", "Middle East (UAE)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("ap-east-1", "Asia Pacific (Hong Kong)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
];

pub enum WizardOutcome {
    Open,
    Closed,
    /// The bucket exists (possibly with some settings not applied): open it.
    Created(String),
}

pub struct BucketWizard {
    pub step: Step,
    pub spec: BucketSpec,
    pub initials: String,
    pub project: String,
    pub purpose: String,
    date: String,
    /// Once the user types a name, suggestions stop overwriting it.
    name_edited: bool,
    pub dataset: String,
    pub version: String,
    pub splits: String,
    pub create_layout: bool,
    /// AWS regions come from a list; other endpoints take free text.
    aws: bool,
    connection: Connection,
    availability: Option<(String, Promise<Result<Availability, S3Error>>)>,
    capabilities: Promise<Capabilities>,
    pub run: Option<SetupRun>,
    problem: Option<String>,
}

impl BucketWizard {
    pub fn new(ctx: &egui::Context, connection: Connection, today_yyyymmdd: &str) -> Self {
        let probe = connection.clone();
        let mut spec = BucketSpec::new("", &connection.region);
        spec.tags = ["project", "owner", "cost-center"]
            .map(|k| (k.to_owned(), String::new()))
            .to_vec();
        let mut wizard = Self {
            step: Step::Name,
            spec,
            initials: String::new(),
            project: String::new(),
            purpose: "raw".into(),
            date: today_yyyymmdd.to_owned(),
            name_edited: false,
            dataset: "wikipedia".into(),
            version: "v1".into(),
            splits: "train, validation, test".into(),
            create_layout: false,
            aws: !connection.single_region,
            capabilities: task::spawn(ctx, async move { probe_capabilities(&probe).await }),
            connection,
            availability: None,
            run: None,
            problem: None,
        };
        wizard.suggest();
        wizard
    }

    /// Rebuilds the suggested name from its parts, unless the user wrote their own.
    pub fn suggest(&mut self) {
        if !self.name_edited {
            self.spec.name =
                suggest_bucket_name(&[&self.initials, &self.project, &self.purpose], &self.date);
        }
    }

    pub fn set_name(&mut self, name: &str) {
        self.spec.name = name.to_owned();
        self.name_edited = true;
    }

    /// Folders from the `<dataset>/<version>/<split>/` template.
    pub fn layout_folders(&self) -> Vec<String> {
        let clean = |s: &str| s.trim().trim_matches('/').to_owned();
        let (dataset, version) = (clean(&self.dataset), clean(&self.version));
        self.splits
            .split(',')
            .map(clean)
            .filter(|s| !s.is_empty() && !dataset.is_empty() && !version.is_empty())
            .map(|split| format!("{dataset}/{version}/{split}/"))
            .collect()
    }

    /// The spec as it will be applied: empty tags dropped, folders from the template.
    pub fn final_spec(&self) -> BucketSpec {
        let mut spec = self.spec.clone();
        spec.tags
            .retain(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty());
        spec.folders = if self.create_layout {
            self.layout_folders()
        } else {
            Vec::new()
        };
        spec
    }

    /// What stops the current step from moving on.
    pub fn problem(&self) -> Option<String> {
        match self.step {
            Step::Name => validate_bucket_name(&self.spec.name)
                .err()
                .map(|r| r.to_string()),
            Step::Region if self.spec.region.trim().is_empty() => Some("Choose a region.".into()),
            Step::Protection => match &self.spec.encryption {
                crate::s3::bucket_setup::Encryption::SseKms { key_id }
                    if key_id.trim().is_empty() =>
                {
                    Some("Enter the KMS key to encrypt with, or choose SSE-S3.".into())
                }
                _ => None,
            },
            Step::Review => match self.availability_result() {
                Some(Ok(Availability::Taken)) => Some(format!(
                    "{} is taken by another account. Go back and choose another name.",
                    self.spec.name
                )),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn next(&mut self, ctx: &egui::Context) {
        if let Some(problem) = self.problem() {
            self.problem = Some(problem);
            return;
        }
        self.problem = None;
        if self.step == Step::Review {
            let spec = self.final_spec();
            let mut steps = spec.steps();
            if self.availability_result() == Some(&Ok(Availability::AlreadyYours)) {
                steps.retain(|s| *s != crate::s3::bucket_setup::SetupStep::Create);
            }
            self.run = Some(SetupRun::start(ctx, self.connection.clone(), spec, steps));
        }
        if let Some(next) = Step::ORDER.get(self.step.index() + 1) {
            self.step = *next;
        }
        if self.step == Step::Review {
            self.check_availability(ctx);
        }
    }

    pub fn back(&mut self) {
        self.problem = None;
        if self.step != Step::Apply && self.step.index() > 0 {
            self.step = Step::ORDER[self.step.index() - 1];
        }
    }

    fn check_availability(&mut self, ctx: &egui::Context) {
        let name = self.spec.name.clone();
        if self.availability.as_ref().is_some_and(|(n, _)| *n == name) {
            return;
        }
        let connection = self.connection.clone();
        let asked = name.clone();
        self.availability = Some((
            name,
            task::spawn(
                ctx,
                async move { check_availability(&connection, &asked).await },
            ),
        ));
    }

    fn availability_result(&self) -> Option<&Result<Availability, S3Error>> {
        self.availability
            .as_ref()
            .filter(|(n, _)| *n == self.spec.name)
            .and_then(|(_, p)| p.ready())
    }

    pub fn ui(&mut self, ctx: &egui::Context) -> WizardOutcome {
        let mut outcome = WizardOutcome::Open;
        let mut open = true;
        if let Some(run) = &mut self.run {
            run.poll();
        }
        egui::Window::new("New bucket")
            .collapsible(false)
            .resizable(true)
            .default_width(620.0)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                self.steps_bar_ui(ui);
                ui.separator();
                // A steady height, so the buttons stay put from step to step.
                egui::ScrollArea::vertical()
                    .max_height(430.0)
                    .show(ui, |ui| {
                        ui.set_min_height(360.0);
                        match self.step {
                            Step::Name => self.name_ui(ui),
                            Step::Region => self.region_ui(ui),
                            Step::Protection => {
                                let caps = self.capabilities.ready();
                                sections::protection_ui(ui, &mut self.spec, caps, true);
                            }
                            Step::Layout => self.layout_ui(ui),
                            Step::WebAccess => {
                                sections::cors_ui(ui, &mut self.spec, self.capabilities.ready())
                            }
                            Step::Review => self.review_ui(ui),
                            Step::Apply => {
                                if let Some(run) = &self.run {
                                    ui.label(
                                        RichText::new(format!("s3://{}", run.spec().name)).strong(),
                                    );
                                    run.report_ui(ui);
                                }
                            }
                        }
                    });
                ui.separator();
                if let Some(problem) = &self.problem {
                    ui.colored_label(ui.visuals().error_fg_color, problem);
                }
                ui.horizontal(|ui| match self.step {
                    Step::Apply => {
                        let Some(run) = &mut self.run else { return };
                        if run.is_running() {
                            ui.spinner();
                            ui.label("Applying…");
                        } else {
                            if run.failures() > 0 && ui.button("⟳ Retry what failed").clicked() {
                                run.retry(ctx);
                            }
                            if run.bucket_exists() {
                                if ui.button("Open the bucket").clicked() {
                                    outcome = WizardOutcome::Created(run.spec().name.clone());
                                }
                            } else if ui.button("Close").clicked() {
                                outcome = WizardOutcome::Closed;
                            }
                        }
                    }
                    _ => {
                        if self.step != Step::Name && ui.button("⏴ Back").clicked() {
                            self.back();
                        }
                        let label = if self.step == Step::Review {
                            "Create bucket"
                        } else {
                            "Next ⏵"
                        };
                        if ui.button(label).clicked() {
                            self.next(ctx);
                        }
                        if ui.button("Cancel").clicked() {
                            outcome = WizardOutcome::Closed;
                        }
                    }
                });
            });
        if !open {
            outcome = WizardOutcome::Closed;
        }
        outcome
    }

    fn steps_bar_ui(&self, ui: &mut egui::Ui) {
        let titles: Vec<&str> = Step::ORDER.iter().map(|s| s.title()).collect();
        super::widgets::steps_bar(ui, &titles, self.step.index());
    }

    fn name_ui(&mut self, ui: &mut egui::Ui) {
        ui.label(
            "Bucket names are global across every S3 account. A good one says who, what and when.",
        );
        ui.add_space(4.0);
        let mut changed = false;
        egui::Grid::new("name-parts").num_columns(2).show(ui, |ui| {
            for (label, value, hint) in [
                ("Your initials", &mut self.initials, "jd"),
                ("Project", &mut self.project, "llm-corpus"),
                ("Purpose", &mut self.purpose, "raw, curated, checkpoints…"),
            ] {
                let l = ui.label(label);
                changed |= ui
                    .add(
                        egui::TextEdit::singleline(value)
                            .hint_text(hint)
                            .desired_width(220.0),
                    )
                    .labelled_by(l.id)
                    .changed();
                ui.end_row();
            }
        });
        if changed {
            self.suggest();
        }
        ui.add_space(6.0);
        let l = ui.label("Bucket name:");
        let mut name = self.spec.name.clone();
        if ui
            .add(
                egui::TextEdit::singleline(&mut name)
                    .hint_text("new-bucket-name")
                    .desired_width(420.0),
            )
            .labelled_by(l.id)
            .changed()
        {
            self.set_name(&name);
        }
        match validate_bucket_name(&self.spec.name) {
            Ok(()) => ui.colored_label(
                egui::Color32::from_rgb(90, 190, 110),
                "✔ A valid bucket name.",
            ),
            Err(rule) => ui.colored_label(ui.visuals().error_fg_color, format!("✖ {rule}")),
        };
    }

    fn region_ui(&mut self, ui: &mut egui::Ui) {
        if self.aws {
            ui.label(
                "Keep data in the region where it is used: it is faster and transfers cost less.",
            );
            egui::ComboBox::from_id_salt("region")
                .selected_text(
                    AWS_REGIONS
                        .iter()
                        .find(|(code, _)| *code == self.spec.region)
                        .map(|(code, name)| format!("{name} · {code}"))
                        .unwrap_or_else(|| self.spec.region.clone()),
                )
                .width(360.0)
                .show_ui(ui, |ui| {
                    for (code, name) in AWS_REGIONS {
                        ui.selectable_value(
                            &mut self.spec.region,
                            code.to_owned(),
                            format!("{name} · {code}"),
                        );
                    }
                });
        } else {
            ui.label(format!(
                "{} is a self-hosted endpoint; its region is usually {}.",
                self.connection.endpoint, self.connection.region
            ));
            let l = ui.label("Region:");
            ui.add(egui::TextEdit::singleline(&mut self.spec.region).hint_text("us-east-1"))
                .labelled_by(l.id);
        }
        ui.add_space(4.0);
        ui.small(if self.spec.region == "us-east-1" {
            "us-east-1 takes no LocationConstraint when the bucket is created."
        } else {
            "The bucket is created with LocationConstraint set to this region."
        });
    }

    fn layout_ui(&mut self, ui: &mut egui::Ui) {
        let caps = self.capabilities.ready();
        ui.heading("Lifecycle");
        sections::lifecycle_ui(ui, &mut self.spec, caps);
        ui.add_space(8.0);
        ui.heading("Starting folders");
        ui.checkbox(
            &mut self.create_layout,
            "Create folders from the template <dataset>/<version>/<split>/",
        );
        if self.create_layout {
            egui::Grid::new("layout").num_columns(2).show(ui, |ui| {
                for (label, value) in [
                    ("dataset", &mut self.dataset),
                    ("version", &mut self.version),
                    ("splits (comma-separated)", &mut self.splits),
                ] {
                    let l = ui.label(label);
                    ui.add(
                        egui::TextEdit::singleline(value)
                            .hint_text(label)
                            .desired_width(220.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                }
            });
            ui.small(self.layout_folders().join("   "));
        }
        ui.add_space(8.0);
        ui.heading("Tags");
        ui.small("Tags show up in cost reports: who owns this, which project pays.");
        sections::tags_ui(ui, &mut self.spec, caps);
    }

    fn review_ui(&mut self, ui: &mut egui::Ui) {
        let spec = self.final_spec();
        ui.label(RichText::new(format!("s3://{} in {}", spec.name, spec.region)).strong());
        match self.availability_result() {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Checking the name…");
                });
            }
            Some(Ok(Availability::Free)) => {
                ui.colored_label(egui::Color32::from_rgb(90, 190, 110), "✔ The name is free.");
            }
            Some(Ok(Availability::AlreadyYours)) => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "This bucket exists and is yours: Create applies the settings to it.",
                );
            }
            Some(Ok(Availability::Taken)) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    "✖ Another account owns this name.",
                );
            }
            Some(Err(e)) => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("Could not check the name: {e}"),
                );
            }
        }
        ui.add_space(4.0);
        let caps = self.capabilities.ready();
        for step in spec.steps() {
            let note = if caps.is_some_and(|c| !c.supports(step)) {
                " (unavailable on this endpoint: it will be reported, not applied)"
            } else {
                ""
            };
            ui.label(format!("• {}{note}", step.label()));
        }
        ui.add_space(6.0);
        ui.label(RichText::new("The same with the AWS CLI:").strong());
        let endpoint = (!self.aws).then_some(self.connection.endpoint.as_str());
        let mut commands = spec.aws_cli_commands(endpoint).join("\n\n");
        ui.add(
            egui::TextEdit::multiline(&mut commands)
                .hint_text("AWS CLI commands")
                .code_editor()
                .desired_rows(8)
                .desired_width(f32::INFINITY)
                .interactive(true),
        );
        if ui.button("📋 Copy commands").clicked() {
            ui.ctx()
                .copy_text(spec.aws_cli_commands(endpoint).join("\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wizard(ctx: &egui::Context) -> BucketWizard {
        let connection = crate::s3::client::static_connection(
            "t",
            &crate::s3::StaticEndpoint {
                endpoint: "http://127.0.0.1:9".into(),
                region: "us-east-1".into(),
                access_key_id: "a".into(),
                secret_access_key: "b".into(),
            },
            true,
        );
        BucketWizard::new(ctx, connection, "20261125")
    }

    #[tokio::test]
    async fn steps_move_only_when_the_step_is_complete() {
        let ctx = egui::Context::default();
        let mut w = wizard(&ctx);
        assert_eq!(w.spec.name, "raw-20261125");
        w.initials = "JD".into();
        w.project = "LLM corpus".into();
        w.suggest();
        assert_eq!(w.spec.name, "jd-llm-corpus-raw-20261125");

        w.set_name("Bad_Name");
        w.next(&ctx);
        assert_eq!(
            w.step,
            Step::Name,
            "an invalid name keeps the wizard on its step"
        );
        assert_eq!(
            w.problem().unwrap(),
            "Use lowercase letters: 'B' is uppercase."
        );
        w.project = "other".into();
        w.suggest();
        assert_eq!(w.spec.name, "Bad_Name", "a typed name is never overwritten");

        w.set_name("jd-data-20261125");
        w.next(&ctx);
        assert_eq!(w.step, Step::Region);
        w.next(&ctx);
        assert_eq!(w.step, Step::Protection);
        w.spec.encryption = crate::s3::bucket_setup::Encryption::SseKms { key_id: " ".into() };
        w.next(&ctx);
        assert_eq!(w.step, Step::Protection, "SSE-KMS needs a key");
        w.spec.encryption = crate::s3::bucket_setup::Encryption::SseS3;
        w.next(&ctx);
        assert_eq!(w.step, Step::Layout);
        w.back();
        assert_eq!(w.step, Step::Protection);
    }

    #[tokio::test]
    async fn the_final_spec_drops_empty_tags_and_builds_folders() {
        let ctx = egui::Context::default();
        let mut w = wizard(&ctx);
        w.spec.tags[0].1 = "llm".into();
        w.create_layout = true;
        w.dataset = " wikipedia/ ".into();
        w.splits = "train, ,test".into();
        let spec = w.final_spec();
        assert_eq!(spec.tags, [("project".to_owned(), "llm".to_owned())]);
        assert_eq!(spec.folders, ["wikipedia/v1/train/", "wikipedia/v1/test/"]);
        assert_eq!(spec.lifecycle.abort_incomplete_uploads_days, Some(7));
    }
}
