# Sourced by the shell tests of the `leakguard` command. Named .bash so that CTest, which runs
# tests/cli/*.sh, does not take it for a test.
# Usage, after `set -euo pipefail`: source "$(dirname "$0")/common.bash" "$@"
# Sets BIN and SRC from the arguments, checks jq, moves into a temporary folder removed at exit, and
# defines fail, run, expect_rc and expect_err.

BIN=${1:?usage: $(basename "$0") LEAKGUARD_BINARY SOURCE_DIR}
SRC=${2:?usage: $(basename "$0") LEAKGUARD_BINARY SOURCE_DIR}
[[ -x $BIN ]] || { echo "FAIL: $BIN is not an executable" >&2; exit 1; }
command -v jq >/dev/null || { echo "FAIL: jq is required (bash $SRC/scripts/install-deps.sh)" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP"

fail() {
  echo "FAIL: $*" >&2
  if [[ -f out ]]; then echo "--- stdout:" >&2; head -c 4000 out >&2; fi
  if [[ -f err ]]; then echo "--- stderr:" >&2; head -c 4000 err >&2; fi
  exit 1
}
# run CMD... : runs with stdout in ./out, stderr in ./err, exit status in $rc.
run() {
  set +e
  "$@" >out 2>err
  rc=$?
  set -e
}
expect_rc() {  # expect_rc CODE WHAT
  [[ $rc == "$1" ]] || fail "$2: expected exit $1, got $rc"
}
expect_err() {  # expect_err REGEX WHAT
  grep -Eq -- "$1" err || fail "$2: stderr does not match /$1/"
}
