#!/usr/bin/env bash
# Incidents written per second: SQLite (a file in a temporary folder) and PostgreSQL (a server
# started on loopback for the run, stopped after), 1 and 2 writer threads, and with 64 KiB of
# encrypted evidence. Results: docs/PERFORMANCE.md.
# Usage: bash bench/incident_store_bench.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
BUILD=${1:-build/release}
SECONDS_PER_RUN=${2:-5}
BENCH=$BUILD/bench/leakguard_incident_store_bench
[[ -x $BENCH ]] || { echo "build it first: cmake --build $BUILD --target leakguard_incident_store_bench" >&2; exit 2; }
TMP=$(mktemp -d)
PGDIR=$(mktemp -d /tmp/leakguard-pg-XXXXXX)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
AS=()
[[ $(id -u) == 0 ]] && { chown postgres: "$PGDIR"; AS=(runuser -u postgres --); }
cleanup() {
  [[ -n $PGBIN ]] && "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP" "$PGDIR"
}
trap cleanup EXIT
URLS=("sqlite:$TMP/incidents.db")
if [[ -n $PGBIN ]]; then
  PORT=$((20000 + RANDOM % 20000))
  "${AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres >/dev/null
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -o "-k $PGDIR -p $PORT -c listen_addresses=127.0.0.1" \
    -l "$PGDIR/log" -w start >/dev/null
  URLS+=("postgresql://postgres@127.0.0.1:$PORT/postgres")
fi
echo "# $(date -u '+%F %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
echo "# filesystem of $TMP: $(df -T "$TMP" | awk 'NR==2 {print $2}')"
"$BENCH" --seconds "$SECONDS_PER_RUN" "${URLS[@]}"
