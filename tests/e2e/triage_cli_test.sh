#!/usr/bin/env bash
# iotfuzz triage as a user runs it: explain survives garbage and truncated
# logs and says what it could not parse; triage of the demo device's GATT
# reproducers (plus one input that does not crash) exits 2 and writes the four
# reports, with the hostile file name escaped in the HTML.
#   triage_cli_test.sh IOTFUZZ BUILD_DIR REPRODUCERS_DIR
set -euo pipefail
iotfuzz=$1 build=$2 reproducers=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

head -c 4096 /dev/urandom >"$work/garbage.log"
"$iotfuzz" triage explain "$work/garbage.log" >"$work/garbage.txt" || fail "explain exited $? on garbage"
grep -q "no crash found" "$work/garbage.txt" || fail "explain did not say there was no crash"
printf '==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020' >"$work/cut.log"
"$iotfuzz" triage explain "$work/cut.log" --json >"$work/cut.json" || fail "explain exited $? on a cut log"
grep -q '"parse_notes"' "$work/cut.json" || fail "explain --json has no parse notes"
status=0
"$iotfuzz" triage explain "$work/missing.log" 2>"$work/missing.err" || status=$?
[ "$status" -eq 1 ] || fail "explain of a missing file exited $status"
grep -q "missing.log" "$work/missing.err" || fail "error does not name the file"

mkdir "$work/in"
cp "$reproducers"/GATT-* "$work/in/"
cp "$reproducers/GATT-1_read_handle_one_past_database.bin" "$work/in/<script>alert(1)<"
printf '\x03\x00\x0a\x03\x00' >"$work/in/harmless"
status=0
"$iotfuzz" --build-dir "$build" triage "$work/in" --harness demo_device_gatt_fuzzer --reproduce 2 \
    --minimize-runs 200 --out "$work/out" >"$work/triage.txt" 2>"$work/triage.err" || status=$?
[ "$status" -eq 2 ] || { cat "$work/triage.err" >&2; fail "triage exited $status, expected 2"; }
grep -q "4 input(s) -> 2 finding(s); 1 input(s) did not crash" "$work/triage.txt" || { cat "$work/triage.txt"; fail "summary"; }
for f in triage.json triage.sarif triage.junit.xml triage.html logs/F01.log; do
  [ -s "$work/out/$f" ] || fail "$f not written"
done
grep -q '<script' "$work/out/triage.html" && fail "unescaped <script in the HTML report"
grep -q '&lt;script&gt;alert(1)&lt;' "$work/out/triage.html" || fail "file name not shown escaped"
grep -q '"version": "2.1.0"' "$work/out/triage.sarif" || fail "SARIF version"
echo "ok"
