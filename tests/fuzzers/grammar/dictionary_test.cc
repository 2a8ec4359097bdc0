#include "fuzzers/grammar/dictionary.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "fuzzers/common/dictionary_file.h"
#include "fuzzers/common/error.h"
#include "fuzzers/grammar/grammar_loader.h"

namespace iotfuzz::grammar {
namespace {

using namespace std::string_literals;

// One construct per field, each followed by a variable field so that fixed
// sequences only form where a test expects one.
constexpr std::string_view kTokens = R"(
grammar tokens;
start message;

message = greeting bits { kind:4 = 3, flags:4 = 0 } len: u16be = length(magic) magic: "MAGIC"
          code: enum u16be { ok = 0x0102, moved = 0x0301 } interesting { 0, 65535 }
          port: u16le in {8080, 443}
          count: u32be in 1..100000 interesting { 0xdeadbeef }
          level: u8 in {1, 2} interesting { 255 }
          size: varint interesting { 127, 128, 16384 }
          status: dec in {200, 404, 7}
          chunk: hex interesting { 255 }
          v: virtual u16be in {4660}
          quoted: "say \"hi\"\\" name: ascii{1,8}
          binary: x"00 ff 7f 80" class: [a-z]
          header: i"Content-Type:" blob: bytes{0,4}
          again: "MAGIC" text: utf8{1,8}
          ack ;
greeting = "HELLO" ;
ack = x"40" plen: u8 = length(pid) pid: u16be ;
unused = "NEVER-USED" ;
)";

Grammar Load(std::string_view text) { return LoadGrammarText(text, "tokens.grammar").grammar; }

std::vector<std::string> Bytes(const Dictionary& d) {
  std::vector<std::string> out;
  for (const DictionaryToken& t : d.tokens) out.push_back(t.bytes);
  return out;
}

const DictionaryToken* Find(const Dictionary& d, const std::string& bytes) {
  for (const DictionaryToken& t : d.tokens) {
    if (t.bytes == bytes) return &t;
  }
  return nullptr;
}

bool Has(const Dictionary& d, const std::string& bytes) { return Find(d, bytes) != nullptr; }

TEST_CASE("Dictionary: tokens of every kind, in rule and source order", "[grammar][dictionary]") {
  const Grammar g = Load(kTokens);
  const Dictionary d = DeriveDictionary(g);
  const std::vector<std::string> expected = {
      "HELLO0\x00\x05MAGIC"s,          // fixed sequence: rule ref, constant bits, length of "MAGIC", "MAGIC"
      "MAGIC",                         // literal
      "\x01\x02"s, "\x03\x01"s,        // enum u16be
      "\x90\x1f"s, "\xbb\x01"s,        // set u16le {8080, 443}
      "\x00\x00\x00\x01"s, "\x00\x01\x86\xa0"s,  // range bounds of u32be 1..100000
      "\xde\xad\xbe\xef"s,             // interesting u32be
      "\x80\x01"s, "\x80\x80\x01"s,    // interesting varints 128, 16384 (127 is one byte)
      "200", "404",                    // dec set (7 is one byte)
      "ff",                            // interesting hex 255
      "say \"hi\"\\",                  // literal with a quote and a backslash
      "\x00\xff\x7f\x80"s,             // binary literal
      "Content-Type:",                 // case-insensitive literal, as written
      "HELLO",                         // literal of rule greeting
      "\x40\x02"s,                     // rule ack: x"40", then the length of a u16be
  };
  CHECK(Bytes(d) == expected);
  CHECK(d.start_rule == "message");
  CHECK(d.rules_used == 3);
  CHECK(d.duplicates >= 1);  // the second "MAGIC"
  CHECK(d.too_long == 0);
  CHECK(d.over_limit == 0);
}

TEST_CASE("Dictionary: what is not a token", "[grammar][dictionary]") {
  const Dictionary d = DeriveDictionary(Load(kTokens));
  for (const DictionaryToken& t : d.tokens) {
    INFO("token " << EscapeDictionaryValue(t.bytes));
    CHECK(t.bytes.size() >= 2);                                      // single bytes are byte-level mutation's
    CHECK(t.bytes.find_first_not_of('\0') != std::string::npos);     // repeated 0x00 ...
    CHECK(t.bytes.find_first_not_of('\xff') != std::string::npos);   // ... and 0xff (interesting {0, 65535})
  }
  CHECK_FALSE(Has(d, "\x12\x34"));      // a virtual field is never written
  CHECK_FALSE(Has(d, "NEVER-USED"));    // a rule the start rule does not reach
  const std::vector<std::string> bytes = Bytes(d);
  CHECK(std::count(bytes.begin(), bytes.end(), "MAGIC") == 1);  // deduplicated
}

TEST_CASE("Dictionary: tokens name their rule, field and kind", "[grammar][dictionary]") {
  const Dictionary d = DeriveDictionary(Load(kTokens));
  const DictionaryToken* ok = Find(d, "\x01\x02"s);
  REQUIRE(ok != nullptr);
  CHECK(ok->kind == TokenKind::kEnumValue);
  CHECK(ok->rule == "message");
  CHECK(ok->field == "code");
  CHECK(ok->value_name == "ok");
  CHECK(ok->name == "message_code_ok");
  CHECK(ok->pos.line == 6);

  const DictionaryToken* bound = Find(d, "\x00\x01\x86\xa0"s);
  REQUIRE(bound != nullptr);
  CHECK(bound->kind == TokenKind::kRangeBound);
  CHECK(bound->name == "message_count_2");  // the first bound took "message_count"

  const DictionaryToken* header = Find(d, "Content-Type:");
  REQUIRE(header != nullptr);
  CHECK(header->kind == TokenKind::kLiteral);
  CHECK(header->name == "message_header");

  CHECK(Find(d, "HELLO0\x00\x05MAGIC"s)->kind == TokenKind::kFixedSequence);
  CHECK(Find(d, "\x40\x02"s)->rule == "ack");
  CHECK(Find(d, "\xde\xad\xbe\xef"s)->kind == TokenKind::kInteresting);

  std::vector<std::string> names;
  for (const DictionaryToken& t : d.tokens) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());  // unique
}

TEST_CASE("Dictionary: the start rule chooses the rules", "[grammar][dictionary]") {
  const Grammar g = Load(kTokens);
  DictionaryOptions options;
  options.start_rule = "ack";
  CHECK(Bytes(DeriveDictionary(g, options)) == std::vector<std::string>{"\x40\x02"s});

  options.start_rule = "";
  options.all_rules = true;
  const Dictionary all = DeriveDictionary(g, options);
  CHECK(Has(all, "NEVER-USED"));
  CHECK(all.start_rule.empty());
  CHECK(all.rules_used == g.rules.size());

  options.all_rules = false;
  options.start_rule = "no_such_rule";
  CHECK_THROWS_WITH(DeriveDictionary(g, options),
                    Catch::Contains("no rule or session 'no_such_rule'"));
}

TEST_CASE("Dictionary: a session's tokens are those of the rules it sends", "[grammar][dictionary]") {
  const Grammar g = Load(R"(
grammar s;
start exchange;
hello = "HELLO" ;
answer = "ANSWER" ;
session exchange framing frames {
  send hello;
  recv answer;
}
)");
  const Dictionary d = DeriveDictionary(g);
  // The response is not sent; the frame (u16le length) around the one
  // message the session sends is fixed.
  CHECK(Bytes(d) == std::vector<std::string>{"HELLO", "\x05\x00HELLO"s});
}

TEST_CASE("Dictionary: entries longer than 64 bytes are left out", "[grammar][dictionary]") {
  const std::string longest(kDictionaryMaxEntryBytes, 'a');
  const std::string too_long(kDictionaryMaxEntryBytes + 1, 'b');
  const Grammar g = Load("start m;\nm = ( \"" + longest + "\" | \"" + too_long + "\" ) ;\n");
  const Dictionary d = DeriveDictionary(g);
  CHECK(Bytes(d) == std::vector<std::string>{longest});
  CHECK(d.too_long == 1);
}

TEST_CASE("Dictionary: the bound on the count drops the least specific kinds first", "[grammar][dictionary]") {
  const Grammar g = Load(kTokens);
  const size_t all = DeriveDictionary(g).tokens.size();
  DictionaryOptions options;
  options.max_tokens = all - 3;
  const Dictionary bounded = DeriveDictionary(g, options);
  CHECK(bounded.tokens.size() == all - 3);
  CHECK(bounded.over_limit == 3);
  // Two range bounds first, then the last interesting value (ff).
  CHECK_FALSE(Has(bounded, "\x00\x00\x00\x01"s));
  CHECK_FALSE(Has(bounded, "\x00\x01\x86\xa0"s));
  CHECK_FALSE(Has(bounded, "ff"));
  CHECK(Has(bounded, "\x80\x80\x01"s));
  CHECK(Has(bounded, "HELLO"));

  options.max_tokens = 2;
  const Dictionary two = DeriveDictionary(g, options);
  CHECK(Bytes(two) == std::vector<std::string>{"HELLO0\x00\x05MAGIC"s, "\x40\x02"s});  // fixed sequences stay longest
}

TEST_CASE("Dictionary: the file escapes every byte and parses back to the tokens", "[grammar][dictionary]") {
  const Grammar g = Load(kTokens);
  const Dictionary d = DeriveDictionary(g);
  const MergedDictionary merged = FormatDictionary(g, "tokens.grammar", d);
  CHECK(merged.derived == d.tokens.size());
  CHECK_THAT(merged.text, Catch::StartsWith("# Fuzzing dictionary derived from tokens.grammar (grammar 'tokens', "
                                            "rules reached from 'message')."));
  CHECK_THAT(merged.text, Catch::Contains("\nmessage_quoted=\"say \\\"hi\\\"\\\\\"\n"));
  CHECK_THAT(merged.text, Catch::Contains("\nmessage_binary=\"\\x00\\xff\\x7f\\x80\"\n"));
  CHECK_THAT(merged.text, Catch::Contains("# message (line 6): enum value ok of field code\nmessage_code_ok=\"\\x01\\x02\"\n"));
  CHECK_THAT(merged.text, Catch::Contains("# ack (line 20): fixed sequence\nack=\"@\\x02\"\n"));
  for (char c : merged.text) {
    const auto u = static_cast<unsigned char>(c);
    CHECK((c == '\n' || (u >= 0x20 && u <= 0x7e)));
  }
  const std::vector<DictionaryEntry> parsed = ParseDictionary(merged.text, "tokens.dict");
  REQUIRE(parsed.size() == d.tokens.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    CHECK(parsed[i].value == d.tokens[i].bytes);
    CHECK(parsed[i].name == d.tokens[i].name);
  }
  CHECK(FormatDictionary(g, "tokens.grammar", DeriveDictionary(g)).text == merged.text);  // deterministic
}

TEST_CASE("Dictionary: hand-picked entries are merged in without duplicates", "[grammar][dictionary]") {
  const Grammar g = Load(kTokens);
  const Dictionary d = DeriveDictionary(g);
  DictionaryExtras extras{"hand.dict", ParseDictionary("# realistic values\n"
                                                       "magic=\"MAGIC\"\n"
                                                       "login=\"POST /login\"\n"
                                                       "login_again=\"POST /login\"\n"
                                                       "crlf=\"\\x0d\\x0a\"\n"
                                                       "\"\\x01\\x02\"\n"
                                                       "lone_byte=\"{\"\n"
                                                       "\"{}\"\n",
                                                       "hand.dict")};
  const MergedDictionary merged = FormatDictionary(g, "tokens.grammar", d, {extras});
  CHECK(merged.derived == d.tokens.size());
  CHECK(merged.extras == 4);        // login, crlf, the single byte a person chose, an unnamed entry
  CHECK(merged.extras_known == 3);  // MAGIC and \x01\x02 derived, login twice
  CHECK_THAT(merged.text, Catch::Contains("\n# Hand-picked entries from hand.dict: 4 written, 3 already above.\n"
                                          "login=\"POST /login\"\ncrlf=\"\\x0d\\x0a\"\nlone_byte=\"{\"\n\"{}\"\n"));
  CHECK_THAT(merged.text, Catch::Contains(", 4 hand-picked entries."));
  const std::vector<DictionaryEntry> parsed = ParseDictionary(merged.text, "merged.dict");
  CHECK(parsed.size() == d.tokens.size() + 4);
  std::vector<std::string> values;
  for (const DictionaryEntry& e : parsed) values.push_back(e.value);
  std::sort(values.begin(), values.end());
  CHECK(std::adjacent_find(values.begin(), values.end()) == values.end());
}

}  // namespace
}  // namespace iotfuzz::grammar
