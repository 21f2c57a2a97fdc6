//! The embedded sandbox: one server per data directory, stable credentials, plain errors.

use crate::common;

use skiff::s3::client::static_connection;
use skiff::s3::{S3Error, StaticEndpoint, bucket_setup, buckets};
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
    bucket_setup::create_bucket(&connection, "shared")
        .await
        .unwrap();
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

/// One request over a fresh connection, as a browser would send it: the status line and headers
/// (lower-cased names), and the body.
async fn raw_request(base: &str, request_line: &str, headers: &[(&str, &str)]) -> (String, String) {
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    raw_request_to(base, addr, request_line, headers).await
}

/// A request to the server at `base` that names `host` in its `Host` header.
async fn raw_request_to(
    base: &str,
    host: &str,
    request_line: &str,
    headers: &[(&str, &str)],
) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{request_line} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.to_ascii_lowercase(), body.to_owned())
}

/// `skiff serve --web`: the app's files and `sandbox.json` on the app's port, and CORS on the
/// sandbox for the app's origin (plus those added), never for another.
#[tokio::test]
async fn the_web_app_is_served_and_only_its_origin_passes_cors() {
    let dir = tempfile::tempdir().unwrap();
    // Files beside and inside dist/ that must never be served.
    let parent = tempfile::tempdir().unwrap();
    let dist = parent.path().join("dist");
    std::fs::create_dir_all(dist.join("sub")).unwrap();
    std::fs::write(parent.path().join("secret.txt"), "secret").unwrap();
    std::fs::write(dist.join(".secret"), "secret").unwrap();
    std::fs::write(dist.join("sub").join("secret.txt"), "secret").unwrap();
    std::fs::write(dist.join("index.html"), "<canvas id=skiff_canvas>").unwrap();
    let mut options = SandboxOptions::new(dir.path());
    options.cors_origins = vec!["http://127.0.0.1:8000".into()];
    options.web_app = Some(skiff::sandbox::WebAppOptions {
        root: dist.clone(),
        port: 0,
    });
    let sandbox = RunningSandbox::start(options).await.unwrap();
    let app = sandbox.web_url.clone().expect("a web URL");
    let app_origin = app.trim_end_matches('/');

    let (head, body) = raw_request(&app, "GET /", &[]).await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert_eq!(body, "<canvas id=skiff_canvas>");
    let (_, body) = raw_request(&app, "GET /sandbox.json", &[]).await;
    let served: StaticEndpoint = serde_json::from_str(&body).unwrap();
    assert_eq!(served, sandbox.endpoint);
    for outside in [
        "GET /../Cargo.toml",
        "GET /%2e%2e/Cargo.toml",
        "GET /sub/index.html",
    ] {
        let (head, _) = raw_request(&app, outside, &[]).await;
        assert!(head.starts_with("http/1.1 404"), "{outside}: {head}");
    }

    let s3 = &sandbox.endpoint.endpoint;
    for origin in [app_origin, "http://127.0.0.1:8000"] {
        let (head, _) = raw_request(
            s3,
            "OPTIONS /bucket/key",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "authorization,x-amz-date"),
            ],
        )
        .await;
        assert!(head.starts_with("http/1.1 200"), "{origin}: {head}");
        assert!(
            head.contains(&format!("access-control-allow-origin: {origin}")),
            "{head}"
        );
        assert!(
            head.contains("access-control-allow-headers: authorization,x-amz-date"),
            "{head}"
        );
        // The answer itself (an unsigned request, refused) is readable, its ETag included.
        let (head, _) = raw_request(s3, "GET /", &[("Origin", origin)]).await;
        assert!(
            head.contains(&format!("access-control-allow-origin: {origin}")),
            "{head}"
        );
        assert!(
            head.contains("access-control-expose-headers: etag"),
            "{head}"
        );
    }
    let stranger = "http://evil.example";
    let (head, _) = raw_request(
        s3,
        "OPTIONS /bucket/key",
        &[
            ("Origin", stranger),
            ("Access-Control-Request-Method", "GET"),
        ],
    )
    .await;
    assert!(head.starts_with("http/1.1 403"), "{head}");
    assert!(!head.contains("access-control-allow-origin"), "{head}");
    let (head, _) = raw_request(s3, "GET /", &[("Origin", stranger)]).await;
    assert!(!head.contains("access-control-allow-origin"), "{head}");
}

/// DNS rebinding: a page whose own name now resolves to 127.0.0.1 reaches both ports, but its
/// requests carry its name in `Host`. Neither the keys (`sandbox.json`) nor any S3 call answer it;
/// the loopback names do, and the app may not be framed.
#[tokio::test]
async fn a_rebound_host_name_is_refused_on_both_ports() {
    let dir = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<canvas id=skiff_canvas>").unwrap();
    let mut options = SandboxOptions::new(dir.path());
    options.web_app = Some(skiff::sandbox::WebAppOptions {
        root: dist.path().to_owned(),
        port: 0,
    });
    let sandbox = RunningSandbox::start(options).await.unwrap();
    let app = sandbox.web_url.clone().expect("a web URL");
    let s3 = sandbox.endpoint.endpoint.clone();
    let port_of = |url: &str| {
        url.trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap()
            .to_owned()
    };
    let (app_port, s3_port) = (port_of(&app), port_of(&s3));

    for (base, port, line) in [
        (&app, &app_port, "GET /sandbox.json"),
        (&app, &app_port, "GET /"),
        (&s3, &s3_port, "GET /"),
        (&s3, &s3_port, "PUT /rebound-bucket"),
    ] {
        for host in [
            format!("evil.example:{port}"),
            "evil.example".to_owned(),
            format!("127.0.0.1.evil.example:{port}"),
            format!("localhost.evil.example:{port}"),
            format!("127.0.0.1:{port}x"),
        ] {
            let (head, body) = raw_request_to(base, &host, line, &[]).await;
            assert!(head.starts_with("http/1.1 403"), "{host} {line}: {head}");
            assert!(
                !body.contains(&sandbox.endpoint.secret_access_key),
                "{host} {line}"
            );
        }
    }
    for host in [
        format!("127.0.0.1:{app_port}"),
        format!("localhost:{app_port}"),
        format!("LocalHost:{app_port}"),
        format!("[::1]:{app_port}"),
    ] {
        let (head, body) = raw_request_to(&app, &host, "GET /sandbox.json", &[]).await;
        assert!(head.starts_with("http/1.1 200"), "{host}: {head}");
        assert!(body.contains(&sandbox.endpoint.access_key_id), "{host}");
    }
    let (head, _) = raw_request(&app, "GET /", &[]).await;
    assert!(head.contains("x-frame-options: deny"), "{head}");
    assert!(
        head.contains("content-security-policy: frame-ancestors 'none'"),
        "{head}"
    );
    // The loopback names reach S3 (an unsigned request, refused by S3 itself, not by the check).
    let (head, body) = raw_request_to(&s3, &format!("localhost:{s3_port}"), "GET /", &[]).await;
    assert!(body.contains("<Code>"), "{head}\n{body}");
}
