//! Rename, copy, move and change-class windows: where to (or the new name, or the class), then
//! the inventory (what will be copied, its bytes, which destinations exist, to be confirmed),
//! then the run with its progress and Stop, then a report like cleanup's with Continue and the
//! CSV. The steps and their transitions (`update`) are plain data, tested without egui; the
//! window holds the engine's jobs and carries out the effects.

mod view;

use std::sync::Arc;

pub use view::Shown;

use crate::format::count;
use crate::relocate::{
    Inventory, InventoryEvent, InventoryJob, Mode, RelocateCounts, RelocateEvent, RelocateJob,
    RelocateReport, RelocateRun, RelocateSpec, name_of,
};
use crate::s3::copy::{CopyChanges, CopyOptions};
use crate::s3::{Connection, S3Error};

/// What the window was opened for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    Rename {
        item: String,
    },
    /// Copy or move the items (keys, folders ending in `/`) of one folder into another.
    Relocate {
        mode: Mode,
        items: Vec<String>,
    },
    /// Copy the items onto themselves with another storage class.
    ChangeClass {
        items: Vec<String>,
    },
}

/// Storage classes offered when changing one.
pub const CLASSES: &[&str] = &[
    "STANDARD",
    "INTELLIGENT_TIERING",
    "STANDARD_IA",
    "ONEZONE_IA",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
];

pub enum Step {
    /// The destination (`s3://bucket/prefix/` or a prefix of this bucket), the new name, or
    /// the class, as typed.
    Choose {
        text: String,
        problem: Option<String>,
    },
    Listing {
        seen: u64,
    },
    Review {
        inventory: Inventory,
        /// Replacing objects at the destination was agreed to.
        replace_ok: bool,
        /// A class change's monthly cost before and after, worked out once.
        estimate: Option<String>,
    },
    Running {
        run: Arc<RelocateRun>,
        counts: RelocateCounts,
        stopping: bool,
    },
    Report {
        run: Arc<RelocateRun>,
        report: RelocateReport,
        /// The first failures, read once from the run (it may hold 10,000 entries).
        failures: Vec<String>,
        saved: Option<String>,
    },
    Failed {
        error: String,
    },
}

#[derive(Debug)]
pub enum Event {
    Submit,
    Listed(u64),
    Inventoried(Box<Result<Inventory, S3Error>>),
    AgreeToReplace(bool),
    Run,
    Progress(RelocateCounts),
    Finished(RelocateReport),
    Stop,
    Continue,
    Saved(Result<String, String>),
}

pub enum Effect {
    StartInventory(Box<RelocateSpec>),
    StartRun(Arc<RelocateRun>),
    StopRun,
    SaveReport,
    /// Objects changed: the listing is stale.
    Refresh,
}

/// The window's state.
pub struct RelocateDialog {
    pub purpose: Purpose,
    pub bucket: String,
    pub step: Step,
    /// Where a copy of each report goes (the cleanup reports' folder); `None` keeps none.
    pub reports_dir: Option<std::path::PathBuf>,
    inventory_job: Option<InventoryJob>,
    run_job: Option<RelocateJob>,
    asked_command: Option<crate::s3::commands::Action>,
    /// The text field takes the keyboard on the next frame.
    focus_field: bool,
}

impl RelocateDialog {
    pub fn new(purpose: Purpose, bucket: &str, folder: &str) -> Self {
        let text = match &purpose {
            Purpose::Rename { item } => name_of(item).to_owned(),
            Purpose::Relocate { .. } => format!("s3://{bucket}/{folder}"),
            Purpose::ChangeClass { .. } => "STANDARD_IA".to_owned(),
        };
        Self {
            purpose,
            bucket: bucket.to_owned(),
            step: Step::Choose {
                text,
                problem: None,
            },
            reports_dir: None,
            inventory_job: None,
            run_job: None,
            asked_command: None,
            focus_field: true,
        }
    }

    /// Straight to the inventory (a paste, whose destination is the folder on screen).
    pub fn paste(mode: Mode, from_bucket: &str, items: Vec<String>, to: (&str, &str)) -> Self {
        let mut dialog = Self::new(Purpose::Relocate { mode, items }, from_bucket, to.1);
        dialog.step = Step::Choose {
            text: format!("s3://{}/{}", to.0, to.1),
            problem: None,
        };
        dialog
    }

    pub fn title(&self) -> String {
        match &self.purpose {
            Purpose::Rename { item } => format!("Rename {}", name_of(item)),
            Purpose::Relocate { mode, items } => format!(
                "{} {}",
                if *mode == Mode::Move { "Move" } else { "Copy" },
                match items.as_slice() {
                    [one] => name_of(one).to_owned(),
                    many => count(many.len() as u64, "item", "items"),
                }
            ),
            Purpose::ChangeClass { items } => format!(
                "Change the storage class of {}",
                count(items.len() as u64, "item", "items")
            ),
        }
    }

    /// The spec the typed text makes, or what is wrong with it.
    pub fn spec(&self, text: &str) -> Result<RelocateSpec, String> {
        let spec = match &self.purpose {
            Purpose::Rename { item } => RelocateSpec::rename(&self.bucket, item, text)?,
            Purpose::Relocate { mode, items } => {
                let (bucket, prefix) = destination(&self.bucket, text)?;
                RelocateSpec::into_folder(*mode, &self.bucket, items, (&bucket, &prefix))
            }
            Purpose::ChangeClass { items } => {
                let changes = CopyChanges {
                    storage_class: Some(text.to_owned()),
                    headers: None,
                };
                RelocateSpec::in_place(&self.bucket, items, changes)
            }
        };
        match spec.problem() {
            Some(problem) => Err(problem),
            None => Ok(spec),
        }
    }

    /// Moves the window on; what the caller must do.
    pub fn update(&mut self, event: Event) -> Vec<Effect> {
        let step = std::mem::replace(&mut self.step, Step::Listing { seen: 0 });
        let (step, effects) = self.next(step, event);
        self.step = step;
        effects
    }

    fn next(&self, step: Step, event: Event) -> (Step, Vec<Effect>) {
        match (step, event) {
            (Step::Choose { text, .. }, Event::Submit) => match self.spec(&text) {
                Ok(spec) => (
                    Step::Listing { seen: 0 },
                    vec![Effect::StartInventory(Box::new(spec))],
                ),
                Err(problem) => (
                    Step::Choose {
                        text,
                        problem: Some(problem),
                    },
                    vec![],
                ),
            },
            (Step::Listing { .. }, Event::Listed(seen)) => (Step::Listing { seen }, vec![]),
            (Step::Listing { .. }, Event::Inventoried(result)) => match *result {
                Ok(inventory) => (
                    Step::Review {
                        replace_ok: inventory.existing.is_empty(),
                        estimate: cost_estimate(&inventory),
                        inventory,
                    },
                    vec![],
                ),
                Err(e) => (
                    Step::Failed {
                        error: e.with_hint(),
                    },
                    vec![],
                ),
            },
            (
                Step::Review {
                    inventory,
                    estimate,
                    ..
                },
                Event::AgreeToReplace(ok),
            ) => (
                Step::Review {
                    replace_ok: ok || inventory.existing.is_empty(),
                    inventory,
                    estimate,
                },
                vec![],
            ),
            (
                Step::Review {
                    inventory,
                    replace_ok: true,
                    ..
                },
                Event::Run,
            ) if !inventory.pairs.is_empty() => {
                let run = Arc::new(RelocateRun::new(inventory, CopyOptions::default(), 16));
                (
                    Step::Running {
                        run: run.clone(),
                        counts: RelocateCounts::default(),
                        stopping: false,
                    },
                    vec![Effect::StartRun(run)],
                )
            }
            (Step::Running { run, stopping, .. }, Event::Progress(counts)) => (
                Step::Running {
                    run,
                    counts,
                    stopping,
                },
                vec![],
            ),
            (Step::Running { run, counts, .. }, Event::Stop) => (
                Step::Running {
                    run,
                    counts,
                    stopping: true,
                },
                vec![Effect::StopRun],
            ),
            (Step::Running { run, .. }, Event::Finished(report)) => (
                Step::Report {
                    failures: run.failures(20),
                    run,
                    report,
                    saved: None,
                },
                vec![Effect::Refresh, Effect::SaveReport],
            ),
            (Step::Report { run, report, .. }, Event::Continue) if !report.is_complete() => (
                Step::Running {
                    counts: report.counts,
                    run: run.clone(),
                    stopping: false,
                },
                vec![Effect::StartRun(run)],
            ),
            (
                Step::Report {
                    run,
                    report,
                    failures,
                    ..
                },
                Event::Saved(result),
            ) => (
                Step::Report {
                    run,
                    report,
                    failures,
                    saved: Some(result.unwrap_or_else(|e| e)),
                },
                vec![],
            ),
            (step, _) => (step, vec![]),
        }
    }

    /// Carries out the effects: the engine's jobs start here.
    pub fn apply(
        &mut self,
        ctx: &egui::Context,
        connection: &Connection,
        effects: Vec<Effect>,
    ) -> bool {
        let mut refresh = false;
        for effect in effects {
            match effect {
                Effect::StartInventory(spec) => {
                    let notify = super::task::notifier(ctx);
                    self.inventory_job = Some(InventoryJob::start(connection, *spec, notify));
                }
                Effect::StartRun(run) => {
                    let notify = super::task::notifier(ctx);
                    self.run_job = Some(RelocateJob::start(connection, run, notify));
                }
                Effect::StopRun => {
                    if let Some(job) = &self.run_job {
                        job.stop();
                    }
                }
                Effect::SaveReport => {
                    if let Some(saved) = self.save_report() {
                        self.update(Event::Saved(saved));
                    }
                }
                Effect::Refresh => refresh = true,
            }
        }
        refresh
    }

    /// Keeps a copy of the report in the reports folder, as cleanup runs do.
    #[cfg(not(target_arch = "wasm32"))]
    fn save_report(&self) -> Option<Result<String, String>> {
        let (Step::Report { run, .. }, Some(dir)) = (&self.step, &self.reports_dir) else {
            return None;
        };
        let saved = crate::cleanup::report::save_audit_copy(dir, &self.bucket, &run.export_csv());
        Some(
            saved
                .map(|path| format!("A copy of this report is in {}.", path.display()))
                .map_err(|e| format!("No copy of this report was kept ({}: {e}).", dir.display())),
        )
    }

    #[cfg(target_arch = "wasm32")]
    fn save_report(&self) -> Option<Result<String, String>> {
        None
    }

    /// The jobs' news since the last frame, as events.
    pub fn poll(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(job) = &mut self.inventory_job {
            while let Some(event) = job.try_next() {
                events.push(match event {
                    InventoryEvent::Progress(seen) => Event::Listed(seen),
                    InventoryEvent::Done(result) => Event::Inventoried(result),
                });
            }
        }
        if let Some(job) = &mut self.run_job {
            while let Some(event) = job.try_next() {
                events.push(match event {
                    RelocateEvent::Progress(counts) => Event::Progress(counts),
                    RelocateEvent::Done(report) => Event::Finished(report),
                });
            }
        }
        events
    }

    /// Whether closing would leave work half done (a run in progress).
    pub fn is_running(&self) -> bool {
        matches!(self.step, Step::Running { .. })
    }
}

/// For a change of class: the monthly storage cost before and after.
fn cost_estimate(inventory: &Inventory) -> Option<String> {
    let class = inventory.spec.changes.storage_class.as_deref()?;
    let to = crate::s3::listing::StorageClass::parse(class);
    crate::pricing::change_estimate(&inventory.bytes_by_class(), to)
}

/// The AWS CLI, boto3 and skiff commands that do what the spec does.
pub fn command_of(spec: &RelocateSpec) -> crate::s3::commands::Action {
    use crate::relocate::Source;
    use crate::s3::commands::Action;
    if let Some(class) = &spec.changes.storage_class {
        let items = (spec.sources.iter())
            .map(|s| match s {
                Source::Object { key, .. } => key.clone(),
                Source::Prefix { prefix, .. } => prefix.clone(),
            })
            .collect();
        return Action::SetClass {
            bucket: spec.from_bucket.clone(),
            items,
            class: class.clone(),
        };
    }
    let pairs = (spec.sources.iter())
        .map(|s| match s {
            Source::Object { key, to } => (key.clone(), to.clone()),
            Source::Prefix { prefix, to, .. } => (prefix.clone(), to.clone()),
        })
        .collect();
    Action::Relocate {
        moving: spec.mode == Mode::Move,
        from_bucket: spec.from_bucket.clone(),
        to_bucket: spec.to_bucket.clone(),
        pairs,
    }
}

/// `s3://bucket/prefix` or a prefix of `bucket`, as a bucket and a folder prefix (ending in `/`,
/// or empty for the top of the bucket).
pub fn destination(bucket: &str, text: &str) -> Result<(String, String), String> {
    let text = text.trim();
    let (bucket, prefix) = match text.strip_prefix("s3://") {
        Some(rest) => {
            let (b, p) = rest.split_once('/').unwrap_or((rest, ""));
            if b.is_empty() {
                return Err("Name the bucket: s3://bucket/folder/".into());
            }
            (b.to_owned(), p.to_owned())
        }
        None => (bucket.to_owned(), text.trim_start_matches('/').to_owned()),
    };
    let prefix = if prefix.is_empty() || prefix.ends_with('/') {
        prefix
    } else {
        format!("{prefix}/")
    };
    Ok((bucket, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relocate::Pair;

    fn inventory(existing: &[&str]) -> Inventory {
        let spec = RelocateSpec::rename("b", "runs/", "old-runs").unwrap();
        Inventory {
            spec,
            pairs: vec![Pair {
                from: "runs/a".into(),
                to: "old-runs/a".into(),
                size_bytes: 3,
                storage_class: Default::default(),
                etag: None,
            }],
            existing: existing.iter().map(|s| s.to_string()).collect(),
            bytes: 3,
        }
    }

    #[test]
    fn a_bad_name_stays_on_the_first_step_with_the_reason() {
        let mut d = RelocateDialog::new(
            Purpose::Rename {
                item: "runs/".into(),
            },
            "b",
            "",
        );
        assert!(matches!(&d.step, Step::Choose { text, .. } if text == "runs"));
        let effects = d.update(Event::Submit);
        assert!(effects.is_empty());
        assert!(
            matches!(&d.step, Step::Choose { problem: Some(p), .. } if p.contains("the name it has"))
        );
        d.step = Step::Choose {
            text: "old-runs".into(),
            problem: None,
        };
        let effects = d.update(Event::Submit);
        assert!(matches!(effects.as_slice(), [Effect::StartInventory(_)]));
    }

    #[test]
    fn replacing_objects_must_be_agreed_before_the_run() {
        let mut d = RelocateDialog::new(
            Purpose::Rename {
                item: "runs/".into(),
            },
            "b",
            "",
        );
        d.step = Step::Listing { seen: 0 };
        d.update(Event::Inventoried(Box::new(Ok(inventory(&["old-runs/a"])))));
        assert!(d.update(Event::Run).is_empty(), "ran without agreement");
        d.update(Event::AgreeToReplace(true));
        let effects = d.update(Event::Run);
        assert!(matches!(effects.as_slice(), [Effect::StartRun(_)]));
        assert!(d.is_running());
        assert!(matches!(
            d.update(Event::Stop).as_slice(),
            [Effect::StopRun]
        ));
    }

    #[test]
    fn destinations_are_a_url_or_a_prefix_of_this_bucket() {
        assert_eq!(
            destination("b", "s3://c/x/y").unwrap(),
            ("c".into(), "x/y/".into())
        );
        assert_eq!(destination("b", "/x/").unwrap(), ("b".into(), "x/".into()));
        assert_eq!(destination("b", "").unwrap(), ("b".into(), "".into()));
        assert!(destination("b", "s3:///x").is_err());
    }
}
