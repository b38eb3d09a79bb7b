#!/usr/bin/env bash
# The first command for a newcomer: build cutover, start the simulator, probe it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/cutover-target}"
cargo build --release --bin cutover
bin="$CARGO_TARGET_DIR/release/cutover"
port="${PORT:-14330}"
"$bin" sim --port "$port" --login cutover:Try-Passw0rd --database shop > /tmp/cutover-sim.log 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do grep -q listening /tmp/cutover-sim.log 2>/dev/null && break; sleep 0.1; done
cat /tmp/cutover-sim.log
export CUTOVER_PASSWORD='Try-Passw0rd'
"$bin" probe --server "Server=tcp:127.0.0.1,$port;Database=shop;User Id=cutover;TrustServerCertificate=true"
