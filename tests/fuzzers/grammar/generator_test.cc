#include "fuzzers/grammar/generator.h"

#include <catch2/catch.hpp>

#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"
#include "tests/fuzzers/grammar/test_grammars.h"

namespace iotfuzz::grammar {
namespace {

// Reads an MQTT variable byte integer at `pos`, advancing it.
uint64_t ReadVarint(const std::string& s, size_t& pos) {
  uint64_t value = 0;
  for (int shift = 0; pos < s.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(s[pos++]);
    value |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) break;
  }
  return value;
}

constexpr std::string_view kConnect = testing::kMqttStream;

TEST_CASE("Generated MQTT CONNECT packets carry correct lengths, flags and conditional fields", "[grammar]") {
  Grammar g = LoadGrammarText(kConnect, "connect.grammar").grammar;
  Generator generator(g);
  Serializer serializer(g);
  Rng rng(42);
  const RuleId connect = *g.FindRule("connect");
  int with_username = 0, v5 = 0;
  for (int i = 0; i < 500; ++i) {
    Tree tree = generator.Generate(rng, connect);
    std::string bytes = serializer.Serialize(tree);
    INFO("input " << i);
    REQUIRE(bytes.size() >= 12);
    CHECK(static_cast<uint8_t>(bytes[0]) == 0x10);
    size_t pos = 1;
    uint64_t remaining = ReadVarint(bytes, pos);
    CHECK(remaining == bytes.size() - pos);
    CHECK(bytes.substr(pos, 6) == std::string("\0\4MQTT", 6));
    uint8_t level = static_cast<uint8_t>(bytes[pos + 6]);
    CHECK((level == 4 || level == 5));
    uint8_t flags = static_cast<uint8_t>(bytes[pos + 7]);
    CHECK((flags & 0x01) == 0);          // reserved bit
    CHECK(((flags >> 3) & 3) <= 2);      // will QoS
    pos += 10;
    if (level == 5) {
      ++v5;
      uint64_t plen = ReadVarint(bytes, pos);
      pos += plen;
    }
    // client id, then the username exactly when its flag says so.
    REQUIRE(pos + 2 <= bytes.size());
    size_t id_len = (static_cast<uint8_t>(bytes[pos]) << 8) | static_cast<uint8_t>(bytes[pos + 1]);
    pos += 2 + id_len;
    if (flags & 0x80) {
      ++with_username;
      REQUIRE(pos + 2 <= bytes.size());
      size_t user_len = (static_cast<uint8_t>(bytes[pos]) << 8) | static_cast<uint8_t>(bytes[pos + 1]);
      pos += 2 + user_len;
    }
    CHECK(pos == bytes.size());
  }
  // Both sides of each choice are exercised.
  CHECK(with_username > 50);
  CHECK(with_username < 450);
  CHECK(v5 > 50);
  CHECK(v5 < 450);
}

constexpr std::string_view kCoap = R"(
message = bits { ver:2 = 1, type:2, tkl:4 = length(token) } code: u8 mid: u16be
          token: bytes{0,8} option{0,6} ;
option = bits { dn:4 = delta(number), ln:4 = length(value) }
         number: virtual u16be in {1, 3, 4, 7, 11, 12} value: bytes{0,12} ;
)";

TEST_CASE("Generated CoAP options have non-negative deltas that add up to their numbers", "[grammar]") {
  Grammar g = LoadGrammarText(kCoap, "coap.grammar").grammar;
  Generator generator(g);
  Serializer serializer(g);
  Rng rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string bytes = serializer.Serialize(generator.Generate(rng));
    INFO("input " << i);
    REQUIRE(bytes.size() >= 4);
    uint8_t first = static_cast<uint8_t>(bytes[0]);
    CHECK((first >> 6) == 1);
    size_t tkl = first & 0x0f;
    size_t pos = 4 + tkl;
    REQUIRE(pos <= bytes.size());
    uint32_t number = 0;
    while (pos < bytes.size()) {
      uint8_t b = static_cast<uint8_t>(bytes[pos++]);
      uint32_t delta = b >> 4, length = b & 0x0f;
      CHECK(delta <= 12);
      number += delta;
      CHECK((number == 1 || number == 3 || number == 4 || number == 7 || number == 11 || number == 12));
      pos += length;
    }
    CHECK(pos == bytes.size());
  }
}

TEST_CASE("Generation is deterministic for a seed and ends on recursive grammars", "[grammar]") {
  Grammar g = LoadGrammarText("json = \"[\" (json (\",\" json)*)? \"]\" | [0-9]+ ;", "nest.grammar").grammar;
  GeneratorLimits limits;
  limits.max_bytes = 256;
  Generator generator(g, limits);
  Serializer serializer(g);
  Rng a(1), b(1);
  for (int i = 0; i < 200; ++i) {
    std::string x = serializer.Serialize(generator.Generate(a));
    std::string y = serializer.Serialize(generator.Generate(b));
    CHECK(x == y);
    CHECK(x.size() < 4096);
  }
}

TEST_CASE("An alternative of weight 0 parses but is never generated", "[grammar]") {
  Grammar g = LoadGrammarText("m = <0> \"dup\" | <1> \"a\" | <3> \"b\" ;", "w0.grammar").grammar;
  Generator generator(g);
  Serializer serializer(g);
  Rng rng(5);
  int a = 0, b = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string x = serializer.Serialize(generator.Generate(rng));
    REQUIRE(x != "dup");
    a += x == "a";
    b += x == "b";
  }
  CHECK(a + b == 2000);
  CHECK(b > 2 * a);
  ParseResult parsed = InputParser(g).Parse("dup");
  CHECK(parsed.raw_bytes == 0);
  CHECK(serializer.Serialize(parsed.tree) == "dup");
}

TEST_CASE("A range that starts at an earlier field is generated and parsed against it", "[grammar]") {
  Grammar g = LoadGrammarText("m = start: u16le in 1..0xffff end: u16le in start..0xffff ;", "range.grammar").grammar;
  Generator generator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(3);
  for (int i = 0; i < 1000; ++i) {
    std::string x = serializer.Serialize(generator.Generate(rng));
    REQUIRE(x.size() == 4);
    const unsigned start = static_cast<uint8_t>(x[0]) | static_cast<uint8_t>(x[1]) << 8;
    const unsigned end = static_cast<uint8_t>(x[2]) | static_cast<uint8_t>(x[3]) << 8;
    REQUIRE(end >= start);
    CHECK(parser.Parse(x).lying_fields == 0);
  }
  // An end before the start parses as a lie; an end equal to it does not.
  CHECK(parser.Parse(std::string("\x05\x00\x04\x00", 4)).lying_fields == 1);
  CHECK(parser.Parse(std::string("\x05\x00\x05\x00", 4)).lying_fields == 0);
}

TEST_CASE("A field marked lying keeps its value instead of the computed one", "[grammar]") {
  Grammar g = LoadGrammarText("m = n: u8 = length(p) p: bytes{3,3} ;", "lie.grammar").grammar;
  Generator generator(g);
  Serializer serializer(g);
  Rng rng(3);
  Tree tree = generator.Generate(rng);
  std::string honest = serializer.Serialize(tree);
  REQUIRE(honest.size() == 4);
  CHECK(honest[0] == 3);
  NodeId length_field = tree.node(tree.root()).first_child;
  tree.node(length_field).value = 200;
  CHECK(serializer.Serialize(tree)[0] == 3);  // still computed
  tree.node(length_field).flags |= kLying;
  CHECK(static_cast<uint8_t>(serializer.Serialize(tree)[0]) == 200);
}

}  // namespace
}  // namespace iotfuzz::grammar
