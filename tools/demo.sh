#!/usr/bin/env bash
# Run the demo: Odoo 18.0 with both addons and their demo data, served on
# http://127.0.0.1:8069 (login admin, password admin).
#
# The first run creates the database (DEMO_DB, default addons_demo). Every run
# starts a local SMTP sink and SMS/voice provider (tools/demo_services.py), runs
# the escalation and delivers what it queues, so the reminders appear in Odoo
# and as .eml files in the demo mail folder. Ctrl+C stops everything.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/common.sh"
cd "$ROOT"

DEMO_DB=${DEMO_DB:-addons_demo}
HTTP_PORT=${HTTP_PORT:-8069}
export DEMO_SMTP_PORT=${DEMO_SMTP_PORT:-2525}
export DEMO_PROVIDER_PORT=${DEMO_PROVIDER_PORT:-8099}
DEMO_DIR=${DEMO_DIR:-$ROOT/.demo}
MAIL_DIR="$DEMO_DIR/mail"

odoo_importable || { log "Odoo 18.0 does not import with $(command -v python3): install Odoo 18.0 first (see README)."; exit 1; }
ensure_test_packages
mkdir -p "$DEMO_DIR"
start_postgres
services_pid=""
setup_server_pid=""
cleanup() {
    [ -n "$setup_server_pid" ] && kill "$setup_server_pid" 2>/dev/null || true
    [ -n "$services_pid" ] && kill "$services_pid" 2>/dev/null || true
    stop_postgres
}
trap cleanup EXIT INT TERM

python3 "$ROOT/tools/demo_services.py" --mail-dir "$MAIL_DIR" \
    --smtp-port "$DEMO_SMTP_PORT" --provider-port "$DEMO_PROVIDER_PORT" &
services_pid=$!

export ODOO_DATA_DIR="$DEMO_DIR/filestore"
config=$(write_odoo_config "$DEMO_DIR/odoo.conf" "$HTTP_PORT")
# Every email, from the install's demo data on, goes to the local sink.
printf 'smtp_server = 127.0.0.1\nsmtp_port = %s\n' "$DEMO_SMTP_PORT" >>"$config"
addons=$(repository_addons | paste -sd, -)
if ! psql -h "$PG_HOST" -p "$PG_PORT" -U "$ODOO_DB_USER" -d "$DEMO_DB" -tAc 'SELECT 1' >/dev/null 2>&1; then
    log "Creating the demo database $DEMO_DB with $addons and demo data (a few minutes)"
    odoo -c "$config" -d "$DEMO_DB" -i "$addons" --stop-after-init --log-level=warn
fi
# Printed letters (wkhtmltopdf) load their style sheets from Odoo over HTTP, so a
# server without crons listens while the shell runs the escalation and delivery.
log "Running the escalation and delivering through the local services"
odoo -c "$config" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" --max-cron-threads=0 --log-level=warn &
setup_server_pid=$!
wait_for_http "http://127.0.0.1:$HTTP_PORT/web/health" 120
export DEMO_HTTP_PORT=$HTTP_PORT
odoo shell -c "$config" -d "$DEMO_DB" --log-level=warn <"$ROOT/tools/demo_setup.py"
kill "$setup_server_pid"
wait "$setup_server_pid" 2>/dev/null || true
setup_server_pid=""

log "Mail in $MAIL_DIR: $(find "$MAIL_DIR" -name '*.eml' | wc -l) messages, from every run of this demo folder"
log "Odoo is served on http://127.0.0.1:$HTTP_PORT (login admin, password admin). Ctrl+C stops it."
odoo -c "$config" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" --log-level=info
