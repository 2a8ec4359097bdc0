#!/usr/bin/env bash
# Real CoAP traffic round trip: coap-client against coap-server (libcoap3-bin)
# on a free loopback port: GET, PUT, POST, DELETE and FETCH, confirmable and
# non-confirmable, block-wise GET and PUT (-b), Observe (-s), custom options
# (-O), Accept and tokens over UDP, and requests over TCP (RFC 8323, with
# its CSM), captured with tcpdump. Every message of both directions must
# parse back exactly with grammars/coap.grammar, without raw bytes.
#
#   real_traffic_coap_test.sh IOTFUZZ TOOLS_DIR SOURCE_DIR
source "$(dirname "$0")/real_traffic_lib.sh"
rt_init "$1" "$2" "$3" coap
client=$(command -v coap-client || command -v coap-client-notls || echo coap-client)
server=$(command -v coap-server || command -v coap-server-notls || echo coap-server)
rt_need "$client" "$server" tcpdump

port=$(rt_free_port)
rt_capture_start "port $port"
# -d 10: up to 10 resources created by PUT.
rt_bg server "$server" -A 127.0.0.1 -p "$port" -d 10
url=coap://127.0.0.1:$port
head -c 200 /dev/zero | tr '\0' 'p' >"$rt_work/payload.txt"
cc() { timeout 10 "$client" -B 3 "$@" >>"$rt_work/client.log" 2>&1 || echo "coap-client $* exited with $?"; }

# The server is up once it answers.
for _ in $(seq 1 50); do
  timeout 2 "$client" -B 1 -m get "$url/" >/dev/null 2>&1 && break
  sleep 0.1
done
cc -m get "$url/.well-known/core"
cc -m get -b 16 "$url/.well-known/core"                       # Block2, 16-byte blocks
cc -m put -e 'hello' "$url/example_data"
cc -m get -A 0 "$url/example_data"
cc -m put -b 32 -f "$rt_work/payload.txt" "$url/example_data"  # Block1, 32-byte blocks
cc -m post -e 'x=1' "$url/example_data"
cc -m fetch -e 'q' "$url/example_data"
cc -m put -e 'created' "$url/dyn/res1"
cc -m delete "$url/dyn/res1"
cc -m get -T cafe -O 2048,abc -O 65000,0123456789abcdef "$url/time"  # custom elective options
cc -m get -O 65001,x "$url/time"                           # a custom critical option: 4.02
cc -m get -N "$url/time"                                      # non-confirmable
cc -m get -s 2 "$url/time"                                    # Observe for 2 s
# CoAP over TCP on the same port.
tcp_url=coap+tcp://127.0.0.1:$port
cc -m get "$tcp_url/time"
cc -m put -e 'over tcp' "$tcp_url/example_data"
cc -m get -b 16 "$tcp_url/.well-known/core"
cc -m post -e 'x=2' "$tcp_url/example_data"
rt_capture_stop

rt_import coap "$port"
rt_json_at_least messages 50
rt_expect_types con-get con-put con-post con-delete con-fetch non-get ack-2.05 ack-2.04 ack-2.01 ack-2.02 ack-2.31 ack-4.02 csm get put post 2.05 2.04
rt_check_sessions "$SOURCE_DIR/grammars/coap.grammar"
echo "PASS: real CoAP traffic parses exactly"
