//! Signing in with SSO without a terminal's `aws sso login`: the device-authorization flow
//! against a stand-in Identity Center on loopback (`doubles/identity_center.py`) writes the
//! token where the AWS CLI keeps it, and the AWS SDK's own SSO provider then reads it to list a
//! moto bucket.

use std::io::BufRead;
use std::process::{Command, Stdio};

use crate::cli::text;
use crate::common;

struct Double(std::process::Child);

impl Drop for Double {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn identity_center() -> (Double, u16) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/integration/doubles/identity_center.py"
    );
    let mut child = Command::new("python3")
        .arg(script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the stand-in Identity Center");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Double(child), line.trim().parse().expect("its port"))
}

#[test]
fn a_device_sign_in_gives_the_sdk_a_token_that_lists_a_bucket() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(moto) = rt.block_on(common::server("moto")) else {
        return;
    };
    let bucket = rt.block_on(common::fresh_bucket(&moto, "sso"));
    rt.block_on(common::put_keys(
        &moto,
        &bucket,
        &["signed/in.txt".to_owned()],
    ));
    let (_double, port) = identity_center();
    let identity = format!("http://127.0.0.1:{port}");
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        format!(
            "[profile lab]\n\
             sso_session = lab-sso\n\
             sso_account_id = 111122223333\n\
             sso_role_name = DataReader\n\
             region = us-east-1\n\
             endpoint_url = {moto}\n\
             \n\
             [sso-session lab-sso]\n\
             sso_start_url = https://lab.example/start\n\
             sso_region = us-east-1\n\
             sso_registration_scopes = sso:account:access\n",
            moto = moto.endpoint.endpoint
        ),
    )
    .unwrap();
    let skiff = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_skiff"));
        command
            .args(["--profile", "lab"])
            .args(args)
            .env("HOME", home.path())
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
            .env("SKIFF_DATA_DIR", home.path().join("skiff"))
            // The profile's endpoint_url is moto, for S3; the Identity Center is the stand-in,
            // named as the AWS SDKs and CLI take service endpoints.
            .env("AWS_ENDPOINT_URL_SSO_OIDC", &identity)
            .env("AWS_ENDPOINT_URL_SSO", &identity)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL");
        command
    };

    // Before signing in, the profile has no credentials.
    let url = format!("s3://{bucket}/signed/");
    let before = skiff(&["ls", &url]).output().unwrap();
    assert!(!before.status.success(), "{}", text(&before));
    assert!(
        text(&before).contains("The SSO sign-in for") && text(&before).contains("skiff login"),
        "{}",
        text(&before)
    );

    let mut login = skiff(&["login"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = String::new();
    let mut out = std::io::BufReader::new(login.stdout.take().unwrap());
    out.read_line(&mut said).unwrap();
    if !said.contains("ABCD-EFGH") {
        let mut why = String::new();
        std::io::Read::read_to_string(&mut login.stderr.take().unwrap(), &mut why).unwrap();
        let config = std::fs::read_to_string(&config).unwrap();
        panic!("no code to show: {said}{why}\n{config}");
    }
    let page = said
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the page to open");
    // The user opens the page and approves.
    let (status, _, approved) = rt.block_on(common::plain_get(page));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&approved));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = login.wait().unwrap();
    assert!(status.success(), "{said}{rest}");
    assert!(rest.contains(".aws/sso/cache/"), "{rest}");

    let cache = home.path().join(".aws/sso/cache");
    let files: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert_eq!(files.len(), 1, "one token file");
    let token: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap())
            .unwrap();
    assert!(token["accessToken"].as_str().unwrap().starts_with("token-"));
    assert!(token["expiresAt"].as_str().unwrap().ends_with('Z'));

    let after = skiff(&["ls", &url]).output().unwrap();
    assert!(after.status.success(), "{}", text(&after));
    assert!(text(&after).contains("in.txt"), "{}", text(&after));

    // A share link signed with these credentials (they end within the hour) dies with them.
    let object = format!("s3://{bucket}/signed/in.txt");
    let link = skiff(&["presign", &object, "--expires", "3d"])
        .output()
        .unwrap();
    assert!(link.status.success(), "{}", text(&link));
    let said = String::from_utf8_lossy(&link.stderr);
    assert!(
        said.contains("when the temporary credentials that signed it expire"),
        "{said}"
    );
}
