// The dictionaries derived from the protocol grammars (fuzzers/grammar/
// dictionary.h): bounded, loadable, and holding the tokens each protocol's
// parsers compare against.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "fuzzers/common/dictionary_file.h"
#include "fuzzers/grammar/dictionary.h"
#include "tests/grammars/protocol_grammar_support.h"

namespace iotfuzz::grammar::testing {
namespace {

using namespace std::string_literals;

bool Has(const Dictionary& d, const std::string& bytes) {
  for (const DictionaryToken& t : d.tokens) {
    if (t.bytes == bytes) return true;
  }
  return false;
}

Dictionary Derive(const Grammar& g, const std::string& start = {}) {
  DictionaryOptions options;
  options.start_rule = start;
  return DeriveDictionary(g, options);
}

TEST_CASE("Protocol dictionaries are bounded and parse back as written", "[grammars][dictionary]") {
  for (const char* name : {"http.grammar", "mqtt.grammar", "coap.grammar", "ble_att.grammar"}) {
    INFO(name);
    const LoadedGrammar loaded = LoadProtocolGrammar(name);
    const Dictionary d = DeriveDictionary(loaded.grammar);
    CHECK(d.tokens.size() >= 5);
    CHECK(d.tokens.size() <= DictionaryOptions{}.max_tokens);
    CHECK(d.over_limit == 0);
    const MergedDictionary merged = FormatDictionary(loaded.grammar, name, d);
    const std::vector<DictionaryEntry> parsed = ParseDictionary(merged.text, name);
    REQUIRE(parsed.size() == d.tokens.size());
    for (size_t i = 0; i < parsed.size(); ++i) CHECK(parsed[i].value == d.tokens[i].bytes);
  }
}

TEST_CASE("HTTP dictionary: request line, framing fields, methods", "[grammars][dictionary]") {
  const Dictionary d = Derive(LoadProtocolGrammar("http.grammar").grammar);
  CHECK(Has(d, " HTTP/1.1\r\n"));
  CHECK(Has(d, " HTTP/1.0\r\n"));
  CHECK(Has(d, "Content-Length:"));
  CHECK(Has(d, "Transfer-Encoding:"));
  CHECK(Has(d, "chunked"));
  CHECK(Has(d, "DELETE "));
  CHECK(Has(d, "65536"));  // an interesting Content-Length
}

TEST_CASE("MQTT dictionary: protocol names with length and level, fixed packets", "[grammars][dictionary]") {
  const Grammar& g = LoadProtocolGrammar("mqtt.grammar").grammar;
  const Dictionary v5 = Derive(g);
  CHECK(Has(v5, "\x00\x04MQTT\x05"s));
  CHECK(Has(v5, "\xc0\x00"s));              // PINGREQ
  CHECK(Has(v5, "\x0f\xff\xff\xff"s));      // the largest Maximum Packet Size
  CHECK(Has(v5, "\xff\xff\xff\x7f"s));      // the largest subscription identifier, a varint
  CHECK_FALSE(Has(v5, "\xd0\x00"s));        // PINGRESP: the broker sends it, the client does not

  const Dictionary v311 = Derive(g, "broker_v311");
  CHECK(Has(v311, "\x00\x04MQTT\x04"s));
  CHECK(Has(v311, "\x00\x06MQIsdp\x03"s));
  CHECK(Has(v311, "\x62\x02"s));            // PUBREL: fixed header, remaining length 2

  const Dictionary client = Derive(g, "client_v311");
  CHECK(Has(client, "\x20\x02"s));          // CONNACK
  CHECK(Has(client, "\xd0\x00"s));          // PINGRESP
}

TEST_CASE("CoAP dictionary: empty messages, content formats, path segments", "[grammars][dictionary]") {
  const Dictionary d = Derive(LoadProtocolGrammar("coap.grammar").grammar);
  CHECK(Has(d, "\x40\x00"s));               // CON empty message (ping), message id 0
  CHECK(Has(d, "\x2d\x16"s));               // Content-Format 11542 (LwM2M TLV), u16be
  CHECK(Has(d, ".well-known"));
  CHECK(Has(d, "coaps+tcp"));
}

TEST_CASE("BLE ATT dictionary: GATT attribute types as 16-bit UUIDs", "[grammars][dictionary]") {
  const Dictionary d = Derive(LoadProtocolGrammar("ble_att.grammar").grammar);
  CHECK(Has(d, "\x00\x28"s));               // Primary Service, little-endian
  CHECK(Has(d, "\x03\x28"s));               // Characteristic
  CHECK(Has(d, "\x02\x29"s));               // Client Characteristic Configuration
}

}  // namespace
}  // namespace iotfuzz::grammar::testing
