#!/usr/bin/env bash
# Throughput benchmark: LeakGuard against ripgrep on the same corpus, single thread (docs/PERFORMANCE.md).
#
#   bash bench/run.sh [path/to/release/leakguard]        (`make bench` passes build/release/leakguard)
#
# 1. Builds bench/gen_corpus.cc and generates bench/out/corpus-<MB>mb.txt (cached; gitignored): real
#    benign text found on the machine (/usr/include with the Boost headers, /usr/share/doc, the common
#    licenses, man pages, Python and Perl sources), with one valid sensitive value injected every ~64 KiB.
# 2. Warms the page cache, then times, best of BENCH_RUNS:
#      leakguard scan --format jsonl -j1 FILE > /dev/null
#      rg -j1 --no-unicode -c -f PATTERNS FILE > /dev/null     (PATTERNS: bench/rg_patterns.txt)
#    and the peak RSS of each (/usr/bin/time -f %M).
# 3. Prints a table (MB = 10^6 bytes) with wall-clock and CPU (user+sys) throughput — on a shared
#    machine CPU time is the steadier figure — and the bars: LeakGuard >= 3x ripgrep and >= 1000 MB/s
#    (judged on wall-clock time). Exits non-zero on a missed bar only when BENCH_STRICT=1.
#    BENCH_RG_CATALOG=1 also times ripgrep with the whole catalog translated by bench/catalog_to_rg.pl
#    (on the first BENCH_RG_CATALOG_MB=16 MB only: ripgrep slows down by orders of magnitude with it).
#
# Environment: BENCH_MB (default 512), BENCH_RUNS (3), BENCH_EVERY (65536 bytes between injected values),
# BENCH_REGEN=1 (rebuild the corpus), BENCH_STRICT=1, BENCH_MT=1 (also time leakguard with -j$(nproc)),
# BENCH_MICRO=1 (also run build/release/bench/leakguard_microbench).
# The machine is shared: the load average is printed before and after; figures taken under load are noisy.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LEAKGUARD="${1:-$ROOT/build/release/leakguard}"
MB="${BENCH_MB:-512}"
RUNS="${BENCH_RUNS:-3}"
EVERY="${BENCH_EVERY:-65536}"
OUT="$ROOT/bench/out"
mkdir -p "$OUT"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

die() { echo "bench: $*" >&2; exit 2; }
[ -x "$LEAKGUARD" ] || die "no leakguard binary at $LEAKGUARD (run make release)"
command -v rg >/dev/null || die "ripgrep (rg) is not installed (scripts/install-deps.sh)"
[ -x /usr/bin/time ] || die "/usr/bin/time is not installed (package time)"
LEAKGUARD="$(cd "$(dirname "$LEAKGUARD")" && pwd)/$(basename "$LEAKGUARD")"

# --- corpus -----------------------------------------------------------------------------------------
GEN="$OUT/gen_corpus"
if [ ! -x "$GEN" ] || [ "$ROOT/bench/gen_corpus.cc" -nt "$GEN" ] || [ "$ROOT/bench/sensitive_values.h" -nt "$GEN" ]; then
  echo "bench: building the corpus generator"
  g++ -O2 -std=c++20 -o "$GEN" "$ROOT/bench/gen_corpus.cc" -lz
fi
GEN_ID="$(cat "$ROOT/bench/gen_corpus.cc" "$ROOT/bench/sensitive_values.h" | sha256sum | cut -c1-12)"
CORPUS="$OUT/corpus-${MB}mb.txt"
STAMP="$CORPUS.stamp"
if [ "${BENCH_REGEN:-0}" = 1 ] || [ ! -f "$CORPUS" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$GEN_ID $EVERY" ]; then
  echo "bench: generating $CORPUS ($MB MB)"
  export LC_ALL=C
  # Each list is sorted so the corpus is the same on every run of the same machine state.
  # (find fails on a folder this machine lacks; that only shortens a list)
  { find /usr/include -type f 2>/dev/null || true; } | sort >"$TMP/code.lst"
  { find /usr/share/doc /usr/share/common-licenses -type f 2>/dev/null || true; } |
    { grep -Ev '\.(png|gif|jpe?g|svg|ico|pdf|woff2?|ttf|otf|bz2|xz|zip|jar|pyc|mo|db|deb)$' || true; } | sort >"$TMP/docs.lst"
  { find /usr/share/man -path '/usr/share/man/man*' -type f 2>/dev/null || true; } | sort >"$TMP/man.lst"
  { find /usr/lib/python3 /usr/lib/python3.[0-9]* /usr/share/perl /usr/share/perl5 -type f \
    \( -name '*.py' -o -name '*.pm' -o -name '*.pl' -o -name '*.pod' \) 2>/dev/null || true; } | sort >"$TMP/scripts.lst"
  rm -f "$STAMP"
  "$GEN" --out "$CORPUS.tmp" --bytes $((MB * 1000 * 1000)) --every "$EVERY" --manifest "$CORPUS.manifest" \
    "$TMP/code.lst" "$TMP/docs.lst" "$TMP/man.lst" "$TMP/scripts.lst"
  mv "$CORPUS.tmp" "$CORPUS"
  echo "$GEN_ID $EVERY" >"$STAMP"
fi
BYTES="$(stat -c %s "$CORPUS")"
grep -v '^#' "$ROOT/bench/rg_patterns.txt" | grep -v '^[[:space:]]*$' >"$TMP/patterns"
NPAT="$(wc -l <"$TMP/patterns")"

# --- timing -----------------------------------------------------------------------------------------
# time_best NAME BYTES CMD...: runs CMD (stdout to /dev/null) RUNS times; sets BEST_NS (wall), BEST_CPU_NS
# (user+sys of that run) and BEST_RSS_KB (its peak RSS) from the fastest run. Exit codes 0 and 1 both mean
# success (found nothing / found something) for rg and leakguard.
time_best() {
  local name="$1"
  shift
  BEST_NS=0
  BEST_CPU_NS=0
  BEST_RSS_KB=0
  local i t0 t1 ns rc
  for ((i = 0; i < RUNS; i++)); do
    t0="$(date +%s%N)"
    rc=0
    /usr/bin/time -f '%U %S %M' -o "$TMP/rss" "$@" >/dev/null 2>"$TMP/err" || rc=$?
    t1="$(date +%s%N)"
    if [ "$rc" -gt 1 ]; then
      echo "bench: $name exited $rc:" >&2
      cat "$TMP/err" >&2
      exit 2
    fi
    ns=$((t1 - t0))
    if [ "$BEST_NS" -eq 0 ] || [ "$ns" -lt "$BEST_NS" ]; then
      BEST_NS="$ns"
      read -r u s BEST_RSS_KB < <(tail -1 "$TMP/rss")
      BEST_CPU_NS="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.0f", (u + s) * 1e9 }')"
    fi
  done
}
mbps() { awk -v b="$2" -v ns="$1" 'BEGIN { if (ns <= 0) ns = 1; printf "%.1f", b / (ns / 1e9) / 1e6 }'; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
row() {  # row LABEL BYTES WALL_NS CPU_NS RSS_KB
  printf '%-40s %8s %9s %8s %9s %8s\n' "$1" "$(secs "$3")" "$(mbps "$3" "$2")" "$(secs "$4")" "$(mbps "$4" "$2")" "$(($5 / 1024))"
}

echo "bench: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench: load average before: $LOAD_BEFORE"
echo "bench: corpus $CORPUS, $BYTES bytes; $NPAT ripgrep patterns; best of $RUNS"
cat "$CORPUS" >/dev/null  # warm the page cache
cat "$CORPUS" >/dev/null

time_best leakguard "$LEAKGUARD" scan --format jsonl -j1 "$CORPUS"
LG_NS="$BEST_NS" LG_CPU="$BEST_CPU_NS" LG_RSS="$BEST_RSS_KB"
time_best ripgrep rg -j1 --no-unicode -c -f "$TMP/patterns" "$CORPUS"
RG_NS="$BEST_NS" RG_CPU="$BEST_CPU_NS" RG_RSS="$BEST_RSS_KB"
if [ "${BENCH_MT:-0}" = 1 ]; then
  time_best "leakguard -j$(nproc)" "$LEAKGUARD" scan --format jsonl -j"$(nproc)" "$CORPUS"
  MT_NS="$BEST_NS" MT_CPU="$BEST_CPU_NS" MT_RSS="$BEST_RSS_KB"
fi
# ripgrep with the whole catalog translated (bench/catalog_to_rg.pl), on a slice: its lazy DFA thrashes on
# hundreds of alternatives, so it is measured only on request and on BENCH_RG_CATALOG_MB megabytes.
if [ "${BENCH_RG_CATALOG:-0}" = 1 ]; then
  "$LEAKGUARD" types --format json | perl "$ROOT/bench/catalog_to_rg.pl" >"$TMP/catalog.txt"
  grep -v '^#' "$TMP/catalog.txt" | grep -v '^[[:space:]]*$' >"$TMP/catalog_patterns"
  SLICE_BYTES=$(( ${BENCH_RG_CATALOG_MB:-16} * 1000 * 1000 ))
  head -c "$SLICE_BYTES" "$CORPUS" >"$TMP/slice"
  SLICE_BYTES="$(stat -c %s "$TMP/slice")"
  RUNS_SAVED="$RUNS" RUNS=1
  time_best "ripgrep (catalog)" rg -j1 --no-unicode -c -f "$TMP/catalog_patterns" "$TMP/slice"
  RC_NS="$BEST_NS" RC_CPU="$BEST_CPU_NS" RC_RSS="$BEST_RSS_KB"
  time_best "leakguard (slice)" "$LEAKGUARD" scan --format jsonl -j1 "$TMP/slice"
  LS_NS="$BEST_NS" LS_CPU="$BEST_CPU_NS" LS_RSS="$BEST_RSS_KB"
  RUNS="$RUNS_SAVED"
fi
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# What each tool reported (one more run each, output kept): findings per info type against the injected values.
rc=0
"$LEAKGUARD" scan --format jsonl -j1 "$CORPUS" >"$TMP/findings.jsonl" 2>/dev/null || rc=$?
[ "$rc" -le 1 ] || die "leakguard exited $rc"
RG_LINES="$(rg -j1 --no-unicode -c -f "$TMP/patterns" "$CORPUS" || true)"

LG_MBPS="$(mbps "$LG_NS" "$BYTES")"
LG_CPU_MBPS="$(mbps "$LG_CPU" "$BYTES")"
RATIO="$(awk -v a="$RG_NS" -v b="$LG_NS" 'BEGIN { printf "%.2f", a / b }')"
CPU_RATIO="$(awk -v a="$RG_CPU" -v b="$LG_CPU" 'BEGIN { if (b <= 0) b = 1; printf "%.2f", a / b }')"
{
  echo
  echo "date:        $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine:     $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/ { print $2 }') GiB"
  echo "leakguard:   $LEAKGUARD ($("$LEAKGUARD" types 2>/dev/null | tail -n +2 | wc -l) info types)"
  echo "corpus:      $BYTES bytes ($(basename "$CORPUS")), $(grep -m1 injected_total "$CORPUS.manifest" | cut -f2) injected values"
  echo "load:        before $LOAD_BEFORE, after $LOAD_AFTER"
  echo
  printf '%-40s %8s %9s %8s %9s %8s\n' "single thread, best of $RUNS" "wall s" "MB/s" "cpu s" "MB/s(cpu)" "RSS MB"
  row "leakguard scan --format jsonl -j1" "$BYTES" "$LG_NS" "$LG_CPU" "$LG_RSS"
  row "rg -j1 --no-unicode -c -f ($NPAT regexes)" "$BYTES" "$RG_NS" "$RG_CPU" "$RG_RSS"
  if [ -n "${MT_NS:-}" ]; then row "leakguard scan -j$(nproc)" "$BYTES" "$MT_NS" "$MT_CPU" "$MT_RSS"; fi
  if [ -n "${RC_NS:-}" ]; then
    echo "on the first $SLICE_BYTES bytes, 1 run:"
    row "rg, whole catalog ($(wc -l <"$TMP/catalog_patterns") regexes)" "$SLICE_BYTES" "$RC_NS" "$RC_CPU" "$RC_RSS"
    row "leakguard scan -j1" "$SLICE_BYTES" "$LS_NS" "$LS_CPU" "$LS_RSS"
  fi
  echo
  echo "leakguard / ripgrep throughput: ${RATIO}x wall, ${CPU_RATIO}x cpu   (bar: >= 3x)"
  echo "leakguard throughput: $LG_MBPS MB/s wall, $LG_CPU_MBPS MB/s cpu   (bar: >= 1000 MB/s)"
  echo "ripgrep matching lines: $RG_LINES"
  echo
  echo "findings by info type (leakguard, default min confidence) vs injected values:"
  grep -o '"type":"[^"]*"' "$TMP/findings.jsonl" | cut -d'"' -f4 | sort | uniq -c | sort -rn >"$TMP/by_type" || true
  awk -F'\t' '$1 == "injected" { print $2, $3 }' "$CORPUS.manifest" >"$TMP/injected"
  awk 'NR == FNR { inj[$1] = $2; next } { seen[$2] = 1; printf "  %-32s %8d found  %8s injected\n", $2, $1, ($2 in inj ? inj[$2] : "-") }
       END { for (t in inj) if (!(t in seen)) printf "  %-32s %8d found  %8s injected\n", t, 0, inj[t] }' \
    "$TMP/injected" "$TMP/by_type"
} | tee "$OUT/results-$(date -u +%Y%m%d-%H%M%S).txt"

# Google Benchmark microbenchmarks (bench/*_bench.cc), when asked for and built beside the binary.
MICRO="$(dirname "$LEAKGUARD")/bench/leakguard_microbench"
if [ "${BENCH_MICRO:-0}" = 1 ] && [ -x "$MICRO" ]; then
  "$MICRO" --benchmark_min_time=1 | tee "$OUT/microbench-$(date -u +%Y%m%d-%H%M%S).txt"
fi

fail=0
awk -v r="$RATIO" 'BEGIN { exit !(r >= 3) }' || { echo "bench: MISSED: leakguard is ${RATIO}x ripgrep (< 3x)"; fail=1; }
awk -v m="$LG_MBPS" 'BEGIN { exit !(m >= 1000) }' || { echo "bench: MISSED: leakguard $LG_MBPS MB/s (< 1000)"; fail=1; }
if [ "$fail" = 1 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
  exit 1
fi
exit 0
