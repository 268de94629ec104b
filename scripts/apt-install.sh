#!/usr/bin/env bash
# Install Debian packages with apt-get (as root, or with password-less sudo); where that is not
# possible, print the exact apt-get line to run and fail. Used by ensure-system-deps.sh and
# ensure-office.sh. Usage: apt-install.sh PACKAGE...
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; }; then
  echo "error: cannot install them here (needs apt-get as root). Install by hand:" >&2
  echo "  apt-get install --no-install-recommends $*" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
