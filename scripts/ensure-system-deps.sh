#!/usr/bin/env bash
# Make sure the system packages the reports need are present: Debian's chromium (HTML checks and
# PDF printing), a CJK font (charts and PDF text) and poppler-utils (pdffonts/pdftoppm in tests).
# Installs them with apt-get when missing and allowed; otherwise says what to install and fails.
set -euo pipefail

need=()
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdffonts >/dev/null 2>&1 || need+=(poppler-utils)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
# (capture first: `fc-list | grep -q` under pipefail fails when grep closes the pipe early)
fonts=$(fc-list 2>/dev/null || true)
grep -qi 'Noto Sans CJK' <<<"$fonts" || need+=(fonts-noto-cjk)
grep -qi 'wqy-microhei' <<<"$fonts" || need+=(fonts-wqy-microhei)

if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: ok ($(chromium --version 2>/dev/null | head -n 1), poppler-utils, fonts-noto-cjk, fonts-wqy-microhei)"
  exit 0
fi

echo "system packages missing: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if ! command -v apt-get >/dev/null 2>&1 || { [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; }; then
  echo "error: cannot install them here (needs apt-get as root). Install by hand:" >&2
  echo "  apt-get install --no-install-recommends ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system packages installed: ${need[*]}"
