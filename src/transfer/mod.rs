//! The transfer engine: part planning, and uploads and downloads that share one scheduler
//! (tokio and files on the desktop, `Blob` slices in the browser). No egui here; the GUI and
//! `skiff cp` both drive it. One upload worker ([`upload`]) serves both targets.

pub mod content;
pub mod error;
pub mod job;
pub mod plan;
pub mod upload;

pub use content::{crc32c_base64, guess_content_type};
pub use error::TransferError;
pub use job::{IfExists, TransferOptions, numbered, upload_destination};

#[cfg(not(target_arch = "wasm32"))]
pub mod adaptive;
#[cfg(not(target_arch = "wasm32"))]
pub mod batches;
#[cfg(not(target_arch = "wasm32"))]
pub mod checksum;
#[cfg(not(target_arch = "wasm32"))]
pub mod download;
#[cfg(not(target_arch = "wasm32"))]
pub mod journal;
#[cfg(not(target_arch = "wasm32"))]
pub mod local_paths;
#[cfg(not(target_arch = "wasm32"))]
mod positioned_io;
#[cfg(not(target_arch = "wasm32"))]
pub mod queue;
#[cfg(not(target_arch = "wasm32"))]
pub mod recovery;
#[cfg(not(target_arch = "wasm32"))]
pub mod scheduler;
#[cfg(not(target_arch = "wasm32"))]
pub mod upload_file;
#[cfg(not(target_arch = "wasm32"))]
pub mod verify;
#[cfg(target_arch = "wasm32")]
pub mod web_queue;

#[cfg(not(target_arch = "wasm32"))]
pub use adaptive::{FileSlots, FilesAtOnce};
#[cfg(not(target_arch = "wasm32"))]
pub use batches::{ItemResult, download_prefix, upload_dir};
#[cfg(not(target_arch = "wasm32"))]
pub use checksum::Verdict;
#[cfg(not(target_arch = "wasm32"))]
pub use download::{download_object, download_object_within};
#[cfg(not(target_arch = "wasm32"))]
pub use local_paths::{
    discard_partial_download, download_destination, local_path_for_key, walk_files,
};
#[cfg(not(target_arch = "wasm32"))]
pub use scheduler::{Pause, Progress, RunHandle, Scheduler};
#[cfg(not(target_arch = "wasm32"))]
pub use upload_file::{discard_paused_upload, upload_file, upload_file_pausable};
#[cfg(not(target_arch = "wasm32"))]
pub use verify::verify_file;
