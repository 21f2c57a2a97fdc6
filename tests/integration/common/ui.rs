//! Helpers for UI tests: step the app as a user waits for the network.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use skiff::app::{AppEnvironment, FileDialogs, PersistedState, SkiffApp};
use skiff::s3::client::static_connection;
use skiff::sandbox::{RunningSandbox, SandboxOptions};

/// Steps the UI until `label` shows.
pub fn wait_for(harness: &mut Harness<'_, SkiffApp>, label: &str) {
    wait_until(harness, label, |h| h.query_by_label(label).is_some());
}

/// Steps the UI until `done` holds, for up to 30 seconds.
pub fn wait_until(
    harness: &mut Harness<'_, SkiffApp>,
    what: &str,
    done: impl Fn(&Harness<'_, SkiffApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        harness.step();
        if done(harness) {
            return;
        }
        assert!(Instant::now() < deadline, "{what:?} never happened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub struct Fixture {
    pub runtime: tokio::runtime::Runtime,
    pub sandbox: Option<RunningSandbox>,
    pub _dir: tempfile::TempDir,
}

pub fn fixture(keys: &[&str]) -> Fixture {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sandbox = runtime
        .block_on(RunningSandbox::start(SandboxOptions::new(dir.path())))
        .unwrap();
    let c = static_connection("t", &sandbox.endpoint, true);
    runtime.block_on(async {
        skiff::s3::bucket_setup::create_bucket(&c, "demo")
            .await
            .unwrap();
        for key in keys {
            skiff::s3::objects::put_bytes(&c, "demo", key, key.as_bytes().to_vec())
                .await
                .unwrap();
        }
    });
    Fixture {
        runtime,
        sandbox: Some(sandbox),
        _dir: dir,
    }
}

pub fn app_harness(fixture: &Fixture, state: PersistedState) -> Harness<'static, SkiffApp> {
    let env = AppEnvironment {
        sandbox: fixture.sandbox.as_ref().map(|s| s.endpoint.clone()),
        sandbox_error: None,
        aws_profiles: vec![],
        reports_dir: None,
        open_at: None,
        // Tests never open the system's dialogs.
        file_dialogs: FileDialogs::InApp,
    };
    Harness::builder()
        .with_size([1100.0, 700.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, state))
}

/// The app with its first connection pointed at `server` (moto, Garage), opened at `prefix` of
/// `bucket`: for windows the sandbox cannot show (versions, archives).
pub fn server_harness(
    server: &crate::common::TestServer,
    bucket: &str,
    prefix: &str,
) -> Harness<'static, SkiffApp> {
    let env = AppEnvironment {
        sandbox: Some(server.endpoint.clone()),
        file_dialogs: FileDialogs::InApp,
        ..Default::default()
    };
    let state = PersistedState {
        bucket: Some(bucket.to_owned()),
        prefix: prefix.to_owned(),
        ..Default::default()
    };
    Harness::builder()
        .with_size([1200.0, 760.0])
        .build_eframe(move |cc| SkiffApp::with_state(&cc.egui_ctx, env, state))
}

#[derive(Debug)]
pub struct DroppedPath(pub std::path::PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

pub fn type_into(harness: &mut Harness<'_, SkiffApp>, placeholder: &str, text: &str) {
    harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.accesskit_node().data().placeholder() == Some(placeholder))
        .unwrap_or_else(|| panic!("a field with placeholder {placeholder:?}"))
        .focus();
    harness.step();
    harness.event(egui::Event::Text(text.into()));
    harness.step();
}

pub fn drop_files(harness: &mut Harness<'_, SkiffApp>, paths: &[std::path::PathBuf]) {
    harness.input_mut().dropped_files = paths
        .iter()
        .map(|p| std::sync::Arc::new(DroppedPath(p.clone())) as egui::DroppedFileHandle)
        .collect();
    harness.step();
}

/// Opens the top bar's `nth` menu (0: connection, 1: theme) and clicks `item` in it.
pub fn pick_from_menu(harness: &mut Harness<'_, SkiffApp>, nth: usize, item: &str) {
    harness
        .query_all_by_role(egui::accesskit::Role::ComboBox)
        .nth(nth)
        .expect("a menu in the top bar")
        .click();
    wait_for(harness, item);
    harness.get_by_label(item).click();
    harness.step();
}

/// Replaces the text of the field (plain or password) whose hint is `placeholder`.
pub fn replace_text(harness: &mut Harness<'_, SkiffApp>, placeholder: &str, text: &str) {
    let inputs = [
        egui::accesskit::Role::TextInput,
        egui::accesskit::Role::PasswordInput,
    ];
    inputs
        .into_iter()
        .flat_map(|role| harness.query_all_by_role(role))
        .find(|n| n.accesskit_node().data().placeholder() == Some(placeholder))
        .unwrap_or_else(|| panic!("a field with placeholder {placeholder:?}"))
        .focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.event(egui::Event::Text(text.into()));
    harness.step();
}

/// Every key under `prefix` in the fixture's bucket `demo`, with its size, in order.
pub fn keys_under(fixture: &Fixture, prefix: &str) -> Vec<(String, u64)> {
    let c = static_connection("t", &fixture.sandbox.as_ref().unwrap().endpoint, true);
    let listed = fixture
        .runtime
        .block_on(skiff::s3::listing::list_all(
            &c,
            skiff::s3::listing::ListRequest::recursive("demo", prefix),
        ))
        .unwrap();
    let mut keys: Vec<_> = listed
        .objects
        .iter()
        .map(|o| (o.key.clone(), o.size_bytes))
        .collect();
    keys.sort();
    keys
}

/// What the last frame put on the clipboard.
pub fn copied_texts(harness: &Harness<'_, SkiffApp>) -> Vec<String> {
    (harness.output().platform_output.commands.iter())
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}
