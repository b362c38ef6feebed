#!/usr/bin/env bash
# The README's first command: set up, then run dfc on an example build, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/dfc parse examples/multistage/Dockerfile --format text
