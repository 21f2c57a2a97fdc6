#!/usr/bin/env bash
# Starts a three-node Garage cluster on loopback (replication factor 3: every object on every
# node, a write needs two of them) and prints the environment that points Skiff's tests at it,
# as garage-node.sh does, plus SKIFF_TEST_GARAGE_PIDS with the nodes' process ids (the first
# node is the endpoint). Usage: scripts/garage-cluster.sh DIR [BASEPORT]
# Node N (0, 1, 2) serves S3 on BASEPORT+10N, RPC on +1, admin on +3; its files are in DIR/nodeN.
set -euo pipefail
dir=$(realpath -m "${1:?usage: garage-cluster.sh DIR [BASEPORT]}")
base=${2:-3920}
garage=${GARAGE_BIN:-garage}
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
pids=()
for n in 0 1 2; do
  node="$dir/node$n"
  port=$((base + 10 * n))
  mkdir -p "$node/meta" "$node/data"
  cat > "$node/garage.toml" <<TOML
metadata_dir = "$node/meta"
data_dir = "$node/data"
db_engine = "lmdb"
replication_factor = 3
rpc_bind_addr = "127.0.0.1:$((port + 1))"
rpc_public_addr = "127.0.0.1:$((port + 1))"
rpc_secret = "$secret"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$port"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$((port + 3))"
admin_token = "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TOML
  RUST_LOG=warn "$garage" -c "$node/garage.toml" server > "$node/garage.log" 2>&1 &
  echo $! > "$node/garage.pid"
  pids+=("$!")
done
g() { "$garage" -c "$dir/node$1/garage.toml" "${@:2}"; }
for n in 0 1 2; do
  for _ in $(seq 1 100); do
    g "$n" status > /dev/null 2>&1 && break
    sleep 0.2
  done
done
ids=()
for n in 0 1 2; do
  ids+=("$(g "$n" node id -q 2>/dev/null)")
done
g 0 node connect "${ids[1]}" > /dev/null
g 0 node connect "${ids[2]}" > /dev/null
for n in 0 1 2; do
  g 0 layout assign -z "dc$n" -c 1G "${ids[$n]%%@*}" > /dev/null
done
g 0 layout apply --version 1 > /dev/null
# Every node knows the layout before a client writes.
for n in 0 1 2; do
  for _ in $(seq 1 100); do
    g "$n" layout show 2>/dev/null | grep -q "Current cluster layout version: 1" && break
    sleep 0.2
  done
done
keys=$(g 0 key create skiff-test)
key_id=$(echo "$keys" | awk '/Key ID/ {print $NF}')
key_secret=$(echo "$keys" | awk '/Secret key/ {print $NF}')
g 0 key allow --create-bucket skiff-test > /dev/null
cat > "$dir/env" <<ENV
export SKIFF_TEST_GARAGE_ENDPOINT=http://127.0.0.1:$base
export SKIFF_TEST_GARAGE_KEY_ID=$key_id
export SKIFF_TEST_GARAGE_SECRET=$key_secret
export SKIFF_TEST_GARAGE_REGION=garage
export SKIFF_TEST_GARAGE_PIDS="${pids[*]}"
ENV
cat "$dir/env"
