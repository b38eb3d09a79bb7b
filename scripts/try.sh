#!/usr/bin/env bash
# The first command for a newcomer: build cutover (release) and run `cutover demo`, the whole
# story on two simulated instances in one process, ending in a report under demo-out/.
#   scripts/try.sh                 # the demo, into demo-out/
#   scripts/try.sh --strict        # exit with the gate's verdict (1: the planted difference)
# Extra arguments go to `cutover demo` (see `cutover demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
echo "building cutover (profile try; the first build takes a few minutes)…" >&2
CARGO_TARGET_DIR="$target_dir" cargo build --profile try --bin cutover
bin="$target_dir/try/cutover"
"$bin" --version
exec "$bin" demo --out demo-out "$@"
