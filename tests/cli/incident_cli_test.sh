#!/usr/bin/env bash
# Shell tests of `leakguard incidents|evidence|audit` on a SQLite store: import, list with filters,
# show, update, evidence keys and opening, audit verify on an intact and a tampered chain.
# Usage: bash incident_cli_test.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=common.bash
source "$(dirname "$0")/common.bash" "$@"

CARD=4111111111111111

# --- keys -------------------------------------------------------------------------------------------
run "$BIN" evidence keygen --out resp
expect_rc 0 "evidence keygen"
[[ -f resp.pub && -f resp.key ]] || fail "keygen wrote resp.pub and resp.key"
[[ $(stat -c %a resp.key) == 600 ]] || fail "secret key mode is $(stat -c %a resp.key), not 600"
run "$BIN" evidence keygen --out resp
expect_rc 2 "keygen again"
expect_err "refusing to overwrite" "keygen does not overwrite keys"
run "$BIN" audit keygen --out audit.key
expect_rc 0 "audit keygen"
[[ $(stat -c %a audit.key) == 600 ]] || fail "audit key mode"

cat >lg.yaml <<YAML
infotypes: []
policy: {file: none.yaml}
incidents:
  store: sqlite:$TMP/inc.db
  evidence: {public_key: resp.pub, max_bytes: 1MiB}
  audit: {key: audit.key}
YAML

# --- import -----------------------------------------------------------------------------------------
record() {  # record CHANNEL USER ACTION SEVERITY TYPE RULE HOST TIME_MS
  printf '{"transfer":{"time_ms":%s,"channel":"%s","identity":{"user":"%s"},"destinations":[{"address":"x@%s","host":"%s"}],"name":"c.csv","bytes":40},' "$8" "$1" "$2" "$7" "$7"
  printf '"summary":{"types":[{"type":"%s","high":2,"samples":["4111 **** **** 1111"]}],"label":"restricted"},' "$5"
  printf '"verdict":{"action":"%s","severity":"%s","label":"restricted","matched":[{"rule":"%s","action":"%s","severity":"%s","reason":"r"}],"keep_evidence":true}}\n' "$3" "$4" "$6" "$3" "$4"
}
{
  record mail alice block critical CREDIT_CARD_NUMBER pci/cards-to-personal gmail.com 1790000000000
  record web bob audit medium IBAN_CODE default/iban-external dropbox.com 1790000100000
  record mail bob alert high CREDIT_CARD_NUMBER pci/cards-to-personal yahoo.com 1790000200000
  record api carol allow info EMAIL_ADDRESS none example.com 1790000300000
} >records.jsonl
printf 'Name,Card\nAlice,%s\n' "$CARD" >content.csv
run "$BIN" incidents import --config lg.yaml --evidence content.csv records.jsonl
expect_rc 0 "import"
[[ $(wc -l <out) == 3 ]] || fail "import prints the 3 incident ids (the allowed transfer makes none)"
grep -q "4 transfers recorded, 3 incidents" err || fail "import summary"
FIRST=$(sed -n 1p out)
THIRD=$(sed -n 3p out)

# --- list -------------------------------------------------------------------------------------------
run "$BIN" incidents list --config lg.yaml
expect_rc 0 "list"
head -1 out | grep -q '^ID .*STATUS.*SEVERITY' || fail "list header"
[[ $(tail -n +2 out | wc -l) == 3 ]] || fail "list shows 3 incidents"
tail -n +2 out | head -1 | grep -q "^$THIRD" || fail "newest first"
count() { run "$BIN" incidents list --config lg.yaml --format json "$@"; expect_rc 0 "list $*"; jq length out; }
[[ $(count --channel mail) == 2 ]] || fail "--channel mail"
[[ $(count --severity high) == 2 ]] || fail "--severity high"
[[ $(count --type IBAN_CODE) == 1 ]] || fail "--type"
[[ $(count --user BOB) == 2 ]] || fail "--user (case-insensitive)"
[[ $(count --search yahoo) == 1 ]] || fail "--search destination"
[[ $(count --action block) == 1 ]] || fail "--action"
[[ $(count --since 2026-09-21T14:14:00Z --until 1790000200000) == 1 ]] || fail "--since/--until"
[[ $(count --limit 1 --offset 2) == 1 ]] || fail "--limit/--offset"
[[ $(count --status resolved) == 0 ]] || fail "--status"
run "$BIN" incidents list --config lg.yaml --since yesterday-ish
expect_rc 2 "bad --since"
run "$BIN" incidents list --config lg.yaml --status nope
expect_rc 2 "bad --status"

# --- show / update ----------------------------------------------------------------------------------
run "$BIN" incidents show --config lg.yaml "$FIRST"
expect_rc 0 "show"
grep -q '^Status  *new' out || fail "show status"
grep -q 'pci/cards-to-personal' out || fail "show rules"
grep -q '4111 \*\*\*\* \*\*\*\* 1111' out || fail "show masked sample"
run "$BIN" incidents update --config lg.yaml "$FIRST" --status in-progress --assignee carol --note "called alice" --actor dave
expect_rc 0 "update"
run "$BIN" incidents show --config lg.yaml --format json "$FIRST"
[[ $(jq -r .status out) == in_progress && $(jq -r .assignee out) == carol ]] || fail "update applied"
[[ $(jq -r '.history[1].actor + ":" + .history[1].field' out) == "dave:status" ]] || fail "history has the actor"
[[ $(jq -r '.notes[0].text' out) == "called alice" ]] || fail "note kept"
run "$BIN" incidents update --config lg.yaml "$FIRST"
expect_rc 2 "update without changes"
run "$BIN" incidents show --config lg.yaml INC-00000000000000000000000000
expect_rc 2 "unknown incident"

# --- evidence ---------------------------------------------------------------------------------------
run "$BIN" evidence open --config lg.yaml "$FIRST" --key resp.key --out opened.csv --actor erin
expect_rc 0 "evidence open"
cmp -s opened.csv content.csv || fail "evidence opens to the original content"
[[ $(stat -c %a opened.csv) == 600 ]] || fail "opened evidence is written 0600"
grep -q "recorded in the audit trail" err || fail "evidence open says it is audited"
run "$BIN" evidence keygen --out other
run "$BIN" evidence open --config lg.yaml "$FIRST" --key other.key
expect_rc 2 "evidence open with the wrong key"
expect_err "wrong key" "wrong key message"
run "$BIN" audit list --config lg.yaml --format json
[[ $(jq -r 'select(.action == "evidence.open") | .actor' out | head -1) == erin ]] || fail "evidence.open audited"
for f in inc.db inc.db-wal; do
  [[ ! -f $f ]] || ! grep -q "$CARD" "$f" || fail "$f holds the card number in clear"
done

# --- audit verify -----------------------------------------------------------------------------------
run "$BIN" audit verify --config lg.yaml
expect_rc 0 "audit verify intact"
grep -q "audit chain intact" out || fail "intact message"
grep -q "MAC verified" out || fail "MACs verified with the configured key"
if command -v sqlite3 >/dev/null; then
  sqlite3 inc.db "UPDATE audit SET actor = 'nobody' WHERE seq = 3"
  run "$BIN" audit verify --config lg.yaml
  expect_rc 1 "audit verify tampered"
  grep -q "seq 3" out || fail "verify names seq 3"
  sqlite3 inc.db "DELETE FROM audit WHERE seq = 3"
  run "$BIN" audit verify --store "sqlite:$TMP/inc.db" --format json
  expect_rc 1 "audit verify after delete"
  [[ $(jq '.problems[0].seq' out) == 3 ]] || fail "json problem seq"
fi
run "$BIN" audit verify --store "mysql://x/y"
expect_rc 2 "bad store URL"
echo "incident_cli_test: ok"
