//! The transfer engine: part planning, and (on native) uploads and downloads that share one
//! scheduler. No egui here; the GUI and `skiff cp` both drive it.

pub mod plan;

#[cfg(not(target_arch = "wasm32"))]
mod engine;
#[cfg(not(target_arch = "wasm32"))]
pub mod journal;
#[cfg(not(target_arch = "wasm32"))]
pub mod ledger;
#[cfg(not(target_arch = "wasm32"))]
pub use engine::*;
#[cfg(not(target_arch = "wasm32"))]
pub mod queue;
