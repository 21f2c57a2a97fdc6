#!/usr/bin/env bash
# End to end in a real browser: the web app from `skiff serve --web` in Debian's chromium,
# driven by playwright-core. A 20 MiB file (three multipart parts) is dropped on the canvas, and
# a small one chosen in the file picker; each object is then read back through the S3 API
# (boto3) and compared byte for byte.
# Screenshots land in ${SCREENSHOTS:-target/e2e}. Needs web/build.sh run first, node and npm,
# chromium, and boto3 (moto's server brings it).
set -euo pipefail
cd "$(dirname "$0")/.."
shots=$(realpath -m "${SCREENSHOTS:-${CARGO_TARGET_DIR:-target}/e2e}")
mkdir -p "$shots"
npm install --prefix web/e2e --no-audit --no-fund --silent
cargo build --bin skiff
work=$(mktemp -d)
trap 'kill "$(cat "$work/serve.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT

# shellcheck source=web/serve-sandbox.sh
source web/serve-sandbox.sh
start_web_sandbox
curl -sf "${web_url}sandbox.json" > "$work/sandbox.json"

bucket=e2e-drop
prefix="incoming/day 1/"
name="shard-0001.bin"
# 20 MiB and 5 bytes: three multipart parts, the last one short (E2E_MIB changes the size).
head -c $((${E2E_MIB:-20} * 1024 * 1024 + 5)) /dev/urandom > "$work/$name"
picked="notes + ü.csv"
head -c 70000 /dev/urandom > "$work/$picked"
# A folder with a subfolder: each file's key keeps its path from the dropped folder on.
folder="run 7"
folder_files=("run 7/config.json" "run 7/shards/part 0.bin")
mkdir -p "$work/$folder/shards"
head -c 3000 /dev/urandom > "$work/${folder_files[0]}"
head -c $((6 * 1024 * 1024 + 3)) /dev/urandom > "$work/${folder_files[1]}"

# The S3 side, through an independent client: make the bucket, and a presigned HEAD of the key
# the drop should become, for the browser side to wait on.
s3() { python3 - "$work/sandbox.json" "$@" <<'PY'
import json, sys
import boto3
from botocore.config import Config
conf = json.load(open(sys.argv[1]))
s3 = boto3.client("s3", endpoint_url=conf["endpoint"], region_name=conf["region"],
                  aws_access_key_id=conf["access_key_id"],
                  aws_secret_access_key=conf["secret_access_key"],
                  config=Config(s3={"addressing_style": "path"}))
what, bucket, key = sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else ""
if what == "mb":
    s3.create_bucket(Bucket=bucket)
elif what == "landed-url":
    print(s3.generate_presigned_url("head_object", Params={"Bucket": bucket, "Key": key},
                                    ExpiresIn=600, HttpMethod="HEAD"))
elif what == "get":
    sys.stdout.buffer.write(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
PY
}
s3 mb "$bucket"
landed=$(s3 landed-url "$bucket" "$prefix$name")
picked_landed=$(s3 landed-url "$bucket" "$prefix$picked")
folder_landed=$(for f in "${folder_files[@]}"; do s3 landed-url "$bucket" "$prefix$f"; done |
  python3 -c 'import json, sys; print(json.dumps(sys.stdin.read().split()))')
query="bucket=$bucket&prefix=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$prefix")"

node web/e2e/upload.mjs "${web_url}?$query" "$shots" "$work/$name" "$landed" "$work/$picked" \
  "$picked_landed" "$work/$folder" "$folder_landed"
passed=0
for file in "$name" "$picked" "${folder_files[@]}"; do
  s3 get "$bucket" "$prefix$file" > "$work/back.bin"
  if cmp -s "$work/$file" "$work/back.bin"; then
    echo "e2e: $file arrived as s3://$bucket/$prefix$file, byte-identical ($(stat -c %s "$work/back.bin") bytes)"
    passed=$((passed + 1))
  else
    echo "e2e: s3://$bucket/$prefix$file differs from the file uploaded" >&2
    exit 1
  fi
done
echo "e2e: $passed passed"
