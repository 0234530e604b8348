#!/usr/bin/env bash
# apt-install.sh FILE PACKAGE: install Debian's PACKAGE with apt-get unless FILE exists already (the
# system packages of the test command: install-font.sh, install-browser.sh).
set -euo pipefail
FILE=$1
PACKAGE=$2
[ -e "$FILE" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v apt-get >/dev/null; then
  echo "$(basename "$0"): no apt-get here; install $PACKAGE so that $FILE exists" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$PACKAGE" >/dev/null
