//! Cleanup: inventory scan (the dry run) -> plan (counts, bytes) -> batched execution with
//! progress -> report. No egui here; the cleanup wizards and `skiff rm/rb/uploads` drive it.

pub mod execute;
pub mod inventory;
pub mod jobs;
#[cfg(not(target_arch = "wasm32"))]
pub mod local;
pub mod plan;
pub mod report;
pub mod scope;

pub use execute::{CleanupPlan, CleanupRun, RunOptions, VersionMode};
pub use inventory::{Inventory, ScanProgress, Versioning, scan};
pub use report::Report;
pub use scope::{Filters, Scope};
