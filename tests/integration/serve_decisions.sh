#!/usr/bin/env bash
# End to end: `leakguard serve` decides with a policy, records incidents in a SQLite store, reloads
# the policy when its file changes (and refuses a broken one), and loses no acknowledged incident
# when it is killed with SIGKILL in the middle of a burst. The audit chain verifies afterwards.
# Usage: bash serve_decisions.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: serve_decisions.sh LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: serve_decisions.sh LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
for tool in curl jq; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is required (bash $SRC/scripts/install-deps.sh)" >&2; exit 1; }
done

# shellcheck source=tests/integration/lib.bash
source "$SRC/tests/integration/lib.bash"

TMP=$(mktemp -d)
PID=""
LOADERS=()
cleanup() {
  for p in "${LOADERS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f $TMP/serve.err ]] && { echo "--- server stderr:" >&2; tail -c 4000 "$TMP/serve.err" >&2; }
  exit 1
}

STORE="sqlite:$TMP/incidents.db"
cat >"$TMP/leakguard.yaml" <<EOF
organization:
  internal_domains: [corp.example]
policy: policy.yaml
incidents:
  store: $STORE
EOF
write_policy() {  # write_policy ACTION: e-mail addresses get ACTION, card numbers are blocked
  cat >"$TMP/policy.yaml.new" <<EOF
name: e2e
rules:
  - id: cards
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      destination: {external: true}
    action: block
    severity: high
  - id: emails
    when:
      content: {types: [EMAIL_ADDRESS]}
    action: $1
    severity: low
EOF
  mv "$TMP/policy.yaml.new" "$TMP/policy.yaml"
}
write_policy audit

start_serve() {
  : >"$TMP/serve.err"
  "$BIN" serve --listen 127.0.0.1:0 --icap-listen off --milter-listen off --threads 2 --config "$TMP/leakguard.yaml" >"$TMP/serve.out" 2>>"$TMP/serve.err" &
  PID=$!
  wait_serve "$TMP/serve.err" "$PID" || fail "server not ready within 60 s"
  PORT=$(http_port "$TMP/serve.err")
}
inspect() {  # inspect TEXT DESTINATION -> response JSON on stdout
  jq -nc --arg t "$1" --arg d "$2" '{text: $t, transfer: {channel: "web", user: "alice", destination: $d}}' |
    curl -sS --max-time 30 -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$PORT/v1/inspect"
}

CARD="4111 1111 1111 1111"
start_serve

# --- a card number to an external site is blocked and recorded; the store holds no full number ---
r=$(inspect "please charge card $CARD" "https://paste.example.net/new")
[[ $(jq -r .verdict.action <<<"$r") == block ]] || fail "card to external: expected block, got $r"
[[ $(jq -r '.verdict.rules[0].rule' <<<"$r") == e2e/cards ]] || fail "card: matched rule, got $r"
id=$(jq -r .incident_id <<<"$r")
[[ $id == INC-* ]] || fail "card: no incident id in $r"
"$BIN" incidents show "$id" --store "$STORE" --format json >"$TMP/show.json" || fail "incidents show $id"
[[ $(jq -r .action "$TMP/show.json") == block ]] || fail "stored incident action"
[[ $(jq -r .transfer.identity.user "$TMP/show.json") == alice ]] || fail "stored incident user"
grep -q "4111111111111111\|$CARD" "$TMP/show.json" && fail "incidents show prints the full card number"
# The same card to an internal destination: no card rule (internal), nothing else matches.
r=$(inspect "card $CARD" "https://wiki.corp.example/page")
[[ $(jq -r .verdict.action <<<"$r") == allow ]] || fail "card to internal: expected allow, got $r"
[[ $(jq -r .incident_id <<<"$r") == "" ]] || fail "allow made an incident: $r"

# --- reload on file change: e-mail goes from audit to block; a broken policy is refused ---
r=$(inspect "write to someone@example.org" "https://x.example.net/")
[[ $(jq -r .verdict.action <<<"$r") == audit ]] || fail "email before reload: expected audit, got $r"
write_policy block
ok=""
for _ in $(seq 1 100); do
  r=$(inspect "write to someone@example.org" "https://x.example.net/")
  [[ $(jq -r .verdict.action <<<"$r") == block ]] && { ok=1; break; }
  sleep 0.1
done
[[ -n $ok ]] || fail "policy file change not picked up within 10 s"
printf 'name: e2e\nrules:\n  - id: broken\n    action: explode\n' >"$TMP/policy.yaml"
for _ in $(seq 1 100); do grep -q "policy reload refused" "$TMP/serve.err" && break; sleep 0.1; done
grep -q "policy reload refused" "$TMP/serve.err" || fail "a broken policy was not reported as refused"
r=$(inspect "write to someone@example.org" "https://x.example.net/")
[[ $(jq -r .verdict.action <<<"$r") == block ]] || fail "after a refused reload the running policy must stay: $r"
write_policy block
kill -HUP "$PID"
sleep 0.5
kill -0 "$PID" || fail "serve died on SIGHUP"

# --- SIGKILL during a burst: every acknowledged incident is in the store ---
: >"$TMP/acked"
for w in 1 2 3 4; do
  (
    while true; do
      r=$(inspect "card $CARD for order $w-$RANDOM" "https://paste.example.net/new" 2>/dev/null) || continue
      id=$(jq -r '.incident_id // empty' <<<"$r" 2>/dev/null) || continue
      [[ -n $id ]] && echo "$id" >>"$TMP/acked"
    done
  ) &
  LOADERS+=($!)
done
sleep 3
kill -KILL "$PID"
wait "$PID" 2>/dev/null || true
PID=""
for p in "${LOADERS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
LOADERS=()
acked=$(sort -u "$TMP/acked" | wc -l)
[[ $acked -ge 5 ]] || fail "only $acked incidents acknowledged during the burst"
missing=0
while read -r id; do
  "$BIN" incidents show "$id" --store "$STORE" --format json >/dev/null 2>&1 || { echo "lost: $id" >&2; missing=$((missing + 1)); }
done < <(sort -u "$TMP/acked")
[[ $missing == 0 ]] || fail "$missing of $acked acknowledged incidents lost after kill -9"
"$BIN" audit verify --store "$STORE" >"$TMP/verify.out" 2>&1 || { cat "$TMP/verify.out" >&2; fail "audit verify after kill -9"; }

# Nothing in the database file holds the full card number.
if grep -a -q "4111111111111111\|$CARD" "$TMP"/incidents.db*; then fail "the store holds a full card number"; fi

# The server restarts on the same store.
start_serve
r=$(inspect "card $CARD" "https://paste.example.net/new")
[[ $(jq -r .verdict.action <<<"$r") == block ]] || fail "after restart: $r"
kill -TERM "$PID"
wait "$PID" || fail "serve exited non-zero after SIGTERM"
PID=""
# --- policy replay: what a new policy would change on the recorded transfers ---
cat >"$TMP/new-policy.yaml" <<EOF
name: relaxed
rules:
  - id: cards-anywhere
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
    action: audit
    severity: medium
EOF
set +e
"$BIN" policy replay --config "$TMP/leakguard.yaml" --policy "$TMP/new-policy.yaml" --format json --fail-on-change \
  >"$TMP/replay.json" 2>"$TMP/replay.err"
rc=$?
set -e
[[ $rc == 1 ]] || { cat "$TMP/replay.err" >&2; fail "policy replay --fail-on-change: expected exit 1, got $rc"; }
# Cards to external sites: block -> audit; the card to the wiki (allowed) now makes an incident; the
# e-mail incidents disappear.
[[ $(jq .action_changed "$TMP/replay.json") -ge 1 ]] || fail "replay: no action change in $(head -c 2000 "$TMP/replay.json")"
[[ $(jq .appear "$TMP/replay.json") -ge 1 ]] || fail "replay: nothing appears"
[[ $(jq .disappear "$TMP/replay.json") -ge 1 ]] || fail "replay: nothing disappears"
"$BIN" policy replay --config "$TMP/leakguard.yaml" --policy "$TMP/new-policy.yaml" >"$TMP/replay.txt" ||
  fail "policy replay (text) failed"
grep -q "would appear" "$TMP/replay.txt" || fail "replay text summary"
if grep -q "4111 1111 1111 1111\|4111111111111111" "$TMP/replay.txt" "$TMP/replay.json"; then
  fail "replay prints a full card number"
fi

echo "PASS: serve decisions ($acked incidents acknowledged during the kill -9 burst, none lost)"
