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
if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser-deps.sh: ${packages[*]} missing and there is no apt-get; install by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "browser-deps.sh: installing ${packages[*]} needs root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y --no-install-recommends "${packages[@]}" >/dev/null
test -x /usr/bin/chromium
