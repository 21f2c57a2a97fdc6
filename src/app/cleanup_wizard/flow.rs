//! The cleanup wizard as a state machine: inventory (the dry run), confirm, run, report. Each
//! stage holds the data it shows (a plan cannot exist without its inventory, a report without
//! its run); `update` takes an event (a click, or news from a job) and returns the effects for
//! the window to carry out. No egui, connection or runtime here, so it is tested with plain
//! `#[test]`s.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::cleanup::inventory::CountRow;
use crate::cleanup::jobs::{RunCounts, RunEvent, ScanCounts, ScanEvent};
use crate::cleanup::{
    CleanupPlan, CleanupRun, Filters, Inventory, Report, RunOptions, Scope, VersionMode,
};
use crate::s3::S3Error;
use crate::s3::listing::StorageClass;

/// The filter fields as typed.
#[derive(Debug, Clone, Default)]
pub struct FilterFields {
    pub older_than_days: String,
    pub storage_class: Option<StorageClass>,
    pub key_glob: String,
}

impl FilterFields {
    pub fn filters(&self) -> Result<Filters, String> {
        let days = self.older_than_days.trim();
        let older_than_days = if days.is_empty() {
            None
        } else {
            Some(
                days.parse::<u32>()
                    .map_err(|_| format!("“{days}” is not a number of days."))?,
            )
        };
        let glob = self.key_glob.trim();
        Ok(Filters {
            older_than_days,
            storage_class: self.storage_class,
            key_glob: (!glob.is_empty()).then(|| glob.to_owned()),
        })
    }
}

/// A scan's inventory with the user's choices and the plan they make.
pub struct Found {
    pub inventory: Inventory,
    /// The inventory's table, worked out once when the scan lands (it walks every entry).
    pub count_rows: Vec<CountRow>,
    /// Uploads chosen in the incomplete-uploads view (indices into the inventory's uploads).
    pub chosen_uploads: BTreeSet<usize>,
    /// Rebuilt only when a choice changes, since it copies every key.
    pub plan: CleanupPlan,
    pub summary: String,
    pub bytes_freed: u64,
}

impl Found {
    fn new(inventory: Inventory, mode: VersionMode) -> Self {
        // Every upload starts chosen; the user unticks what to keep.
        let chosen_uploads = (0..inventory.uploads.len()).collect();
        let plan = plan(&inventory, &chosen_uploads, mode);
        Self {
            count_rows: inventory.count_rows(),
            chosen_uploads,
            inventory,
            summary: plan.summary(),
            bytes_freed: plan.bytes_freed(),
            plan,
        }
    }

    fn replan(&mut self, mode: VersionMode) {
        self.plan = plan(&self.inventory, &self.chosen_uploads, mode);
        self.summary = self.plan.summary();
        self.bytes_freed = self.plan.bytes_freed();
    }
}

fn plan(inventory: &Inventory, chosen_uploads: &BTreeSet<usize>, mode: VersionMode) -> CleanupPlan {
    let mut plan = CleanupPlan::from_inventory(inventory, mode);
    if matches!(inventory.scope, Scope::Uploads { .. }) {
        plan.uploads = (chosen_uploads.iter())
            .filter_map(|&i| inventory.uploads.get(i).cloned())
            .collect();
    }
    plan
}

pub enum Scan {
    Running(ScanCounts),
    Failed(S3Error),
    Found(Box<Found>),
}

pub enum Stage {
    Inventory(Scan),
    Confirm {
        found: Box<Found>,
        typed: String,
    },
    Run {
        run: Arc<CleanupRun>,
        counts: RunCounts,
    },
    Report {
        run: Arc<CleanupRun>,
        report: Report,
    },
}

impl Stage {
    pub const TITLES: [&'static str; 4] = ["Inventory (dry run)", "Confirm", "Delete", "Report"];

    pub fn index(&self) -> usize {
        match self {
            Stage::Inventory(_) => 0,
            Stage::Confirm { .. } => 1,
            Stage::Run { .. } => 2,
            Stage::Report { .. } => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanupOutcome {
    Open,
    Closed,
    /// Something was deleted: listings of this bucket are out of date.
    Changed {
        bucket: String,
        bucket_deleted: bool,
    },
}

#[derive(Debug)]
pub enum Event {
    ScanAgain,
    StopScan,
    Scanned(ScanEvent),
    ChooseUpload(usize, bool),
    ChooseAllUploads(bool),
    Next,
    Back,
    ChooseMode(VersionMode),
    Delete,
    Stop,
    Ran(RunEvent),
    /// Continue a stopped run, or retry what failed.
    Continue,
    AddAbortRule,
    AbortRuleAdded(Result<u32, S3Error>),
    Export(&'static str),
    /// Where a report went (an export, the audit copy), or why it did not.
    Noted(String),
    Close,
}

pub enum Effect {
    StartScan {
        scope: Scope,
        filters: Filters,
    },
    StopScan,
    StartRun(Arc<CleanupRun>),
    StopRun,
    AddAbortRule {
        bucket: String,
        days: u32,
    },
    SaveAuditCopy(Arc<CleanupRun>),
    Export {
        run: Arc<CleanupRun>,
        extension: &'static str,
    },
    Close(CleanupOutcome),
}

pub struct CleanupFlow {
    pub scope: Scope,
    pub stage: Stage,
    pub filter_fields: FilterFields,
    pub mode: VersionMode,
    pub lifecycle_days: String,
    pub adding_abort_rule: bool,
    pub lifecycle_note: Option<String>,
    pub report_note: Option<String>,
}

impl CleanupFlow {
    /// The same cleanup as an AWS CLI, boto3 or skiff command, where one exists: every key's
    /// versions for good (Objects with all versions) has none.
    pub fn action(&self) -> Option<crate::s3::commands::Action> {
        use crate::s3::commands::Action;
        let all_versions = self.mode == VersionMode::AllVersions;
        Some(match &self.scope {
            Scope::Objects { .. } if all_versions => return None,
            // Folders among keys: no one command of each tool takes both.
            Scope::Objects { keys, .. } if keys.iter().any(|k| k.ends_with('/')) => return None,
            Scope::Objects { bucket, keys } => Action::Delete {
                bucket: bucket.clone(),
                keys: keys.clone(),
            },
            Scope::Prefix { bucket, prefix } if all_versions => Action::PurgeVersions {
                bucket: bucket.clone(),
                prefix: prefix.clone(),
            },
            Scope::Prefix { bucket, prefix } => Action::DeletePrefix {
                bucket: bucket.clone(),
                prefix: prefix.clone(),
            },
            Scope::Uploads { bucket, prefix } => Action::AbortUploads {
                bucket: bucket.clone(),
                prefix: prefix.clone(),
            },
            Scope::Bucket { bucket } => Action::EmptyBucket {
                bucket: bucket.clone(),
            },
            Scope::DeleteBucket { bucket } => Action::DeleteBucket {
                bucket: bucket.clone(),
            },
        })
    }

    /// Opens on the inventory, whose scan the returned effect starts.
    pub fn open(scope: Scope) -> (Self, Vec<Effect>) {
        // Where versions exist, the safe choice is the default: markers keep everything
        // restorable. The bucket scopes (Empty, Delete) need every version gone.
        let mode = if scope.is_whole_bucket() {
            VersionMode::AllVersions
        } else {
            VersionMode::DeleteMarkersOnly
        };
        let mut flow = Self {
            scope,
            stage: Stage::Inventory(Scan::Running(ScanCounts::default())),
            filter_fields: FilterFields::default(),
            mode,
            lifecycle_days: "7".into(),
            adding_abort_rule: false,
            lifecycle_note: None,
            report_note: None,
        };
        let effects = flow.start_scan();
        (flow, effects)
    }

    pub fn title(&self) -> String {
        match &self.scope {
            Scope::Objects { .. } | Scope::Prefix { .. } => "Delete".into(),
            Scope::Bucket { bucket } => format!("Empty bucket {bucket}"),
            Scope::DeleteBucket { bucket } => format!("Delete bucket {bucket}"),
            Scope::Uploads { bucket, .. } => format!("Incomplete uploads in {bucket}"),
        }
    }

    pub fn is_scanning(&self) -> bool {
        matches!(self.stage, Stage::Inventory(Scan::Running(_)))
    }

    /// The inventory is in and leaves something to delete.
    pub fn can_go_to_confirm(&self) -> bool {
        matches!(&self.stage, Stage::Inventory(Scan::Found(found)) if !found.plan.is_empty())
    }

    /// The typed confirmation matches the scope.
    pub fn is_confirmed(&self) -> bool {
        matches!(&self.stage, Stage::Confirm { typed, .. } if self.scope.is_confirmed_by(typed))
    }

    /// A report that leaves something undone, which Continue would take up.
    pub fn can_continue(&self) -> bool {
        matches!(&self.stage, Stage::Report { report, .. } if !report.is_complete())
    }

    pub fn update(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::ScanAgain => self.scan_again(),
            Event::StopScan if self.is_scanning() => vec![Effect::StopScan],
            Event::Scanned(event) => {
                self.scanned(event);
                vec![]
            }
            Event::ChooseUpload(..) | Event::ChooseAllUploads(_) => {
                self.choose_uploads(event);
                vec![]
            }
            Event::Next => {
                self.next();
                vec![]
            }
            Event::Back => {
                self.back();
                vec![]
            }
            Event::ChooseMode(mode) => {
                self.choose_mode(mode);
                vec![]
            }
            Event::Delete => self.delete(),
            Event::Stop if matches!(self.stage, Stage::Run { .. }) => vec![Effect::StopRun],
            Event::Ran(event) => self.ran(event),
            Event::Continue => self.continue_run(),
            Event::AddAbortRule => self.add_abort_rule(),
            Event::AbortRuleAdded(result) => {
                self.adding_abort_rule = false;
                self.lifecycle_note = Some(match result {
                    Ok(days) => format!(
                        "Added: this bucket now aborts incomplete uploads {days} days after \
                         they start."
                    ),
                    Err(e) => e.with_hint(),
                });
                vec![]
            }
            Event::Export(extension) => match &self.stage {
                Stage::Report { run, .. } => vec![Effect::Export {
                    run: run.clone(),
                    extension,
                }],
                _ => vec![],
            },
            Event::Noted(note) => {
                self.report_note = Some(note);
                vec![]
            }
            Event::Close => vec![Effect::StopScan, Effect::StopRun, self.close()],
            Event::StopScan | Event::Stop => vec![],
        }
    }

    fn scan_again(&mut self) -> Vec<Effect> {
        match self.stage {
            Stage::Inventory(Scan::Found(_) | Scan::Failed(_)) => self.start_scan(),
            _ => vec![],
        }
    }

    fn start_scan(&mut self) -> Vec<Effect> {
        match self.filter_fields.filters() {
            Ok(filters) => {
                self.stage = Stage::Inventory(Scan::Running(ScanCounts::default()));
                vec![Effect::StartScan {
                    scope: self.scope.clone(),
                    filters,
                }]
            }
            Err(problem) => {
                self.stage = Stage::Inventory(Scan::Failed(S3Error::Other {
                    what: "Filters".into(),
                    detail: problem,
                }));
                vec![]
            }
        }
    }

    fn scanned(&mut self, event: ScanEvent) {
        let Stage::Inventory(scan @ Scan::Running(_)) = &mut self.stage else {
            return;
        };
        *scan = match event {
            ScanEvent::Progress(counts) => Scan::Running(counts),
            ScanEvent::Done(Ok(inventory)) => {
                Scan::Found(Box::new(Found::new(inventory, self.mode)))
            }
            ScanEvent::Done(Err(e)) => Scan::Failed(e),
        };
    }

    fn choose_uploads(&mut self, event: Event) {
        let Stage::Inventory(Scan::Found(found)) = &mut self.stage else {
            return;
        };
        match event {
            Event::ChooseUpload(i, true) if i < found.inventory.uploads.len() => {
                found.chosen_uploads.insert(i);
            }
            Event::ChooseUpload(i, false) => {
                found.chosen_uploads.remove(&i);
            }
            Event::ChooseAllUploads(all) => {
                found.chosen_uploads = if all {
                    (0..found.inventory.uploads.len()).collect()
                } else {
                    BTreeSet::new()
                };
            }
            _ => return,
        }
        found.replan(self.mode);
    }

    fn next(&mut self) {
        if !self.can_go_to_confirm() {
            return;
        }
        if let Stage::Inventory(Scan::Found(found)) = self.take_stage() {
            self.stage = Stage::Confirm {
                found,
                typed: String::new(),
            };
        }
    }

    fn back(&mut self) {
        match self.take_stage() {
            Stage::Confirm { found, .. } => self.stage = Stage::Inventory(Scan::Found(found)),
            other => self.stage = other,
        }
    }

    fn choose_mode(&mut self, mode: VersionMode) {
        // A bucket is empty only when every version is gone.
        if self.scope.is_whole_bucket() || mode == self.mode {
            return;
        }
        self.mode = mode;
        if let Stage::Confirm { found, .. } | Stage::Inventory(Scan::Found(found)) = &mut self.stage
        {
            found.replan(mode);
        }
    }

    fn delete(&mut self) -> Vec<Effect> {
        if !self.is_confirmed() {
            return vec![];
        }
        let Stage::Confirm { found, .. } = self.take_stage() else {
            unreachable!("is_confirmed holds only on the confirm stage")
        };
        let run = Arc::new(CleanupRun::new(found.plan, RunOptions::default()));
        self.start_run(run)
    }

    fn continue_run(&mut self) -> Vec<Effect> {
        if !self.can_continue() {
            return vec![];
        }
        let Stage::Report { run, .. } = self.take_stage() else {
            unreachable!("can_continue holds only on the report stage")
        };
        self.start_run(run)
    }

    fn start_run(&mut self, run: Arc<CleanupRun>) -> Vec<Effect> {
        self.report_note = None;
        self.stage = Stage::Run {
            run: run.clone(),
            counts: RunCounts::default(),
        };
        vec![Effect::StartRun(run)]
    }

    fn ran(&mut self, event: RunEvent) -> Vec<Effect> {
        let Stage::Run { run, counts } = &mut self.stage else {
            return vec![];
        };
        match event {
            RunEvent::Progress(now) => {
                *counts = now;
                vec![]
            }
            RunEvent::Done(report) => {
                let run = run.clone();
                self.stage = Stage::Report {
                    run: run.clone(),
                    report,
                };
                vec![Effect::SaveAuditCopy(run)]
            }
        }
    }

    fn add_abort_rule(&mut self) -> Vec<Effect> {
        let days = self.lifecycle_days.trim().parse::<u32>().ok();
        match days.filter(|d| *d > 0) {
            Some(days) if !self.adding_abort_rule => {
                self.adding_abort_rule = true;
                vec![Effect::AddAbortRule {
                    bucket: self.scope.bucket().to_owned(),
                    days,
                }]
            }
            _ => vec![],
        }
    }

    /// Closing after a run says what changed, so the app refreshes.
    fn close(&self) -> Effect {
        let (changed, bucket_deleted) = match &self.stage {
            Stage::Run { counts, .. } => {
                (counts.objects_deleted + counts.uploads_aborted > 0, false)
            }
            Stage::Report { report, .. } => {
                let bucket_deleted = report.bucket_deleted == Some(true);
                let deleted = report.deleted_objects + report.aborted_uploads > 0;
                (deleted || bucket_deleted, bucket_deleted)
            }
            _ => (false, false),
        };
        Effect::Close(if changed {
            CleanupOutcome::Changed {
                bucket: self.scope.bucket().to_owned(),
                bucket_deleted,
            }
        } else {
            CleanupOutcome::Closed
        })
    }

    /// The stage, leaving a placeholder the caller replaces.
    fn take_stage(&mut self) -> Stage {
        let placeholder = Stage::Inventory(Scan::Running(ScanCounts::default()));
        std::mem::replace(&mut self.stage, placeholder)
    }
}
