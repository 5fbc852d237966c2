#!/usr/bin/env bash
# bench/node-tree.sh <major>: a copy of the built `vigil` (bin/, dist/, package.json) that runs on
# another Node major as an installed `vigil` does (bin/vigil.js with no .git beside it), for
# bench/scan's start-up figures on the supported LTS (issue 20: Node 20 is past its end of life).
# Node from the npm registry (scripts/node-major.sh, as scripts/node-smoke.sh installs it),
# under .cache/node<major>; the tree under .cache/bench/node<major>: node_modules links to this
# checkout's packages except better-sqlite3, copied and rebuilt for that Node (~70 s, once per Node
# and better-sqlite3 version); dist/ and bin/ copied afresh on every call (build first).
# Prints "<node binary> <tree>".
set -euo pipefail
major="${1:?usage: bench/node-tree.sh <node major, e.g. 24>}"
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/node-major.sh
node_bin=$(node_major_bin "$major")
[ -f dist/vigil.mjs ] || { echo "bench/node-tree: no dist/vigil.mjs: run npm run build first" >&2; exit 1; }
tree="$root/.cache/bench/node$major"
sqlite_version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
stamp="$tree/.built-$("$node_bin" --version)-better-sqlite3-$sqlite_version"
if [ ! -e "$stamp" ]; then
  rm -rf "$tree"
  mkdir -p "$tree/node_modules"
  for p in node_modules/* node_modules/.bin; do
    name=$(basename "$p")
    [ "$name" = better-sqlite3 ] || ln -s "$root/$p" "$tree/node_modules/$name"
  done
  cp -r node_modules/better-sqlite3 "$tree/node_modules/better-sqlite3"
  rebuild_sqlite "$node_bin" "$tree/node_modules/better-sqlite3" "$tree/gyp.log"
  touch "$stamp"
fi
rm -rf "$tree/dist" "$tree/bin"
cp -r dist "$tree/dist"
cp -r bin "$tree/bin"
cp package.json "$tree/package.json"
echo "$node_bin $tree"
