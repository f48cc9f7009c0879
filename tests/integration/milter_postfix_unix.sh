#!/usr/bin/env bash
# A real Postfix (private instance on loopback; REAL_COMPONENTS.md) using `leakguard serve` as its
# milter over a unix socket (`smtpd_milters = unix:/path`), as a Debian mail server would:
#   - serve creates the socket with socket_mode 0660 and socket_group postfix (smtpd runs as postfix);
#   - a mail with a card number to gmail.com is rejected (550 5.7.1) with the incident id;
#   - a clean mail to the internal domain is delivered with the X-LeakGuard header;
#   - a stale socket file is replaced at start, and serve removes its socket when it stops.
# Usage: bash milter_postfix_unix.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: milter_postfix_unix.sh LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: milter_postfix_unix.sh LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
for tool in postfix postconf swaks python3 stat; do
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

postfix_allow_instance "$PF"

# --- LeakGuard on a unix socket; a stale socket file from an earlier run is in the way ---
mkdir -p "$TMP/run"
chmod 755 "$TMP/run"
SOCK=$TMP/run/milter.sock
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK"
[[ -S $SOCK ]] || fail "could not make the stale socket"
cat >"$TMP/policy.yaml" <<'EOF2'
name: mail
rules:
  - id: cards
    when:
      content: {types: [CREDIT_CARD_NUMBER]}
      destination: {external: true}
    action: block
    severity: high
EOF2
cat >"$TMP/leakguard.yaml" <<EOF2
organization:
  internal_domains: [corp.example]
policy: policy.yaml
incidents:
  store: sqlite:$TMP/incidents.db
icap: {listen: "off"}
milter:
  listen: "off"                 # --milter-listen below turns it on
  socket_mode: 0660
  socket_group: postfix
EOF2
HTTP_ERR=$TMP/serve.err
"$BIN" serve --listen 127.0.0.1:0 --threads 2 --config "$TMP/leakguard.yaml" --milter-listen "unix:$SOCK" \
  >"$TMP/serve.out" 2>"$HTTP_ERR" &
LG=$!
wait_serve "$HTTP_ERR" $LG || fail "serve did not start"
grep -q "milter on unix:$SOCK\$" "$HTTP_ERR" || fail "no milter on the unix socket"
[[ -S $SOCK ]] || fail "$SOCK is not a socket"
[[ $(stat -c '%a %G' "$SOCK") == "660 postfix" ]] || fail "socket mode/group: $(stat -c '%a %G' "$SOCK")"

# --- Postfix with smtpd_milters = unix:... ---
SMTP=$(free_port)
postfix_instance "$PF" "$TMP" "$SMTP" 0
postconf -c "$PF" -e "smtpd_milters = unix:$SOCK" "non_smtpd_milters = unix:$SOCK"
pf postfix -c "$PF" check || fail "postfix check"
pf postfix -c "$PF" start || fail "postfix start"
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SMTP") 2>/dev/null && break; sleep 0.2; done

send() {  # send OUT_FILE swaks-args...
  local out=$1
  shift
  swaks --server "127.0.0.1:$SMTP" --from alice@corp.example "$@" >"$out" 2>&1 || true
}

# 1. a card number to gmail.com: rejected by the milter, with the incident id
send "$TMP/s1" --to someone@gmail.com --header "Subject: card" --body "card 4111 1111 1111 1111"
grep -q "550 5.7.1 .*incident INC-" "$TMP/s1" || fail "card mail not rejected over the unix socket: $(tail -20 "$TMP/s1")"

# 2. a clean mail to the internal domain: delivered with the header
send "$TMP/s2" --to carol@corp.example --header "Subject: lunch" --body "see you at noon"
grep -q "250 2.0.0 Ok" "$TMP/s2" || fail "clean mail not accepted: $(tail -20 "$TMP/s2")"
f=""
for _ in $(seq 1 100); do
  f=$(grep -rl "^Subject: lunch\$" "$TMP/mail/inbox/new" 2>/dev/null | head -1 || true)
  [[ -n $f ]] && break
  sleep 0.2
done
[[ -n $f ]] || fail "clean mail not delivered"
grep -q "^X-LeakGuard: action=allow" "$f" || fail "no X-LeakGuard header: $(head -30 "$f")"

# 3. serve removes its socket when it stops
kill -TERM "$LG"
wait "$LG" || fail "serve did not stop cleanly"
LG=""
[[ -e $SOCK ]] && fail "the socket is still there after serve stopped"
echo "PASS: Postfix + LeakGuard milter on a unix socket (mode/group, stale socket replaced, reject, deliver, removed on stop)"
