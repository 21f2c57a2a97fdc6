//! Skiff: a storage manager for S3-compatible object storage.

pub mod app;
pub mod cleanup;
pub mod format;
pub mod inspect;
pub mod pricing;
pub mod relocate;
pub mod runtime;
pub mod s3;
pub mod sizes;
pub mod transfer;

#[cfg(not(target_arch = "wasm32"))]
pub mod sync;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
#[cfg(not(target_arch = "wasm32"))]
pub mod local_data;
#[cfg(not(target_arch = "wasm32"))]
pub mod sandbox;

#[cfg(target_arch = "wasm32")]
mod web;
