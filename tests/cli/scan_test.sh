#!/usr/bin/env bash
# Shell tests of `leakguard scan` against the real binary: exit codes, formats, flags, stdin,
# directories, configuration errors. Usage: bash scan_test.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=common.bash
source "$(dirname "$0")/common.bash" "$@"

# A custom catalog with --no-builtin, so the test does not depend on the built-in one (which is
# exercised at the end).
cat >types.yaml <<'EOF'
infotypes:
  - id: EMPLOYEE_ID
    name: Employee id
    category: custom
    description: Internal employee number.
    patterns:
      - id: main
        regex: 'EMP-\d{6}'
        confidence: high
  - id: PROJECT_CODE
    name: Project code
    category: custom
    description: Code name of a secret project.
    patterns:
      - id: main
        regex: 'PRJ-[A-Z]{4}'
        confidence: low
EOF
CFG=(--no-builtin --config types.yaml)

mkdir -p tree/sub tree/logs
printf 'nothing sensitive here\n' >clean.txt
printf 'header\nemployee EMP-123456 joined\n' >one.txt
printf 'EMP-000001\nPRJ-ABCD\n' >tree/a.txt
printf 'x EMP-000002\n' >tree/sub/b.txt
printf 'EMP-000003\n' >tree/logs/c.log

# --- exit codes -------------------------------------------------------------------------------------
run "$BIN" scan "${CFG[@]}" clean.txt
expect_rc 0 "clean file"
[[ ! -s out ]] || fail "clean file: expected no output"
expect_err 'scanned 1 file' "clean file summary"

run "$BIN" scan "${CFG[@]}" one.txt
expect_rc 1 "file with a finding"
grep -q '^one.txt:2:10: EMPLOYEE_ID (high) ' out || fail "text output: path:line:column type (confidence)"
grep -q 'EMP-123456' out && fail "text output must mask the value without --reveal"
expect_err '1 finding' "summary counts findings"

run "$BIN" scan "${CFG[@]}" does-not-exist.txt
expect_rc 2 "missing path"
expect_err "^leakguard: error: cannot read 'does-not-exist.txt'" "missing path message"

run "$BIN" scan "${CFG[@]}" does-not-exist.txt one.txt
expect_rc 2 "error wins over findings"
grep -q 'EMPLOYEE_ID' out || fail "findings of readable files are still reported when another path fails"

run "$BIN" scan --no-such-flag one.txt
expect_rc 2 "unknown flag"
expect_err '^leakguard: error: ' "unknown flag message"

run "$BIN" scan "${CFG[@]}" --format xml one.txt
expect_rc 2 "bad --format"

# --- stdin ------------------------------------------------------------------------------------------
set +e
printf 'from stdin: EMP-999999\n' | "$BIN" scan "${CFG[@]}" --format jsonl - >out 2>err
rc=$?
set -e
expect_rc 1 "stdin"
[[ $(jq -r .path out) == "-" ]] || fail "stdin findings have path -"
[[ $(jq -r .column out) == 13 ]] || fail "stdin column"

set +e
printf 'nothing\n' | "$BIN" scan "${CFG[@]}" - >out 2>err
rc=$?
set -e
expect_rc 0 "clean stdin"

# --- jsonl ------------------------------------------------------------------------------------------
run "$BIN" scan "${CFG[@]}" --format jsonl one.txt
expect_rc 1 "jsonl"
jq -e . out >/dev/null || fail "jsonl does not parse"
jq -e 'has("path") and has("part") and has("type") and has("start") and has("end") and has("line")
       and has("column") and has("confidence") and has("masked") and has("rule") and has("evidence")
       and (has("value") | not)' out >/dev/null || fail "jsonl fields"
jq -e '.evidence | has("validator") and has("checksum_passed") and has("context_word")
       and has("context_distance") and has("entropy") and has("note")' out >/dev/null || fail "evidence fields"
jq -e '.path == "one.txt" and .part == "" and .type == "EMPLOYEE_ID" and .start == 16 and .end == 26
       and .line == 2 and .column == 10 and .confidence == "high" and .rule == "EMPLOYEE_ID/main"' out >/dev/null \
  || fail "jsonl values"
grep -q 'EMP-123456' out && fail "jsonl must not contain the value without --reveal"
[[ ! -s err ]] || fail "jsonl: nothing on stderr when it is not a terminal"

# --- --reveal ---------------------------------------------------------------------------------------
run "$BIN" scan "${CFG[@]}" --format jsonl --reveal one.txt
expect_rc 1 "reveal"
[[ $(jq -r .value out) == "EMP-123456" ]] || fail "--reveal adds the value"
run "$BIN" scan "${CFG[@]}" --reveal one.txt
grep -q 'EMP-123456' out || fail "--reveal prints the value in text output"

# --- json -------------------------------------------------------------------------------------------
run "$BIN" scan "${CFG[@]}" --format json one.txt clean.txt
expect_rc 1 "json"
jq -e '(.findings | length) == 1 and .summary.files == 2 and (.summary.bytes > 0)
       and (.summary | has("elapsed_ms")) and .summary.by_type.EMPLOYEE_ID == 1' out >/dev/null \
  || fail "json document"

# --- sarif ------------------------------------------------------------------------------------------
run "$BIN" scan "${CFG[@]}" --format sarif --min-confidence low tree
expect_rc 1 "sarif"
jq -e '."$schema" and .version == "2.1.0" and (.runs | length) == 1' out >/dev/null || fail "sarif header"
jq -e '.runs[0].tool.driver | .name == "leakguard" and (.version | length > 0)
       and ([.rules[].id] | sort) == ["EMPLOYEE_ID", "PROJECT_CODE"]
       and all(.rules[]; has("shortDescription") and has("fullDescription") and has("help") and has("name"))' \
  out >/dev/null || fail "sarif driver and rules"
jq -e '.runs[0].results | length == 4 and all(.[];
         has("ruleId") and (.level | IN("error", "warning", "note")) and (.message.text | length > 0)
         and (.locations[0].physicalLocation.artifactLocation.uri | length > 0)
         and .locations[0].physicalLocation.region.startLine >= 1
         and .locations[0].physicalLocation.region.startColumn >= 1
         and .locations[0].physicalLocation.region.endColumn >= 1
         and (.partialFingerprints | length > 0))' out >/dev/null || fail "sarif results"
jq -e '[.runs[0].results[] | select(.ruleId == "PROJECT_CODE") | .level] == ["note"]' out >/dev/null \
  || fail "sarif level of a low-confidence finding is note"
grep -q 'EMP-00000' out && fail "sarif must not contain values"

# --- --types and --min-confidence ------------------------------------------------------------------
run "$BIN" scan "${CFG[@]}" --format jsonl --min-confidence low tree/a.txt
[[ $(jq -s length out) == 2 ]] || fail "--min-confidence low reports both"
run "$BIN" scan "${CFG[@]}" --format jsonl tree/a.txt
[[ $(jq -s length out) == 1 ]] || fail "default min confidence (medium) drops the low one"
run "$BIN" scan "${CFG[@]}" --format jsonl --min-confidence high tree/a.txt
[[ $(jq -r .type out) == EMPLOYEE_ID ]] || fail "--min-confidence high"
run "$BIN" scan "${CFG[@]}" --format jsonl --min-confidence low --types PROJECT_CODE tree/a.txt
expect_rc 1 "--types"
[[ $(jq -s 'map(.type) | unique' -c out) == '["PROJECT_CODE"]' ]] || fail "--types reports only the listed types"
run "$BIN" scan "${CFG[@]}" --types PROJECT_CODE tree/sub/b.txt
expect_rc 0 "--types with no finding of that type"
run "$BIN" scan "${CFG[@]}" --types NO_SUCH_TYPE one.txt
expect_rc 2 "unknown --types id"
expect_err "^leakguard: error: unknown info type 'NO_SUCH_TYPE'" "unknown --types message"

# --- directories, -j, --exclude ---------------------------------------------------------------------
run "$BIN" scan "${CFG[@]}" --format jsonl -j 2 tree
expect_rc 1 "directory with -j 2"
[[ $(jq -r .path out | tr '\n' ' ') == "tree/a.txt tree/logs/c.log tree/sub/b.txt " ]] \
  || fail "directory walk order (sorted, deterministic)"
cp out jobs2
run "$BIN" scan "${CFG[@]}" --format jsonl -j 1 tree
cmp -s out jobs2 || fail "-j 1 and -j 2 give different output"

for i in $(seq 1 40); do printf 'id EMP-%06d\n' "$i" >"tree/sub/many$i.txt"; done
run "$BIN" scan "${CFG[@]}" --format jsonl -j 2 tree
[[ $(jq -s length out) == 43 ]] || fail "many files with -j 2"
run "$BIN" scan "${CFG[@]}" --format jsonl --exclude '*.log' --exclude 'many*' tree
[[ $(jq -r .path out | tr '\n' ' ') == "tree/a.txt tree/sub/b.txt " ]] || fail "--exclude"

# Special files are skipped, symlink loops end.
mkfifo tree/fifo
ln -s .. tree/sub/loop
run timeout 60 "$BIN" scan "${CFG[@]}" --format jsonl --follow --exclude 'many*' tree
expect_rc 1 "fifo and symlink loop"
[[ $(jq -s length out) == 3 ]] || fail "fifo and symlink loop: expected the 3 regular files once"

# --- unreadable files and directories ---------------------------------------------------------------
# Root reads everything, so as root the check runs as user nobody (setpriv) when that user can reach
# the binary; otherwise it is skipped.
mkdir -p perm/ok perm/locked
printf 'EMP-000010\n' >perm/ok/a.txt
printf 'EMP-000011\n' >perm/secret.txt
chmod 000 perm/secret.txt perm/locked
AS_USER=()
if [[ $(id -u) == 0 ]]; then
  chmod 755 "$TMP" perm perm/ok
  chmod 644 perm/ok/a.txt types.yaml
  if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$BIN"; then
    AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  else
    echo "scan_test: running as root and user nobody cannot run $BIN: unreadable-path check skipped"
  fi
fi
if [[ $(id -u) != 0 || ${#AS_USER[@]} -gt 0 ]]; then
  run "${AS_USER[@]}" "$BIN" scan "${CFG[@]}" --format jsonl perm
  expect_rc 2 "unreadable file and directory (error wins over findings)"
  expect_err "^leakguard: error: cannot read 'perm/locked': Permission denied" "unreadable directory message"
  expect_err "^leakguard: error: cannot read 'perm/secret.txt': Permission denied" "unreadable file message"
  [[ $(jq -r .path out) == perm/ok/a.txt ]] || fail "readable file next to unreadable ones is scanned"
fi
chmod -R u+rwx perm

# --- configuration errors ---------------------------------------------------------------------------
cat >bad.yaml <<'EOF'
infotypes:
  - id: BROKEN
    name: Broken
    category: custom
    patterns:
      - id: main
        regex: '(unclosed'
EOF
run "$BIN" scan --no-builtin --config bad.yaml one.txt
expect_rc 2 "bad regex in --config"
expect_err '^leakguard: error: .*bad\.yaml:[0-9]+' "bad config message names file and line"

printf 'infotypes:\n  - id: X\n    patterns: [\n' >syntax.yaml
run "$BIN" scan --no-builtin --config syntax.yaml one.txt
expect_rc 2 "YAML syntax error"
expect_err 'syntax\.yaml:[0-9]+' "YAML syntax error names file and line"

run "$BIN" scan --config missing.yaml one.txt
expect_rc 2 "missing --config"
expect_err 'missing\.yaml' "missing config is named"

# --- built-in catalog -------------------------------------------------------------------------------
run "$BIN" scan clean.txt
expect_rc 0 "clean file with the built-in catalog"
run "$BIN" scan --config types.yaml --format jsonl one.txt
expect_rc 1 "--config adds to the built-in catalog"
jq -e 'select(.type == "EMPLOYEE_ID")' out >/dev/null || fail "custom type found next to the built-in ones"
if "$BIN" types CREDIT_CARD_NUMBER >/dev/null 2>&1; then
  printf 'my card number is 4111 1111 1111 1111\n' >card.txt
  run "$BIN" scan --format jsonl card.txt
  expect_rc 1 "built-in card number"
  [[ $(jq -r .type out) == CREDIT_CARD_NUMBER ]] || fail "built-in card type"
  grep -q '4111 1111 1111 1111' out && fail "card number must be masked"
fi

echo "scan_test: ok"
