#!/usr/bin/env bash
# Real HTTP traffic round trip: curl against a Boost.Beast server
# (http_test_server) on a free loopback port: GET with many header fields,
# PUT, POST (JSON of 120 KB, form, multipart), PATCH, DELETE, OPTIONS, HEAD, a chunked upload,
# Expect: 100-continue, HTTP/1.0, several URLs on one keep-alive connection,
# chunked, empty, not-found and close-delimited responses, captured with
# tcpdump. Every message of both directions must parse back exactly with
# grammars/http.grammar, without raw bytes.
#
#   real_traffic_http_test.sh IOTFUZZ TOOLS_DIR SOURCE_DIR
source "$(dirname "$0")/real_traffic_lib.sh"
rt_init "$1" "$2" "$3" http
rt_need curl tcpdump

rt_bg server "$TOOLS/http_test_server"
rt_wait_log server "^port "
port=$(sed -n 's/^port //p' "$rt_work/server.log")
rt_capture_start "tcp port $port"
url=http://127.0.0.1:$port
head -c 3000 /dev/zero | tr '\0' 'u' >"$rt_work/upload.txt"
head -c 20000 /dev/zero | tr '\0' 'f' >"$rt_work/firmware.bin"
# A JSON document of about 120 KB: its parse needs more than the default step budget.
{ printf '{"readings":['; for i in $(seq 1 3000); do printf '{"i":%d,"name":"sensor-%d","v":-1.5e3},' "$i" "$i"; done
  printf '{"last":true}]}'; } >"$rt_work/bulk.json"
c() { timeout 10 curl -sS -o /dev/null "$@" || rt_fail "curl $* failed"; }

c "$url/api/v1/status?fields=state" -H 'Accept: application/json' -H 'X-Device-Id: lock-1' \
  -H 'X-Request-Id: 42' -A 'iotfuzz-test/1.0 (loopback)' -b 'session=abc; theme=dark' -u admin:secret \
  -H 'Cache-Control: no-cache' -H 'If-None-Match: "v0"' -H 'Origin: http://localhost' \
  -H 'Accept-Language: en-GB,en;q=0.8' -H 'Accept-Encoding: gzip, deflate' -H 'Range: bytes=0-99'
c -X PUT -H 'Content-Type: application/json' -d '{"led":true,"volume":3,"name":"front door"}' "$url/api/config"
c -X PUT -H 'Content-Type: application/json' --data-binary @"$rt_work/bulk.json" "$url/api/bulk"
c -X PATCH -H 'Content-Type: application/octet-stream' --data-binary @"$rt_work/upload.txt" "$url/api/config"
c -X DELETE "$url/api/logs"
c -X OPTIONS "$url/api"
c --data-urlencode 'name=front door' --data-urlencode 'pin=1234' "$url/login"
c -F "firmware=@$rt_work/firmware.bin" -F 'version=1.2.3' "$url/firmware"
c -H 'Transfer-Encoding: chunked' -H 'Content-Type: text/plain' --data-binary @"$rt_work/upload.txt" "$url/upload"
c -H 'Expect: 100-continue' --data-binary @"$rt_work/firmware.bin" "$url/upload"
c --http1.0 "$url/status"
c --http1.0 -H 'Connection: keep-alive' "$url/status" "$url/config"
c "$url/close"
# Several URLs on one keep-alive connection.
timeout 10 curl -sS "$url/a" "$url/chunked" "$url/empty" "$url/missing" "$url/b" >/dev/null
# HEAD between GETs on one connection: its answer announces a body it does not carry.
timeout 10 curl -sS "$url/c" --next -I "$url/firmware.bin" --next "$url/d" >/dev/null
rt_capture_stop

rt_import http "$port"
rt_json_at_least messages 36
rt_expect_types get put patch delete options post head status-200 status-204 status-404 status-100
rt_message_larger_than post 16383
rt_message_larger_than put 100000
rt_check_sessions "$SOURCE_DIR/grammars/http.grammar"
echo "PASS: real HTTP traffic parses exactly"
