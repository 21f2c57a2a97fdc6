//! Secrets in the OS keychain, through the real Secret Service: CI runs this inside
//! `dbus-run-session` with gnome-keyring unlocked and `SKIFF_TEST_KEYCHAIN=1` (see .ci/run).
//! Elsewhere it says it was not run, unless `SKIFF_REQUIRE_SERVERS` names `keychain`.

use crate::common;

use common::ui::{app_harness, fixture, pick_from_menu, replace_text, wait_for, wait_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use skiff::app::{PersistedState, SkiffApp};
use skiff::local_data::keychain::Keychain;

fn keychain_here() -> bool {
    if std::env::var("SKIFF_TEST_KEYCHAIN").is_ok_and(|v| v == "1") {
        return true;
    }
    assert!(
        !common::required("keychain"),
        "SKIFF_REQUIRE_SERVERS names keychain, but SKIFF_TEST_KEYCHAIN=1 is not set"
    );
    eprintln!("note: no keychain for this run (see tests/integration/keychain.rs)");
    false
}

/// "+ Add endpoint…" filled in for the sandbox under `name`, the secret to be remembered, and
/// Connect.
fn add_remembered_endpoint(
    harness: &mut Harness<'_, SkiffApp>,
    endpoint: &skiff::s3::StaticEndpoint,
    name: &str,
) {
    pick_from_menu(harness, 0, "+ Add endpoint…");
    wait_for(harness, "Remember the secret in the keychain");
    replace_text(harness, "e.g. MinIO lab", name);
    replace_text(harness, "http://127.0.0.1:9000", &endpoint.endpoint);
    replace_text(harness, "us-east-1", &endpoint.region);
    replace_text(harness, "access key ID", &endpoint.access_key_id);
    replace_text(harness, "kept in memory only", &endpoint.secret_access_key);
    harness
        .get_by_label("Remember the secret in the keychain")
        .click();
    harness.step();
    harness.get_by_label("Connect").click();
    wait_for(harness, "🗄 demo");
}

/// Remember, restart, connect without typing, remove: the secret is gone from the keychain, and
/// at no point is it in the app's saved state.
#[test]
fn a_remembered_secret_connects_after_a_restart_and_goes_with_the_endpoint() {
    if !keychain_here() {
        return;
    }
    let fixture = fixture(&["kept.txt"]);
    let _rt = fixture.runtime.enter();
    let endpoint = fixture.sandbox.as_ref().unwrap().endpoint.clone();
    let name = format!("lab {}", std::process::id());
    let keychain = Keychain::system();

    let mut harness = app_harness(&fixture, PersistedState::default());
    wait_for(&mut harness, "🗄 demo");
    add_remembered_endpoint(&mut harness, &endpoint, &name);
    wait_until(&mut harness, "the secret kept", |h| {
        h.state().keychain_idle()
    });
    assert_eq!(
        keychain.recall(&name).unwrap().as_deref(),
        Some(endpoint.secret_access_key.as_str())
    );
    assert!(harness.query_by_label_contains("was not kept").is_none());

    let saved = harness.state_mut().persisted();
    let text = serde_json::to_string(&saved).unwrap();
    assert!(!text.contains(&endpoint.secret_access_key), "{text}");
    drop(harness);

    // A restart: the saved state comes back without the secret, which the keychain supplies.
    let restored: PersistedState = serde_json::from_str(&text).unwrap();
    let mut harness = app_harness(&fixture, restored);
    wait_for(&mut harness, "🗄 demo");
    assert!(harness.query_by_label("Connect").is_none(), "nothing asked");

    harness.get_by_label("✏ Edit").click();
    wait_for(&mut harness, "🗑 Remove endpoint");
    harness.get_by_label("🗑 Remove endpoint").click();
    wait_until(&mut harness, "the secret removed", |h| {
        h.state().keychain_idle()
    });
    assert_eq!(keychain.recall(&name).unwrap(), None);
    let saved = harness.state_mut().persisted();
    assert!(saved.custom_endpoints.iter().all(|e| e.name != name));
}

/// Without a keychain (no D-Bus session here), asking to remember says so, and the endpoint
/// connects with the secret for this session only.
#[test]
fn without_a_keychain_the_secret_lasts_the_session_and_the_user_is_told() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        eprintln!("note: a D-Bus session is here, so a keychain may be too; not run");
        return;
    }
    let fixture = fixture(&["kept.txt"]);
    let _rt = fixture.runtime.enter();
    let endpoint = fixture.sandbox.as_ref().unwrap().endpoint.clone();
    let mut harness = app_harness(&fixture, PersistedState::default());
    wait_for(&mut harness, "🗄 demo");
    add_remembered_endpoint(&mut harness, &endpoint, "My endpoint");
    wait_until(&mut harness, "the keychain's answer", |h| {
        h.query_by_label_contains("was not kept in the keychain")
            .is_some()
    });
    assert!(
        harness
            .query_by_label_contains("It is kept for this session only.")
            .is_some()
    );
    let saved = harness.state_mut().persisted();
    let mine = saved
        .custom_endpoints
        .iter()
        .find(|e| e.name == "My endpoint");
    assert!(
        !mine.unwrap().secret_in_keychain,
        "no longer marked as kept"
    );
}
