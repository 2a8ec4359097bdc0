#!/usr/bin/env bash
# The network-mode servers of the real components (libcoap, Boost.Beast,
# BlueZ), driven by the iotfuzz CLI.
#
#   net_server_test.sh replay IOTFUZZ TARGET SESSION_FILE PATTERN...
#     `iotfuzz replay SESSION_FILE TARGET --reset persistent` exits 0 (the
#     server survived), every message of the session was sent and answered,
#     and each PATTERN (an extended regular expression) matches a line of the
#     printed transcript.
#
#   net_server_test.sh fuzz IOTFUZZ TARGET RESET SESSIONS AFL_BINARY
#     `iotfuzz net TARGET --reset RESET --sessions SESSIONS --seed 1
#     --hang-timeout 5000` exits 0, or 2 with findings that are all crashes
#     with a sanitizer report of the server (printed: findings in the
#     component, not test failures) or hangs that do not replay as hangs
#     (the executor's answer detection can report a hang for a session the
#     server answered; a hang that replays fails the test); it ran SESSIONS
#     sessions (or stopped at a crash) and, when AFL_BINARY (the server's
#     AFL++ build) exists, summary.json reports edges > 0.
#
#   net_server_test.sh usage SERVER_BINARY TRANSPORT
#     The server's command line: no port, port 0, an address that is none,
#     an unknown option and a second positional argument each exit 2 with a
#     message naming the problem; a port already taken (a loopback socket
#     this script holds) exits 2 naming the address, without a sanitizer
#     report.
#
# Servers listen on free loopback ports iotfuzz picks at run time; iotfuzz
# stops every server it starts.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mode=$1
shift
case "$mode" in
  replay)
    iotfuzz=$1 target=$2 session=$3
    shift 3
    [ -f "$session" ] || fail "no session file $session"
    set +e
    "$iotfuzz" replay "$session" "$target" --reset persistent >"$work/replay.txt" 2>"$work/err.txt"
    status=$?
    set -e
    cat "$work/replay.txt"
    [ "$status" -eq 0 ] || { cat "$work/err.txt" >&2; fail "iotfuzz replay exited $status, expected 0"; }
    grep -q "^result: ok$" "$work/replay.txt" || fail "the replay's result is not ok"
    header=$(grep -m1 "^session: " "$work/replay.txt") || fail "no session line in the transcript"
    in_input=$(sed -E 's/^session: ([0-9]+) message\(s\) in the input, ([0-9]+) sent.*/\1/' <<<"$header")
    sent=$(sed -E 's/^session: ([0-9]+) message\(s\) in the input, ([0-9]+) sent.*/\2/' <<<"$header")
    [ "$in_input" -gt 0 ] || fail "the session file holds no message"
    [ "$sent" -eq "$in_input" ] || fail "$sent of $in_input messages sent"
    grep -q "ended: completed" <<<"$header" || fail "the session did not complete: $header"
    if grep -q "^> \[[0-9]*\] (raw)" "$work/replay.txt"; then
      fail "the grammar does not explain every message of $(basename "$session")"
    fi
    for pattern in "$@"; do
      grep -Eq -- "$pattern" "$work/replay.txt" || fail "no line of the transcript matches /$pattern/"
    done
    echo "PASS: $(basename "$session"): $sent message(s) answered"
    ;;
  fuzz)
    iotfuzz=$1 target=$2 reset=$3 sessions=$4 afl_binary=$5
    set +e
    # A generous hang timeout: a session is a hang only when the server stays
    # busy without answering, which a loaded machine must not fake.
    "$iotfuzz" net "$target" --reset "$reset" --sessions "$sessions" --seed 1 --hang-timeout 5000 \
      --out "$work/run" >"$work/findings.txt" 2>"$work/err.txt"
    status=$?
    set -e
    tail -n 3 "$work/err.txt"
    summary="$work/run/summary.json"
    [ -f "$summary" ] || { cat "$work/err.txt" >&2; fail "no summary.json (exit status $status)"; }
    read -r ran edges crashes hangs < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["sessions"], s["edges"], s.get("crashes", 0), s.get("hangs", 0))' "$summary")
    echo "$target ($reset): $ran sessions, $edges edges, $crashes crash(es), $hangs hang(s)"
    case "$status" in
      0) ;;
      2)
        # Findings: a crash must be the server's sanitizer report (a finding
        # in the component, printed); a hang must replay as a hang.
        crash_count=0
        while IFS=$'\t' read -r kind file description; do
          case "$kind" in
            crash)
              crash_count=$((crash_count + 1))
              [ -f "$file.log" ] || fail "crash $file has no log"
              if ! grep -Eq "ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer" "$file.log"; then
                cat "$file.log" >&2
                fail "crash $file: the server log is not a sanitizer report"
              fi
              echo "FINDING in $target: $description"
              echo "  session: $file"
              grep -Em3 "ERROR: AddressSanitizer|runtime error:|SUMMARY:" "$file.log" | sed 's/^/  /'
              ;;
            hang)
              # The executor takes an answer as complete when the server is
              # asleep again after having run; a server that takes the next
              # message before it has left the CPU is now and then reported
              # as hanging although it answered. A real hang replays as one.
              for attempt in 1 2; do
                replay_status=0
                "$iotfuzz" replay "$file" "$target" --reset persistent --hang-timeout 5000 \
                  >"$work/hang-replay.txt" 2>&1 || replay_status=$?
                if [ "$replay_status" -ne 0 ]; then
                  cat "$work/hang-replay.txt" >&2
                  fail "hang $file replays as '$(grep -m1 '^result:' "$work/hang-replay.txt")'"
                fi
              done
              echo "NOTE: hang reported for $file does not replay (answered in the transcript); not a server hang"
              ;;
            *)
              fail "finding of kind '$kind' ($description): only sanitizer crashes of the component are expected"
              ;;
          esac
        done <"$work/findings.txt"
        [ "$crash_count" -gt 0 ] || [ "$hangs" -gt 0 ] || fail "exit status 2 without a listed crash or hang"
        ;;
      *)
        cat "$work/err.txt" >&2
        fail "iotfuzz net exited $status, expected 0 or 2"
        ;;
    esac
    # All the sessions ran, unless a crash stopped the run.
    if [ "$crashes" -eq 0 ]; then
      [ "$ran" -eq "$sessions" ] || fail "ran $ran sessions, expected $sessions"
    fi
    if [ -x "$afl_binary" ]; then
      [ "$edges" -gt 0 ] || fail "no edge coverage from $afl_binary"
    fi
    echo "PASS"
    ;;
  usage)
    server=$1 transport=$2
    name=$(basename "$server")
    expect_refusal() {  # expect_refusal MESSAGE-REGEX ARG...
      local message=$1 status=0
      shift
      timeout 10 "$server" "$@" >"$work/out.txt" 2>"$work/err.txt" || status=$?
      [ "$status" -eq 2 ] || { cat "$work/err.txt" >&2; fail "$name $*: exit status $status, expected 2"; }
      grep -Eq -- "$message" "$work/err.txt" || { cat "$work/err.txt" >&2; fail "$name $*: no /$message/ on stderr"; }
      if grep -q "Sanitizer" "$work/err.txt"; then cat "$work/err.txt" >&2; fail "$name $*: sanitizer report"; fi
    }
    expect_refusal "^$name: no port given" 
    expect_refusal "^usage: $name " --bind 127.0.0.1
    expect_refusal "^$name: --port: expected a port number 1-65535" --port 0
    expect_refusal "^$name: PORT: expected a port number 1-65535" 70000
    expect_refusal "^$name: --bind nowhere: not an IPv4 or IPv6 address" --bind nowhere 5683
    expect_refusal "^$name: unexpected argument '--frobnicate'" --frobnicate 5683
    expect_refusal "^$name: unexpected argument '13'" 12 13
    # A port already taken, held by this script until the server gave up.
    exec 3< <(python3 -c '
import signal, socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
if kind == socket.SOCK_STREAM:
    s.listen(1)
print(s.getsockname()[1], flush=True)
signal.alarm(60)  # never outlives the test
signal.pause()' "$transport")
    holder=$!
    read -r taken <&3
    status=0
    timeout 10 "$server" --port "$taken" >"$work/out.txt" 2>"$work/err.txt" || status=$?
    kill "$holder" 2>/dev/null || true
    wait "$holder" 2>/dev/null || true
    [ "$status" -eq 2 ] || { cat "$work/err.txt" >&2; fail "$name on a taken port: exit status $status, expected 2"; }
    grep -q "127.0.0.1:$taken: Address already in use" "$work/err.txt" ||
      { cat "$work/err.txt" >&2; fail "$name on a taken port: the error does not name the address"; }
    if grep -q "Sanitizer" "$work/err.txt"; then cat "$work/err.txt" >&2; fail "$name on a taken port: sanitizer report"; fi
    echo "PASS: $name refuses bad command lines and a taken port"
    ;;
  *)
    fail "unknown mode $mode"
    ;;
esac
