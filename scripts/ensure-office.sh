#!/usr/bin/env bash
# LibreOffice Calc, headless, for `make test-office` (the workbook round trip through a real office
# suite). Large, so it is not part of `make setup`. Installs Debian's libreoffice-calc-nogui with
# apt-get when missing and allowed; otherwise says what to install and fails.
set -euo pipefail
if command -v soffice >/dev/null 2>&1; then
  echo "office: ok ($(soffice --version 2>/dev/null | head -n 1))"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; }; then
  echo "error: soffice is missing and cannot be installed here (needs apt-get as root). Install by hand:" >&2
  echo "  apt-get install --no-install-recommends libreoffice-calc-nogui" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
echo "office installed: $(soffice --version 2>/dev/null | head -n 1)"
