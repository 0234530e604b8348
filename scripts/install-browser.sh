#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the web console's browser test (Playwright drives the
# system browser; it downloads none of its own); no-op when present.
set -euo pipefail
BROWSER=/usr/bin/chromium
[ -x "$BROWSER" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v apt-get >/dev/null; then
  echo "install-browser: no apt-get here; install Chromium so that $BROWSER exists (the browser test is skipped without it)" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
