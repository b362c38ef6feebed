#!/usr/bin/env bash
# The README's second command: set up, start the services the tests talk to, run the
# whole test suite, and stop what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
DFC_SETUP_FULL=1 bash scripts/setup.sh

started_dockerd=""
if ! /usr/bin/docker info >/dev/null 2>&1; then
  # Bound to the local unix socket only; logs beside the other temp files.
  dockerd --host=unix:///var/run/docker.sock >/tmp/dfc-test-dockerd.log 2>&1 &
  started_dockerd=$!
  for _ in $(seq 60); do /usr/bin/docker info >/dev/null 2>&1 && break; sleep 0.5; done
  /usr/bin/docker info >/dev/null 2>&1 || { echo "dockerd did not start" >&2; tail -20 /tmp/dfc-test-dockerd.log >&2; exit 1; }
fi
stop_services() {
  if [ -n "$started_dockerd" ]; then
    kill "$started_dockerd" 2>/dev/null || true
    wait "$started_dockerd" 2>/dev/null || true
  fi
}
trap stop_services EXIT

# Static checks first: a lint or type error fails the run before the slow part starts.
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/pytest -q "$@"
