//! The wizard's transitions, as plain tests: no runtime, no server, no frame.

use super::flow::*;
use crate::s3::S3Error;
use crate::s3::bucket_setup::{Availability, Encryption, SetupEvent, SetupStep, StepOutcome};

fn opened() -> BucketFlow {
    let endpoint = Endpoint {
        aws: false,
        url: "http://127.0.0.1:9".into(),
        region: "us-east-1".into(),
    };
    let (flow, effects) = BucketFlow::open(endpoint, "20261125");
    assert_eq!(effects, [Effect::ProbeCapabilities]);
    flow
}

/// A flow on the review step for `jd-data-20261125`.
fn reviewing() -> (BucketFlow, Vec<Effect>) {
    let mut flow = opened();
    flow.set_name("jd-data-20261125".into());
    let mut effects = Vec::new();
    while flow.step() != Some(Step::Review) {
        effects = flow.update(Event::Next);
    }
    (flow, effects)
}

fn setup_steps(effects: &[Effect]) -> Vec<SetupStep> {
    match effects {
        [Effect::StartSetup { steps, .. }] => steps.clone(),
        _ => panic!("expected a setup to start, got {effects:?}"),
    }
}

#[test]
fn steps_move_only_when_the_step_is_complete() {
    let mut w = opened();
    assert_eq!(w.spec.name, "raw-20261125");
    w.initials = "JD".into();
    w.project = "LLM corpus".into();
    w.suggest();
    assert_eq!(w.spec.name, "jd-llm-corpus-raw-20261125");

    w.set_name("Bad_Name".into());
    w.update(Event::Next);
    assert_eq!(
        w.step(),
        Some(Step::Name),
        "an invalid name keeps the wizard on its step"
    );
    assert_eq!(
        w.problem.as_deref(),
        Some("Use lowercase letters: 'B' is uppercase.")
    );
    w.project = "other".into();
    w.suggest();
    assert_eq!(w.spec.name, "Bad_Name", "a typed name is never overwritten");

    w.set_name("jd-data-20261125".into());
    w.update(Event::Next);
    assert_eq!(w.step(), Some(Step::Region));
    assert_eq!(w.problem, None);
    w.update(Event::Next);
    assert_eq!(w.step(), Some(Step::Protection));
    w.spec.encryption = Encryption::SseKms { key_id: " ".into() };
    w.update(Event::Next);
    assert_eq!(w.step(), Some(Step::Protection), "SSE-KMS needs a key");
    w.spec.encryption = Encryption::SseS3;
    w.update(Event::Next);
    assert_eq!(w.step(), Some(Step::Layout));
    w.update(Event::Back);
    assert_eq!(w.step(), Some(Step::Protection));
}

#[test]
fn the_final_spec_drops_empty_tags_and_builds_folders() {
    let mut w = opened();
    w.spec.tags[0].1 = "llm".into();
    w.create_layout = true;
    w.dataset = " wikipedia/ ".into();
    w.splits = "train, ,test".into();
    let spec = w.final_spec();
    assert_eq!(spec.tags, [("project".to_owned(), "llm".to_owned())]);
    assert_eq!(spec.folders, ["wikipedia/v1/train/", "wikipedia/v1/test/"]);
    assert_eq!(spec.lifecycle.abort_incomplete_uploads_days, Some(7));
}

#[test]
fn the_review_asks_about_the_name_once_and_a_taken_name_cannot_be_created() {
    let (mut flow, effects) = reviewing();
    assert_eq!(
        effects,
        [Effect::CheckAvailability("jd-data-20261125".into())]
    );
    assert_eq!(flow.availability(), None, "still checking");
    flow.update(Event::Back);
    assert!(
        flow.update(Event::Next).is_empty(),
        "the same name is not asked again"
    );
    flow.update(Event::Checked {
        name: "jd-data-20261125".into(),
        result: Ok(Availability::Taken),
    });
    assert!(flow.update(Event::Next).is_empty());
    assert_eq!(flow.step(), Some(Step::Review));
    assert!(
        flow.problem
            .as_deref()
            .unwrap()
            .contains("taken by another account")
    );
}

#[test]
fn an_answer_about_an_earlier_name_is_not_taken_for_the_new_one() {
    let (mut flow, _) = reviewing();
    for _ in 0..5 {
        flow.update(Event::Back);
    }
    flow.set_name("jd-other-20261125".into());
    let mut effects = Vec::new();
    while flow.step() != Some(Step::Review) {
        effects = flow.update(Event::Next);
    }
    assert_eq!(
        effects,
        [Effect::CheckAvailability("jd-other-20261125".into())]
    );
    flow.update(Event::Checked {
        name: "jd-data-20261125".into(),
        result: Ok(Availability::Taken),
    });
    assert_eq!(flow.availability(), None);
}

#[test]
fn create_runs_every_step_and_skips_create_for_a_bucket_already_yours() {
    let (mut flow, _) = reviewing();
    flow.update(Event::Checked {
        name: "jd-data-20261125".into(),
        result: Ok(Availability::Free),
    });
    let steps = setup_steps(&flow.update(Event::Next));
    assert_eq!(steps.first(), Some(&SetupStep::Create));
    assert!(matches!(flow.stage, Stage::Apply { .. }));
    assert!(flow.update(Event::Back).is_empty());
    assert!(
        matches!(flow.stage, Stage::Apply { .. }),
        "no way back once applying"
    );

    let (mut flow, _) = reviewing();
    flow.update(Event::Checked {
        name: "jd-data-20261125".into(),
        result: Ok(Availability::AlreadyYours),
    });
    let steps = setup_steps(&flow.update(Event::Next));
    assert!(!steps.is_empty());
    assert!(!steps.contains(&SetupStep::Create));
}

#[test]
fn a_finished_setup_opens_its_bucket_or_retries_what_failed() {
    let (mut flow, _) = reviewing();
    flow.update(Event::Checked {
        name: "jd-data-20261125".into(),
        result: Ok(Availability::Free),
    });
    let steps = setup_steps(&flow.update(Event::Next));
    assert!(
        flow.update(Event::Open).is_empty(),
        "nothing is created yet"
    );
    assert!(flow.update(Event::Retry).is_empty(), "the setup is running");
    let refused = S3Error::Other {
        what: "Tags".into(),
        detail: "refused".into(),
    };
    for (i, step) in steps.iter().enumerate() {
        flow.update(Event::Setup(SetupEvent::Applying(*step)));
        let outcome = if i == 1 {
            StepOutcome::Failed(refused.clone())
        } else {
            StepOutcome::Applied
        };
        flow.update(Event::Setup(SetupEvent::Applied(*step, outcome)));
    }
    flow.update(Event::Setup(SetupEvent::Done));
    assert_eq!(setup_steps(&flow.update(Event::Retry)), [steps[1]]);
    flow.update(Event::Setup(SetupEvent::Applied(
        steps[1],
        StepOutcome::Applied,
    )));
    flow.update(Event::Setup(SetupEvent::Done));
    assert!(flow.update(Event::Retry).is_empty(), "nothing failed");
    assert_eq!(
        flow.update(Event::Open),
        [Effect::Close(WizardOutcome::Created(
            "jd-data-20261125".into()
        ))]
    );
}

#[test]
fn closing_at_any_step_closes() {
    let mut flow = opened();
    assert_eq!(
        flow.update(Event::Close),
        [Effect::Close(WizardOutcome::Closed)]
    );
}
