//! The wizard's transitions, as plain tests: no runtime, no server, no frame.

use std::sync::Arc;

use super::flow::*;
use crate::cleanup::inventory::{Item, ItemKind, UploadInfo};
use crate::cleanup::jobs::{RunCounts, RunEvent, ScanCounts, ScanEvent};
use crate::cleanup::{Filters, Inventory, Report, Scope, VersionMode, Versioning};
use crate::s3::S3Error;
use crate::s3::listing::StorageClass;

fn item(key: &str, version: Option<&str>, kind: ItemKind) -> Item {
    Item {
        key: key.into(),
        version_id: version.map(Into::into),
        kind,
        size_bytes: 100,
        last_modified_secs: 1_700_000_000,
        storage_class: StorageClass::Standard,
        locked: None,
    }
}

fn upload(key: &str) -> UploadInfo {
    UploadInfo {
        key: key.into(),
        upload_id: format!("id-{key}"),
        initiated_secs: 1_700_000_000,
        parts: Some(2),
        bytes: Some(10),
    }
}

fn inventory(scope: &Scope, versioning: Versioning, items: Vec<Item>) -> Inventory {
    Inventory {
        scope: scope.clone(),
        filters: Filters::default(),
        versioning,
        items,
        uploads: Vec::new(),
        uploads_listed: true,
        filtered_out: 0,
        scanned_at_secs: 1_700_000_000,
    }
}

fn report(deleted_objects: u64, stopped: bool, bucket_deleted: Option<bool>) -> Report {
    Report {
        scope: "test".into(),
        bucket: "b".into(),
        mode: None,
        planned_objects: 2,
        planned_bytes: 200,
        deleted_objects,
        deleted_bytes: 100 * deleted_objects,
        not_sent_objects: 2 - deleted_objects,
        planned_uploads: 0,
        aborted_uploads: 0,
        bucket_deleted,
        stopped,
        requests: 1,
        failures: Vec::new(),
    }
}

fn prefix() -> Scope {
    Scope::Prefix {
        bucket: "b".into(),
        prefix: "runs/".into(),
    }
}

/// A flow on the confirm stage for two current objects under `runs/`.
fn confirming() -> CleanupFlow {
    let scope = prefix();
    let (mut flow, _) = CleanupFlow::open(scope.clone());
    let items = vec![
        item("runs/a", None, ItemKind::Current),
        item("runs/b", None, ItemKind::Current),
    ];
    let found = inventory(&scope, Versioning::NotListed, items);
    flow.update(Event::Scanned(ScanEvent::Done(Ok(found))));
    flow.update(Event::Next);
    flow
}

fn typed(flow: &mut CleanupFlow) -> &mut String {
    match &mut flow.stage {
        Stage::Confirm { typed, .. } => typed,
        _ => panic!("not on the confirm stage"),
    }
}

fn started_run(effects: &[Effect]) -> Arc<crate::cleanup::CleanupRun> {
    match effects {
        [Effect::StartRun(run)] => run.clone(),
        _ => panic!("expected one StartRun effect"),
    }
}

#[test]
fn opening_starts_the_scan_of_the_scope_and_whole_buckets_delete_every_version() {
    let (flow, effects) = CleanupFlow::open(prefix());
    assert!(matches!(&effects[..], [Effect::StartScan { scope, .. }] if *scope == prefix()));
    assert!(flow.is_scanning());
    assert_eq!(flow.mode, VersionMode::DeleteMarkersOnly);
    let (flow, _) = CleanupFlow::open(Scope::Bucket { bucket: "b".into() });
    assert_eq!(flow.mode, VersionMode::AllVersions);
    assert_eq!(flow.title(), "Empty bucket b");
}

#[test]
fn the_scan_reports_counts_then_its_inventory_and_cannot_start_twice() {
    let (mut flow, _) = CleanupFlow::open(prefix());
    let counts = ScanCounts {
        entries: 5,
        bytes: 500,
        uploads: 1,
    };
    assert!(
        flow.update(Event::ScanAgain).is_empty(),
        "a scan is running"
    );
    flow.update(Event::Scanned(ScanEvent::Progress(counts)));
    assert!(matches!(flow.stage, Stage::Inventory(Scan::Running(c)) if c == counts));
    assert!(matches!(
        &flow.update(Event::StopScan)[..],
        [Effect::StopScan]
    ));
    let empty = inventory(&prefix(), Versioning::NotListed, vec![]);
    flow.update(Event::Scanned(ScanEvent::Done(Ok(empty))));
    assert!(matches!(flow.stage, Stage::Inventory(Scan::Found(_))));
    assert!(!flow.can_go_to_confirm(), "nothing to delete");
    flow.update(Event::Next);
    assert_eq!(flow.stage.index(), 0);
    assert!(matches!(
        &flow.update(Event::ScanAgain)[..],
        [Effect::StartScan { .. }]
    ));
}

#[test]
fn a_failed_scan_or_a_filter_that_is_not_a_number_offers_to_scan_again() {
    let (mut flow, _) = CleanupFlow::open(prefix());
    let refused = S3Error::Other {
        what: "List".into(),
        detail: "refused".into(),
    };
    flow.update(Event::Scanned(ScanEvent::Done(Err(refused))));
    assert!(matches!(flow.stage, Stage::Inventory(Scan::Failed(_))));
    flow.filter_fields.older_than_days = "a month".into();
    assert!(flow.update(Event::ScanAgain).is_empty());
    assert!(matches!(
        &flow.stage,
        Stage::Inventory(Scan::Failed(S3Error::Other { what, .. })) if what == "Filters"
    ));
    flow.filter_fields.older_than_days = "30".into();
    let effects = flow.update(Event::ScanAgain);
    let [Effect::StartScan { filters, .. }] = &effects[..] else {
        panic!("expected a scan")
    };
    assert_eq!(filters.older_than_days, Some(30));
}

#[test]
fn delete_waits_for_the_typed_confirmation_and_runs_the_plan_the_scan_made() {
    let mut flow = confirming();
    assert_eq!(flow.stage.index(), 1);
    assert!(flow.update(Event::Delete).is_empty(), "nothing typed");
    *typed(&mut flow) = "runs".into();
    assert!(flow.update(Event::Delete).is_empty(), "not the prefix");
    *typed(&mut flow) = " runs/ ".into();
    let run = started_run(&flow.update(Event::Delete));
    let keys: Vec<_> = run.plan().objects.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["runs/a", "runs/b"]);
    assert!(matches!(flow.stage, Stage::Run { .. }));
}

#[test]
fn back_keeps_the_inventory_and_a_new_confirmation_starts_empty() {
    let mut flow = confirming();
    *typed(&mut flow) = "runs/".into();
    flow.update(Event::Back);
    assert!(matches!(flow.stage, Stage::Inventory(Scan::Found(_))));
    flow.update(Event::Next);
    assert_eq!(typed(&mut flow), "");
}

#[test]
fn the_version_choice_changes_the_plan_but_a_whole_bucket_loses_every_version() {
    let scope = prefix();
    let (mut flow, _) = CleanupFlow::open(scope.clone());
    let items = vec![
        item("runs/a", Some("v2"), ItemKind::Current),
        item("runs/a", Some("v1"), ItemKind::Noncurrent),
    ];
    let found = inventory(&scope, Versioning::Versioned, items.clone());
    flow.update(Event::Scanned(ScanEvent::Done(Ok(found))));
    flow.update(Event::Next);
    let planned = |flow: &CleanupFlow| match &flow.stage {
        Stage::Confirm { found, .. } => found.plan.objects.clone(),
        _ => panic!("not confirming"),
    };
    assert_eq!(planned(&flow).len(), 1, "a marker over the current object");
    assert_eq!(planned(&flow)[0].version_id, None);
    flow.update(Event::ChooseMode(VersionMode::AllVersions));
    assert_eq!(planned(&flow).len(), 2, "both versions");

    let bucket = Scope::Bucket { bucket: "b".into() };
    let (mut flow, _) = CleanupFlow::open(bucket.clone());
    let found = inventory(&bucket, Versioning::Versioned, items);
    flow.update(Event::Scanned(ScanEvent::Done(Ok(found))));
    flow.update(Event::Next);
    flow.update(Event::ChooseMode(VersionMode::DeleteMarkersOnly));
    assert_eq!(flow.mode, VersionMode::AllVersions);
    assert_eq!(planned(&flow).len(), 2);
}

#[test]
fn uploads_start_chosen_and_the_plan_follows_the_choice() {
    let scope = Scope::Uploads {
        bucket: "b".into(),
        prefix: String::new(),
    };
    let (mut flow, _) = CleanupFlow::open(scope.clone());
    let mut found = inventory(&scope, Versioning::NotListed, vec![]);
    found.uploads = vec![upload("x"), upload("y")];
    flow.update(Event::Scanned(ScanEvent::Done(Ok(found))));
    let chosen = |flow: &CleanupFlow| match &flow.stage {
        Stage::Inventory(Scan::Found(found)) => found.plan.uploads.len(),
        _ => panic!("no inventory"),
    };
    assert_eq!(chosen(&flow), 2);
    flow.update(Event::ChooseAllUploads(false));
    assert_eq!(chosen(&flow), 0);
    assert!(!flow.can_go_to_confirm());
    flow.update(Event::ChooseUpload(1, true));
    flow.update(Event::ChooseUpload(7, true));
    assert_eq!(chosen(&flow), 1);
    assert!(flow.can_go_to_confirm());
}

#[test]
fn the_abort_rule_is_asked_once_at_a_time_for_a_positive_number_of_days() {
    let scope = Scope::Uploads {
        bucket: "b".into(),
        prefix: String::new(),
    };
    let (mut flow, _) = CleanupFlow::open(scope);
    flow.lifecycle_days = "0".into();
    assert!(flow.update(Event::AddAbortRule).is_empty());
    flow.lifecycle_days = " 7 ".into();
    let effects = flow.update(Event::AddAbortRule);
    assert!(matches!(
        &effects[..],
        [Effect::AddAbortRule { bucket, days: 7 }] if bucket == "b"
    ));
    assert!(flow.update(Event::AddAbortRule).is_empty(), "one in flight");
    flow.update(Event::AbortRuleAdded(Ok(7)));
    assert!(!flow.adding_abort_rule);
    assert!(flow.lifecycle_note.as_deref().unwrap().contains("7 days"));
}

#[test]
fn a_run_ends_in_its_report_which_is_saved_and_a_stopped_run_continues_the_same_run() {
    let mut flow = confirming();
    *typed(&mut flow) = "runs/".into();
    let run = started_run(&flow.update(Event::Delete));
    assert!(matches!(&flow.update(Event::Stop)[..], [Effect::StopRun]));
    let counts = RunCounts {
        objects_deleted: 1,
        ..RunCounts::default()
    };
    flow.update(Event::Ran(RunEvent::Progress(counts)));
    assert!(matches!(flow.stage, Stage::Run { counts: c, .. } if c == counts));
    let effects = flow.update(Event::Ran(RunEvent::Done(report(1, true, None))));
    assert!(matches!(&effects[..], [Effect::SaveAuditCopy(saved)] if Arc::ptr_eq(saved, &run)));
    flow.update(Event::Noted("A copy of this report is in /r.".into()));
    assert_eq!(flow.stage.index(), 3);
    assert!(flow.can_continue());
    let again = started_run(&flow.update(Event::Continue));
    assert!(Arc::ptr_eq(&again, &run), "the same run goes on");
    assert_eq!(flow.report_note, None, "the note was the last report's");
    flow.update(Event::Ran(RunEvent::Done(report(2, false, None))));
    assert!(!flow.can_continue(), "everything planned was done");
    assert!(flow.update(Event::Continue).is_empty());
}

#[test]
fn closing_says_what_changed() {
    let closing = |flow: &mut CleanupFlow| match flow.update(Event::Close).pop() {
        Some(Effect::Close(outcome)) => outcome,
        _ => panic!("no Close effect"),
    };
    let mut flow = confirming();
    assert_eq!(closing(&mut flow), CleanupOutcome::Closed);

    let mut flow = confirming();
    *typed(&mut flow) = "runs/".into();
    flow.update(Event::Delete);
    assert_eq!(
        closing(&mut flow),
        CleanupOutcome::Closed,
        "nothing deleted yet"
    );
    let counts = RunCounts {
        objects_deleted: 1,
        ..RunCounts::default()
    };
    flow.update(Event::Ran(RunEvent::Progress(counts)));
    let changed = CleanupOutcome::Changed {
        bucket: "b".into(),
        bucket_deleted: false,
    };
    assert_eq!(closing(&mut flow), changed);

    flow.update(Event::Ran(RunEvent::Done(report(0, false, Some(true)))));
    let gone = CleanupOutcome::Changed {
        bucket: "b".into(),
        bucket_deleted: true,
    };
    assert_eq!(closing(&mut flow), gone);
}

#[test]
fn news_for_another_stage_is_ignored() {
    let mut flow = confirming();
    let stray = inventory(&prefix(), Versioning::NotListed, vec![]);
    flow.update(Event::Scanned(ScanEvent::Done(Ok(stray))));
    flow.update(Event::Ran(RunEvent::Done(report(2, false, None))));
    assert_eq!(flow.stage.index(), 1);
    assert!(flow.update(Event::Export("csv")).is_empty());
}

#[test]
fn filter_fields_parse() {
    let mut f = FilterFields::default();
    assert!(f.filters().unwrap().is_empty());
    f.older_than_days = " 30 ".into();
    f.key_glob = "*.tmp".into();
    let filters = f.filters().unwrap();
    assert_eq!(filters.older_than_days, Some(30));
    assert_eq!(filters.key_glob.as_deref(), Some("*.tmp"));
    f.older_than_days = "a month".into();
    assert!(f.filters().is_err());
}

#[test]
fn the_command_shown_follows_the_scope_and_the_version_choice() {
    use crate::s3::commands::Action;
    let (mut flow, _) = CleanupFlow::open(prefix());
    assert!(matches!(flow.action(), Some(Action::DeletePrefix { .. })));
    flow.mode = VersionMode::AllVersions;
    assert!(matches!(flow.action(), Some(Action::PurgeVersions { .. })));
    let keys = Scope::Objects {
        bucket: "b".into(),
        keys: vec!["k".into()],
    };
    let (mut flow, _) = CleanupFlow::open(keys);
    assert!(matches!(flow.action(), Some(Action::Delete { .. })));
    // Every version of chosen keys has no one-command form: nothing is offered.
    flow.mode = VersionMode::AllVersions;
    assert_eq!(flow.action(), None);
    let (flow, _) = CleanupFlow::open(Scope::DeleteBucket { bucket: "b".into() });
    assert!(matches!(flow.action(), Some(Action::DeleteBucket { .. })));
}
