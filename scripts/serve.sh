#!/usr/bin/env bash
# Install the service into ./.venv and start it on the embedded Xigang plan (http://127.0.0.1:8000/).
# Chinese text in exported map sheets needs a CJK font: Debian's fonts-noto-cjk is installed when missing
# and apt-get is at hand (the interactive maps use the browser's fonts and need nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" && command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        --no-install-recommends fonts-noto-cjk; } \
        || echo "serve.sh: could not install fonts-noto-cjk; map sheet exports will answer 503 until a CJK font is installed" >&2
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/planmap serve "$@"
