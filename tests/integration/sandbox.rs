//! The embedded sandbox: one server per data directory, stable credentials, plain errors.

use crate::common;

use skiff::s3::client::static_connection;
use skiff::s3::{S3Error, StaticEndpoint, buckets};
use skiff::sandbox::{RunningSandbox, Sandbox, SandboxError, SandboxOptions};

#[tokio::test]
async fn a_second_process_attaches_to_the_running_server() {
    let served = common::serve_sandbox();
    let (dir, endpoint) = (&served.dir, served.endpoint.clone());
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let sandbox = Sandbox::start_or_attach(SandboxOptions::new(dir.path()))
        .await
        .unwrap();
    assert!(
        matches!(sandbox, Sandbox::Attached(_)),
        "must not start a second server"
    );
    assert_eq!(sandbox.endpoint().endpoint, endpoint);

    let connection = static_connection("sandbox", sandbox.endpoint(), true);
    buckets::create_bucket(&connection, "shared").await.unwrap();
    let names: Vec<_> = buckets::list_buckets(&connection)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["shared"]);

    // Serving the same directory twice is refused with the running endpoint named.
    let err = RunningSandbox::start(SandboxOptions::new(dir.path()))
        .await
        .err()
        .expect("second server refused");
    assert!(matches!(err, SandboxError::AlreadyServed { .. }));
    assert!(err.to_string().contains(&endpoint), "{err}");
}

#[tokio::test]
async fn in_process_attach_and_stable_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let first = Sandbox::start_or_attach(SandboxOptions::new(dir.path()))
        .await
        .unwrap();
    assert!(matches!(first, Sandbox::Running(_)));
    let second = Sandbox::start_or_attach(SandboxOptions::new(dir.path()))
        .await
        .unwrap();
    assert!(matches!(second, Sandbox::Attached(_)));
    assert_eq!(first.endpoint(), second.endpoint());
    let keys = first.endpoint().clone();
    drop(second);
    drop(first);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("credentials.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "credentials readable by the user alone");
    }

    // A restart keeps the keys, so saved scripts keep working.
    let again = Sandbox::start_or_attach(SandboxOptions::new(dir.path()))
        .await
        .unwrap();
    assert!(matches!(again, Sandbox::Running(_)));
    assert_eq!(again.endpoint().access_key_id, keys.access_key_id);
    assert_eq!(again.endpoint().secret_access_key, keys.secret_access_key);
}

#[tokio::test]
async fn credential_and_network_errors_are_plain() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = RunningSandbox::start(SandboxOptions::new(dir.path()))
        .await
        .unwrap();
    let good = sandbox.endpoint.clone();

    let wrong_secret = StaticEndpoint {
        secret_access_key: "not-the-secret".into(),
        ..good.clone()
    };
    let err = buckets::list_buckets(&static_connection("s", &wrong_secret, true))
        .await
        .unwrap_err();
    assert!(matches!(err, S3Error::SignatureMismatch { .. }), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"));

    let unknown_key = StaticEndpoint {
        access_key_id: "NOSUCHKEY".into(),
        ..good.clone()
    };
    let err = buckets::list_buckets(&static_connection("s", &unknown_key, true))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            S3Error::UnknownAccessKey { .. } | S3Error::SignatureMismatch { .. }
        ),
        "{err:?}"
    );

    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let nowhere = StaticEndpoint {
        endpoint: format!("http://127.0.0.1:{closed}"),
        ..good.clone()
    };
    let err = buckets::list_buckets(&static_connection("s", &nowhere, true))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Cannot reach http://127.0.0.1:{closed}: connection refused.")
    );
    assert!(err.hint().contains("endpoint URL"));

    // TLS spoken to a plain-HTTP server.
    let tls = StaticEndpoint {
        endpoint: good.endpoint.replace("http://", "https://"),
        ..good
    };
    let err = buckets::list_buckets(&static_connection("s", &tls, true))
        .await
        .unwrap_err();
    assert!(
        matches!(err, S3Error::Tls { .. } | S3Error::Unreachable { .. }),
        "{err:?}"
    );
}

/// A sandbox started again on the same data keeps its address, so whatever points at it
/// (profiles, scripts, the resume of unfinished uploads) keeps working.
#[tokio::test]
async fn a_restarted_sandbox_keeps_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let first =
        skiff::sandbox::RunningSandbox::start(skiff::sandbox::SandboxOptions::new(dir.path()))
            .await
            .unwrap();
    let endpoint = first.endpoint.endpoint.clone();
    drop(first);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let second =
        skiff::sandbox::RunningSandbox::start(skiff::sandbox::SandboxOptions::new(dir.path()))
            .await
            .unwrap();
    assert_eq!(second.endpoint.endpoint, endpoint);
}
