#!/usr/bin/env bash
# Shell test of `leakguard serve`: starts on a free port, waits for readiness, checks /healthz, stops it.
# Usage: bash serve_test.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

BIN=${1:?usage: serve_test.sh LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: serve_test.sh LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl is required (bash $SRC/scripts/install-deps.sh)" >&2; exit 1; }

TMP=$(mktemp -d)
PID=""
# Incidents of this test go to its own folder (the default store is under /var/lib/leakguard).
export LEAKGUARD_DATA_DIR=$TMP
cleanup() {
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  [[ -f $TMP/serve.err ]] && { echo "--- server stderr:" >&2; tail -c 4000 "$TMP/serve.err" >&2; }
  exit 1
}

# Bad flags fail fast with exit 2.
set +e
"$BIN" serve --listen nonsense >/dev/null 2>"$TMP/bad.err"
rc=$?
set -e
[[ $rc == 2 ]] || fail "serve --listen nonsense: expected exit 2, got $rc"
grep -q '^leakguard: error: ' "$TMP/bad.err" || fail "bad --listen message"

# Port 0: the kernel picks a free port, which the readiness line reports.
"$BIN" serve --listen 127.0.0.1:0 --icap-listen off --milter-listen off --threads 2 >"$TMP/serve.out" 2>"$TMP/serve.err" &
PID=$!
port=""
for _ in $(seq 1 600); do  # up to 60 s: sanitizer builds compile the catalog slowly
  port=$(sed -n 's#^leakguard: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$#\1#p' "$TMP/serve.err" | head -1)
  [[ -n $port ]] && break
  kill -0 "$PID" 2>/dev/null || fail "server exited before it was ready"
  sleep 0.1
done
[[ -n $port ]] || fail "no 'leakguard: listening on http://127.0.0.1:PORT' line within 60 s"
[[ $port != 0 ]] || fail "reported port 0 instead of the bound port"

body=$(curl -fsS --max-time 10 "http://127.0.0.1:$port/healthz") || fail "GET /healthz failed"
[[ -n $body ]] || fail "GET /healthz returned an empty body"

kill -TERM "$PID"
set +e
wait "$PID"
rc=$?
set -e
PID=""
[[ $rc == 0 ]] || fail "serve exited with $rc after SIGTERM (expected 0)"

echo "serve_test: ok"
