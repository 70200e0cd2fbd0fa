#!/usr/bin/env bash
# Set up and run the service on its embedded defaults: SQLite under instance/,
# the shipped units, the development secret, http://127.0.0.1:8890.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ivr db upgrade
.venv/bin/ivr units load
.venv/bin/ivr enterprises load
exec .venv/bin/ivr serve "$@"
