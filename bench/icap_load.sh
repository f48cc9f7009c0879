#!/usr/bin/env bash
# ICAP load benchmark (docs/PERFORMANCE.md, "ICAP"): requests per second and latency for 10 KB POST
# bodies, through Squid with and without LeakGuard as its REQMOD service (wrk), and directly against
# the ICAP port (leakguard_icap_load); resident memory of `leakguard serve` with 1,000 open ICAP
# connections.
#
#   bash bench/icap_load.sh [BUILD_DIR]      (default build/release; builds the helper programs)
# Env: SECONDS_EACH (default 15), CONNECTIONS (default 50), BODY (default 10240).
set -euo pipefail
ulimit -n 8192 2>/dev/null || true  # the idle test opens 1,000 connections from one process
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
SECS=${SECONDS_EACH:-15}
CONNS=${CONNECTIONS:-50}
BODY=${BODY:-10240}
cmake --build "$BUILD" --target leakguard_bin leakguard_http_origin leakguard_icap_load >/dev/null
BIN=$BUILD/leakguard
for tool in squid wrk; do command -v $tool >/dev/null || { echo "$tool is required (scripts/install-deps.sh)" >&2; exit 2; }; done

TMP=$(mktemp -d)
chmod 755 "$TMP"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck source=tests/integration/lib.bash
source "$ROOT/tests/integration/lib.bash"

"$BUILD/bench/leakguard_http_origin" "$TMP/origin.port" 2 &
PIDS+=($!)
for _ in $(seq 1 50); do [[ -f $TMP/origin.port ]] && break; sleep 0.1; done
ORIGIN=$(cat "$TMP/origin.port")

ICAP=$(free_port)
cat >"$TMP/lg.yaml" <<YAML
incidents: {store: "sqlite:$TMP/incidents.db"}
icap: {listen: "127.0.0.1:$ICAP"}
milter: {listen: "off"}
YAML
"$BIN" serve --listen 127.0.0.1:0 --config "$TMP/lg.yaml" >/dev/null 2>"$TMP/serve.err" &
LG=$!
PIDS+=($LG)
for _ in $(seq 1 300); do grep -q "listening on http" "$TMP/serve.err" && break; sleep 0.1; done

# Memory with 1,000 open ICAP connections (before Squid opens its own).
rss() { awk '/VmRSS/ {print $2}' "/proc/$LG/status"; }
before=$(rss)
"$BUILD/bench/leakguard_icap_load" idle "$ICAP" 1000 5 >"$TMP/idle.out" &
IDLE=$!
for _ in $(seq 1 100); do grep -q "^open" "$TMP/idle.out" 2>/dev/null && break; sleep 0.1; done
sleep 1
during=$(rss)
wait $IDLE || true
IDLE_LINE="1,000 idle ICAP connections: $(cat "$TMP/idle.out"); leakguard RSS $((before / 1024)) MB before, $((during / 1024)) MB with them open"


start_squid() {  # start_squid NAME PORT WITH_ICAP
  local dir=$TMP/$1
  mkdir -p "$dir"
  {
    echo "http_port 127.0.0.1:$2"
    echo "http_access allow localhost"
    echo "http_access deny all"
    echo "cache deny all"
    echo "pid_filename $dir/squid.pid"
    echo "access_log none"
    echo "cache_log $dir/cache.log"
    echo "coredump_dir $dir"
    echo "shutdown_lifetime 1 seconds"
    echo "max_filedescriptors 8192"
    if [[ $3 == 1 ]]; then
      echo "icap_enable on"
      echo "icap_send_client_ip on"
      echo "icap_persistent_connections on"
      echo "icap_service lg reqmod_precache icap://127.0.0.1:$ICAP/reqmod bypass=0"
      echo "adaptation_access lg allow all"
    fi
  } >"$dir/squid.conf"
  chown -R proxy:proxy "$dir"
  squid -f "$dir/squid.conf" -N >"$dir/stdout" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -s -o /dev/null -x "http://127.0.0.1:$2" "http://127.0.0.1:$ORIGIN/" && break; sleep 0.2; done
}
PLAIN=$(free_port)
WITH=$(free_port)
start_squid plain "$PLAIN" 0
start_squid icap "$WITH" 1

head -c "$BODY" < <(yes 'the quick brown fox jumps over the lazy dog, again and again') >"$TMP/body"
run_wrk() {  # run_wrk LABEL PROXY_PORT
  local out
  out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$TMP/post.lua" -H "Host: 127.0.0.1:$ORIGIN" \
    "http://127.0.0.1:$2/" 2>&1 | sed 's#^#  #')
  echo "$1:"
  echo "$out" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || echo "$out"
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); body $BODY bytes, $CONNS connections, ${SECS}s each"
# wrk talks to Squid as to an origin; the request line carries the absolute URL of the real origin.
cat >"$TMP/post.lua" <<LUA
local f = io.open("$TMP/body", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/plain"
wrk.path = "http://127.0.0.1:$ORIGIN/upload"
LUA
run_wrk "Squid alone" "$PLAIN"
run_wrk "Squid + LeakGuard ICAP" "$WITH"
echo "ICAP directly ($CONNS connections, Squid's preview pattern):"
"$BUILD/bench/leakguard_icap_load" load "$ICAP" "$CONNS" "$SECS" "$BODY" | sed 's#^#  #'
echo "$IDLE_LINE"
