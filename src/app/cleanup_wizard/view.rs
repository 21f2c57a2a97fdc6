//! What the cleanup wizard draws for each stage. Views read the flow, edit only its text fields,
//! and turn clicks into events for `CleanupFlow::update`.

use egui::RichText;

use super::flow::{CleanupFlow, Event, Found, Scan, Stage};
use crate::cleanup::inventory::ItemKind;
use crate::cleanup::jobs::{RunCounts, ScanCounts};
use crate::cleanup::{CleanupRun, Report, Scope, VersionMode, Versioning};
use crate::format::{count, human_bytes, thousands, utc_datetime};
use crate::s3::listing::StorageClass;

pub fn stage_ui(ui: &mut egui::Ui, flow: &mut CleanupFlow, elapsed_secs: f64) -> Vec<Event> {
    let mut events = Vec::new();
    match &flow.stage {
        Stage::Inventory(_) => inventory_ui(ui, flow, &mut events),
        Stage::Confirm { .. } => confirm_ui(ui, flow, &mut events),
        Stage::Run { run, counts } => progress_ui(ui, run, counts, elapsed_secs),
        Stage::Report { report, .. } => report_ui(ui, report, flow.report_note.as_deref()),
    }
    events
}

pub fn buttons_ui(ui: &mut egui::Ui, flow: &CleanupFlow) -> Vec<Event> {
    let mut events = Vec::new();
    let mut click = |ui: &mut egui::Ui, enabled: bool, button: egui::Button<'_>, event: Event| {
        if ui.add_enabled(enabled, button).clicked() {
            events.push(event);
        }
    };
    match &flow.stage {
        Stage::Inventory(_) => {
            let next = egui::Button::new("Next ⏵");
            click(ui, flow.can_go_to_confirm(), next, Event::Next);
            click(ui, true, egui::Button::new("Cancel"), Event::Close);
        }
        Stage::Confirm { .. } => {
            click(ui, true, egui::Button::new("⏴ Back"), Event::Back);
            let danger = egui::Button::new(
                RichText::new("🗑 Delete").color(ui.visuals().strong_text_color()),
            )
            .fill(ui.visuals().error_fg_color.gamma_multiply(0.6));
            click(ui, flow.is_confirmed(), danger, Event::Delete);
            click(ui, true, egui::Button::new("Cancel"), Event::Close);
        }
        Stage::Run { .. } => {
            click(ui, true, egui::Button::new("⏹ Stop"), Event::Stop);
            ui.label(RichText::new("Batches in flight finish; nothing new starts.").weak());
        }
        Stage::Report { report, .. } => {
            if flow.can_continue() {
                let label = if report.stopped {
                    "⏵ Continue"
                } else {
                    "⟳ Retry what failed"
                };
                click(ui, true, egui::Button::new(label), Event::Continue);
            }
            if crate::app::platform::EXPORTS_REPORTS {
                let csv = egui::Button::new("Export CSV…");
                click(ui, true, csv, Event::Export("csv"));
                let json = egui::Button::new("Export JSON…");
                click(ui, true, json, Event::Export("json"));
            }
            click(ui, true, egui::Button::new("Close"), Event::Close);
        }
    }
    events
}

fn inventory_ui(ui: &mut egui::Ui, flow: &mut CleanupFlow, events: &mut Vec<Event>) {
    filters_ui(ui, flow, events);
    let Stage::Inventory(scan) = &flow.stage else {
        return;
    };
    let uploads_scope = matches!(flow.scope, Scope::Uploads { .. });
    match scan {
        Scan::Running(counts) => scanning_ui(ui, counts, events),
        Scan::Failed(e) => {
            let (message, hint) = (e.to_string(), e.hint());
            super::super::widgets::error_card(ui, &message, &hint, || {
                events.push(Event::ScanAgain)
            });
        }
        Scan::Found(found) => {
            found_ui(ui, found);
            if uploads_scope {
                uploads_table_ui(ui, found, events);
            } else {
                sample_ui(ui, found);
            }
        }
    }
    if uploads_scope && matches!(flow.stage, Stage::Inventory(Scan::Found(_))) {
        abort_rule_ui(ui, flow, events);
    }
}

fn filters_ui(ui: &mut egui::Ui, flow: &mut CleanupFlow, events: &mut Vec<Event>) {
    let deletes_objects = flow.scope.deletes_objects();
    let scanning = flow.is_scanning();
    let fields = &mut flow.filter_fields;
    egui::CollapsingHeader::new("Narrow it down (optional)")
        .default_open(!fields.filters().is_ok_and(|f| f.is_empty()))
        .show(ui, |ui| {
            egui::Grid::new("cleanup-filters")
                .num_columns(2)
                .show(ui, |ui| {
                    let label = ui.label("Older than (days):");
                    ui.add(
                        egui::TextEdit::singleline(&mut fields.older_than_days)
                            .hint_text("any age")
                            .desired_width(80.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                    if deletes_objects {
                        ui.label("Storage class:");
                        storage_class_ui(ui, &mut fields.storage_class);
                        ui.end_row();
                    }
                    let label = ui.label("Keys matching:");
                    ui.add(
                        egui::TextEdit::singleline(&mut fields.key_glob)
                            .hint_text("e.g. *.tmp (* any, ? one character)")
                            .desired_width(240.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                });
            let again = egui::Button::new("🔍 Scan again");
            if ui.add_enabled(!scanning, again).clicked() {
                events.push(Event::ScanAgain);
            }
        });
}

fn storage_class_ui(ui: &mut egui::Ui, chosen: &mut Option<StorageClass>) {
    egui::ComboBox::from_id_salt("cleanup-class")
        .selected_text(chosen.map_or("any", StorageClass::as_str))
        .show_ui(ui, |ui| {
            ui.selectable_value(chosen, None, "any");
            for class in [
                StorageClass::Standard,
                StorageClass::StandardIa,
                StorageClass::OnezoneIa,
                StorageClass::IntelligentTiering,
                StorageClass::GlacierIr,
                StorageClass::Glacier,
                StorageClass::DeepArchive,
            ] {
                ui.selectable_value(chosen, Some(class), class.as_str());
            }
        });
}

fn scanning_ui(ui: &mut egui::Ui, counts: &ScanCounts, events: &mut Vec<Event>) {
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(format!(
            "Scanning… {} found ({}), {} incomplete uploads",
            thousands(counts.entries),
            human_bytes(counts.bytes),
            thousands(counts.uploads),
        ));
    });
    if ui.button("⏹ Stop scan").clicked() {
        events.push(Event::StopScan);
    }
}

/// The counts, and what the scan could not see or the run will not touch.
fn found_ui(ui: &mut egui::Ui, found: &Found) {
    let inventory = &found.inventory;
    let c = inventory.counts();
    ui.label(
        RichText::new(format!(
            "Nothing has been deleted. Scanned at {} UTC.",
            utc_datetime(inventory.scanned_at_secs)
        ))
        .weak(),
    );
    egui::Grid::new("cleanup-counts")
        .num_columns(3)
        .spacing([24.0, 4.0])
        .striped(true)
        .show(ui, |ui| {
            for row in &found.count_rows {
                ui.label(row.label);
                ui.label(RichText::new(thousands(row.count)).monospace());
                ui.label(RichText::new(&row.bytes).monospace());
                ui.end_row();
            }
        });
    match inventory.versioning {
        Versioning::Versioned => {
            ui.label("This bucket keeps versions: the next step asks what to do with them.");
        }
        Versioning::NotListed if inventory.scope.deletes_objects() => {
            ui.label(
                RichText::new("This server does not list versions; objects are deleted.").weak(),
            );
        }
        _ => {}
    }
    if !inventory.uploads_listed {
        ui.label(RichText::new("This server does not list incomplete uploads.").weak());
    } else if c.uploads > 0 && !inventory.scope.aborts_uploads() {
        ui.label(
            RichText::new(
                "Incomplete uploads under a prefix are kept (one may be running now); \
                 “Incomplete uploads…” in the clean-up menu aborts them.",
            )
            .weak(),
        );
    }
    if c.locked > 0 {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{} under legal hold or retention: S3 will refuse to delete them, and \
                 the report will list them.",
                count(c.locked, "object is", "objects are")
            ),
        );
    }
}

fn sample_ui(ui: &mut egui::Ui, found: &Found) {
    let sample = found.inventory.sample(12);
    if sample.is_empty() {
        if found.inventory.is_empty() {
            ui.label("Nothing matches: there is nothing to delete.");
        }
        return;
    }
    ui.add_space(6.0);
    ui.label(RichText::new("Sample of what the scan found:").strong());
    for item in sample {
        let mut note = String::new();
        if item.kind == ItemKind::DeleteMarker {
            note += "  delete marker";
        } else if item.kind == ItemKind::Noncurrent {
            note += "  old version";
        }
        if let Some(why) = &item.locked {
            note += &format!("  🔒 {why}");
        }
        ui.label(
            RichText::new(format!(
                "{}  {:>9}  {}{note}",
                &utc_datetime(item.last_modified_secs)[..10],
                human_bytes(item.size_bytes),
                item.key
            ))
            .monospace(),
        );
    }
}

fn uploads_table_ui(ui: &mut egui::Ui, found: &Found, events: &mut Vec<Event>) {
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        if ui.button("Choose all").clicked() {
            events.push(Event::ChooseAllUploads(true));
        }
        if ui.button("Choose none").clicked() {
            events.push(Event::ChooseAllUploads(false));
        }
        ui.label(RichText::new("To choose by age, set “Older than” above and scan again.").weak());
    });
    egui::Grid::new("cleanup-uploads")
        .num_columns(5)
        .striped(true)
        .show(ui, |ui| {
            for text in ["", "Key", "Started (UTC)", "Parts", "Bytes"] {
                ui.label(RichText::new(text).strong());
            }
            ui.end_row();
            for (i, u) in found.inventory.uploads.iter().enumerate() {
                let mut chosen = found.chosen_uploads.contains(&i);
                if ui.checkbox(&mut chosen, "").changed() {
                    events.push(Event::ChooseUpload(i, chosen));
                }
                ui.label(&u.key);
                ui.label(utc_datetime(u.initiated_secs));
                ui.label(u.parts.map_or("?".into(), thousands));
                ui.label(u.bytes.map_or("?".into(), human_bytes));
                ui.end_row();
            }
        });
}

fn abort_rule_ui(ui: &mut egui::Ui, flow: &mut CleanupFlow, events: &mut Vec<Event>) {
    ui.add_space(8.0);
    ui.label(RichText::new("Let S3 do this from now on").strong());
    ui.horizontal(|ui| {
        let label = ui.label("Abort incomplete uploads after");
        ui.add(
            egui::TextEdit::singleline(&mut flow.lifecycle_days)
                .desired_width(40.0)
                .hint_text("days"),
        )
        .labelled_by(label.id);
        ui.label("days");
        let days = flow.lifecycle_days.trim().parse::<u32>().ok();
        let ready = days.is_some_and(|d| d > 0) && !flow.adding_abort_rule;
        if ui
            .add_enabled(ready, egui::Button::new("Add lifecycle rule"))
            .clicked()
        {
            events.push(Event::AddAbortRule);
        }
    });
    if let Some(note) = &flow.lifecycle_note {
        ui.label(note);
    }
}

fn confirm_ui(ui: &mut egui::Ui, flow: &mut CleanupFlow, events: &mut Vec<Event>) {
    let scope = flow.scope.clone();
    let Stage::Confirm { found, typed } = &mut flow.stage else {
        return;
    };
    if found.inventory.versioning == Versioning::Versioned && scope.deletes_objects() {
        let mut mode = flow.mode;
        versions_choice_ui(ui, &scope, &mut mode);
        if mode != flow.mode {
            events.push(Event::ChooseMode(mode));
        }
        ui.separator();
    }
    ui.label(RichText::new("This will:").strong());
    ui.label(RichText::new(&found.summary).size(15.0));
    if found.bytes_freed > 0 {
        ui.label(format!(
            "Storage freed: {}.",
            human_bytes(found.bytes_freed)
        ));
    }
    ui.label(
        RichText::new("Only what the scan found goes: anything written since then is left alone.")
            .weak(),
    );
    ui.add_space(8.0);
    let expected = scope.confirmation_text().unwrap_or_else(|| "yes".into());
    let what = match &scope {
        Scope::Prefix { prefix, .. } if !prefix.is_empty() => "the prefix",
        Scope::Objects { .. } | Scope::Uploads { .. } => "",
        _ => "the bucket name",
    };
    let label = ui.label(if what.is_empty() {
        format!("Type {expected} to confirm:")
    } else {
        format!("Type {what} to confirm: {expected}")
    });
    ui.add(
        egui::TextEdit::singleline(typed)
            .hint_text(expected.as_str())
            .desired_width(320.0),
    )
    .labelled_by(label.id);
}

fn versions_choice_ui(ui: &mut egui::Ui, scope: &Scope, mode: &mut VersionMode) {
    ui.label(RichText::new("This bucket keeps versions. Choose:").strong());
    let whole_bucket = scope.is_whole_bucket();
    ui.radio_value(
        mode,
        VersionMode::AllVersions,
        "Delete permanently: every version and delete marker",
    );
    ui.label(
        RichText::new(
            "    The data is gone for good and stops costing money. It cannot be restored.",
        )
        .weak(),
    );
    ui.add_enabled_ui(!whole_bucket, |ui| {
        ui.radio_value(
            mode,
            VersionMode::DeleteMarkersOnly,
            "Only add delete markers",
        );
    });
    ui.label(
        RichText::new(if whole_bucket {
            "    Not for a whole bucket: a bucket is empty only when every version is gone."
        } else {
            "    Objects disappear from listings, but every version stays (and stays \
             billed); deleting a marker brings its object back."
        })
        .weak(),
    );
}

fn progress_ui(ui: &mut egui::Ui, run: &CleanupRun, counts: &RunCounts, elapsed_secs: f64) {
    let plan = run.plan();
    let total = plan.objects.len() as u64 + plan.uploads.len() as u64;
    let done = counts.done();
    let rate = done as f64 / elapsed_secs.max(0.001);
    let eta = if rate > 0.0 && total > done {
        format!(
            ", about {}",
            crate::format::time_left((total - done) as f64 / rate)
        )
    } else {
        String::new()
    };
    let fraction = if total == 0 {
        1.0
    } else {
        done as f32 / total as f32
    };
    ui.add(egui::ProgressBar::new(fraction).show_percentage());
    ui.label(format!(
        "{} of {} done ({} failed), {:.0} per second{eta}",
        thousands(done),
        thousands(total),
        thousands(counts.failures),
        rate
    ));
    ui.label(format!(
        "{} freed so far, {} sent",
        human_bytes(counts.bytes_deleted),
        count(counts.requests, "request", "requests")
    ));
    if plan.delete_bucket {
        ui.label(RichText::new("The bucket itself goes last.").weak());
    }
}

fn report_ui(ui: &mut egui::Ui, report: &Report, note: Option<&str>) {
    let (icon, color) = if report.is_complete() {
        ("✔", ui.visuals().selection.stroke.color)
    } else {
        ("⚠", ui.visuals().warn_fg_color)
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(icon).color(color).size(18.0));
        ui.label(RichText::new(report.summary()).strong());
    });
    ui.label(format!(
        "{} freed, {}.",
        human_bytes(report.deleted_bytes),
        count(report.requests, "request", "requests")
    ));
    if let Some(note) = note {
        ui.label(RichText::new(note).weak());
    }
    if report.failures.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.label(
        RichText::new(format!(
            "{} failed:",
            thousands(report.failures.len() as u64)
        ))
        .strong(),
    );
    egui::Grid::new("cleanup-failures")
        .num_columns(3)
        .striped(true)
        .show(ui, |ui| {
            for f in report.failures.iter().take(200) {
                ui.label(f.kind);
                ui.label(match &f.version_id {
                    Some(v) => format!("{} ({v})", f.key),
                    None => f.key.clone(),
                });
                ui.label(&f.reason);
                ui.end_row();
            }
        });
    if report.failures.len() > 200 {
        ui.label("… the export has every one of them.");
    }
}
