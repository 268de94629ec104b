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
bash "$(dirname "$0")/apt-install.sh" "${need[@]}"
echo "system packages installed: ${need[*]}"
