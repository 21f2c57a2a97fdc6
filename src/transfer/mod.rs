//! The transfer engine: part planning, and uploads and downloads that share one scheduler
//! (tokio and files on the desktop, `Blob` slices in the browser). No egui here; the GUI and
//! `skiff cp` both drive it.

pub mod content;
pub mod job;
pub mod plan;

pub use content::{crc32c_base64, guess_content_type};
pub use job::{IfExists, TransferOptions, numbered, upload_destination};

#[cfg(not(target_arch = "wasm32"))]
pub mod checksum;
#[cfg(not(target_arch = "wasm32"))]
mod engine;
#[cfg(not(target_arch = "wasm32"))]
pub mod journal;
#[cfg(not(target_arch = "wasm32"))]
pub use checksum::Verdict;
#[cfg(not(target_arch = "wasm32"))]
pub use engine::*;
#[cfg(not(target_arch = "wasm32"))]
pub mod queue;
#[cfg(target_arch = "wasm32")]
pub mod web_queue;
