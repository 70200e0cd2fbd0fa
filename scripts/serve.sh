#!/usr/bin/env bash
# Set up and run the service on its embedded defaults: SQLite under instance/,
# the shipped units, the development secret, the local Twilio stand-in on port 8899
# (unless a Twilio account is configured), http://127.0.0.1:8890.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ivr db upgrade
.venv/bin/ivr units load
.venv/bin/ivr enterprises load

# Without a Twilio account the service talks to the local Twilio stand-in (a development
# tool): callback surveys and agent legs are placed there instead of failing.
if [[ -z "${HOTLINE_TWILIO_API_URL:-}" && -z "${HOTLINE_TWILIO_AUTH_TOKEN:-}" ]]; then
  port="${HOTLINE_STANDIN_PORT:-8899}"
  read -r sid token < <(.venv/bin/python -c \
    'from ivr.config import load_voice_settings as v; s = v(); print(s.account_sid, s.auth_token)')
  .venv/bin/python -m standin --port "$port" --account-sid "$sid" --auth-token "$token" &
  standin_pid=$!
  trap 'kill "$standin_pid" 2>/dev/null || true' EXIT
  export HOTLINE_TWILIO_API_URL="http://127.0.0.1:$port"
  echo "No Twilio account configured: using the local Twilio stand-in at $HOTLINE_TWILIO_API_URL"
fi
.venv/bin/ivr serve "$@"
