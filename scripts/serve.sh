#!/usr/bin/env bash
# Install the service into ./.venv and start it on the embedded Xigang plan (http://127.0.0.1:8000/).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/planmap serve "$@"
