#!/usr/bin/env bash
# Run the whole test suite.
#
# The plain-Python tests in tests/ always run. The Odoo suite (each addon's
# tests/, through pytest-odoo, on a fresh database with both addons installed)
# runs whenever Odoo 18.0 imports with this machine's python3. Otherwise one
# line reports that it was skipped and why. The last line sums up all runs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/common.sh"
cd "$ROOT"

ensure_test_packages
work=$(mktemp -d /tmp/addons-test.XXXXXX)
DB="addons_test_$(date +%Y%m%d%H%M%S)_$$"
cleanup() {
    if [ -n "${odoo_suite:-}" ]; then drop_database "$DB"; fi
    stop_postgres
    rm -rf "$work"
}
trap cleanup EXIT

status=0
log "== Plain-Python tests (tests/)"
python3 -m pytest -p no:odoo -q --junitxml="$work/plain.xml" --ignore=tests/odoo_integration tests || status=$?

if odoo_importable; then
    odoo_suite=1
    start_postgres
    if [ "$(id -u)" = 0 ] && ! command -v chromium >/dev/null 2>&1; then
        log "Installing Debian's chromium for the browser tests"
        (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || log "chromium could not be installed: browser tests will be skipped"
    fi
    http_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # The test database's filestore goes with the work folder, so nothing of the run is left behind.
    config=$(ODOO_DATA_DIR="$work/data" write_odoo_config "$work/odoo.conf" "$http_port")
    # Test mode, as odoo-bin --test-enable sets it: reports render as HTML and no mail server is contacted.
    echo "test_enable = True" >>"$config"
    addons=$(repository_addons | paste -sd, -)
    log "== Installing $addons into the fresh database $DB"
    odoo -c "$config" -d "$DB" -i "$addons" --without-demo=all --stop-after-init --log-level=warn
    log "== Odoo suite (pytest-odoo)"
    test_dirs=()
    for addon in $(repository_addons); do
        [ -d "$addon/tests" ] && test_dirs+=("$addon/tests")
    done
    python3 -m pytest -q --odoo-config="$config" --odoo-database="$DB" --odoo-http --odoo-log-level=warn \
        --junitxml="$work/odoo.xml" "${test_dirs[@]}" || status=$?
    log "== Integration tests with several real transactions (tests/odoo_integration)"
    ODOO_TEST_CONFIG="$config" ODOO_TEST_DB="$DB" python3 -m pytest -p no:odoo -q \
        --junitxml="$work/integration.xml" tests/odoo_integration || status=$?
else
    echo "Odoo suite skipped: Odoo 18.0 does not import with $(command -v python3); install Odoo 18.0 into this Python to run it."
fi

python3 - "$work"/*.xml <<'PY'
import sys
import xml.etree.ElementTree as ET

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, 0))
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print(f"{passed} passed, {failed} failed, {totals['skipped']} skipped")
PY
exit $status
