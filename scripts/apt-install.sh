#!/usr/bin/env bash
# Install Debian packages (as root, or through sudo), updating the package lists first.
# Usage: scripts/apt-install.sh PACKAGE...
set -euo pipefail
[ "$#" -gt 0 ] || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-install.sh: $* missing and there is no apt-get; install by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "apt-install.sh: installing $* needs root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y --no-install-recommends "$@" >/dev/null
