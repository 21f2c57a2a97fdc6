//! Helpers for UI tests: step the app as a user waits for the network.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use skiff::app::SkiffApp;

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
