#!/usr/bin/env bash
# The small CJK font the report charts use (Debian's fonts-wqy-microhei, about 2 MB); no-op when present.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" /usr/share/fonts/truetype/wqy/wqy-microhei.ttc fonts-wqy-microhei
