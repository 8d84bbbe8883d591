#!/usr/bin/env bash
# README command 1: from a fresh Debian machine to a running printwarden demo.
# Usage: scripts/demo.sh [--port PORT] [--data-dir DIR]   (defaults: 8631, ./printwarden-demo)
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

PORT=8631
DATA_DIR="$PW_ROOT/printwarden-demo"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --data-dir) DATA_DIR="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

pw_apt python3-venv ghostscript qpdf poppler-utils
pw_venv dev
pw_log "starting the demo on port $PORT (data in $DATA_DIR); Ctrl-C stops it"
exec "$PW_VENV/bin/printwarden" demo --data-dir "$DATA_DIR" --port "$PORT"
