#!/usr/bin/env bash
# Real MQTT traffic round trip: mosquitto_pub and mosquitto_sub (MQTT 5,
# 3.1.1 and 3.1; QoS 0, 1 and 2; retained messages and their clearing; wills;
# user name and password; v5 properties of CONNECT, PUBLISH, SUBSCRIBE and
# the will; payloads over 127 and over 16383 bytes; unsubscribe) against a
# mosquitto broker on a free loopback port, captured with tcpdump. Every
# packet of both directions must parse back exactly with
# grammars/mqtt.grammar, without raw bytes.
#
#   real_traffic_mqtt_test.sh IOTFUZZ TOOLS_DIR SOURCE_DIR
source "$(dirname "$0")/real_traffic_lib.sh"
rt_init "$1" "$2" "$3" mqtt
rt_need mosquitto mosquitto_pub mosquitto_sub tcpdump

port=$(rt_free_port)
cat >"$rt_work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
listener $port ::1
allow_anonymous true
persistence false
CONF
rt_bg broker mosquitto -c "$rt_work/mosquitto.conf"
rt_wait_tcp "$port"
rt_capture_start "tcp port $port"

pub() { timeout 10 mosquitto_pub -h 127.0.0.1 -p "$port" "$@"; }
head -c 300 /dev/zero | tr '\0' 'm' >"$rt_work/medium.txt"
head -c 20000 /dev/zero | tr '\0' 'b' >"$rt_work/big.txt"

# Subscribers: v5 at QoS 2 with subscription and connect properties, v3.1.1 at QoS 1.
rt_bg sub5 timeout 20 stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv5 -i sub5 -d -v -q 2 \
    -t 'dev/#' -t 'tmp/#' -U 'tmp/#' -D subscribe user-property who test \
    -D connect session-expiry-interval 30 -D connect receive-maximum 20
sub5=${rt_pids[-1]}
rt_bg sub311 timeout 20 stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$port" -V mqttv311 -i sub311 -d -v -q 1 -t 'dev/#'
sub311=${rt_pids[-1]}
rt_wait_log sub5 "SUBACK"
rt_wait_log sub311 "SUBACK"

# MQTT 5
pub -V mqttv5 -t dev/a/state -m on -q 0
pub -V mqttv5 -t dev/a/state -m on -q 1 -D publish user-property room kitchen \
    -D publish message-expiry-interval 60 -D publish content-type text/plain \
    -D publish payload-format-indicator 1 -D publish response-topic dev/a/reply \
    -D publish correlation-data 1234
pub -V mqttv5 -t dev/b/config -f "$rt_work/medium.txt" -q 2 -r
pub -V mqttv5 -i fw-client -t dev/c/firmware -f "$rt_work/big.txt" -q 1 \
    --will-topic dev/c/lwt --will-payload gone --will-qos 1 --will-retain \
    -D will user-property k v -D will message-expiry-interval 10 -D will content-type text/plain \
    -D connect user-property client test -D connect maximum-packet-size 1048576 \
    -D connect topic-alias-maximum 5 -D connect request-problem-information 1
pub -V mqttv5 -t dev/c/firmware -f "$rt_work/big.txt" -q 2
# MQTT 3.1.1 and 3.1
pub -V mqttv311 -t dev/d/state -m off -q 0
pub -V mqttv311 -t dev/d/state -m off -q 2 -r -u device -P secret
pub -V mqttv311 -t dev/e/blob -f "$rt_work/big.txt" -q 1 --will-topic dev/e/lwt --will-payload x --will-qos 2
pub -V mqttv311 -t dev/e/blob -f "$rt_work/medium.txt" -q 2
pub -V mqttv31 -i legacy31 -t dev/f/state -m legacy -q 1
timeout 10 mosquitto_pub -h ::1 -p "$port" -V mqttv5 -t dev/g/ipv6 -m six -q 2
# Clear the retained messages, then a last message both subscribers wait for.
pub -V mqttv5 -t dev/b/config -n -r -q 1
pub -V mqttv311 -t dev/d/state -n -r -q 1
pub -V mqttv5 -t dev/z/end -m last-message -q 1
rt_wait_log sub5 "last-message"
rt_wait_log sub311 "last-message"
kill -INT "$sub5" "$sub311" 2>/dev/null || true
wait "$sub5" "$sub311" 2>/dev/null || true
rt_capture_stop

rt_import mqtt "$port"
rt_json_at_least messages 60
rt_expect_types connect-v5 connack-v5 subscribe-v5 suback-v5 unsubscribe-v5 unsuback-v5 \
    publish-qos0-v5 publish-qos1-v5 publish-qos2-v5 puback-v5 pubrec-v5 pubrel-v5 pubcomp-v5 disconnect-v5 \
    connect-v311 connack-v311 subscribe-v311 suback-v311 publish-qos0-v311 publish-qos1-v311 \
    publish-qos2-v311 puback-v311 pubrec-v311 pubrel-v311 pubcomp-v311 disconnect-v311
rt_expect_ipv6_flow
rt_message_larger_than publish-qos1-v5 16383
rt_message_larger_than publish-qos2-v5 127
rt_message_larger_than publish-qos1-v311 16383
rt_check_sessions "$SOURCE_DIR/grammars/mqtt.grammar"
echo "PASS: real MQTT traffic parses exactly"
