#!/usr/bin/env bash
# End to end with a real Postfix (Debian's package, a private instance on loopback; REAL_COMPONENTS.md)
# using `leakguard serve` as its milter. Mail is sent with swaks; what reaches the local mailbox
# (Maildir) or stays in the queue is checked:
#   - an xlsx customer list to a gmail.com address is rejected (550 5.7.1) with the incident id;
#   - the same mail to the internal domain is delivered, with the X-LeakGuard header;
#   - a mail with an AWS key in the body is delivered redacted;
#   - a quarantined mail (IBAN, by this test's policy) sits in the hold queue;
#   - a clean 25 MB attachment is delivered intact;
#   - under a redact rule, a clean text + xlsx customer list arrives with the xlsx replaced by a notice
#     (incident id) and the text intact; an AWS key in a base64 text part arrives masked, still base64;
#   - an alert (NIK, by this test's policy) is delivered and a notice without the value reaches the
#     sender's mailbox through the same Postfix; a mail marked Auto-Submitted gets no notice (no loop).
# Usage: bash milter_postfix.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: milter_postfix.sh LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: milter_postfix.sh LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
for tool in postfix postconf postqueue swaks python3 jq; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is required (bash $SRC/scripts/install-deps.sh)" >&2; exit 1; }
done

TMP=$(mktemp -d)
chmod 755 "$TMP"
PF=$TMP/pf
LG=""
# shellcheck source=tests/integration/lib.bash
source "$SRC/tests/integration/lib.bash"
cleanup() {
  pf postfix -c "$PF" stop || true
  [[ -n $LG ]] && kill "$LG" 2>/dev/null || true
  postfix_restore_default
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in serve.err maillog; do [[ -f $TMP/$f ]] && { echo "--- $f:" >&2; tail -c 3000 "$TMP/$f" >&2; }; done
  exit 1
}

# Postfix runs a private instance only from a folder the default instance lists.
postfix_allow_instance "$PF"

# --- LeakGuard ---
MILTER=$(free_port)
SMTP=$(free_port)
cat >"$TMP/policy.yaml" <<'EOF'
name: mail
rules:
  - id: cards
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      destination: {external: true}
    action: block
    severity: high
  - id: keys
    when:
      content: {categories: [credential]}
    action: redact
    severity: high
  - id: ibans
    when:
      content: {types: [IBAN_CODE]}
    action: quarantine
    severity: medium
  - id: billing-lists
    description: Billing may share customer lists internally, without the card numbers
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      identity: {users: [billing@corp.example]}
    action: redact
    severity: medium
  - id: nik-alert
    when:
      content: {types: [INDONESIA_NIK]}
    action: alert
    severity: low
EOF
cat >"$TMP/leakguard.yaml" <<EOF
organization:
  internal_domains: [corp.example]
policy: policy.yaml
incidents:
  store: sqlite:$TMP/incidents.db
icap: {listen: "off"}
milter:
  listen: "127.0.0.1:$MILTER"
  notify: {smtp: "127.0.0.1:$SMTP", from: dlp-noreply@corp.example, to: [sender], retries: 1, backoff: 1}
EOF
"$BIN" serve --listen 127.0.0.1:0 --threads 2 --config "$TMP/leakguard.yaml" >"$TMP/serve.out" 2>"$TMP/serve.err" &
LG=$!
wait_serve "$TMP/serve.err" $LG || fail "serve did not start"
grep -q "milter on inet:127.0.0.1:$MILTER" "$TMP/serve.err" || fail "no milter listener"

# --- Postfix: a private instance, virtual Maildir delivery for corp.example, the rest held ---
postfix_instance "$PF" "$TMP" "$SMTP" "$MILTER"
pf postfix -c "$PF" check || fail "postfix check"
pf postfix -c "$PF" start || fail "postfix start"
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SMTP") 2>/dev/null && break; sleep 0.2; done

send() {  # send OUT_FILE swaks-args...
  local out=$1
  shift
  swaks --server "127.0.0.1:$SMTP" --from alice@corp.example "$@" >"$out" 2>&1 || true
}
delivered() {  # delivered SUBJECT -> path of the Maildir file with that subject (waits up to 20 s)
  for _ in $(seq 1 100); do
    # Only new/: a file in tmp/ is still being written (and then renamed).
    f=$(grep -rl "^Subject: $1\$" "$TMP/mail/inbox/new" 2>/dev/null | head -1 || true)
    [[ -n $f ]] && { echo "$f"; return 0; }
    sleep 0.2
  done
  return 1
}
XLSX=$SRC/tests/fixtures/extract/customers.xlsx

# 1. customer list to gmail.com: rejected with the incident id
send "$TMP/s1" --to someone@gmail.com --header "Subject: customers external" --attach "@$XLSX"
grep -q "550 5.7.1 .*incident INC-" "$TMP/s1" || fail "xlsx to gmail.com not rejected: $(tail -20 "$TMP/s1")"
id=$(grep -o "INC-[0-9A-Z]*" "$TMP/s1" | head -1)
"$BIN" incidents show "$id" --store "sqlite:$TMP/incidents.db" --format json >"$TMP/inc.json" || fail "incident $id not stored"
[[ $(jq -r .transfer.channel "$TMP/inc.json") == mail ]] || fail "incident channel"

# 2. the same mail to the internal domain: delivered with the header
send "$TMP/s2" --to carol@corp.example --header "Subject: customers internal" --attach "@$XLSX"
grep -q "250 2.0.0 Ok" "$TMP/s2" || fail "xlsx to corp.example not accepted: $(tail -20 "$TMP/s2")"
f=$(delivered "customers internal") || fail "internal mail not delivered"
grep -q "^X-LeakGuard: action=" "$f" || fail "no X-LeakGuard header in the delivered mail"

# 3. an AWS key in the body: delivered redacted
KEY=AKIAZ3MHQ7XK4PL2WQ5R
send "$TMP/s3" --to ops@corp.example --header "Subject: deploy keys" --body "aws_access_key_id = $KEY
thanks"
grep -q "250 2.0.0 Ok" "$TMP/s3" || fail "key mail not accepted: $(tail -20 "$TMP/s3")"
f=$(delivered "deploy keys") || fail "key mail not delivered"
grep -q "$KEY" "$f" && fail "the key reached the mailbox unmasked"
grep -q "thanks" "$f" || fail "redaction lost the rest of the body"
grep -q "^X-LeakGuard: action=redact" "$f" || fail "redacted mail lacks its header: $(head -30 "$f")"

# 4. quarantine: the mail is held
send "$TMP/s4" --to partner@corp.example --header "Subject: payment details" --body "IBAN DE89 3704 0044 0532 0130 00"
grep -q "250 2.0.0 Ok" "$TMP/s4" || fail "quarantine mail not accepted: $(tail -20 "$TMP/s4")"
held=""
for _ in $(seq 1 50); do
  held=$(script -qc "postqueue -c $PF -p" /dev/null | grep -E '^[0-9A-F]+!' || true)
  [[ -n $held ]] && break
  sleep 0.2
done
[[ -n $held ]] || fail "no held message in the queue: $(script -qc "postqueue -c $PF -p" /dev/null)"

# 5. a clean 25 MB attachment: delivered intact
head -c 26214400 < <(yes 'the quick brown fox jumps over the lazy dog') >"$TMP/big.txt"
send "$TMP/s5" --to archive@corp.example --header "Subject: big clean" --attach "@$TMP/big.txt"
grep -q "250 2.0.0 Ok" "$TMP/s5" || fail "25 MB mail not accepted: $(tail -5 "$TMP/s5")"
f=$(delivered "big clean") || fail "25 MB mail not delivered"
python3 - "$f" "$TMP/big.txt" <<'EOF' || fail "25 MB attachment changed on its way"
import email, hashlib, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"))
want = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
got = [hashlib.sha256(p.get_payload(decode=True)).hexdigest() for p in msg.walk() if p.get_filename()]
sys.exit(0 if want in got else 1)
EOF
# 6. redact: a clean text and an xlsx customer list -> the xlsx becomes a notice, the text stays
send "$TMP/s6" --from billing@corp.example --to carol@corp.example --header "Subject: customers redacted" \
  --body "Please find the customer list attached.
Regards, Billing" --attach "@$XLSX"
grep -q "250 2.0.0 Ok" "$TMP/s6" || fail "redact xlsx mail not accepted: $(tail -20 "$TMP/s6")"
f=$(delivered "customers redacted") || fail "redacted xlsx mail not delivered"
grep -q "^X-LeakGuard: action=redact; .*incident=INC-" "$f" || fail "no redact header: $(head -30 "$f")"
id=$(grep -o "incident=INC-[0-9A-Z]*" "$f" | head -1 | cut -d= -f2)
python3 - "$f" "$id" <<'EOF' || fail "xlsx not replaced by the notice: $(cat "$f")"
import email, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"))
parts = [p for p in msg.walk() if not p.is_multipart()]
assert msg.get_content_type() == "multipart/mixed", msg.get_content_type()
assert not any(p.get_content_maintype() == "application" or p.get_filename() == "customers.xlsx" for p in parts), \
    [p.get_content_type() for p in parts]
texts = [p.get_payload(decode=True).decode() for p in parts if p.get_content_type() == "text/plain"]
assert any("Please find the customer list attached." in t and "Regards, Billing" in t for t in texts), texts
assert any(("customers.xlsx was removed by LeakGuard: CREDIT_CARD_NUMBER x2, incident " + sys.argv[2]) in t
           for t in texts), texts
EOF

# 7. redact: an AWS key in a base64 text part -> masked, the part still base64
python3 - "$TMP/b64.eml" "$KEY" <<'EOF'
import base64, sys
text = "Hello ops,\r\naws_access_key_id = %s\r\nthanks\r\n" % sys.argv[2]
b64 = base64.encodebytes(text.encode()).decode().replace("\n", "\r\n")
open(sys.argv[1], "w", newline="").write(
    "From: alice@corp.example\r\nTo: ops@corp.example\r\nSubject: key in base64\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="lg-b64"\r\n\r\n--lg-b64\r\n'
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 +
    "--lg-b64--\r\n")
EOF
send "$TMP/s7" --to ops@corp.example --data "@$TMP/b64.eml"
grep -q "250 2.0.0 Ok" "$TMP/s7" || fail "base64 key mail not accepted: $(tail -20 "$TMP/s7")"
f=$(delivered "key in base64") || fail "base64 key mail not delivered"
grep -q "^X-LeakGuard: action=redact" "$f" || fail "base64 key mail lacks the redact header"
python3 - "$f" "$KEY" <<'EOF' || fail "key in the base64 part not masked: $(cat "$f")"
import email, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"))
(part,) = [p for p in msg.walk() if not p.is_multipart()]
assert part["Content-Transfer-Encoding"].lower() == "base64", part["Content-Transfer-Encoding"]
text = part.get_payload(decode=True).decode()
assert sys.argv[2] not in text and "aws_access_key_id = AKIA" in text and "thanks" in text, text
EOF
grep -q "$KEY" "$f" && fail "the key reached the mailbox"

# 8. alert: delivered, and a notice reaches the sender's mailbox (through the same Postfix and milter)
NIK=3174015505900003
send "$TMP/s8" --to bob@corp.example --header "Subject: nik alert" --body "NIK pelanggan: $NIK"
grep -q "250 2.0.0 Ok" "$TMP/s8" || fail "alert mail not accepted: $(tail -20 "$TMP/s8")"
f=$(delivered "nik alert") || fail "alert mail not delivered"
grep -q "^X-LeakGuard: action=alert; .*incident=INC-" "$f" || fail "no alert header: $(head -30 "$f")"
id=$(grep -o "incident=INC-[0-9A-Z]*" "$f" | head -1 | cut -d= -f2)
n=$(delivered "LeakGuard: a message you sent was flagged (incident $id)") || fail "no notice for $id arrived"
grep -q "^Auto-Submitted: auto-generated" "$n" || fail "the notice lacks Auto-Submitted"
grep -q "^To: alice@corp.example" "$n" || fail "the notice is not to the sender: $(head -20 "$n")"
grep -q "^Return-Path: <>" "$n" || fail "the notice has a sender to bounce to: $(head -5 "$n")"
grep -q "^Incident: *$id" "$n" || fail "the notice does not name the incident: $(cat "$n")"
grep -q "INDONESIA_NIK x1" "$n" || fail "the notice does not name the info type: $(cat "$n")"
grep -q "mail/nik-alert" "$n" || fail "the notice does not name the rule"
grep -q "at corp.example" "$n" || fail "the notice does not name the recipients' domain"
grep -q "$NIK" "$n" && fail "the notice holds the value"
grep -q "^X-LeakGuard: action=allow" "$n" || fail "the notice did not pass the milter: $(head -30 "$n")"

# 9. no loop: a mail that is itself automatic (Auto-Submitted) gets no notice
send "$TMP/s9" --to bob@corp.example --header "Subject: nik auto" --header "Auto-Submitted: auto-replied" \
  --body "NIK pelanggan: $NIK"
f=$(delivered "nik auto") || fail "auto-submitted alert mail not delivered"
grep -q "^X-LeakGuard: action=alert" "$f" || fail "auto-submitted mail was not inspected"
metric() { python3 -c 'import sys, urllib.request
for l in urllib.request.urlopen(sys.argv[1]).read().decode().splitlines():
    if l.startswith(sys.argv[2] + " "): print(l.split()[1])' "http://127.0.0.1:$(http_port "$TMP/serve.err")/metrics" "$1"; }
sleep 2
[[ $(metric leakguard_milter_notices_skipped_total) == 1 ]] || fail "the auto-submitted mail was not skipped"
[[ $(metric leakguard_milter_notices_sent_total) == 1 ]] || fail "notices sent: $(metric leakguard_milter_notices_sent_total), expected 1"
[[ $(grep -l "^X-LeakGuard-Notice:" "$TMP"/mail/inbox/new/* | wc -l) == 1 ]] || fail "more than one notice arrived"

echo "PASS: Postfix + LeakGuard milter (reject with incident id, deliver internal with header, redact key, hold queue, 25 MB intact, xlsx replaced by a notice, key masked in a base64 part, alert notice to the sender without the value, no notice loop)"
