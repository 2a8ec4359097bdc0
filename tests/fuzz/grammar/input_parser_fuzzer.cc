// Fuzz target for the input parser: for any bytes, parsing with a grammar and
// serializing the tree gives the same bytes back. The grammar covers the
// hard cases: length-delimited binary bodies, bit fields with presence
// flags, CoAP-style option deltas, text with decimal lengths. Inputs starting
// with 'S' are parsed as a session in message frames, with a binding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"

namespace {

constexpr std::string_view kGrammar = R"(
start input;
input = <2> mqtt_stream | coap | http ;
mqtt_stream = x"4d" packet* ;
packet = connect | publish | x"c0 00" ;
connect = bits { type:4 = 1, flags:4 = 0 } remaining: varint = length(body)
  body: ( name_len: u16be = length(name) name: "MQTT" level: enum u8 { v311 = 4, v5 = 5 }
          bits { user:1 = present(username), pass:1 = 0, r:1 = 0, qos:2 in 0..2, will:1 = 0, clean:1, _:1 = 0 }
          keep_alive: u16be props: if (level == 5) properties client_id: mqtt_string
          username: if (user) mqtt_string ) ;
publish = bits { type:4 = 3, dup:1, qos:2 in 0..2, retain:1 } remaining: varint = length(rest)
  rest: ( topic: mqtt_string packet_id: if (qos > 0) u16be payload: bytes ) ;
properties = plen: varint = length(list) list: property* ;
property = x"01" u8 in {0, 1} | x"02" u32be | x"26" mqtt_string mqtt_string ;
mqtt_string = n: u16be = length(s) s: utf8 ;
coap = x"43" bits { ver:2 = 1, type:2, tkl:4 = length(token) } code: u8 mid: u16be token: bytes{0,8}
       options: option* payload: (x"ff" bytes{1,})? ;
option = bits { dn:4 = delta(number), ln:4 = length(value) } number: virtual u16be value: bytes{0,12} ;
http = method " /" [a-z/]{0,32} " HTTP/1.1\r\n" header* "\r\n" body ;
method = "GET" | "POST" ;
header = i"Content-Length: " n: dec = length(body) "\r\n" | token ": " [^\r\n]{0,64} "\r\n" ;
body = bytes ;
session publish_frames framing frames {
  send connect bind keep = keep_alive;
  repeat 0..4 { send publish use packet_id = keep + 1; }
}
)";

const iotfuzz::grammar::Grammar& FuzzGrammar() {
  static const iotfuzz::grammar::Grammar grammar =
      iotfuzz::grammar::LoadGrammarText(kGrammar, "input_parser_fuzzer.grammar").grammar;
  return grammar;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  static iotfuzz::grammar::InputParser parser(FuzzGrammar());
  static iotfuzz::grammar::Serializer serializer(FuzzGrammar());
  std::string_view input(reinterpret_cast<const char*>(data), size);
  iotfuzz::grammar::RuleId rule = iotfuzz::grammar::kNone;
  if (!input.empty() && input[0] == 'S') {
    rule = FuzzGrammar().sessions[0].input_rule;
    input.remove_prefix(1);
  }
  iotfuzz::grammar::ParseResult parsed = parser.Parse(input, rule);
  if (serializer.Serialize(parsed.tree) != input) std::abort();  // parse-back must be exact
  return 0;
}
