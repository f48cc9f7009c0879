#!/usr/bin/env bash
# Milter protocol checks against `leakguard serve` over its socket: a well-formed session written by
# hand (OPTNEG, CONNECT, MAIL, RCPT, HEADER, EOH, BODY, EOB) gets the replies Postfix expects, and
# malformed packets (a zero or huge length, an unknown command, a truncated packet, garbage payloads)
# close that connection only — the server keeps serving.
# Usage: bash milter_protocol.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: milter_protocol.sh LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: milter_protocol.sh LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 is required" >&2; exit 1; }
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
PORT=$(free_port)
"$BIN" serve --listen 127.0.0.1:0 --icap-listen off --milter-listen "127.0.0.1:$PORT" --threads 2 \
  >"$TMP/serve.out" 2>"$TMP/serve.err" &
LG=$!
wait_serve "$TMP/serve.err" $LG || fail "serve did not start"

cat >"$TMP/client.py" <<'EOF'
import socket, struct, sys
port = int(sys.argv[1])

def pk(c, d=b""):
    return struct.pack(">I", len(d) + 1) + c + d

def session(data, read=True):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    out = b""
    if read:
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if out.endswith(b"c") and b"\x00\x00\x00\x01c" in out[-5:] and data.endswith(pk(b"E")):
                    break
        except socket.timeout:
            pass
    s.close()
    return out

def replies(buf):
    out = []
    while len(buf) >= 5:
        n = struct.unpack(">I", buf[:4])[0]
        out.append((buf[4:5], buf[5:4 + n]))
        buf = buf[4 + n:]
    return out

good = (pk(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)) + pk(b"C", b"client\x004\x04\xd2" + b"10.0.0.9\x00")
        + pk(b"M", b"<alice@corp.example>\x00") + pk(b"R", b"<bob@corp.example>\x00")
        + pk(b"L", b"Subject\x00hello\x00") + pk(b"N") + pk(b"B", b"just saying hello\r\n") + pk(b"E"))
r = replies(session(good))
cmds = [c for c, _ in r]
if cmds[:1] != [b"O"] or cmds[-1:] != [b"c"] or not any(c == b"h" and b"X-LeakGuard" in d for c, d in r):
    print("FAIL: good session replies", r)
    sys.exit(1)

bad = {
    "zero length": b"\x00\x00\x00\x00",
    "huge length": b"\x7f\xff\xff\xff" + b"x" * 100,
    "unknown command": pk(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)) + pk(b"Z", b"??"),
    "truncated packet": pk(b"B", b"hello")[:7],
    "bad connect": pk(b"C", b"no-terminator"),
    "bad header": pk(b"L", b"Subject"),
    "bad macro": pk(b"D", b""),
}
for name, data in bad.items():
    session(data, read=name != "truncated packet")
r = replies(session(good))
if not r or r[-1][0] != b"c":
    print("FAIL: the server does not serve after malformed input", r)
    sys.exit(1)
print("milter protocol: ok")
EOF
timeout 120 python3 "$TMP/client.py" "$PORT" || fail "milter protocol client"
kill -0 $LG || fail "serve died"
curl -fsS "http://127.0.0.1:$(http_port "$TMP/serve.err")/metrics" |
  grep -q "leakguard_milter_protocol_errors_total [1-9]" || fail "milter protocol errors not counted"
kill -TERM $LG
wait $LG || fail "serve exited non-zero"
LG=""
echo "PASS: milter protocol (a session by hand, malformed packets close only their connection)"
