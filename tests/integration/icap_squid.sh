#!/usr/bin/env bash
# End to end with a real Squid (Debian's package) using `leakguard serve` as its ICAP REQMOD service
# (REAL_COMPONENTS.md), and a local origin server that records what reaches it. Through the proxy:
#   - a form post with a card number is blocked with the block page (nothing reaches the origin);
#   - a multipart upload of an xlsx customer list is blocked;
#   - a JSON body with an access key is redacted: the origin receives the masked body;
#   - a clean upload reaches the origin byte for byte;
#   - an upload of 1 GB passes, with LeakGuard's memory bounded.
# Usage: bash icap_squid.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: icap_squid.sh LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: icap_squid.sh LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
for tool in squid curl jq python3 sha256sum; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is required (bash $SRC/scripts/install-deps.sh)" >&2; exit 1; }
done

TMP=$(mktemp -d)
chmod 755 "$TMP"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $TMP/squid/squid.pid ]] && kill "$(cat "$TMP/squid/squid.pid")" 2>/dev/null || true
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [[ -n ${KEEP_TMP:-} ]] || rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in serve.err squid/cache.log squid/stdout origin.err; do
    [[ -f $TMP/$f ]] && { echo "--- $f:" >&2; tail -c 3000 "$TMP/$f" >&2; }
  done
  exit 1
}
# shellcheck source=tests/integration/lib.bash
source "$SRC/tests/integration/lib.bash"

# --- origin server ---
mkdir -p "$TMP/origin"
python3 "$SRC/tests/integration/origin_server.py" "$TMP/origin.port" "$TMP/origin" 2>"$TMP/origin.err" &
PIDS+=($!)
for _ in $(seq 1 100); do [[ -f $TMP/origin.port ]] && break; sleep 0.1; done
ORIGIN=$(cat "$TMP/origin.port")
ORIGIN_URL="http://127.0.0.1:$ORIGIN"

# --- LeakGuard: a policy that blocks cards and customer lists, redacts keys ---
cat >"$TMP/policy.yaml" <<'EOF'
name: web
rules:
  - id: cards
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      destination: {external: true}
    action: block
    severity: high
  - id: customer-list
    when:
      content: {types: [EMAIL_ADDRESS, PHONE_NUMBER], min_count: 5}
      destination: {external: true}
    action: block
    severity: medium
  - id: keys
    when:
      content: {categories: [credential]}
      destination: {external: true}
    action: redact
    severity: high
  - id: card-downloads
    when:
      direction: in
      content: {types: [CREDIT_CARD_NUMBER]}
    action: audit
    severity: low
EOF
ICAP_PORT=$(free_port)
cat >"$TMP/leakguard.yaml" <<EOF
organization:
  private_networks_internal: false   # the test origin is on loopback: count it as external
policy: policy.yaml
incidents:
  store: sqlite:$TMP/incidents.db
icap:
  listen: 127.0.0.1:$ICAP_PORT
  spool_memory: 1MiB
milter:
  listen: off
EOF
# A small ASan quarantine so that the memory figure below measures LeakGuard, not the sanitizer.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=16:detect_leaks=0" \
  "$BIN" serve --listen 127.0.0.1:0 --threads 2 --config "$TMP/leakguard.yaml" >"$TMP/serve.out" 2>"$TMP/serve.err" &
LG=$!
PIDS+=($LG)
for _ in $(seq 1 600); do
  grep -q "listening on http" "$TMP/serve.err" && break
  kill -0 $LG 2>/dev/null || fail "leakguard serve exited"
  sleep 0.1
done
grep -q "ICAP on icap://127.0.0.1:$ICAP_PORT/reqmod" "$TMP/serve.err" || fail "no ICAP listener line"

# --- Squid ---
SQUID_PORT=$(free_port)
mkdir -p "$TMP/squid"
cat >"$TMP/squid/squid.conf" <<EOF
http_port 127.0.0.1:$SQUID_PORT
http_access allow localhost
http_access deny all
icap_enable on
icap_send_client_ip on
icap_persistent_connections on
icap_service lg reqmod_precache icap://127.0.0.1:$ICAP_PORT/reqmod bypass=0
adaptation_access lg allow all
icap_service lgresp respmod_precache icap://127.0.0.1:$ICAP_PORT/respmod bypass=1
adaptation_access lgresp allow all
cache deny all
pid_filename $TMP/squid/squid.pid
access_log stdio:$TMP/squid/access.log
cache_log $TMP/squid/cache.log
coredump_dir $TMP/squid
shutdown_lifetime 1 seconds
EOF
chown -R proxy:proxy "$TMP/squid"
squid -f "$TMP/squid/squid.conf" -N >"$TMP/squid/stdout" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do
  curl -s -o /dev/null -x "http://127.0.0.1:$SQUID_PORT" "$ORIGIN_URL/ping" && break
  sleep 0.2
done
PROXY=(-x "http://127.0.0.1:$SQUID_PORT")
stored() { find "$TMP/origin" -name '*.meta' | wc -l; }

# --- a form post with a card number: blocked with the block page ---
before=$(stored)
code=$(curl -s -o "$TMP/r1" -w '%{http_code}' "${PROXY[@]}" -d 'name=alice&card=4111+1111+1111+1111&note=hi' "$ORIGIN_URL/form")
[[ $code == 403 ]] || fail "form with a card: expected 403, got $code: $(head -c 500 "$TMP/r1")"
grep -q "This upload was blocked" "$TMP/r1" || fail "block page text"
grep -q "INC-" "$TMP/r1" || fail "block page has no incident id"
grep -q "4111" "$TMP/r1" && fail "the block page shows the card number"
[[ $(stored) == "$before" ]] || fail "the blocked form reached the origin"

# --- multipart upload of an xlsx customer list: blocked ---
code=$(curl -s -o "$TMP/r2" -w '%{http_code}' "${PROXY[@]}" -F "file=@$SRC/tests/fixtures/extract/customers.xlsx" "$ORIGIN_URL/upload")
[[ $code == 403 ]] || fail "xlsx customer list: expected 403, got $code"
[[ $(stored) == "$before" ]] || fail "the blocked xlsx reached the origin"

# --- JSON with an access key: redacted, the origin gets the masked body ---
KEY=AKIAZ3MHQ7XK4PL2WQ5R
code=$(curl -s -o "$TMP/r3" -w '%{http_code}' "${PROXY[@]}" -H 'Content-Type: application/json' \
  -d "{\"aws_access_key_id\": \"$KEY\", \"note\": \"deploy\"}" "$ORIGIN_URL/api")
[[ $code == 200 ]] || fail "JSON with a key: expected 200 from the origin, got $code: $(head -c 300 "$TMP/r3")"
n=$(sed -n 's/^stored \([0-9]*\)$/\1/p' "$TMP/r3")
[[ -n $n && -f $TMP/origin/$n.body ]] || fail "origin did not record the JSON body"
grep -q "$KEY" "$TMP/origin/$n.body" && fail "the origin received the key unmasked: $(cat "$TMP/origin/$n.body")"
grep -q '"note": "deploy"' "$TMP/origin/$n.body" || fail "redaction damaged the JSON: $(cat "$TMP/origin/$n.body")"
grep -q '\*\*\*' "$TMP/origin/$n.body" || fail "no masked value in $(cat "$TMP/origin/$n.body")"
len=$(awk '{print $3}' "$TMP/origin/$n.meta")
[[ $len == $(stat -c %s "$TMP/origin/$n.body") ]] || fail "length mismatch after redaction"

# --- a clean upload reaches the origin byte for byte (text and binary) ---
# (yes | head would end with SIGPIPE, which pipefail turns into a failure: feed head by redirection.)
head -c 3000000 < <(yes 'the quick brown fox jumps over the lazy dog') >"$TMP/clean.txt"
gzip -c "$TMP/clean.txt" >"$TMP/clean.gz"
for f in clean.txt clean.gz; do
  code=$(curl -s -o "$TMP/r4" -w '%{http_code}' "${PROXY[@]}" -H 'Content-Type: application/octet-stream' \
    --data-binary "@$TMP/$f" "$ORIGIN_URL/clean")
  [[ $code == 200 ]] || fail "clean $f: expected 200, got $code"
  n=$(sed -n 's/^stored \([0-9]*\)$/\1/p' "$TMP/r4")
  want=$(sha256sum "$TMP/$f" | cut -d' ' -f1)
  got=$(awk '{print $4}' "$TMP/origin/$n.meta")
  [[ $got == "$want" ]] || fail "clean $f changed on its way: $(cat "$TMP/origin/$n.meta")"
done

# --- a download with card numbers (RESPMOD): delivered unchanged, recorded (audit) ---
curl -s -o "$TMP/dl" "${PROXY[@]}" "$ORIGIN_URL/download/customers.txt" || fail "download through Squid"
grep -q "4111 1111 1111 1111" "$TMP/dl" || fail "the download was changed: $(cat "$TMP/dl")"
"$BIN" incidents list --store "sqlite:$TMP/incidents.db" --format json >"$TMP/dl.json"
jq -e '[.[] | select(.transfer.direction == "in" and .action == "audit")] | length >= 1' "$TMP/dl.json" >/dev/null ||
  fail "no audit incident for the download: $(head -c 1500 "$TMP/dl.json")"

# --- 1 GB upload (chunked PUT): passes, memory bounded ---
hwm() { awk '/VmHWM/ {print $2}' /proc/$LG/status; }
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$LG/status)
code=$(head -c 1073741824 < <(yes 'lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor') |
  curl -s -o "$TMP/r5" -w '%{http_code}' "${PROXY[@]}" -T - -H 'Content-Type: text/plain' "$ORIGIN_URL/big")
[[ $code == 200 ]] || fail "1 GB upload: expected 200, got $code"
n=$(sed -n 's/^stored \([0-9]*\)$/\1/p' "$TMP/r5")
len=$(awk '{print $3}' "$TMP/origin/$n.meta")
[[ $len == 1073741824 ]] || fail "1 GB upload: the origin got $len bytes"
peak=$(hwm)
growth=$(((peak - rss_before) / 1024))
echo "1 GB upload: leakguard RSS before ${rss_before} kB, peak ${peak} kB (+${growth} MB)"
[[ $growth -lt 200 ]] || fail "1 GB upload grew LeakGuard's memory by $growth MB"

"$BIN" incidents list --store "sqlite:$TMP/incidents.db" --format json >"$TMP/incidents.json"
[[ $(jq length "$TMP/incidents.json") -ge 4 ]] || fail "expected at least 4 incidents, got $(jq length "$TMP/incidents.json")"
echo "PASS: Squid + LeakGuard ICAP (block form, block xlsx, redact JSON, clean byte for byte, audited download, 1 GB with +$growth MB)"
