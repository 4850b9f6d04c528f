# pg.sh - start a throwaway PostgreSQL server (Debian's postgresql package) for
# a test, on a free TCP port of 127.0.0.1.
# Sourced by tests; defines:
#   pg_start       - initdb in a new directory under /tmp + start; sets PG_PORT,
#                    PG_URL (postgresql://...), PG_PSQL (a psql command line)
#   pg_stop        - stop the server and remove its directory (call it from
#                    the test's EXIT trap)
# The server runs as the 'postgres' user when the test runs as root
# (PostgreSQL refuses to run as root). Trust authentication, loopback only.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DATA=""
PG_DIR=""

pg_as() { # run a command as the server's user
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local dir
    if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
        echo "pg.sh: PostgreSQL server binaries not found (install postgresql: scripts/setup.sh)" >&2
        return 1
    fi
    dir=$(mktemp -d /tmp/sluice-pg.XXXXXX)
    PG_DIR=$dir
    PG_DATA=$dir/pgdata
    mkdir -p "$PG_DATA"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir"; fi
    pg_as "$pg_bin/initdb" -D "$PG_DATA" -A trust -U sluice --no-sync >"$dir/initdb.log" 2>&1 || {
        echo "pg.sh: initdb failed:" >&2; cat "$dir/initdb.log" >&2; return 1; }
    local try
    for try in 1 2 3 4 5; do
        PG_PORT=$((20000 + RANDOM % 20000))
        if pg_as "$pg_bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 30 \
            -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off" start \
            >/dev/null 2>&1; then
            PG_URL="postgresql://sluice@127.0.0.1:$PG_PORT/postgres"
            PG_PSQL="psql -X -q -v ON_ERROR_STOP=1 $PG_URL"
            return 0
        fi
    done
    echo "pg.sh: the server did not start:" >&2
    cat "$PG_DATA/server.log" >&2
    return 1
}

pg_stop() {
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        pg_as "$pg_bin/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$PG_DIR" ]; then rm -rf "$PG_DIR"; fi
    PG_DIR=""
    PG_DATA=""
}
