#!/usr/bin/env bash
# README command 2: every check and every test, starting what the tests need.
# Installs system packages (PostgreSQL, Ghostscript, qpdf, poppler, Chromium, CUPS IPP tools)
# and the .venv, then runs ruff, mypy --strict, import-linter and pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/ledger -x).
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"
cd "$PW_ROOT"

pw_apt python3-venv postgresql ghostscript qpdf poppler-utils libtiff-tools chromium cups \
  cups-ipp-utils cups-client avahi-daemon avahi-utils dbus python3-tk xvfb xdotool x11-apps
pw_venv dev

pw_log "ruff"
"$PW_VENV/bin/ruff" check src tests benchmarks
pw_log "mypy --strict"
"$PW_VENV/bin/mypy" --strict src/printwarden
pw_log "import-linter"
"$PW_VENV/bin/lint-imports"
# Two test processes (pytest-xdist), a module's tests kept together in one of them (their
# module fixtures: servers, agents, printers); PW_TEST_WORKERS=0 runs them in this process.
workers="${PW_TEST_WORKERS:-2}"
pw_log "pytest ($workers workers)"
if [ "$workers" = "0" ]; then
  "$PW_VENV/bin/pytest" "$@"
else
  "$PW_VENV/bin/pytest" -n "$workers" --dist loadfile "$@"
fi
