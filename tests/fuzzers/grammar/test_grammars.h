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

// Sessions over both framings: an MQTT-like publish exchange on a stream
// (the PUBREL reuses the packet identifier of the PUBLISH before it; the
// PUBACK response is bound and checked) and ATT-like PDUs in message frames
// (a read uses the handle a discovery response bound).
constexpr std::string_view kSessions = R"(
grammar sessions;
start publish_exchange;

connect = bits { type:4 = 1, flags:4 = 0 } len: varint = length(body)
          body: ("\x00\x04MQTT" level: u8 in {4, 5} keepalive: u16be
                 idlen: u16be = length(id) id: ascii{0,23}) ;
publish = bits { type:4 = 3, dup:1, qos:2 = 1, retain:1 } len: varint = length(body)
          body: (tlen: u16be = length(topic) topic: ascii{1,30} packet_id: u16be payload: bytes{0,40}) ;
puback = x"40" len: varint = length(body) body: (packet_id: u16be) ;
pubrel = x"62" len: varint = length(body) body: (packet_id: u16be) ;
disconnect = x"e0 00" ;

session publish_exchange framing stream {
  send connect;
  repeat 1..5 {
    send publish bind pid = packet_id;
    recv puback expect packet_id == pid;
    send pubrel use packet_id = pid;
  }
  send disconnect;
}

mtu_req = x"02" mtu: u16le in 23..517 ;
find_by_type = x"08" start: u16le end: u16le uuid: u16le ;
by_type_rsp = x"09" plen: u8 = 4 handle: u16le value_handle: u16le ;
read_req = x"0a" handle: u16le ;
write_req = x"12" handle: u16le value: bytes{0,20} ;

session gatt_read framing frames {
  send mtu_req;
  send find_by_type bind first = start;
  recv by_type_rsp state(plen) bind found = value_handle;
  repeat 1..3 { send read_req use handle = first + 1; }
  send write_req use handle = found;
}
)";

// An MQTT-like exchange over two connections: a subscriber, then a
// publisher whose message the broker delivers to the subscriber.
constexpr std::string_view kTwoConnections = R"(
grammar two_connections;
start pub_sub;

connect = bits { type:4 = 1, flags:4 = 0 } len: varint = length(body)
          body: ("\x00\x04MQTT" level: u8 = 4 idlen: u16be = length(id) id: ascii{1,8}) ;
connack = x"20 02 00" code: u8 ;
subscribe = x"82" len: varint = length(body) body: (packet_id: u16be tlen: u16be = length(topic) topic: ascii{1,10} qos: u8 in 0..2) ;
suback = x"90 03" packet_id: u16be code: u8 ;
publish = bits { type:4 = 3, dup:1, qos:2 = 1, retain:1 } len: varint = length(body)
          body: (tlen: u16be = length(topic) topic: ascii{1,10} packet_id: u16be payload: bytes{0,20}) ;
puback = x"40 02" packet_id: u16be ;

session pub_sub framing stream {
  connection subscriber {
    send connect;
    recv connack state(code);
    send subscribe bind sid = packet_id;
    recv suback expect packet_id == sid;
  }
  repeat 1..3 {
    connection publisher {
      send connect;
      send publish bind pid = packet_id;
      recv puback expect packet_id == pid;
    }
    connection subscriber {
      recv publish bind delivered = packet_id;
      send puback use packet_id = delivered;
    }
  }
}
)";

}  // namespace iotfuzz::grammar::testing

#endif  // IOTFUZZ_TESTS_FUZZERS_GRAMMAR_TEST_GRAMMARS_H_
