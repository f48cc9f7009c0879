#!/usr/bin/env bash
# ICAP protocol checks against `leakguard serve`: Debian's c-icap-client (OPTIONS, REQMOD with and
# without preview, RESPMOD) and malformed requests written by hand (bad chunk sizes, missing
# Encapsulated, oversized headers, wrong version, unknown service): each gets a clear ICAP error and
# the server keeps serving.
# Usage: bash icap_protocol.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: icap_protocol.sh LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: icap_protocol.sh LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
for tool in c-icap-client python3; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is required (bash $SRC/scripts/install-deps.sh)" >&2; exit 1; }
done

# shellcheck source=tests/integration/lib.bash
source "$SRC/tests/integration/lib.bash"

TMP=$(mktemp -d)
LG=""
cleanup() {
  [[ -n $LG ]] && kill "$LG" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f $TMP/serve.err ]] && { echo "--- serve.err:" >&2; tail -c 3000 "$TMP/serve.err" >&2; }
  exit 1
}

export LEAKGUARD_DATA_DIR=$TMP
"$BIN" serve --listen 127.0.0.1:0 --icap-listen 127.0.0.1:0 --milter-listen off --threads 2 >"$TMP/serve.out" 2>"$TMP/serve.err" &
LG=$!
PORT=""
for _ in $(seq 1 600); do
  PORT=$(sed -n 's#^leakguard: ICAP on icap://127\.0\.0\.1:\([0-9]*\)/reqmod.*#\1#p' "$TMP/serve.err" | head -1)
  [[ -n $PORT ]] && grep -q "listening on http" "$TMP/serve.err" && break
  kill -0 $LG 2>/dev/null || fail "serve exited"
  sleep 0.1
done
[[ -n $PORT ]] || fail "no ICAP port"

# --- c-icap-client ---
c-icap-client -i 127.0.0.1 -p "$PORT" -s reqmod -method OPTIONS -v >"$TMP/options" 2>&1 || fail "OPTIONS: $(cat "$TMP/options")"
grep -q "ICAP/1.0 200 OK" "$TMP/options" || fail "OPTIONS answer: $(cat "$TMP/options")"
grep -q "Methods: REQMOD" "$TMP/options" || fail "OPTIONS Methods"
grep -q 'ISTag: "LG-' "$TMP/options" || fail "OPTIONS ISTag"

printf 'nothing to see here\n' >"$TMP/clean.txt"
c-icap-client -i 127.0.0.1 -p "$PORT" -s reqmod -f "$TMP/clean.txt" -req http://files.example.net/up -v \
  >"$TMP/clean.out" 2>&1 || fail "REQMOD clean: $(cat "$TMP/clean.out")"
grep -q "ICAP/1.0 204" "$TMP/clean.out" || fail "clean REQMOD: expected 204: $(cat "$TMP/clean.out")"

printf 'my card 4111 1111 1111 1111, thanks\n' >"$TMP/card.txt"
for preview in "" "-w 8"; do
  rm -f "$TMP/card.body"  # c-icap-client does not overwrite its output file
  # shellcheck disable=SC2086
  c-icap-client -i 127.0.0.1 -p "$PORT" -s reqmod $preview -f "$TMP/card.txt" -req http://paste.example.net/new -v \
    -o "$TMP/card.body" >"$TMP/card.out" 2>&1 || fail "REQMOD card ($preview): $(cat "$TMP/card.out")"
  grep -q "ICAP/1.0 200 OK" "$TMP/card.out" || fail "card REQMOD ($preview): $(cat "$TMP/card.out")"
  grep -q "HTTP/1.1 403 Forbidden" "$TMP/card.out" || fail "card REQMOD ($preview): no 403 in $(cat "$TMP/card.out")"
  grep -q "This upload was blocked" "$TMP/card.body" || fail "card REQMOD ($preview): no block page"
  grep -q "4111 1111" "$TMP/card.body" && fail "the block page shows the card number"
done

c-icap-client -i 127.0.0.1 -p "$PORT" -s respmod -f "$TMP/card.txt" -resp http://files.example.net/report.txt -v \
  >"$TMP/resp.out" 2>&1 || fail "RESPMOD: $(cat "$TMP/resp.out")"
grep -q "ICAP/1.0 20[04]" "$TMP/resp.out" || fail "RESPMOD answer: $(cat "$TMP/resp.out")"

# --- malformed requests: a clear ICAP error each, never a crash ---
cat >"$TMP/raw.py" <<'EOF'
import socket, sys
port = int(sys.argv[1])
cases = [
    ("bad chunk size", b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=20\r\n\r\n"
     b"POST / HTTP/1.1\r\n\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", b"ICAP/1.0 400"),
    ("missing Encapsulated", b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n", b"ICAP/1.0 400"),
    ("oversized header", b"OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n",
     b"ICAP/1.0 413"),
    ("wrong version", b"OPTIONS icap://127.0.0.1/reqmod ICAP/9.9\r\n\r\n", b"ICAP/1.0 505"),
    ("unknown method", b"FILEMOD icap://127.0.0.1/reqmod ICAP/1.0\r\n\r\n", b"ICAP/1.0 501"),
    ("unknown service", b"OPTIONS icap://127.0.0.1/nope ICAP/1.0\r\n\r\n", b"ICAP/1.0 404"),
    ("garbage", b"\x00\x01\x02 hello\r\n\r\n", b"ICAP/1.0 400"),
    ("truncated body then close", b"REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=20\r\n\r\n"
     b"POST / HTTP/1.1\r\n\r\n\r\nff\r\nabc", None),
]
for name, data, want in cases:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
    except OSError:
        pass
    if want is None:
        s.close()
        continue
    got = b""
    try:
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    s.close()
    if not got.startswith(want):
        print("FAIL: %s: expected %r, got %r" % (name, want, got[:200]))
        sys.exit(1)
print("malformed: ok")
EOF
python3 "$TMP/raw.py" "$PORT" || fail "malformed requests"
kill -0 $LG || fail "serve died on malformed input"
c-icap-client -i 127.0.0.1 -p "$PORT" -s reqmod -method OPTIONS >/dev/null 2>&1 || fail "OPTIONS after malformed input"
curl -fsS "http://127.0.0.1:$(http_port "$TMP/serve.err")/metrics" |
  grep -q "leakguard_icap_errors_total [1-9]" || fail "ICAP errors not counted in /metrics"
kill -TERM $LG
wait $LG || fail "serve exited non-zero"
LG=""
echo "PASS: ICAP protocol (c-icap-client OPTIONS/REQMOD/preview/RESPMOD, malformed requests)"
