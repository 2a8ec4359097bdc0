#!/usr/bin/env bash
# iotfuzz corpus import-pcap from the command line, on the committed seed
# captures of the importer's fuzz target: a file that is not a capture is an
# error naming it; a truncated capture imports what was read and names the
# packet where it ends; --strict fails on a capture without messages; a
# second import into the same directory writes nothing new; the session
# files parse exactly with their sessions.
#
#   corpus_import_cli_test.sh IOTFUZZ SEEDS_DIR SOURCE_DIR
set -euo pipefail
iotfuzz=$1 seeds=$2 source_dir=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf 'GET / HTTP/1.1\r\n\r\n' >"$work/not-a-capture.pcap"
status=0
"$iotfuzz" corpus import-pcap "$work/not-a-capture.pcap" --protocol http --out "$work/o1" 2>"$work/err" || status=$?
[ "$status" -eq 1 ] || fail "a file that is not a capture: exit $status, expected 1"
grep -q "iotfuzz: error: $work/not-a-capture.pcap: cannot read the capture: unknown file format" "$work/err" ||
  fail "unexpected error: $(cat "$work/err")"

"$iotfuzz" corpus import-pcap "$seeds/mqtt_truncated_record.pcap" --protocol mqtt --out "$work/o2" >"$work/out"
grep -q "the capture is truncated" "$work/out" || fail "truncation not reported"
grep -q "mqtt_truncated_record.pcap: packet 8: the record cannot be read (truncated dump file" "$work/out" ||
  fail "the truncated record is not named: $(cat "$work/out")"
grep -q "^messages: 2 " "$work/out" || fail "the packets before the truncation were not imported"

head -c 24 "$seeds/mqtt_v311_qos1_ethernet.pcap" >"$work/header-only.pcap"
status=0
"$iotfuzz" corpus import-pcap "$work/header-only.pcap" --protocol mqtt --out "$work/o3" --strict >/dev/null || status=$?
[ "$status" -eq 2 ] || fail "--strict on a capture without messages: exit $status, expected 2"

"$iotfuzz" corpus import-pcap "$seeds/mqtt_v311_qos1_ethernet.pcap" --protocol mqtt --out "$work/o4" --strict >"$work/first"
grep -q "files written: 5 messages, 2 sessions" "$work/first" || fail "first import: $(cat "$work/first")"
"$iotfuzz" corpus import-pcap "$seeds/mqtt_v311_qos1_ethernet.pcap" --protocol mqtt --out "$work/o4" --strict >"$work/second"
grep -q "files written: 0 messages, 0 sessions (7 duplicates not written)" "$work/second" ||
  fail "second import: $(cat "$work/second")"
[ "$(ls "$work/o4/messages" | wc -l)" -eq 5 ] || fail "duplicates were written"

for f in "$work"/o4/sessions/*.bin; do
  session=$(basename "$f" | sed -E 's/^mqtt-(c2s|s2c)-flow[0-9]+-(.*)-[0-9]+msgs\.bin$/\2/')
  sed -E "s/^start [a-z0-9_]+;/start $session;/" "$source_dir/grammars/mqtt.grammar" >"$work/session.grammar"
  "$iotfuzz" grammar parse "$work/session.grammar" "$f" >/dev/null || fail "$f does not parse exactly as $session"
done
echo "PASS"
