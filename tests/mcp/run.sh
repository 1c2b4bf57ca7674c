#!/usr/bin/env bash
# End-to-end tests of `lanes mcp` with the official MCP Python SDK (`mcp` 2.x from PyPI) as the
# client, against real repositories. Installs the SDK into .ci/cache/mcp (a venv) on first run.
# Env: LANES_BIN (the lanes binary).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${LANES_BIN:?set LANES_BIN to the lanes binary}"
venv=.ci/cache/mcp
if ! "$venv/bin/python" -c 'import mcp' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp==2.3.0"
fi
exec "$venv/bin/python" tests/mcp/test_mcp.py
