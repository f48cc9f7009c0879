#!/usr/bin/env bash
# The incident CLI against a real PostgreSQL started on loopback in a temporary folder (initdb +
# pg_ctl as user postgres, a free port; ../shared/REAL_COMPONENTS.md): import, list, update, evidence
# (the card number never appears in a pg_dump), audit verify on intact and tampered chains, and a
# `leakguard incidents import` killed with SIGKILL mid-burst losing no incident it acknowledged.
# Usage: bash incident_postgres_test.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: $(basename "$0") LEAKGUARD_BINARY SOURCE_DIR}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z $PGBIN || ! -x $PGBIN/initdb ]]; then
  echo "SKIP: PostgreSQL is not installed (package postgresql)"
  exit 0
fi
command -v jq >/dev/null || { echo "FAIL: jq is required" >&2; exit 1; }

TMP=$(mktemp -d)
PGDIR=$(mktemp -d /tmp/leakguard-pg-XXXXXX)
AS=()
if [[ $(id -u) == 0 ]]; then
  chown postgres: "$PGDIR"
  AS=(runuser -u postgres --)
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))
cleanup() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TMP" "$PGDIR"
  [[ -n ${IMPORT_PID:-} ]] && kill -9 "$IMPORT_PID" 2>/dev/null || true
}
trap cleanup EXIT
"${AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres --no-sync >"$TMP/initdb.log" 2>&1 ||
  { cat "$TMP/initdb.log"; echo "FAIL: initdb"; exit 1; }
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -o "-k $PGDIR -p $PORT -c listen_addresses=127.0.0.1" \
  -l "$PGDIR/log" -w start >/dev/null || { cat "$PGDIR/log"; echo "FAIL: pg_ctl start"; exit 1; }
psql() { "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql -d postgres -c "CREATE DATABASE lg"
psql -d postgres -c "CREATE DATABASE lg2"
URL="postgresql://postgres@127.0.0.1:$PORT/lg"
cd "$TMP"

fail() {
  echo "FAIL: $*" >&2
  [[ -f out ]] && { echo "--- stdout:" >&2; head -c 3000 out >&2; }
  [[ -f err ]] && { echo "--- stderr:" >&2; head -c 3000 err >&2; }
  exit 1
}
run() { set +e; "$@" >out 2>err; rc=$?; set -e; }
expect_rc() { [[ $rc == "$1" ]] || fail "$2: expected exit $1, got $rc"; }

CARD=4111111111111111
"$BIN" evidence keygen --out resp >/dev/null
"$BIN" audit keygen --out audit.key >/dev/null
cat >lg.yaml <<YAML
incidents:
  store: $URL
  evidence: {public_key: resp.pub}
  audit: {key: audit.key}
YAML
line() {  # line N
  printf '{"transfer":{"time_ms":%s,"channel":"mail","identity":{"user":"u%s"},"destinations":[{"address":"x@gmail.com","host":"gmail.com"}]},' "$((1790000000000 + $1))" "$1"
  printf '"summary":{"types":[{"type":"CREDIT_CARD_NUMBER","high":1,"samples":["4111 **** **** 1111"]}],"label":"restricted"},'
  printf '"verdict":{"action":"block","severity":"high","matched":[{"rule":"pci/cards","action":"block","severity":"high"}],"keep_evidence":true}}\n'
}
for i in 1 2 3; do line $i; done >three.jsonl
printf 'card %s\n' "$CARD" >content.txt

run "$BIN" incidents import --config lg.yaml --evidence content.txt three.jsonl
expect_rc 0 "import into PostgreSQL"
ID=$(head -1 out)
run "$BIN" incidents list --config lg.yaml --format json --user U2
expect_rc 0 "list"
[[ $(jq length out) == 1 ]] || fail "list --user"
run "$BIN" incidents update --config lg.yaml "$ID" --status resolved --root-cause "training" --actor dave
expect_rc 0 "update"
run "$BIN" evidence open --config lg.yaml "$ID" --key resp.key --actor erin
expect_rc 0 "evidence open"
cmp -s out content.txt || fail "evidence content"
"$PGBIN/pg_dump" -h 127.0.0.1 -p "$PORT" -U postgres lg >dump.sql
grep -q "$ID" dump.sql || fail "pg_dump holds the incident"
! grep -q "$CARD" dump.sql || fail "pg_dump holds the card number in clear"
run "$BIN" audit verify --config lg.yaml
expect_rc 0 "audit verify intact"
grep -q "MAC verified" out || fail "MACs checked"

# Tampering: UPDATE, DELETE of a middle row, swapping two rows.
psql -d lg -c "UPDATE audit SET details = '{}' WHERE seq = 2"
run "$BIN" audit verify --config lg.yaml
expect_rc 1 "verify after UPDATE"
grep -q "seq 2" out || fail "UPDATE found at seq 2"
psql -d lg -c "DELETE FROM audit WHERE seq = 4"
run "$BIN" audit verify --config lg.yaml --format json
expect_rc 1 "verify after DELETE"
jq -e '[.problems[].seq] | index(4)' out >/dev/null || fail "DELETE found at seq 4"

# kill -9 of a writer mid-burst: every id it printed (printed after Record returned) is there.
URL2="postgresql://postgres@127.0.0.1:$PORT/lg2"
for i in $(seq 1 3000); do line "$i"; done >many.jsonl
"$BIN" incidents import --store "$URL2" many.jsonl >acked.txt 2>import.err &
IMPORT_PID=$!
for _ in $(seq 1 200); do
  [[ $(wc -l <acked.txt) -ge 100 ]] && break
  sleep 0.1
done
kill -9 "$IMPORT_PID"
wait "$IMPORT_PID" 2>/dev/null || true
IMPORT_PID=
n=$(wc -l <acked.txt)
[[ $n -ge 100 ]] || fail "the writer acknowledged only $n incidents"
[[ $n -lt 3000 ]] || fail "the import finished before the kill"
"$BIN" incidents list --store "$URL2" --format json --limit 100000 | jq -r '.[].id' | sort >stored.txt
missing=$(sort acked.txt | comm -23 - stored.txt | wc -l)
[[ $missing == 0 ]] || fail "$missing acknowledged incidents lost after kill -9"
run "$BIN" audit verify --store "$URL2"
expect_rc 0 "chain intact after kill -9"

# Swap two rows.
psql -d lg2 -c "UPDATE audit SET seq = -5 WHERE seq = 5; UPDATE audit SET seq = 5 WHERE seq = 7; UPDATE audit SET seq = 7 WHERE seq = -5"
run "$BIN" audit verify --store "$URL2"
expect_rc 1 "verify after swapping rows"
grep -q "seq 5" out || fail "swap found at seq 5"
echo "incident_postgres_test: ok ($n acknowledged before kill -9, none lost)"
