#!/usr/bin/env bash
# Milter throughput benchmark (docs/PERFORMANCE.md, "Milter"): messages per second for 100 KB
# messages with an attachment through a private Postfix instance, with and without LeakGuard as its
# milter (smtp-source from Debian's postfix package), and LeakGuard's resident memory with 200
# concurrent SMTP sessions.
#
#   bash bench/milter_load.sh [BUILD_DIR]      (default build/release)
# Env: MESSAGES (default 2000), SESSIONS (default 20),
#      PROFILE=FILE: record `perf` call graphs of leakguard serve into FILE during the 20-session run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
MESSAGES=${MESSAGES:-2000}
SESSIONS=${SESSIONS:-20}
BIN=$BUILD/leakguard
cmake --build "$BUILD" --target leakguard_bin >/dev/null

TMP=$(mktemp -d)
chmod 755 "$TMP"
PF=$TMP/pf
LG=""
# shellcheck source=tests/integration/lib.bash
source "$ROOT/tests/integration/lib.bash"
cleanup() {
  pf postfix -c "$PF" stop || true
  [[ -n $LG ]] && kill "$LG" 2>/dev/null || true
  postfix_restore_default
  rm -rf "$TMP"
}
trap cleanup EXIT
postfix_allow_instance "$PF"

MILTER=$(free_port)
cat >"$TMP/lg.yaml" <<EOF
organization: {internal_domains: [corp.example]}
incidents: {store: "sqlite:$TMP/incidents.db"}
icap: {listen: "off"}
milter: {listen: "127.0.0.1:$MILTER"}
EOF
"$BIN" serve --listen 127.0.0.1:0 --config "$TMP/lg.yaml" >/dev/null 2>"$TMP/serve.err" &
LG=$!
wait_serve "$TMP/serve.err" $LG

SMTP=$(free_port)
postfix_instance "$PF" "$TMP" "$SMTP" 0
# Accepted mail is discarded: the benchmark measures acceptance, not delivery.
postconf -c "$PF" -e "virtual_transport = discard" "default_process_limit = 300" "smtpd_client_connection_count_limit = 0"
pf postfix -c "$PF" start

# A 100 KB message: a short text part and a CSV attachment (base64), nothing sensitive.
python3 - "$TMP/msg.eml" <<'PY'
import base64, sys
rows = "\n".join("row %d,widget,blue,in stock" % i for i in range(2800))
att = base64.encodebytes(rows.encode()).decode()
msg = ("From: alice@corp.example\r\nTo: bob@corp.example\r\nSubject: weekly stock\r\nMIME-Version: 1.0\r\n"
       "Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
       "Hello Bob, the stock list is attached.\r\n--b1\r\nContent-Type: text/csv\r\n"
       "Content-Disposition: attachment; filename=stock.csv\r\nContent-Transfer-Encoding: base64\r\n\r\n"
       + att.replace("\n", "\r\n") + "--b1--\r\n")
open(sys.argv[1], "w").write(msg)
PY
size=$(stat -c %s "$TMP/msg.eml")
ticks() { awk '{print $14 + $15}' "/proc/$LG/stat"; }  # user + system CPU of leakguard serve
run() {  # run LABEL
  local t0 t1 c0 c1
  c0=$(ticks)
  t0=$(date +%s.%N)
  smtp-source -s "$SESSIONS" -m "$MESSAGES" -f alice@corp.example -t bob@corp.example -F "$TMP/msg.eml" \
    "127.0.0.1:$SMTP" 2>&1 | tail -3
  t1=$(date +%s.%N)
  c1=$(ticks)
  python3 -c "print('$1: $MESSAGES messages of $size bytes, $SESSIONS sessions: %.1f s, %.0f msg/s, leakguard CPU %.2f ms/message' % ($t1 - $t0, $MESSAGES / ($t1 - $t0), ($c1 - $c0) * 1000.0 / $(getconf CLK_TCK) / $MESSAGES))"
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
run "Postfix alone"
postconf -c "$PF" -e "smtpd_milters = inet:127.0.0.1:$MILTER"
pf postfix -c "$PF" reload
sleep 1
if [[ -n ${PROFILE:-} ]]; then
  perf record -F 499 --call-graph dwarf,16384 -o "$PROFILE" -p "$LG" >/dev/null 2>&1 &
  PERF=$!
fi
run "Postfix + LeakGuard milter"
if [[ -n ${PERF:-} ]]; then
  kill -INT "$PERF"
  wait "$PERF" || true
fi
before=$(awk '/VmRSS/ {print $2}' /proc/$LG/status)
( SESSIONS=200 MESSAGES=1000 run "200 concurrent sessions" ) &
peak=0
while kill -0 $! 2>/dev/null; do
  r=$(awk '/VmRSS/ {print $2}' /proc/$LG/status)
  ((r > peak)) && peak=$r
  sleep 0.2
done
echo "leakguard RSS: $((before / 1024)) MB before, peak $((peak / 1024)) MB with 200 concurrent SMTP sessions"
grep -c "milter-reject\|status=sent" "$TMP/maillog" >/dev/null || true
