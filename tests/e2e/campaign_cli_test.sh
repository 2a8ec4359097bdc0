#!/usr/bin/env bash
# iotfuzz campaign from the command line, on the demo device (its HTTP harness
# and its MQTT broker as a network target), with fixed seeds and run counts:
#  1. code-change finds new findings (exit 2) and leaves every report, the
#     state, one reproducer per finding and the coverage-over-time plot;
#  2. regression replays corpora and reproducers; --update-baseline records the
#     findings; with that baseline the same findings are known (exit 0), with
#     an empty one they are new again (exit 2);
#  3. batch merges corpora after fuzzing, prune merges them alone;
#  4. a campaign killed with SIGKILL resumes: the target it had finished is not
#     run again, the one it was running is, and the leftover process is stopped;
#  5. a malformed campaign file or baseline is an error naming file and line.
#   campaign_cli_test.sh IOTFUZZ
set -euo pipefail
iotfuzz=$1
work=$(mktemp -d)
cleanup() {
  pkill -KILL -f -- "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"j": j}))' "$@"; }
export CI=true

targets=(--harnesses demo_device_http_fuzzer --network demo_device_mqtt_server)

# 1. code-change
set +e
"$iotfuzz" campaign --mode code-change --runs-per-target 3000 "${targets[@]}" --jobs 2 --seed 1 \
  --out "$work/c" >"$work/out1.txt" 2>"$work/err1.txt"
status=$?
set -e
cat "$work/out1.txt"
[ "$status" -eq 2 ] || { tail -20 "$work/err1.txt"; fail "code-change exited $status, expected 2 (new findings)"; }
state=$work/c/campaign.json
[ "$(field "$state" 'j["complete"]')" = True ] || fail "the campaign state is not complete"
[ "$(field "$state" 'j["result"]')" = "new findings" ] || fail "result is not 'new findings'"
[ "$(field "$state" 'sum(1 for f in j["findings"] if f["target"] == "demo_device_http_fuzzer")')" -ge 1 ] ||
  fail "no finding of the HTTP harness"
[ "$(field "$state" 'sum(1 for f in j["findings"] if f["target"] == "demo_device_mqtt_server" and f["kind"] == "invalid input accepted")')" -ge 1 ] ||
  fail "no invalid-input-accepted finding of the demo broker (HUB-2)"
[ "$(field "$state" 'all(t["status"] == "done" and t["progress"]["execs"] > 0 for t in j["targets"])')" = True ] ||
  fail "a target did not run to its end"
[ "$(field "$state" 'min(len(t["timeline"]) for t in j["targets"])')" -ge 1 ] || fail "a target has no coverage timeline"
for f in campaign.html triage.json triage.sarif triage.junit.xml triage.html; do
  [ -s "$work/c/report/$f" ] || fail "report/$f missing"
done
grep -q "<polyline" "$work/c/report/campaign.html" || fail "campaign.html has no coverage plot"
grep -q 'href="triage.html"' "$work/c/report/campaign.html" || fail "campaign.html does not link triage.html"
n_findings=$(field "$state" 'len(j["findings"])')
n_reproducers=$(find "$work/c/reproducers" -type f | wc -l)
[ "$n_reproducers" -eq "$n_findings" ] || fail "$n_reproducers reproducers for $n_findings findings"
grep -q '^NEW ' "$work/out1.txt" || fail "no NEW finding listed on stdout"
echo "code-change: $n_findings findings, $n_reproducers reproducers"

# 2. regression and the baseline
"$iotfuzz" campaign --mode regression "${targets[@]}" --out "$work/c" --baseline "$work/baseline.txt" \
  --update-baseline >"$work/out2.txt" 2>"$work/err2.txt" || { cat "$work/out2.txt"; fail "regression --update-baseline failed"; }
[ "$(grep -vc '^#' "$work/baseline.txt")" -ge 2 ] || fail "the baseline has fewer than two findings"
"$iotfuzz" campaign --mode regression "${targets[@]}" --out "$work/c" --baseline "$work/baseline.txt" \
  >"$work/out3.txt" 2>"$work/err3.txt" || { cat "$work/out3.txt"; fail "regression with the baseline did not exit 0"; }
grep -q '^known ' "$work/out3.txt" || fail "no known finding listed"
! grep -q '^NEW ' "$work/out3.txt" || fail "a baseline finding was reported as new"
[ "$(field "$work/c/campaign.json" 'j["targets"][0]["detail"]')" != "" ] || fail "regression left no detail"
grep -q 'replayed' "$work/out3.txt" || fail "regression did not replay the harness corpus"
: >"$work/empty.txt"
set +e
"$iotfuzz" campaign --mode regression "${targets[@]}" --out "$work/c" --baseline "$work/empty.txt" \
  >"$work/out4.txt" 2>&1
status=$?
set -e
[ "$status" -eq 2 ] || fail "regression against an empty baseline exited $status, expected 2"
echo "regression: baseline known, empty baseline new"

# 3. batch fuzzes, then merges each target's corpus; prune merges alone (the
# network target's corpus too, with iotfuzz net --merge).
set +e
"$iotfuzz" campaign --mode batch --runs-per-target 2000 --harnesses demo_device_http_fuzzer --network none \
  --out "$work/b" >"$work/outb.txt" 2>&1
status=$?
set -e
[ "$status" -eq 2 ] || [ "$status" -eq 0 ] || { cat "$work/outb.txt"; fail "batch exited $status"; }
grep -q 'corpus merged: [0-9]* -> [0-9]* inputs' "$work/outb.txt" || { cat "$work/outb.txt"; fail "batch did not merge the corpus"; }
before=$(find "$work/c/corpus/demo_device_http_fuzzer" -type f | wc -l)
net_before=$(find "$work/c/net/demo_device_mqtt_server/corpus" -type f | wc -l)
"$iotfuzz" campaign --mode prune "${targets[@]}" --out "$work/c" >"$work/outp.txt" 2>&1 ||
  { cat "$work/outp.txt"; fail "prune failed"; }
net_after=$(find "$work/c/net/demo_device_mqtt_server/corpus" -type f | wc -l)
grep -q "corpus merged: $net_before -> $net_after sessions" "$work/outp.txt" ||
  { cat "$work/outp.txt"; fail "prune did not merge the network corpus ($net_before -> $net_after)"; }
[ "$net_after" -ge 1 ] && [ "$net_after" -le "$net_before" ] || fail "prune left $net_after of $net_before sessions"
after=$(find "$work/c/corpus/demo_device_http_fuzzer" -type f | wc -l)
grep -q "corpus merged: $before -> $after inputs" "$work/outp.txt" || { cat "$work/outp.txt"; fail "prune did not report $before -> $after"; }
[ "$after" -ge 1 ] && [ "$after" -le "$before" ] || fail "prune left $after of $before inputs"
[ ! -e "$work/c/corpus/demo_device_http_fuzzer.merge" ] && [ ! -e "$work/c/corpus/demo_device_http_fuzzer.pre-merge" ] ||
  fail "prune left its work directories"
echo "batch merged its corpus; prune: $before -> $after inputs, network $net_before -> $net_after sessions"

# 4. killed and resumed: two targets one after the other; SIGKILL once the
# first is done and the second runs.
setsid "$iotfuzz" campaign --mode code-change --runs-per-target 20000 --harnesses demo_device_http_fuzzer \
  --network demo_device_mqtt_server --jobs 1 --out "$work/k" >"$work/out5.txt" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  if [ -f "$work/k/campaign.json" ] &&
     [ "$(field "$work/k/campaign.json" '[t["status"] for t in j["targets"]] == ["done", "running"] and j["targets"][1]["pid"] > 0')" = True ]; then
    break
  fi
  sleep 0.2
done
[ "$(field "$work/k/campaign.json" 'j["targets"][1]["status"]')" = running ] || fail "the second target never ran"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
leftover=$(field "$work/k/campaign.json" 'j["targets"][1]["pid"]')
kill -0 "$leftover" 2>/dev/null || fail "no leftover process to stop (it ended before the kill)"
set +e
"$iotfuzz" campaign --mode code-change --runs-per-target 20000 --harnesses demo_device_http_fuzzer \
  --network demo_device_mqtt_server --jobs 1 --out "$work/k" >"$work/out6.txt" 2>"$work/err6.txt"
status=$?
set -e
[ "$status" -eq 2 ] || { tail "$work/err6.txt"; fail "the resumed campaign exited $status, expected 2"; }
grep -q "resumed" "$work/err6.txt" || fail "the campaign did not say it resumed"
grep -q "stopped process $leftover" "$work/k/campaign.json" || fail "the leftover process was not stopped"
[ "$(grep -c '^demo_device_http_fuzzer:' "$work/k/logs/commands.log")" -eq 1 ] || fail "the finished target ran again"
[ "$(grep -c '^demo_device_mqtt_server:' "$work/k/logs/commands.log")" -eq 2 ] || fail "the interrupted target did not run again"
[ "$(field "$work/k/campaign.json" 'j["complete"] and j["resumes"] == 1')" = True ] || fail "the resumed campaign did not complete"
echo "resume: finished target kept, interrupted target re-run, leftover process $leftover stopped"

# 5. bad input
printf 'mode: code-change\njobs: lots\n' >"$work/bad.yaml"
set +e
"$iotfuzz" campaign --config "$work/bad.yaml" --out "$work/bad" >"$work/out7.txt" 2>&1
status=$?
set -e
[ "$status" -eq 1 ] || fail "a bad campaign file exited $status, expected 1"
grep -q "bad.yaml:2:7: 'jobs': expected a whole number from 1 to 256, found 'lots'" "$work/out7.txt" ||
  { cat "$work/out7.txt"; fail "the error does not name file, line and column"; }
printf 'demo_device_http_fuzzer\n' >"$work/bad-baseline.txt"
set +e
"$iotfuzz" campaign --mode regression "${targets[@]}" --out "$work/c" --baseline "$work/bad-baseline.txt" >"$work/out8.txt" 2>&1
status=$?
set -e
[ "$status" -eq 1 ] || fail "a bad baseline exited $status, expected 1"
grep -q "bad-baseline.txt:1: expected '<target> <signature>'" "$work/out8.txt" || { cat "$work/out8.txt"; fail "the baseline error does not name file and line"; }
echo "PASS"
