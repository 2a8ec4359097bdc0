// Grammars shared by the grammar and mutation tests.
#ifndef IOTFUZZ_TESTS_FUZZERS_GRAMMAR_TEST_GRAMMARS_H_
#define IOTFUZZ_TESTS_FUZZERS_GRAMMAR_TEST_GRAMMARS_H_

#include <string_view>

namespace iotfuzz::grammar::testing {

// A stream of MQTT 3.1.1/5 CONNECT, PUBLISH and PINGREQ packets: varint
// lengths, bit fields with a presence flag, conditional fields on a level and
// a QoS, length-prefixed strings.
constexpr std::string_view kMqttStream = R"(
start stream;
stream = packet* ;
packet = connect | publish | pingreq ;
connect =
  bits { type:4 = 1, flags:4 = 0 }
  remaining: varint = length(body)
  body: (
    name_len: u16be = length(name) name: "MQTT"
    level: enum u8 { v311 = 4, v5 = 5 } interesting { 3, 6 }
    bits { user:1 = present(username), pass:1 = 0, will_retain:1 = 0, will_qos:2 in 0..2, will:1 = 0, clean:1, _:1 = 0 }
    keep_alive: u16be
    props: if (level == 5) properties
    client_id: mqtt_string
    username: if (user) mqtt_string
  ) ;
publish = bits { type:4 = 3, dup:1, qos:2 in 0..2, retain:1 }
  remaining: varint = length(rest)
  rest: ( topic: mqtt_string  packet_id: if (qos > 0) u16be  payload: bytes{0,300} ) ;
pingreq = x"c0 00" ;
properties = plen: varint = length(list) list: property* ;
property = x"01" u8 in {0, 1} | x"02" u32be | x"26" mqtt_string mqtt_string ;
mqtt_string = n: u16be = length(s) s: utf8{0,200} ;
)";

}  // namespace iotfuzz::grammar::testing

#endif  // IOTFUZZ_TESTS_FUZZERS_GRAMMAR_TEST_GRAMMARS_H_
