#!/usr/bin/env bash
# Shell tests of `leakguard policy check` and `leakguard policy test` (docs/policies.md): errors with
# their lines and exit codes, the built-in default policy and every example policy passing its own
# test cases, a failing case, custom info types from --config, an Office sensitivity label.
# Usage: bash policy_test.sh LEAKGUARD_BINARY SOURCE_DIR
set -euo pipefail

# shellcheck source=common.bash
source "$(dirname "$0")/common.bash" "$@"

# --- check: good policies ---------------------------------------------------------------------------
run "$BIN" policy check "$SRC/data/policies/default.yaml"
expect_rc 0 "check default"
grep -Eq "policy 'default' sha256:[0-9a-f]{16}: 5 rules, 0 exceptions, [0-9]+ test cases" out || fail "check summary"
grep -Eq '^  secrets-external  block  critical  ' out || fail "check lists rules"

run "$BIN" policy check --builtin
expect_rc 0 "check --builtin"
grep -q "builtin:policies/default.yaml: policy 'default'" out || fail "check --builtin names the built-in policy"

for f in "$SRC"/examples/policies/*.yaml; do
  run "$BIN" policy check --config "$SRC/examples/policies/config/test-config.yaml" "$f"
  expect_rc 0 "check $f"
done

# --- check: every error with its line ---------------------------------------------------------------
cat >broken.yaml <<'YAML'
name: broken
rules:
  - id: pci-block
    when:
      content:
        types: [CREDIT_CARD]
        min_confidence: hihg
      destination: {countries: [Indonesia], networks: [10.0.0.0/33]}
    action: blok
  - id: pci-block
    when: {chanels: [web]}
    action: audit
    severity: urgent
YAML
run "$BIN" policy check broken.yaml
expect_rc 2 "check broken"
expect_err "broken.yaml:6: rule 'pci-block': unknown info type 'CREDIT_CARD' \(did you mean 'CREDIT_CARD_NUMBER'\?\)" "unknown type"
expect_err "broken.yaml:7: rule 'pci-block': unknown confidence 'hihg'" "bad confidence"
expect_err "broken.yaml:8: rule 'pci-block': country 'INDONESIA' is not an ISO 3166-1 alpha-2 code" "bad country"
expect_err "broken.yaml:8: rule 'pci-block': prefix length above 32 in '10.0.0.0/33'" "bad network"
expect_err "broken.yaml:9: rule 'pci-block': unknown action 'blok'" "bad action"
expect_err "broken.yaml:10: rule 'pci-block': duplicate rule id" "duplicate id"
expect_err "broken.yaml:11: rule 'pci-block': unknown key 'chanels' in a condition" "unknown key"
expect_err "broken.yaml:13: rule 'pci-block': unknown severity 'urgent'" "bad severity"
expect_err "broken.yaml: 8 errors" "error count"
[[ ! -s out ]] || fail "nothing on stdout for a broken policy"

printf 'name: x\nrules:\n  - id: a\n    when: {content: [\n' >syntax.yaml
run "$BIN" policy check syntax.yaml
expect_rc 2 "check syntax error"
expect_err "syntax.yaml:[0-9]+: " "syntax error has a line"

run "$BIN" policy check missing.yaml
expect_rc 2 "check missing file"
expect_err "missing.yaml: cannot read the policy" "missing file"

run "$BIN" policy check
expect_rc 2 "check without files"

# Good and bad together: every file is checked, exit 2.
run "$BIN" policy check "$SRC/data/policies/default.yaml" broken.yaml
expect_rc 2 "check good + broken"
grep -q "policy 'default'" out || fail "the good file is still reported"

# --- check: custom info types from the configuration ------------------------------------------------
cat >custom.yaml <<'YAML'
name: custom
rules:
  - id: employee-ids
    when: {content: {types: [EMPLOYEE_ID], min_count: 10}, destination: {external: true}}
    action: alert
YAML
run "$BIN" policy check custom.yaml
expect_rc 2 "custom type without its configuration"
expect_err "custom.yaml:4: rule 'employee-ids': unknown info type 'EMPLOYEE_ID'" "custom type unknown"
cat >config.yaml <<'YAML'
infotypes:
  - id: EMPLOYEE_ID
    name: Employee id
    category: custom
    patterns:
      - id: main
        regex: '\bEMP-\d{6}\b'
        confidence: medium
organization:
  internal_domains: [corp.example]
policy: custom.yaml
YAML
run "$BIN" policy check --config config.yaml custom.yaml
expect_rc 0 "custom type with its configuration"

# --- test: the built-in policy and every example pass ------------------------------------------------
run "$BIN" policy test "$SRC/data/policies/default.yaml"
expect_rc 0 "test default"
grep -Eq '^[0-9]+ passed, 0 failed$' out || fail "default summary"
grep -q "^FAIL" out && fail "default has a failing case"

run "$BIN" policy test --builtin
expect_rc 0 "test --builtin"

run "$BIN" policy test "$SRC"/examples/policies/*.yaml
expect_rc 0 "test examples"
for name in pci-dss hipaa credentials ojk-residency personal-mail; do
  grep -q "^PASS .*examples/policies/$name.yaml:" out || fail "example $name ran"
done
grep -Eq '^[0-9]+ passed, 0 failed$' out || fail "examples summary"

# --- test: a failing case exits 1 and says why ---------------------------------------------------------
cat >failing.yaml <<'YAML'
name: failing
rules:
  - id: cards
    when: {content: {types: [CREDIT_CARD_NUMBER]}}
    action: block
    severity: high
tests:
  - name: right
    transfer: {channel: web, destination: "https://x.example/"}
    content: "card 4556 7375 8689 9855"
    expect: {action: block, rules: [cards], label: restricted}
  - name: wrong on purpose
    transfer: {channel: web, destination: "https://x.example/"}
    content: "card 4556 7375 8689 9855"
    expect: {action: audit, severity: low}
  - name: missing file
    content_file: nowhere.txt
    expect: {action: allow}
YAML
run "$BIN" policy test failing.yaml
expect_rc 1 "test failing"
grep -q "^PASS failing.yaml:8: right$" out || fail "passing case"
grep -q "^FAIL failing.yaml:12: wrong on purpose$" out || fail "failing case"
grep -q "action: expected audit, got block" out || fail "action mismatch shown"
grep -q "severity: expected low, got high" out || fail "severity mismatch shown"
grep -q "matched: failing/cards (block): CREDIT_CARD_NUMBER x1" out || fail "matched rule shown"
grep -q "error: cannot read content_file .*nowhere.txt" out || fail "missing content file"
grep -q "^1 passed, 2 failed$" out || fail "failing summary"
grep -q "7375 8689" out && fail "a full card number was printed"

# A broken policy among good ones: exit 2 (an error wins over failures).
run "$BIN" policy test "$SRC/data/policies/default.yaml" broken.yaml
expect_rc 2 "test with a broken policy"

# --- test: an Office document with a sensitivity label (docProps/custom.xml) ---------------------------
python3 - <<'PY'
import zipfile
custom = ('<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
          'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
          '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_Enabled"><vt:lpwstr>true</vt:lpwstr></property>'
          '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="MSIP_Label_f42aa342-8706-4288-bd11-ebb85995028c_Name"><vt:lpwstr>Highly Confidential</vt:lpwstr></property>'
          '</Properties>')
with zipfile.ZipFile("plan.docx", "w") as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
               '<w:body><w:p><w:r><w:t>Merger plan, draft 3</w:t></w:r></w:p></w:body></w:document>')
    z.writestr("docProps/custom.xml", custom)
PY
cp "$SRC/examples/policies/personal-mail.yaml" personal-mail.yaml
cp -r "$SRC/examples/policies/config" config
cat >>personal-mail.yaml <<'YAML'
  - name: a docx labelled Highly Confidential in Office, mailed to Gmail
    transfer: {channel: mail, user: bob, destination: "bob@gmail.com"}
    content_file: plan.docx
    expect: {action: block, rules: [restricted-to-personal], label: restricted}
YAML
run "$BIN" policy test -v personal-mail.yaml
expect_rc 0 "docx with a sensitivity label"
grep -q "label: marking msip:Highly Confidential -> restricted" out || fail "label reason from the MSIP label"

echo "policy_test: ok"
