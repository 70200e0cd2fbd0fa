#!/usr/bin/env bash
# System packages of the browser tests (tests/web/test_web_browser.py): Debian's Chromium and
# its driver, and a CJK font so the Chinese pages render (and screenshot) as text, not boxes.
# Idempotent: installs only what is missing, runs `apt-get update` first when it must install.
# The Python side is the test extra (playwright); never run `playwright install`.
set -euo pipefail

packages=()
if [ ! -x /usr/bin/chromium ]; then
  packages+=(chromium chromium-driver)
elif [ ! -x /usr/bin/chromedriver ]; then
  packages+=(chromium-driver)
fi
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; }; then
  packages+=(fonts-wqy-microhei)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  bash "$(dirname "$0")/apt-install.sh" "${packages[@]}"
fi
test -x /usr/bin/chromium
