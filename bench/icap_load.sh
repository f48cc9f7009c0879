#!/usr/bin/env bash
# ICAP load benchmark (docs/PERFORMANCE.md, "ICAP"): requests per second and latency for 10 KB POST
# bodies, through Squid with and without LeakGuard as its REQMOD service (wrk), and directly against
# the ICAP port (leakguard_icap_load); resident memory of `leakguard serve` with 1,000 open ICAP
# connections.
#
#   bash bench/icap_load.sh [BUILD_DIR]      (default build/release; builds the helper programs)
# Env: SECONDS_EACH (default 15), CONNECTIONS (default 50), BODY (default 10240),
#      SQUID_ICAP_CONF="line; line": extra squid.conf lines for the two Squids with an ICAP service,
#      PROFILE=FILE: record `perf` call graphs of leakguard serve and its Squid into FILE during the Squid + LeakGuard run.
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


start_squid() {  # start_squid NAME PORT [ICAP_SERVICE_URL]
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
    if [[ -n ${3:-} ]]; then
      echo "icap_enable on"
      echo "icap_send_client_ip on"
      echo "icap_persistent_connections on"
      echo "icap_service lg reqmod_precache $3 bypass=0"
      echo "adaptation_access lg allow all"
      [[ -n ${SQUID_ICAP_CONF:-} ]] && tr ';' '\n' <<<"$SQUID_ICAP_CONF" | sed 's/^ *//'
    fi
  } >"$dir/squid.conf"
  chown -R proxy:proxy "$dir"
  squid -f "$dir/squid.conf" -N >"$dir/stdout" 2>&1 &
  PIDS+=($!)
  SQUID_PID[$1]=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null -x "http://127.0.0.1:$2" "http://127.0.0.1:$ORIGIN/" && break; sleep 0.2; done
}
declare -A SQUID_PID
# A no-op ICAP service for comparison: c-icap's echo service (Debian's c-icap) answers 204 to every
# preview, so Squid + c-icap echo is what Squid's own ICAP client costs, whatever the service does.
ECHO=""
if command -v c-icap >/dev/null; then
  ECHO=$(free_port)
  mkdir -p "$TMP/c-icap"
  {
    echo "PidFile $TMP/c-icap/pid"
    echo "CommandsSocket $TMP/c-icap/ctl"
    echo "Port 127.0.0.1:$ECHO"
    echo "StartServers 1"
    echo "MaxServers 1"
    echo "ThreadsPerChild $((CONNS + 10))"
    echo "MinSpareThreads 1"
    echo "MaxSpareThreads $((CONNS + 10))"
    echo "MaxKeepAliveRequests 0"
    echo "TmpDir $TMP/c-icap"
    echo "ModulesDir /usr/lib/x86_64-linux-gnu/c_icap"
    echo "ServicesDir /usr/lib/x86_64-linux-gnu/c_icap"
    echo "ServerLog $TMP/c-icap/server.log"
    echo "AccessLog /dev/null"
    echo "Service echo srv_echo.so"
  } >"$TMP/c-icap/c-icap.conf"
  c-icap -N -f "$TMP/c-icap/c-icap.conf" >"$TMP/c-icap/stdout" 2>&1 &
  ECHO_PID=$!
  PIDS+=($ECHO_PID)
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$ECHO") 2>/dev/null && break
    sleep 0.1
  done
fi

PLAIN=$(free_port)
WITH=$(free_port)
start_squid plain "$PLAIN"
start_squid icap "$WITH" "icap://127.0.0.1:$ICAP/reqmod"
if [[ -n $ECHO ]]; then
  WITH_ECHO=$(free_port)
  start_squid echo "$WITH_ECHO" "icap://127.0.0.1:$ECHO/echo"
fi

head -c "$BODY" < <(yes 'the quick brown fox jumps over the lazy dog, again and again') >"$TMP/body"
ticks() {  # user + system CPU of these processes and their children, in clock ticks
  local t=0 p
  for p in "$@" $(pgrep -P "$(echo "$@" | tr ' ' ',')" 2>/dev/null); do
    [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo $t
}
run_wrk() {  # run_wrk LABEL PROXY_PORT SQUID_NAME [ICAP_SERVICE_PID...]: wrk through that Squid
  local label=$1 port=$2 squid=${SQUID_PID[$3]} out s0 i0 s1 i1 total
  shift 3
  s0=$(ticks "$squid")
  i0=$( (($#)) && ticks "$@" || echo 0)
  out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$TMP/post.lua" -H "Host: 127.0.0.1:$ORIGIN" \
    "http://127.0.0.1:$port/" 2>&1 | sed 's#^#  #')
  s1=$(ticks "$squid")
  i1=$( (($#)) && ticks "$@" || echo 0)
  echo "$label:"
  echo "$out" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || echo "$out"
  total=$(echo "$out" | awk '/requests in/ {print $1}')
  if [[ -n $total && $total -gt 0 ]]; then
    awk -v s=$((s1 - s0)) -v i=$((i1 - i0)) -v n="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN {
      printf "  CPU per request: squid %.0f us, ICAP service %.0f us\n", s * 1e6 / hz / n, i * 1e6 / hz / n }'
  fi
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
run_wrk "Squid alone" "$PLAIN" plain
if [[ -n ${PROFILE:-} ]]; then
  perf record -F 499 --call-graph dwarf,16384 -o "$PROFILE" -p "$LG,${SQUID_PID[icap]}" -- sleep "$SECS" >/dev/null 2>&1 &
  PERF=$!
fi
run_wrk "Squid + LeakGuard ICAP" "$WITH" icap "$LG"
[[ -n ${PERF:-} ]] && wait "$PERF"
[[ -n $ECHO ]] && run_wrk "Squid + c-icap echo (no-op ICAP service, for comparison)" "$WITH_ECHO" echo "$ECHO_PID"
echo "ICAP directly ($CONNS connections, Squid's preview pattern):"
"$BUILD/bench/leakguard_icap_load" load "$ICAP" "$CONNS" "$SECS" "$BODY" | sed 's#^#  #'
echo "$IDLE_LINE"
