#!/usr/bin/env bash
# End to end with a real PostgreSQL (started here on loopback, REAL_COMPONENTS.md): `leakguard serve`
# records incidents in PostgreSQL; PostgreSQL is stopped (immediate shutdown) and restarted in the
# middle of a burst of requests, then serve is killed with SIGKILL. Every incident whose id a
# client received is in the store afterwards, and the audit chain verifies.
# Usage: bash serve_postgres.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: serve_postgres.sh LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: serve_postgres.sh LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n $PGBIN && -x $PGBIN/pg_ctl ]] || { echo "FAIL: PostgreSQL is missing (bash $SRC/scripts/install-deps.sh)" >&2; exit 1; }
for tool in curl jq runuser; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is required" >&2; exit 1; }
done

# shellcheck source=tests/integration/lib.bash
source "$SRC/tests/integration/lib.bash"

TMP=$(mktemp -d)
chmod 755 "$TMP"
PID=""
LOADERS=()
pg() { runuser -u postgres -- "$@"; }
cleanup() {
  for p in "${LOADERS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
  [[ -f $TMP/pg/data/postmaster.pid ]] && pg "$PGBIN/pg_ctl" -D "$TMP/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f $TMP/serve.err ]] && { echo "--- server stderr:" >&2; tail -c 3000 "$TMP/serve.err" >&2; }
  [[ -f $TMP/pg/log ]] && { echo "--- postgres log:" >&2; tail -c 2000 "$TMP/pg/log" >&2; }
  exit 1
}

# A free port for PostgreSQL.
PGPORT=$(free_port)
mkdir -p "$TMP/pg"
chown postgres:postgres "$TMP/pg"
pg "$PGBIN/initdb" -D "$TMP/pg/data" -A trust -U postgres >/dev/null || fail "initdb"
pg_start() {
  pg "$PGBIN/pg_ctl" -D "$TMP/pg/data" -o "-k $TMP/pg -p $PGPORT -c listen_addresses=127.0.0.1" \
    -l "$TMP/pg/log" -w start >/dev/null || fail "pg_ctl start"
}
pg_start
STORE="postgresql://postgres@127.0.0.1:$PGPORT/postgres"

"$BIN" serve --listen 127.0.0.1:0 --icap-listen off --milter-listen off --threads 2 --store "$STORE" >"$TMP/serve.out" 2>"$TMP/serve.err" &
PID=$!
wait_serve "$TMP/serve.err" "$PID" || fail "server not ready within 60 s"
PORT=$(http_port "$TMP/serve.err")

# The built-in policy blocks card numbers to external destinations.
: >"$TMP/acked"
: >"$TMP/refused"
for w in 1 2 3; do
  (
    n=0
    while true; do
      n=$((n + 1))
      body=$(jq -nc --arg t "card 4111 1111 1111 1111 order $w-$n" \
        '{text: $t, transfer: {channel: "web", user: "bob", destination: "https://paste.example.net/"}}')
      code=$(curl -s -o "$TMP/resp.$w" -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
        --data-binary "$body" "http://127.0.0.1:$PORT/v1/inspect") || continue
      if [[ $code == 200 ]]; then
        id=$(jq -r '.incident_id // empty' "$TMP/resp.$w") && [[ -n $id ]] && echo "$id" >>"$TMP/acked"
      else
        echo "$code" >>"$TMP/refused"
      fi
    done
  ) &
  LOADERS+=($!)
done
sleep 2
before=$(wc -l <"$TMP/acked")
[[ $before -ge 3 ]] || fail "only $before incidents acknowledged before the PostgreSQL restart"
pg "$PGBIN/pg_ctl" -D "$TMP/pg/data" -m immediate stop >/dev/null || fail "pg_ctl stop"
sleep 2
pg_start
sleep 3
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
PID=""
for p in "${LOADERS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
LOADERS=()
after=$(sort -u "$TMP/acked" | wc -l)
[[ $after -gt $before ]] || fail "no incident acknowledged after PostgreSQL came back ($before before, $after after)"

missing=0
while read -r id; do
  "$BIN" incidents show "$id" --store "$STORE" --format json >/dev/null 2>&1 || { echo "lost: $id" >&2; missing=$((missing + 1)); }
done < <(sort -u "$TMP/acked")
[[ $missing == 0 ]] || fail "$missing of $after acknowledged incidents lost"
"$BIN" audit verify --store "$STORE" >"$TMP/verify.out" 2>&1 || { cat "$TMP/verify.out" >&2; fail "audit verify"; }
echo "PASS: serve + PostgreSQL ($after incidents acknowledged, $before before the restart, $(wc -l <"$TMP/refused") requests refused during the outage, none lost)"
