#!/usr/bin/env bash
# Installs the cdxgen peer (CycloneDX generator) into .cache/cdxgen, outside the project's own
# dependencies, for the SBOM peer check in src/integrations/sbom/peer.test.ts.
# Usage: bash bench/install-cdxgen.sh   (needs the npm registry; takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/cdxgen
mkdir -p "$dest"
cd "$dest"
[ -f package.json ] || echo '{"name":"cdxgen-peer","private":true}' > package.json
# Pin the major: newer lines may need a newer Node.
npm install --no-audit --no-fund --ignore-scripts @cyclonedx/cdxgen@12
ls node_modules/.bin/cdxgen
