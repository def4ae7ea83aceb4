#!/usr/bin/env bash
# Start the platform with a demo region: http://localhost:3000 (log-in accounts in README.md).
# The database is REFLEX_DB_URL (default: the SQLite file pos_dashboard.db in this folder).
# Options go to the demo loader, e.g. ./start.sh --appeals 100000
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh requirements.txt
source scripts/env.sh
python -m pos_dashboard migrate
python -m pos_dashboard demo "$@"   # builds the demo region once; does nothing if it is already there
exec reflex run --env prod
