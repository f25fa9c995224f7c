#!/usr/bin/env bash
# PostgreSQL and Redis for the test suite, then the tests: `make test` runs pytest through this.
#
#   bash scripts/test-services.sh [COMMAND...]
#
# Uses PostgreSQL on 127.0.0.1:5432 (database `test`, user postgres, trust auth) and Redis on
# 127.0.0.1:6379 when they answer, and exports KRING_TEST_POSTGRES_URL and KRING_TEST_REDIS_URL
# for COMMAND. When one does not answer: as root on Debian, installs and starts it (a cluster on
# the port, trust auth for 127.0.0.1, the database `test`; redis-server on loopback); as anyone
# else, says the one command that sets it up, and the tests that need it are skipped (with
# KRING_REQUIRE_SERVICES=1, as in CI, that is an error instead). URLs already set are used as
# they are. Talks only to 127.0.0.1 and apt.
#
#   KRING_TEST_PG_PORT (5432), KRING_TEST_REDIS_PORT (6379): other ports
#   KRING_PYTHON (.venv/bin/python): the Python with psycopg, to try the PostgreSQL connection
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PG_HOST=127.0.0.1
PG_PORT=${KRING_TEST_PG_PORT:-5432}
REDIS_HOST=127.0.0.1
REDIS_PORT=${KRING_TEST_REDIS_PORT:-6379}
PY=${KRING_PYTHON:-.venv/bin/python}
SETUP="sudo bash scripts/test-services.sh"

say() { printf 'test-services: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
root_on_debian() { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; }

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
apt_install() {
    local opts=(-q -o Dpkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    if [ "$APT_UPDATED" -eq 0 ]; then
        apt-get "${opts[@]}" update >&2
        APT_UPDATED=1
    fi
    apt-get "${opts[@]}" install -y --no-install-recommends "$@" >&2
}

# wait_for SECONDS COMMAND...: retry COMMAND once a second until it succeeds.
wait_for() {
    local secs=$1; shift
    local i
    for ((i = 0; i < secs; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    "$@" >/dev/null 2>&1
}

# --- PostgreSQL ------------------------------------------------------------------

# The connection the tests make: database `test` as postgres, no password.
pg_test_answers() {
    "$PY" - "$PG_HOST" "$PG_PORT" <<'EOF' 2>/dev/null
import sys

import psycopg

psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user="postgres", dbname="test", connect_timeout=3).close()
EOF
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
pg_sql() { psql -X -q -w -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres "$@"; }

# As root on Debian: the server installed and running on our port, trust auth, database `test`.
pg_setup() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
        say "installing PostgreSQL from Debian"
        apt_install postgresql postgresql-client
    fi
    if ! pg_ready; then
        # The cluster on our port, or else a new one (Debian's postinst normally makes <ver>/main).
        local pg_ver="" pg_name=""
        read -r pg_ver pg_name < <(pg_lsclusters -h | awk -v p="$PG_PORT" '$3 == p {print $1, $2; exit}') || true
        if [ -z "$pg_ver" ]; then
            pg_ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
            pg_name=main
            if pg_lsclusters -h | awk -v v="$pg_ver" '$1 == v && $2 == "main" {f = 1} END {exit !f}'; then
                pg_name=kring_test
            fi
            say "no cluster on port $PG_PORT; creating $pg_ver/$pg_name"
            pg_createcluster --port "$PG_PORT" "$pg_ver" "$pg_name" >&2
        fi
        say "starting cluster $pg_ver/$pg_name"
        pg_ctlcluster --skip-systemctl-redirect "$pg_ver" "$pg_name" start >&2 || true
        wait_for 30 pg_ready || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT"
    fi
    # Trust auth for TCP connections from 127.0.0.1 (a fresh Debian cluster asks for a password).
    if ! pg_sql -d postgres -c 'select 1' >/dev/null 2>&1; then
        local hba
        hba=$(cd / && runuser -u postgres -- psql -X -qtA -p "$PG_PORT" -c 'show hba_file')
        say "adding trust auth for 127.0.0.1 at the top of $hba"
        sed -i '1i # added by Kring scripts/test-services.sh: tests connect as postgres@127.0.0.1 without a password\nhost    all    all    127.0.0.1/32    trust' "$hba"
        (cd / && runuser -u postgres -- psql -X -q -p "$PG_PORT" -c 'select pg_reload_conf()' >/dev/null)
        wait_for 10 pg_sql -d postgres -c 'select 1' ||
            die "still cannot connect as postgres@$PG_HOST:$PG_PORT with trust auth"
    fi
    if [ "$(pg_sql -d postgres -tAc "select 1 from pg_database where datname = 'test'")" != 1 ]; then
        say "creating database test"
        pg_sql -d postgres -c 'create database test' >&2
    fi
}

# --- Redis -----------------------------------------------------------------------

# PING over a plain TCP connection (bash's /dev/tcp): no redis-cli needed to find out.
redis_answers() {
    local reply=""
    { exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT"; } 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    read -r -t 3 reply <&3 || true
    exec 3>&- 3<&-
    [ "${reply%$'\r'}" = "+PONG" ]
}

redis_setup() {
    if ! command -v redis-server >/dev/null 2>&1; then
        say "installing Redis from Debian"
        apt_install redis-server
    fi
    say "starting redis-server on $REDIS_HOST:$REDIS_PORT"
    redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no >&2
    wait_for 30 redis_answers || die "Redis does not answer on $REDIS_HOST:$REDIS_PORT"
}

# --- both --------------------------------------------------------------------------

missing=()
if [ -z "${KRING_TEST_POSTGRES_URL:-}" ]; then
    if pg_test_answers || { root_on_debian && pg_setup && pg_test_answers; }; then
        export KRING_TEST_POSTGRES_URL="postgresql+psycopg://postgres@$PG_HOST:$PG_PORT/test"
    else
        missing+=("PostgreSQL on $PG_HOST:$PG_PORT (database test, user postgres, trust auth)")
    fi
fi
if [ -z "${KRING_TEST_REDIS_URL:-}" ]; then
    if redis_answers || { root_on_debian && redis_setup; }; then
        export KRING_TEST_REDIS_URL="redis://$REDIS_HOST:$REDIS_PORT/0"
    else
        missing+=("Redis on $REDIS_HOST:$REDIS_PORT")
    fi
fi

say "PostgreSQL: ${KRING_TEST_POSTGRES_URL:-none}; Redis: ${KRING_TEST_REDIS_URL:-none}"
if [ "${#missing[@]}" -gt 0 ]; then
    for item in "${missing[@]}"; do say "not answering: $item"; done
    [ "${KRING_REQUIRE_SERVICES:-}" = 1 ] && die "KRING_REQUIRE_SERVICES=1 and a service is missing"
    say "the tests that need it are skipped; to set it up (Debian, as root), run: $SETUP"
fi

if [ "$#" -gt 0 ]; then
    exec "$@"
fi
