#!/usr/bin/env bash
# Set up (idempotent) and open the workstation on the default database (created with the demo book on first
# start). Extra arguments go to `riskws gui`, e.g. --db PATH. Without a display, runs under Xvfb.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != "offscreen" ]; then
    echo "run: no display found; starting under a virtual X server (xvfb-run), the window will not be visible" >&2
    exec xvfb-run -a -s '-screen 0 1920x1080x24' .venv/bin/riskws gui "$@"
fi
exec .venv/bin/riskws gui "$@"
