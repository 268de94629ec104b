#!/usr/bin/env bash
# LibreOffice Calc, headless, for `make test-office` (the workbook round trip through a real office
# suite). Large, so it is not part of `make setup`. Installs Debian's libreoffice-calc-nogui with
# apt-get when missing and allowed; otherwise says what to install and fails.
set -euo pipefail
if command -v soffice >/dev/null 2>&1; then
  echo "office: ok ($(soffice --version 2>/dev/null | head -n 1))"
  exit 0
fi
bash "$(dirname "$0")/apt-install.sh" libreoffice-calc-nogui
echo "office installed: $(soffice --version 2>/dev/null | head -n 1)"
