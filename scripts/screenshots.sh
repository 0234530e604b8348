#!/usr/bin/env bash
# Regenerate the web console's screenshots in docs/img/web (docs/web-console.md) with the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-browser.sh
PYTHON=${PYTHON:-.venv/bin/python}
WEB_SCREENSHOTS=docs/img/web "$PYTHON" -m pytest -q tests/web/test_web_browser.py
ls -l docs/img/web
