# Shared by the real-traffic tests (real_traffic_*_test.sh): real clients
# talk to real servers on 127.0.0.1, on ports free at run time; tcpdump
# captures the loopback traffic; `iotfuzz corpus import-pcap --strict`
# must split every byte of both directions into messages that parse back
# exactly with the protocol grammar, without raw bytes; and
# `iotfuzz grammar parse` must explain every session file it wrote.
#
# Every process a test starts is killed when the test exits, pass or fail.
# Waits are bounded; none decides the result.
#
# Usage (sourced):  rt_init IOTFUZZ TOOLS_DIR SOURCE_DIR NAME
set -euo pipefail

rt_pids=()

rt_cleanup() {
  local pid
  for pid in "${rt_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${rt_pids[@]}"; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "${RT_KEEP:-}" ]; then echo "kept $rt_work"; else rm -rf "$rt_work"; fi
}

rt_fail() {
  echo "FAIL: $*" >&2
  exit 1
}

rt_init() {
  IOTFUZZ=$1 TOOLS=$2 SOURCE_DIR=$3 rt_name=$4
  rt_work=$(mktemp -d "${TMPDIR:-/tmp}/iotfuzz-$rt_name-XXXXXX")
  trap rt_cleanup EXIT
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: $rt_name captures loopback traffic with tcpdump, which needs root"
    exit 77
  fi
}

# rt_need CMD...: the commands scripts/setup installs.
rt_need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || rt_fail "$c is not installed (scripts/setup installs it)"
  done
}

# rt_bg NAME CMD...: starts CMD in the background, output in $rt_work/NAME.log.
rt_bg() {
  local name=$1
  shift
  "$@" >"$rt_work/$name.log" 2>&1 &
  rt_pids+=($!)
}

rt_free_port() { "$TOOLS/free_port"; }

# rt_wait_tcp PORT: until something listens on 127.0.0.1:PORT (at most 5 s).
rt_wait_tcp() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  rt_fail "nothing listens on 127.0.0.1:$1"
}

# rt_wait_log NAME TEXT: until $rt_work/NAME.log contains TEXT (at most 5 s).
rt_wait_log() {
  for _ in $(seq 1 100); do
    if grep -q "$2" "$rt_work/$1.log" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  cat "$rt_work/$1.log" >&2 || true
  rt_fail "$1 did not say '$2'"
}

# rt_capture_start FILTER: tcpdump on lo into $rt_work/capture.pcap.
rt_capture_start() {
  rt_bg tcpdump tcpdump -i lo -n -U --immediate-mode -Z root -B 8192 -s 0 -w "$rt_work/capture.pcap" "$1"
  rt_tcpdump_pid=${rt_pids[-1]}
  rt_wait_log tcpdump "listening on"
}

# rt_capture_stop: once the capture file has stopped growing, stop tcpdump.
rt_capture_stop() {
  local last=-1 size stable=0
  for _ in $(seq 1 50); do
    size=$(stat -c %s "$rt_work/capture.pcap")
    if [ "$size" = "$last" ]; then stable=$((stable + 1)); else stable=0; fi
    [ "$stable" -ge 3 ] && break
    last=$size
    sleep 0.1
  done
  kill -INT "$rt_tcpdump_pid" 2>/dev/null || true
  wait "$rt_tcpdump_pid" 2>/dev/null || true
  grep -E "captured|dropped" "$rt_work/tcpdump.log" || true
  if grep -qE "^[1-9][0-9]* packets dropped by kernel" "$rt_work/tcpdump.log"; then
    rt_fail "tcpdump dropped packets"
  fi
}

# rt_import PROTOCOL PORT...: import the capture; every byte must be split
# into messages that parse back exactly without raw bytes (--strict).
rt_import() {
  local protocol=$1
  shift
  local ports=()
  local p
  for p in "$@"; do ports+=(--port "$p"); done
  rt_out=$rt_work/out
  local status=0
  "$IOTFUZZ" corpus import-pcap "$rt_work/capture.pcap" --protocol "$protocol" --out "$rt_out" "${ports[@]}" \
      --strict >"$rt_work/import.txt" 2>&1 || status=$?
  cat "$rt_work/import.txt"
  [ "$status" -eq 0 ] || rt_fail "import-pcap --strict exited with $status"
  rt_summary=$rt_out/import-summary.json
  rt_json_is raw_bytes 0
  rt_json_is unsplit_bytes 0
  rt_json_is inexact_messages 0
}

# rt_expect_ipv6_flow: some imported flow is between IPv6 endpoints.
rt_expect_ipv6_flow() {
  grep -q '"client": "\[::1\]:' "$rt_summary" || rt_fail "no IPv6 flow imported"
}

# rt_json_is KEY VALUE: a top-level number of the import summary.
rt_json_is() {
  grep -q "^  \"$1\": $2,\?\$" "$rt_summary" || rt_fail "import summary: expected \"$1\": $2"
}

# rt_json_at_least KEY N: a top-level number of the import summary is at least N.
rt_json_at_least() {
  local v
  v=$(sed -n "s/^  \"$1\": \([0-9]*\),\?\$/\1/p" "$rt_summary")
  [ -n "$v" ] && [ "$v" -ge "$2" ] || rt_fail "import summary: expected \"$1\" >= $2, found '${v}'"
}

# rt_expect_types TYPE...: messages of each type were imported.
rt_expect_types() {
  local t
  for t in "$@"; do
    grep -q "^    \"$t\": [1-9]" "$rt_summary" || rt_fail "no message of type $t imported"
  done
}

# rt_check_sessions GRAMMAR: `iotfuzz grammar parse` explains every session
# file exactly, with its session as the start rule. A session whose parse
# needs more steps than `grammar parse` allows (a JSON body of 100 KB; the
# importer itself checks each message with a budget that grows with its
# size) is counted, not failed.
rt_check_sessions() {
  local grammar=$1 f session count=0 over_budget=0
  for f in "$rt_out"/sessions/*.bin; do
    [ -e "$f" ] || rt_fail "no session files written"
    session=$(basename "$f" | sed -E 's/^[a-z]+-(c2s|s2c)-flow[0-9]+-(.*)-[0-9]+msgs(-[0-9a-f]+)?\.bin$/\2/')
    sed -E "s/^start [a-z0-9_]+;/start $session;/" "$grammar" >"$rt_work/session.grammar"
    if ! "$IOTFUZZ" grammar parse "$rt_work/session.grammar" "$f" --json >"$rt_work/parse.json" 2>&1; then
      if grep -q '^  "budget_exhausted": true' "$rt_work/parse.json"; then
        over_budget=$((over_budget + 1))
        continue
      fi
      grep -E '^  "(exact|raw_bytes|lying_fields)"' "$rt_work/parse.json" >&2 || tail -n 5 "$rt_work/parse.json" >&2
      rt_fail "grammar parse with start $session does not explain $f exactly"
    fi
    count=$((count + 1))
  done
  [ "$count" -gt 0 ] || rt_fail "no session file could be checked"
  echo "$count session files parse exactly with their sessions ($over_budget past the step budget of grammar parse)"
}

# rt_message_larger_than TYPE BYTES: some message of TYPE is larger than BYTES.
rt_message_larger_than() {
  local f
  for f in "$rt_out"/messages/*-"$1".bin "$rt_out"/messages/*-"$1"-*.bin; do
    [ -e "$f" ] || continue
    [ "$(stat -c %s "$f")" -gt "$2" ] && return 0
  done
  rt_fail "no $1 message larger than $2 bytes"
}
