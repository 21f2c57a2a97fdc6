#!/usr/bin/env bash
# The S3 layer in a real browser: wasm-bindgen-test in headless Chromium (chromedriver), against
# the sandbox served by `skiff serve --web`, and moto when SKIFF_TEST_MOTO_ENDPOINT names one.
# Needs Debian's chromium and chromium-driver, and the wasm-bindgen-cli web/build.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
web/build.sh
cargo build --bin skiff
work=$(mktemp -d)
stop() {
  for pid in "$work"/*.pid; do kill "$(cat "$pid")" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# The test page's origin, which the sandbox must allow.
runner_port=$(free_port)
# shellcheck source=web/serve-sandbox.sh
source web/serve-sandbox.sh
start_web_sandbox --cors-origin "http://127.0.0.1:$runner_port"

SKIFF_WEB_TEST_SANDBOX=$(curl -sf "${web_url}sandbox.json")
export SKIFF_WEB_TEST_SANDBOX
# The sandbox again behind a proxy that answers 503 SlowDown to uploads: the retry policy's test.
sandbox_port=$(printf '%s' "$SKIFF_WEB_TEST_SANDBOX" | python3 -c 'import json, sys, urllib.parse; print(urllib.parse.urlsplit(json.load(sys.stdin)["endpoint"]).port)')
flaky_port=$(free_port)
python3 web/flaky-proxy.py "$flaky_port" "$sandbox_port" &
echo $! > "$work/flaky.pid"
export SKIFF_WEB_TEST_FLAKY="http://127.0.0.1:$flaky_port"
# The app's own address: it allows no other page, so requests to it show a CORS refusal.
export SKIFF_WEB_TEST_APP="$web_url"
# moto too, when the native tests have one (.ci/run does). A page cannot create a bucket there
# (as on AWS, there is no CORS for a bucket that does not exist yet), so the buckets are made
# here, each with the CORS rule the bucket wizard writes for the test page's origin.
export SKIFF_WEB_TEST_MOTO="${SKIFF_TEST_MOTO_ENDPOINT:-}"
export SKIFF_WEB_TEST_RUN="r$(date +%s)"
if [ -n "$SKIFF_WEB_TEST_MOTO" ]; then
  python3 - "$SKIFF_WEB_TEST_MOTO" "$SKIFF_WEB_TEST_RUN" "http://127.0.0.1:$runner_port" <<'PY'
import sys
import boto3
endpoint, run, origin = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
rule = {"AllowedOrigins": [origin], "AllowedMethods": ["GET", "PUT", "POST", "DELETE", "HEAD"],
        "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000,
        "ExposeHeaders": ["ETag", "x-amz-version-id", "x-amz-request-id",
                          "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme"]}
for what in ["bytes", "multipart", "pages", "drop", "exists", "link", "pause"]:
    bucket = f"web-{what}-{run}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})
PY
fi
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export WASM_BINDGEN_TEST_ADDRESS="127.0.0.1:$runner_port"
export WASM_BINDGEN_TEST_TIMEOUT=180
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test --profile "${PROFILE:-web}" --target wasm32-unknown-unknown --features web-tests --test web
