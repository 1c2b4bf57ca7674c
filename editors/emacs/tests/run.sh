#!/usr/bin/env bash
# Runs lanes.el's end-to-end tests (ERT) in a real batch Emacs with Eglot against the real
# `lanes lsp'. Installs Debian's emacs-nox and elpa-eglot when missing. Needs LANES_BIN, or builds
# the debug binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
if ! command -v emacs >/dev/null || ! ls -d /usr/share/emacs/site-lisp/elpa/eglot-* >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  { $sudo apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot ||
    { $sudo apt-get update -q && $sudo apt-get install -y -q --no-install-recommends emacs-nox elpa-eglot; }; } >/dev/null
fi
if [ -z "${LANES_BIN:-}" ]; then
  (cd "$root" && cargo build -q --bin lanes)
  LANES_BIN="$root/target/debug/lanes"
fi
export LANES_BIN
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch" XDG_CONFIG_HOME="$scratch/config" XDG_STATE_HOME="$scratch/state"
log="$scratch/ert.log"
if timeout 300 emacs --batch -Q -l "$here/lanes-test.el" -f ert-run-tests-batch-and-exit >"$log" 2>&1; then status=0; else status=$?; fi
# One line per test as it runs ("passed  2/5  name"); the summary repeats the failures.
grep -E '^ +(passed|FAILED) +[0-9]+/[0-9]+ ' "$log" || true
passed=$(grep -cE '^ +passed +[0-9]+/[0-9]+ ' "$log" || true)
failed=$(grep -cE '^ +FAILED +[0-9]+/[0-9]+ ' "$log" || true)
if [ "$status" -ne 0 ]; then
  cat "$log"
  [ "$failed" -gt 0 ] || failed=$((failed + 1))
fi
echo "emacs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
