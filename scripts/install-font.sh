#!/usr/bin/env bash
# The small CJK font the report charts use (Debian's fonts-wqy-microhei, about 2 MB); no-op when present.
set -euo pipefail
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
[ -f "$FONT" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v apt-get >/dev/null; then
  echo "install-font: no apt-get here; install WenQuanYi Micro Hei so that $FONT exists" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null
