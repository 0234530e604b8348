#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the web console's browser test (Playwright drives the
# system browser and downloads none of its own); no-op when present. Without it the browser test is skipped.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" /usr/bin/chromium chromium
