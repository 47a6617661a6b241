# Shared shell functions of tools/test.sh and tools/demo.sh. Source it; do not run it.
#
# PostgreSQL: the server at 127.0.0.1:5432 is used when it accepts connections. Otherwise a
# throwaway cluster is created in a temporary folder, started on 127.0.0.1 and
# removed by stop_postgres. Odoo refuses to connect as the "postgres" role, so
# the scripts connect as $ODOO_DB_USER (default "odoo"), created when missing.

ODOO_DB_USER=${ODOO_DB_USER:-odoo}
PG_HOST=127.0.0.1
PG_PORT=${PG_PORT:-5432}
THROWAWAY_PGDATA=""

log() { printf '%s\n' "$*" >&2; }

odoo_importable() {
    python3 -c 'import odoo.release as r; assert r.version_info[:2] == (18, 0)' >/dev/null 2>&1
}

ensure_test_packages() {
    if ! python3 -c 'import pytest, hypothesis, freezegun, aiosmtpd, phonenumbers, requests' >/dev/null 2>&1; then
        log "Installing the test packages from requirements.txt and requirements-test.txt"
        python3 -m pip install --quiet -r "$ROOT/requirements.txt" -r "$ROOT/requirements-test.txt"
    fi
}

find_pg_bin() {
    local candidate
    for candidate in /usr/lib/postgresql/*/bin; do
        [ -x "$candidate/initdb" ] && { echo "$candidate"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

start_postgres() {
    if pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
        ensure_db_role
        return 0
    fi
    local bin
    bin=$(find_pg_bin) || { log "No PostgreSQL server answers on $PG_HOST:$PG_PORT and initdb is not installed: install PostgreSQL (Debian package postgresql)."; return 1; }
    PG_PORT=${THROWAWAY_PG_PORT:-55432}
    THROWAWAY_PGDATA=$(mktemp -d /tmp/addons-pg.XXXXXX)
    log "No PostgreSQL on 127.0.0.1:5432; starting a throwaway cluster on $PG_HOST:$PG_PORT in $THROWAWAY_PGDATA"
    local run_as=()
    if [ "$(id -u)" = 0 ]; then
        # initdb refuses to run as root.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$THROWAWAY_PGDATA"
        run_as=(runuser -u postgres --)
    fi
    "${run_as[@]}" "$bin/initdb" -D "$THROWAWAY_PGDATA/data" -U "$ODOO_DB_USER" --auth=trust >/dev/null
    "${run_as[@]}" "$bin/pg_ctl" -D "$THROWAWAY_PGDATA/data" -l "$THROWAWAY_PGDATA/server.log" -w \
        -o "-h $PG_HOST -p $PG_PORT -k $THROWAWAY_PGDATA" start >/dev/null
}

stop_postgres() {
    [ -n "$THROWAWAY_PGDATA" ] || return 0
    local bin run_as=()
    bin=$(find_pg_bin)
    [ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)
    "${run_as[@]}" "$bin/pg_ctl" -D "$THROWAWAY_PGDATA/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$THROWAWAY_PGDATA"
    THROWAWAY_PGDATA=""
}

ensure_db_role() {
    if psql -h "$PG_HOST" -p "$PG_PORT" -U "$ODOO_DB_USER" -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
        return 0
    fi
    log "Creating the PostgreSQL role $ODOO_DB_USER (Odoo refuses the postgres role)"
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qc \
        "CREATE ROLE \"$ODOO_DB_USER\" LOGIN CREATEDB SUPERUSER" >/dev/null
}

drop_database() {
    dropdb --if-exists -h "$PG_HOST" -p "$PG_PORT" -U "$ODOO_DB_USER" "$1" 2>/dev/null || true
}

# Write an Odoo configuration file for this repository's addons and print its path.
write_odoo_config() {
    local path=$1 http_port=${2:-8069}
    cat >"$path" <<CONF
[options]
db_host = $PG_HOST
db_port = $PG_PORT
db_user = $ODOO_DB_USER
addons_path = $ROOT
http_interface = 127.0.0.1
http_port = $http_port
data_dir = ${ODOO_DATA_DIR:-$HOME/.local/share/Odoo}
CONF
    echo "$path"
}

# List the addons of this repository (folders with a manifest), or those named
# in $ADDONS (comma-separated) when it is set.
repository_addons() {
    if [ -n "${ADDONS:-}" ]; then
        tr ',' '\n' <<<"$ADDONS"
        return 0
    fi
    local manifest
    for manifest in "$ROOT"/*/__manifest__.py; do
        basename "$(dirname "$manifest")"
    done
}

# wait_for_http URL SECONDS: wait until URL returns HTTP 200, or fail after SECONDS.
wait_for_http() {
    python3 - "$1" "$2" <<'PY'
import sys
import time
import urllib.request

url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"{url} did not answer within {sys.argv[2]} s")
    time.sleep(0.5)
PY
}
