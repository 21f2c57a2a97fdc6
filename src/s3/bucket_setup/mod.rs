//! A bucket set up the way an experienced engineer would: the spec, the AWS CLI commands that do
//! the same, and the engine that applies it one setting at a time with a status for each.
//!
//! The bucket wizard and `skiff mb` both build a [`BucketSpec`]; nothing else creates buckets.

mod apply;
mod equivalents;
mod probe;
mod run;
mod settings;
mod spec;

pub use apply::{StepOutcome, apply_step, create_bucket};
pub use probe::{Availability, Capabilities, check_availability, probe_capabilities};
pub use run::{SetupEvent, SetupReport, ends_setup, start_setup};
pub use settings::read_settings;
pub use spec::{
    BucketSpec, Encryption, Lifecycle, Ownership, PublicAccessBlock, SetupStep, TransitionClass,
    TransitionRule,
};
