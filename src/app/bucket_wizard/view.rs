//! What the new-bucket wizard draws for each step. Views edit the spec's fields in place and
//! turn the buttons (next, back, create, retry, open) into events for `BucketFlow::update`.

use egui::RichText;

use super::flow::{BucketFlow, Event, Stage, Step};
use crate::app::bucket_sections as sections;
use crate::s3::bucket_setup::Availability;
use crate::s3::naming::validate_bucket_name;

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

pub fn stage_ui(ui: &mut egui::Ui, flow: &mut BucketFlow) {
    match flow.stage {
        Stage::Editing(Step::Name) => name_ui(ui, flow),
        Stage::Editing(Step::Region) => region_ui(ui, flow),
        Stage::Editing(Step::Protection) => {
            let caps = flow.capabilities.as_ref();
            sections::protection_ui(ui, &mut flow.spec, caps, true);
        }
        Stage::Editing(Step::Layout) => layout_ui(ui, flow),
        Stage::Editing(Step::WebAccess) => {
            sections::cors_ui(ui, &mut flow.spec, flow.capabilities.as_ref())
        }
        Stage::Editing(Step::Review) => review_ui(ui, flow),
        Stage::Apply {
            ref spec,
            ref report,
        } => {
            ui.label(RichText::new(format!("s3://{}", spec.name)).strong());
            sections::setup_report_ui(ui, report);
        }
    }
}

pub fn buttons_ui(ui: &mut egui::Ui, flow: &BucketFlow) -> Vec<Event> {
    let mut events = Vec::new();
    let mut button = |ui: &mut egui::Ui, label: &str, event: Event| {
        if ui.button(label).clicked() {
            events.push(event);
        }
    };
    match &flow.stage {
        Stage::Apply { report, .. } if !report.finished => {
            ui.spinner();
            ui.label("Applying…");
        }
        Stage::Apply { report, .. } => {
            if report.failures() > 0 {
                button(ui, "⟳ Retry what failed", Event::Retry);
            }
            if report.bucket_exists() {
                button(ui, "Open the bucket", Event::Open);
            } else {
                button(ui, "Close", Event::Close);
            }
        }
        Stage::Editing(step) => {
            if *step != Step::Name {
                button(ui, "⏴ Back", Event::Back);
            }
            let next = if *step == Step::Review {
                "Create bucket"
            } else {
                "Next ⏵"
            };
            button(ui, next, Event::Next);
            button(ui, "Cancel", Event::Close);
        }
    }
    events
}

fn name_ui(ui: &mut egui::Ui, flow: &mut BucketFlow) {
    ui.label(
        "Bucket names are global across every S3 account. A good one says who, what and when.",
    );
    ui.add_space(4.0);
    let mut changed = false;
    egui::Grid::new("name-parts").num_columns(2).show(ui, |ui| {
        for (label, value, hint) in [
            ("Your initials", &mut flow.initials, "jd"),
            ("Project", &mut flow.project, "llm-corpus"),
            ("Purpose", &mut flow.purpose, "raw, curated, checkpoints…"),
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
        flow.suggest();
    }
    ui.add_space(6.0);
    let l = ui.label("Bucket name:");
    let mut name = flow.spec.name.clone();
    if ui
        .add(
            egui::TextEdit::singleline(&mut name)
                .hint_text("new-bucket-name")
                .desired_width(420.0),
        )
        .labelled_by(l.id)
        .changed()
    {
        flow.set_name(name);
    }
    match validate_bucket_name(&flow.spec.name) {
        Ok(()) => ui.colored_label(
            egui::Color32::from_rgb(90, 190, 110),
            "✔ A valid bucket name.",
        ),
        Err(rule) => ui.colored_label(ui.visuals().error_fg_color, format!("✖ {rule}")),
    };
}

fn region_ui(ui: &mut egui::Ui, flow: &mut BucketFlow) {
    if flow.endpoint.aws {
        ui.label("Keep data in the region where it is used: it is faster and transfers cost less.");
        egui::ComboBox::from_id_salt("region")
            .selected_text(
                AWS_REGIONS
                    .iter()
                    .find(|(code, _)| *code == flow.spec.region)
                    .map(|(code, name)| format!("{name} · {code}"))
                    .unwrap_or_else(|| flow.spec.region.clone()),
            )
            .width(360.0)
            .show_ui(ui, |ui| {
                for (code, name) in AWS_REGIONS {
                    ui.selectable_value(
                        &mut flow.spec.region,
                        code.to_owned(),
                        format!("{name} · {code}"),
                    );
                }
            });
    } else {
        ui.label(format!(
            "{} is a self-hosted endpoint; its region is usually {}.",
            flow.endpoint.url, flow.endpoint.region
        ));
        let l = ui.label("Region:");
        ui.add(egui::TextEdit::singleline(&mut flow.spec.region).hint_text("us-east-1"))
            .labelled_by(l.id);
    }
    ui.add_space(4.0);
    ui.small(if flow.spec.region == "us-east-1" {
        "us-east-1 takes no LocationConstraint when the bucket is created."
    } else {
        "The bucket is created with LocationConstraint set to this region."
    });
}

fn layout_ui(ui: &mut egui::Ui, flow: &mut BucketFlow) {
    let caps = flow.capabilities.as_ref();
    ui.heading("Lifecycle");
    sections::lifecycle_ui(ui, &mut flow.spec, caps);
    ui.add_space(8.0);
    ui.heading("Starting folders");
    ui.checkbox(
        &mut flow.create_layout,
        "Create folders from the template <dataset>/<version>/<split>/",
    );
    if flow.create_layout {
        egui::Grid::new("layout").num_columns(2).show(ui, |ui| {
            for (label, value) in [
                ("dataset", &mut flow.dataset),
                ("version", &mut flow.version),
                ("splits (comma-separated)", &mut flow.splits),
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
        ui.small(flow.layout_folders().join("   "));
    }
    ui.add_space(8.0);
    ui.heading("Tags");
    ui.small("Tags show up in cost reports: who owns this, which project pays.");
    sections::tags_ui(ui, &mut flow.spec, caps);
}

fn review_ui(ui: &mut egui::Ui, flow: &BucketFlow) {
    let spec = flow.final_spec();
    ui.label(RichText::new(format!("s3://{} in {}", spec.name, spec.region)).strong());
    match flow.availability() {
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
    let caps = flow.capabilities.as_ref();
    for step in spec.steps() {
        let note = if caps.is_some_and(|c| !c.supports(step)) {
            " (unavailable on this endpoint: it will be reported, not applied)"
        } else {
            ""
        };
        ui.label(format!("• {}{note}", step.label()));
    }
    ui.add_space(6.0);
    ui.label(RichText::new("The same by hand:").strong());
    let endpoint = (!flow.endpoint.aws).then_some(flow.endpoint.url.as_str());
    let place = crate::s3::commands::Place {
        endpoint_url: endpoint.map(str::to_owned),
        region: flow.endpoint.region.clone(),
    };
    let commands = crate::s3::commands::Equivalents {
        aws_cli: spec.aws_cli_commands(endpoint).join("\n\n"),
        boto3: spec.boto3_snippet(&place),
        skiff: spec.skiff_command(&place),
    };
    crate::app::show_command::commands_ui(ui, &commands);
}
