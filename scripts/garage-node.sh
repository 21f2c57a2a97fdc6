#!/usr/bin/env bash
# Starts a single-node Garage on loopback for tests and benchmarks, and prints the environment
# that points Skiff's tests at it. Usage: scripts/garage-node.sh DIR [S3_PORT]
# The node runs in the background; its PID is in DIR/garage.pid.
set -euo pipefail
dir=$(realpath -m "${1:?usage: garage-node.sh DIR [S3_PORT]}")
port=${2:-3900}
rpc=$((port + 1))
admin=$((port + 3))
garage=${GARAGE_BIN:-garage}
mkdir -p "$dir/meta" "$dir/data"
cat > "$dir/garage.toml" <<TOML
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "lmdb"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$rpc"
rpc_public_addr = "127.0.0.1:$rpc"
rpc_secret = "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$port"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$admin"
admin_token = "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TOML
g() { "$garage" -c "$dir/garage.toml" "$@"; }
RUST_LOG=warn "$garage" -c "$dir/garage.toml" server > "$dir/garage.log" 2>&1 &
echo $! > "$dir/garage.pid"
for _ in $(seq 1 100); do
  g status > /dev/null 2>&1 && break
  sleep 0.2
done
node=$(g node id -q 2>/dev/null | cut -d@ -f1)
g layout assign -z dc1 -c 1G "$node" > /dev/null
g layout apply --version 1 > /dev/null
keys=$(g key create skiff-test)
key_id=$(echo "$keys" | awk '/Key ID/ {print $NF}')
secret=$(echo "$keys" | awk '/Secret key/ {print $NF}')
g key allow --create-bucket skiff-test > /dev/null
cat > "$dir/env" <<ENV
export SKIFF_TEST_GARAGE_ENDPOINT=http://127.0.0.1:$port
export SKIFF_TEST_GARAGE_KEY_ID=$key_id
export SKIFF_TEST_GARAGE_SECRET=$secret
export SKIFF_TEST_GARAGE_REGION=garage
ENV
cat "$dir/env"
