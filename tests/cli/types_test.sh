#!/usr/bin/env bash
# Shell tests of `leakguard types`, `leakguard version` and top-level argument handling.
# Usage: bash types_test.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=common.bash
source "$(dirname "$0")/common.bash" "$@"

cat >types.yaml <<'YAML'
infotypes:
  - id: EMPLOYEE_ID
    name: Employee id
    category: custom
    description: Internal employee number, six digits after EMP-.
    patterns:
      - id: main
        regex: 'EMP-\d{6}'
        confidence: medium
    context:
      words: [employee, staff]
    examples:
      valid: ["EMP-123456"]
      invalid: ["EMP-12345"]
YAML

# --- list -------------------------------------------------------------------------------------------
run "$BIN" types --config types.yaml
expect_rc 0 "types"
head -1 out | grep -Eq '^ID +CATEGORY +NAME$' || fail "types header"
grep -Eq '^EMPLOYEE_ID +custom +Employee id$' out || fail "custom type listed with category and name"
# Columns are aligned: CATEGORY starts at the same offset on every line.
offsets=$(awk '{ print index($0, $2) }' out | sort -u | wc -l)
[[ $offsets == 1 ]] || fail "types columns are not aligned"

run "$BIN" types --config types.yaml --format json
expect_rc 0 "types --format json"
jq -e 'type == "array" and any(.[]; .id == "EMPLOYEE_ID" and .category == "custom" and .name == "Employee id")' \
  out >/dev/null || fail "types json"

# --- one type ---------------------------------------------------------------------------------------
run "$BIN" types --config types.yaml EMPLOYEE_ID
expect_rc 0 "types ID"
grep -q 'EMPLOYEE_ID' out || fail "types ID shows the id"
grep -q 'Internal employee number' out || fail "types ID shows the description"
grep -q 'employee, staff' out || fail "types ID shows the context words"
grep -q 'EMP-123456' out || fail "types ID shows the examples"
grep -qi 'pattern' out || fail "types ID shows the patterns"
grep -qi 'confidence' out || fail "types ID explains confidence"

run "$BIN" types --config types.yaml --format json EMPLOYEE_ID
expect_rc 0 "types ID --format json"
jq -e '.id == "EMPLOYEE_ID" and (.context_words | index("staff")) and (.patterns | length) == 1' out >/dev/null \
  || fail "types ID json"

run "$BIN" types NO_SUCH_TYPE
expect_rc 2 "unknown type"
grep -q "^leakguard: error: unknown info type 'NO_SUCH_TYPE'" err || fail "unknown type message"

# The built-in catalog lists without configuration.
run "$BIN" types
expect_rc 0 "types with the built-in catalog"

# --- version and top-level errors -------------------------------------------------------------------
run "$BIN" version
expect_rc 0 "version"
grep -Eq '^leakguard [0-9]+\.[0-9]+\.[0-9]+' out || fail "version output"
run "$BIN" --version
expect_rc 0 "--version"
grep -Eq 'leakguard [0-9]+\.[0-9]+\.[0-9]+' out || fail "--version output"
run "$BIN"
expect_rc 2 "no subcommand"
run "$BIN" frobnicate
expect_rc 2 "unknown subcommand"
grep -q '^leakguard: error: ' err || fail "unknown subcommand message"
run "$BIN" --help
expect_rc 0 "--help"
grep -q 'scan' out || fail "--help lists the subcommands"

echo "types_test: ok"
