#!/usr/bin/env bash
# Builds every tests/fuzz/*_fuzz.cc as a libFuzzer target and runs each one for a while.
#
#   bash tests/fuzz/run.sh build DIR SECONDS     configure + build in DIR, then run each target SECONDS
#   bash tests/fuzz/run.sh run DIR SECONDS       run already built targets
#   bash tests/fuzz/run.sh only-build DIR        configure + build, no run
#
# `make fuzz-smoke` (part of `make test`) runs 20 s per target; `make fuzz` 60 s per target.
#
# Compiler: clang++-19 (Debian 12's clang-14 cannot compile libstdc++-12's <expected>, which the
# project uses). CXX_FUZZ overrides it. The fuzz configuration is a separate CMake build of the whole
# project with -DLEAKGUARD_FUZZ=ON (libraries instrumented with fuzzer-no-link,address,undefined) and
# tests/fuzz/fuzz_hook.cmake, which adds tests/fuzz/CMakeLists.txt (one executable per *_fuzz.cc).
#
# Each target starts from its committed seeds in tests/fuzz/corpus/<target>/ (read only) and writes
# what it discovers to a temporary folder. A crash, leak, UB report or timeout fails the run; the
# reproducer is kept in DIR/artifacts/ and the command to replay it is printed.
# FUZZ_JOBS (default 1) runs that many targets at a time; FUZZ_ONLY=name runs only that target.
set -euo pipefail

usage() {
  echo "usage: $0 build|run|only-build DIR [SECONDS]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
MODE="$1"
DIR="$2"
SECONDS_PER_TARGET="${3:-20}"
case "$MODE" in build | run | only-build) ;; *) usage ;; esac

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FUZZ_SRC="$ROOT/tests/fuzz"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
CXX_FUZZ="${CXX_FUZZ:-clang++-19}"
JOBS="${FUZZ_JOBS:-1}"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

TARGETS=()
for f in "$FUZZ_SRC"/*_fuzz.cc; do
  if [ -f "$f" ]; then TARGETS+=("$(basename "$f" .cc)"); fi
done
if [ -n "${FUZZ_ONLY:-}" ]; then TARGETS=("$FUZZ_ONLY"); fi
if [ ${#TARGETS[@]} -eq 0 ]; then
  echo "fuzz: no tests/fuzz/*_fuzz.cc targets"
  exit 0
fi

if [ "$MODE" != run ]; then
  command -v "$CXX_FUZZ" >/dev/null ||
    { echo "fuzz: $CXX_FUZZ not found (packages clang-19 libclang-rt-19-dev: scripts/install-deps.sh)" >&2; exit 2; }
  if [ -f "$DIR/CMakeCache.txt" ] && ! grep -q "CMAKE_CXX_COMPILER:.*=$(command -v "$CXX_FUZZ")\$" "$DIR/CMakeCache.txt"; then
    rm -rf "$DIR/CMakeCache.txt" "$DIR/CMakeFiles"  # another compiler: start over
  fi
  echo "fuzz: configuring $DIR with $CXX_FUZZ"
  cmake -S "$ROOT" -B "$DIR" -DCMAKE_BUILD_TYPE=Fuzz \
    -DCMAKE_CXX_COMPILER="$(command -v "$CXX_FUZZ")" -DCMAKE_CXX_FLAGS_FUZZ="-O2 -g" \
    -DLEAKGUARD_FUZZ=ON -DLEAKGUARD_TESTS=OFF -DLEAKGUARD_BENCH=OFF \
    -DCMAKE_PROJECT_INCLUDE="$FUZZ_SRC/fuzz_hook.cmake" >"$TMP/configure.log" 2>&1 ||
    { cat "$TMP/configure.log" >&2; echo "fuzz: configure failed" >&2; exit 1; }
  echo "fuzz: building ${TARGETS[*]}"
  cmake --build "$DIR" -j "${FUZZ_BUILD_JOBS:-2}" --target "${TARGETS[@]}"
fi
[ "$MODE" = only-build ] && exit 0

# ASan/UBSan report and abort; libFuzzer turns that into a crash artifact. Leaks are checked too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p "$DIR/artifacts"
# Readable stacks: any llvm-symbolizer reads clang-19's debug info (llvm-14's comes with clang-14).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer-19 llvm-symbolizer-14 llvm-symbolizer; do
    if command -v "$s" >/dev/null; then
      ASAN_SYMBOLIZER_PATH="$(command -v "$s")"
      export ASAN_SYMBOLIZER_PATH
      break
    fi
  done
fi

# run_target NAME: runs one target for SECONDS_PER_TARGET; its log goes to $TMP/NAME.log.
run_target() {
  local name="$1" bin="$DIR/tests/fuzz/$1" seeds="$FUZZ_SRC/corpus/$1" work="$TMP/corpus-$1"
  local -a args=(-max_total_time="$SECONDS_PER_TARGET" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1
    -artifact_prefix="$DIR/artifacts/$name-")
  [ -f "$FUZZ_SRC/$name.dict" ] && args+=(-dict="$FUZZ_SRC/$name.dict")
  [ -f "$FUZZ_SRC/$name.options" ] && mapfile -t -O "${#args[@]}" args < <(grep -v '^#' "$FUZZ_SRC/$name.options" | grep .)
  mkdir -p "$work"
  local -a dirs=("$work")
  [ -d "$seeds" ] && dirs+=("$seeds")
  [ -x "$bin" ] || { echo "fuzz: $bin is not built" >"$TMP/$name.log"; return 1; }
  "$bin" "${args[@]}" "${dirs[@]}" >"$TMP/$name.log" 2>&1
}

failed=()
report() {
  local name="$1" rc="$2" log="$TMP/$1.log" stats
  stats="$(grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" |
    sed 's/^stat:://' | tr '\n' ' ' || true)"
  local cov
  cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)"
  if [ "$rc" -eq 0 ]; then
    echo "fuzz: $name ok (${SECONDS_PER_TARGET}s; $cov; $stats)"
  else
    failed+=("$name")
    echo "fuzz: $name FAILED (exit $rc)" >&2
    grep -E -A40 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|==ERROR|deadly signal|Test unit written' "$log" |
      head -80 >&2 || tail -40 "$log" >&2
    local artifact
    artifact="$(grep -Eo 'Test unit written to [^ ]+' "$log" | tail -1 | sed 's/Test unit written to //' || true)"
    [ -n "$artifact" ] && echo "fuzz: reproduce with: $DIR/tests/fuzz/$name $artifact" >&2
    cp "$log" "$DIR/artifacts/$name.log"
  fi
}

echo "fuzz: running ${#TARGETS[@]} target(s), ${SECONDS_PER_TARGET}s each, $JOBS at a time"
declare -A pids=()
for name in "${TARGETS[@]}"; do
  while [ "${#pids[@]}" -ge "$JOBS" ]; do
    wait -n || true
    for n in "${!pids[@]}"; do
      if ! kill -0 "${pids[$n]}" 2>/dev/null; then
        rc=0
        wait "${pids[$n]}" || rc=$?
        report "$n" "$rc"
        unset "pids[$n]"
      fi
    done
  done
  run_target "$name" &
  pids[$name]=$!
done
for n in "${!pids[@]}"; do
  rc=0
  wait "${pids[$n]}" || rc=$?
  report "$n" "$rc"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#TARGETS[@]} target(s) passed"
