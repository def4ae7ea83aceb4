#!/usr/bin/env bash
# Run the whole test suite: domain, services and analytics on SQLite (and again on PostgreSQL when
# POS_TEST_DATABASE_URL is set), the migration drift check, the real-data checks, then the browser
# tests in headless Chromium against the app served by `reflex run --env prod`.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh requirements-test.txt
source scripts/env.sh
if [ ! -x "${POS_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "Chromium is missing: installing Debian's chromium for the browser tests" >&2
  (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null
fi
# axe-core for the accessibility checks of the browser tests, from the npm registry (lock file kept).
if [ ! -f tests/browser/axe/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/browser/axe --no-audit --no-fund --silent
fi
pg_url="${POS_TEST_DATABASE_URL:-}"
echo "== domain, services, analytics on SQLite"
env -u POS_TEST_DATABASE_URL python -m pytest -q -p no:cacheprovider tests --ignore=tests/browser
if [ -n "$pg_url" ]; then
  echo "== the same suite on PostgreSQL"
  POS_TEST_DATABASE_URL="$pg_url" python -m pytest -q -p no:cacheprovider tests --ignore=tests/browser
fi
echo "== browser tests (headless Chromium)"
python -m pytest -q -p no:cacheprovider tests/browser
