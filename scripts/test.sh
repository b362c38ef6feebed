#!/usr/bin/env bash
# The README's second command: set up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
DFC_SETUP_FULL=1 bash scripts/setup.sh
exec .venv/bin/pytest -q "$@"
