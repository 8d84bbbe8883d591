#!/usr/bin/env bash
# Shared by scripts/demo.sh and scripts/test.sh: system packages, then .venv with printwarden.
# Usage: source scripts/bootstrap.sh; pw_bootstrap "<apt packages>" "<pip extras>"
set -euo pipefail

PW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PW_VENV="$PW_ROOT/.venv"

pw_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

pw_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    pw_log "system packages present"
    return
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  pw_log "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

pw_venv() {
  local extras="$1"
  local python="${PYTHON:-python3}"
  if [ ! -x "$PW_VENV/bin/python" ]; then
    pw_log "creating $PW_VENV"
    "$python" -m venv "$PW_VENV"
  fi
  local stamp="$PW_VENV/.printwarden-installed-$extras"
  if [ ! -f "$stamp" ] || [ "$PW_ROOT/pyproject.toml" -nt "$stamp" ]; then
    pw_log "installing printwarden[$extras] into .venv"
    "$PW_VENV/bin/python" -m pip install -q --upgrade pip
    "$PW_VENV/bin/python" -m pip install -q -e "$PW_ROOT[$extras]"
    touch "$stamp"
  else
    "$PW_VENV/bin/python" -m pip install -q --no-deps -e "$PW_ROOT" >/dev/null
  fi
}
