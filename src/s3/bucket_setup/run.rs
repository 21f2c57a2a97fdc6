//! A whole setup as one job: the steps in order, each reported as it starts and ends, stopping
//! where nothing more can apply. The bucket wizard, the settings view and `skiff mb` all run it.

use super::apply::{StepOutcome, apply_step};
use super::spec::{BucketSpec, SetupStep};
use crate::runtime::{Job, Notify};
use crate::s3::connection::Connection;
use crate::s3::error::S3Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupEvent {
    Applying(SetupStep),
    Applied(SetupStep, StepOutcome),
    /// Every step ran, or the setup stopped where nothing more could apply.
    Done,
}

/// Applies `steps` of `spec` in order, in the background.
pub fn start_setup(
    connection: &Connection,
    spec: &BucketSpec,
    steps: Vec<SetupStep>,
    notify: Notify,
) -> Job<SetupEvent> {
    let (connection, spec) = (connection.clone(), spec.clone());
    Job::start(4, notify, move |mut events| async move {
        for step in steps {
            if !events.send(SetupEvent::Applying(step)).await {
                return;
            }
            let outcome = apply_step(&connection, &spec, step).await;
            let ends = ends_setup(step, &outcome);
            if !events.send(SetupEvent::Applied(step, outcome)).await {
                return;
            }
            if ends {
                break;
            }
        }
        events.send(SetupEvent::Done).await;
    })
}

/// Whether nothing after `step` can apply: a bucket that could not be created is not there. (A
/// bucket that is already the caller's is no failure: its settings still apply.)
pub fn ends_setup(step: SetupStep, outcome: &StepOutcome) -> bool {
    step == SetupStep::Create
        && matches!(outcome, StepOutcome::Failed(e) if !matches!(e, S3Error::BucketAlreadyYours { .. }))
}

/// What a setup has done so far, step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupReport {
    pub lines: Vec<(SetupStep, Option<StepOutcome>)>,
    /// The step being applied.
    pub applying: Option<SetupStep>,
    pub finished: bool,
}

impl SetupReport {
    pub fn new(steps: &[SetupStep]) -> Self {
        Self {
            lines: steps.iter().map(|s| (*s, None)).collect(),
            applying: None,
            finished: false,
        }
    }

    /// Takes in one event of the setup's job.
    pub fn take(&mut self, event: SetupEvent) {
        match event {
            SetupEvent::Applying(step) => self.applying = Some(step),
            SetupEvent::Applied(step, outcome) => {
                self.applying = None;
                if let Some(line) = (self.lines.iter_mut()).find(|(s, o)| *s == step && o.is_none())
                {
                    line.1 = Some(outcome);
                }
            }
            SetupEvent::Done => {
                self.applying = None;
                self.finished = true;
            }
        }
    }

    /// Steps that failed. A Create that found the bucket already the caller's is none: its
    /// settings still apply, and a retry would not create it again.
    pub fn failures(&self) -> usize {
        (self.lines.iter())
            .filter(|(step, outcome)| match outcome {
                Some(StepOutcome::Failed(S3Error::BucketAlreadyYours { .. })) => {
                    *step != SetupStep::Create
                }
                Some(StepOutcome::Failed(_)) => true,
                _ => false,
            })
            .count()
    }

    /// The failure of the Create step, if it failed (a bucket already yours is no failure).
    pub fn create_failure(&self) -> Option<&S3Error> {
        self.lines.iter().find_map(|(step, outcome)| match outcome {
            Some(outcome @ StepOutcome::Failed(e)) if ends_setup(*step, outcome) => Some(e),
            _ => None,
        })
    }

    pub fn bucket_exists(&self) -> bool {
        self.lines.iter().any(|(s, o)| {
            *s == SetupStep::Create
                && matches!(
                    o,
                    Some(StepOutcome::Applied)
                        | Some(StepOutcome::Failed(S3Error::BucketAlreadyYours { .. }))
                )
        }) || !self.lines.iter().any(|(s, _)| *s == SetupStep::Create)
    }

    /// Readies a retry and names its steps: what failed or never ran, but never the Create of a
    /// bucket that exists now.
    pub fn retry(&mut self) -> Vec<SetupStep> {
        let exists = self.bucket_exists();
        for (step, outcome) in &mut self.lines {
            let redo = match outcome {
                Some(StepOutcome::Failed(_)) | None => !(exists && *step == SetupStep::Create),
                _ => false,
            };
            if redo {
                *outcome = None;
            }
        }
        if exists {
            self.lines
                .retain(|(s, o)| *s != SetupStep::Create || o.is_some());
        }
        self.finished = false;
        (self.lines.iter())
            .filter(|(_, o)| o.is_none())
            .map(|(s, _)| *s)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(e: S3Error) -> StepOutcome {
        StepOutcome::Failed(e)
    }

    #[test]
    fn a_failed_create_ends_the_setup_but_a_bucket_already_yours_does_not() {
        let taken = failed(S3Error::BucketNameTaken { bucket: "b".into() });
        let yours = failed(S3Error::BucketAlreadyYours { bucket: "b".into() });
        assert!(ends_setup(SetupStep::Create, &taken));
        assert!(!ends_setup(SetupStep::Create, &yours));
        assert!(!ends_setup(SetupStep::Versioning, &taken));
        assert!(!ends_setup(SetupStep::Create, &StepOutcome::Applied));
    }

    #[test]
    fn a_report_follows_the_events_and_a_retry_skips_what_worked() {
        let steps = [SetupStep::Create, SetupStep::Versioning, SetupStep::Tags];
        let mut report = SetupReport::new(&steps);
        report.take(SetupEvent::Applying(SetupStep::Create));
        assert_eq!(report.applying, Some(SetupStep::Create));
        report.take(SetupEvent::Applied(SetupStep::Create, StepOutcome::Applied));
        report.take(SetupEvent::Applied(
            SetupStep::Versioning,
            failed(S3Error::AccessDenied {
                what: "s3://b".into(),
            }),
        ));
        report.take(SetupEvent::Applied(
            SetupStep::Tags,
            StepOutcome::Unsupported,
        ));
        report.take(SetupEvent::Done);
        assert!(report.finished);
        assert_eq!(report.failures(), 1);
        assert!(report.bucket_exists());
        assert_eq!(report.create_failure(), None);
        assert_eq!(report.retry(), vec![SetupStep::Versioning]);
        assert!(!report.finished);
    }

    #[test]
    fn a_bucket_already_yours_is_no_failure() {
        let steps = [SetupStep::Create, SetupStep::Tags];
        let mut report = SetupReport::new(&steps);
        let yours = S3Error::BucketAlreadyYours { bucket: "b".into() };
        report.take(SetupEvent::Applied(SetupStep::Create, failed(yours)));
        report.take(SetupEvent::Applied(SetupStep::Tags, StepOutcome::Applied));
        assert_eq!(report.failures(), 0);
        assert_eq!(report.create_failure(), None);
        assert!(report.bucket_exists());
    }

    #[test]
    fn a_bucket_that_could_not_be_created_is_created_on_retry() {
        let steps = [SetupStep::Create, SetupStep::Versioning];
        let mut report = SetupReport::new(&steps);
        let taken = S3Error::BucketNameTaken { bucket: "b".into() };
        report.take(SetupEvent::Applied(
            SetupStep::Create,
            failed(taken.clone()),
        ));
        report.take(SetupEvent::Done);
        assert_eq!(report.create_failure(), Some(&taken));
        assert!(!report.bucket_exists());
        assert_eq!(report.retry(), steps.to_vec());
    }
}
