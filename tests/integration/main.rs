//! Skiff's integration tests, in one binary: each test file linked on its own costs a full link of
//! eframe and aws-sdk-s3, in time and in disk.

mod common;

mod bucket_setup;
mod cleanup;
mod cleanup_ui;
mod cli;
mod cli_json;
mod cluster;
mod commands;
mod conformance;
mod copy;
mod desktop_ui;
mod faithful;
mod faults;
mod fixtures;
mod hardening;
mod inspect;
mod inspect_ui;
mod keychain;
mod link;
mod moves;
mod queue;
mod resume;
mod sandbox;
mod sandbox_store;
mod selection_ui;
mod share;
mod sizes;
mod sso;
mod sync;
mod sync_ui;
mod transfer;
mod ui;
mod versions;
mod wizard_ui;
