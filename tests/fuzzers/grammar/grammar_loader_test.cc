#include "fuzzers/grammar/grammar_loader.h"

#include <catch2/catch.hpp>

#include "fuzzers/grammar/grammar_checker.h"

namespace iotfuzz::grammar {
namespace {

// Loads `text` and returns the full diagnostic report of the failure.
std::string FailureReport(std::string_view text) {
  try {
    LoadGrammarText(text, "test.grammar");
  } catch (const GrammarError& e) {
    return std::string(e.what()) + "\n" + e.report();
  }
  FAIL("grammar loaded although it should not");
  return {};
}

constexpr std::string_view kMqttLike = R"(
grammar mqtt_like;
start packet;
lies 1/16;

packet = <3> connect | publish ;

connect =
  bits { type:4 = 1, flags:4 = 0 }
  remaining: varint = length(body)
  body: (
    name_len: u16be = length(name) name: "MQTT"
    level: enum u8 { v311 = 4, v5 = 5 } interesting { 0, 3, 6, 255 }
    bits { user:1 = present(username), pass:1, will_retain:1, will_qos:2 in 0..2,
           will:1, clean:1, _:1 = 0 }
    keep_alive: u16be
    props: if (level == 5) properties
    client_id: mqtt_string
    username: if (user) mqtt_string
  ) ;

publish =
  bits { type:4 = 3, dup:1, qos:2 in 0..2, retain:1 }
  remaining: varint = length(rest)
  rest: ( topic: mqtt_string  packet_id: if (qos > 0 && qos != 3) u16be  payload: bytes ) ;

properties = plen: varint = length(list) list: property* ;
property = x"01" u8 in {0, 1} | x"02" u32be | x"26" mqtt_string mqtt_string ;
mqtt_string = n: u16be = length(s) s: utf8{0,64} ;
)";

TEST_CASE("A grammar using every construct loads without diagnostics", "[grammar]") {
  LoadedGrammar loaded = LoadGrammarText(kMqttLike, "mqtt_like.grammar");
  const Grammar& g = loaded.grammar;
  CHECK(loaded.warnings.empty());
  CHECK(g.name == "mqtt_like");
  CHECK(g.lie_numerator == 1);
  CHECK(g.lie_denominator == 16);
  REQUIRE(g.start != kNone);
  CHECK(g.rule(g.start).name == "packet");
  CHECK(g.rules.size() == 6);

  RuleId connect = *g.FindRule("connect");
  ExprId remaining = FindField(g, connect, {"remaining"});
  REQUIRE(remaining != kNone);
  CHECK(g.expr(remaining).kind == ExprKind::kVarint);
  CHECK(g.expr(remaining).relation.kind == RelationKind::kLength);
  CHECK(g.expr(remaining).relation.target == std::vector<std::string>{"body"});

  ExprId level = FindField(g, connect, {"level"});
  REQUIRE(level != kNone);
  CHECK(g.expr(level).constraint.kind == ConstraintKind::kEnum);
  CHECK(g.expr(level).constraint.values == std::vector<uint64_t>{4, 5});
  CHECK(g.expr(level).constraint.interesting.size() == 4);

  ExprId qos = FindField(g, connect, {"will_qos"});
  REQUIRE(qos != kNone);
  CHECK(g.expr(qos).kind == ExprKind::kBitField);
  CHECK(g.expr(qos).width == 2);
  CHECK(g.expr(qos).constraint.kind == ConstraintKind::kRange);

  // A path through a rule reference.
  CHECK(FindField(g, connect, {"client_id", "s"}) != kNone);
  CHECK(FindField(g, connect, {"client_id", "nope"}) == kNone);

  const Expr& packet = g.expr(g.rule(g.start).body);
  REQUIRE(packet.kind == ExprKind::kChoice);
  CHECK(packet.weights == std::vector<uint32_t>{3, 1});
}

TEST_CASE("A syntax error names file, line and column, what was expected and what was found", "[grammar]") {
  std::string report = FailureReport("a = \"x\" ;\nb = \"y\" \"z\"\nc = \"w\" ;\n");
  CHECK_THAT(report, Catch::Contains("test.grammar:3:1: expected ';' at the end of the rule"));
  CHECK_THAT(report, Catch::Contains("found 'c'"));
  // The source line and a caret under the column.
  CHECK_THAT(report, Catch::Contains(" 3 | c = \"w\" ;\n   | ^\n"));
}

TEST_CASE("Every broken rule is reported in one pass", "[grammar]") {
  std::string report = FailureReport("a = u16 ;\nb = ( \"x\" ;\nc = \"ok\" ;\nd = bits { x:3 } ;\n");
  CHECK_THAT(report, Catch::Contains("test.grammar:1:5: error: 'u16' needs a byte order"));
  CHECK_THAT(report, Catch::Contains("test.grammar:2:"));
  CHECK_THAT(report, Catch::Contains("test.grammar:4:5: error: bit fields add up to 3 bits"));
  CHECK_THAT(report, Catch::Contains("(and 2 more errors)"));
}

TEST_CASE("An undefined rule is an error at the reference", "[grammar]") {
  CHECK_THAT(FailureReport("a = \"x\" missing ;"), Catch::Contains("test.grammar:1:9: undefined rule 'missing'"));
}

TEST_CASE("Recursion with no way out is an error", "[grammar]") {
  CHECK_THAT(FailureReport("list = \"[\" list \"]\" ;"), Catch::Contains("rule 'list' can never finish"));
  // The same recursion with an exit loads.
  CHECK_NOTHROW(LoadGrammarText("list = \"[\" list \"]\" | \"x\" ;", "ok.grammar"));
}

TEST_CASE("Weight 0 needs another alternative that generation can take", "[grammar]") {
  CHECK_THAT(FailureReport("a = <0> \"x\" | <0> \"y\" ;"),
             Catch::Contains("test.grammar:1:5: error: a choice needs an alternative of weight 1 or more"));
  CHECK_THAT(FailureReport("a = <0> \"x\" ;"), Catch::Contains("a weight must be at least 1"));
  // The only exit of the recursion has weight 0: generation could not finish.
  CHECK_THAT(FailureReport("list = \"[\" list \"]\" | <0> \"x\" ;"),
             Catch::Contains("rule 'list' can never finish"));
  CHECK_NOTHROW(LoadGrammarText("a = <0> \"x\" | \"y\" ;", "ok.grammar"));
}

TEST_CASE("A range starting at a field needs an earlier number field", "[grammar]") {
  CHECK_THAT(FailureReport("m = a: u8 b: u8 in nope..9 ;"),
             Catch::Contains("test.grammar:1:20: error: range names field 'nope', which rule 'm' does not have"));
  CHECK_THAT(FailureReport("m = a: \"x\" b: u8 in a..9 ;"),
             Catch::Contains("a range starts at a number field, but 'a' is"));
  CHECK_NOTHROW(LoadGrammarText("m = a: u8 b: u8 in a..9 ;", "ok.grammar"));
}

TEST_CASE("Left recursion is an error because inputs could not be parsed back", "[grammar]") {
  CHECK_THAT(FailureReport("list = list \",\" item | item ;\nitem = [a-z] ;"),
             Catch::Contains("rule 'list' is left-recursive"));
  CHECK_THAT(FailureReport("a = b? \"x\" | \"y\" ;\nb = a ;"), Catch::Contains("is left-recursive"));
}

TEST_CASE("A relation naming a field that does not exist is an error", "[grammar]") {
  CHECK_THAT(FailureReport("m = n: u8 = length(payload) data: bytes ;"),
             Catch::Contains("1:13: relation names field 'payload', which rule 'm' does not have"));
  CHECK_THAT(FailureReport("m = f: u8 b: if (flag == 1) u8 ;"),
             Catch::Contains("condition names field 'flag'"));
}

TEST_CASE("A relation can name a field of a rule that uses its own rule", "[grammar]") {
  LoadedGrammar loaded = LoadGrammarText(
      "request = \"POST / HTTP/1.1\\r\\n\" header* \"\\r\\n\" body: bytes ;\n"
      "header = i\"Content-Length: \" n: dec = length(body) \"\\r\\n\" ;\n",
      "http.grammar");
  const Grammar& g = loaded.grammar;
  ExprId body = FindVisibleField(g, *g.FindRule("header"), {"body"});
  REQUIRE(body != kNone);
  CHECK(g.expr(body).kind == ExprKind::kBytes);
  CHECK(FindField(g, *g.FindRule("header"), {"body"}) == kNone);
}

TEST_CASE("count() needs a repetition and present() an optional field", "[grammar]") {
  CHECK_THAT(FailureReport("m = n: u8 = count(x) x: u16be ;"), Catch::Contains("count() needs a repetition"));
  CHECK_THAT(FailureReport("m = bits { p:1 = present(x), _:7 } x: u16be ;"),
             Catch::Contains("present() needs an optional or conditional field"));
  CHECK_NOTHROW(LoadGrammarText("m = n: u8 = count(x) x: u16be* ;", "ok.grammar"));
}

TEST_CASE("Unused rules and indistinguishable alternatives are warnings", "[grammar]") {
  LoadedGrammar loaded = LoadGrammarText(
      "start m;\nm = \"GET\" | \"GET\" | \"A\" | \"AB\" ;\nspare = \"z\" ;\n", "w.grammar");
  CHECK_THAT(loaded.warnings, Catch::Contains("w.grammar:2:13: warning: alternative 2 is the same as alternative 1"));
  CHECK_THAT(loaded.warnings, Catch::Contains("alternative 4 starts with alternative 3"));
  CHECK_THAT(loaded.warnings, Catch::Contains("w.grammar:3:1: warning: rule 'spare' is not used"));
}

TEST_CASE("Malformed tokens are reported with their position", "[grammar]") {
  CHECK_THAT(FailureReport("a = \"abc ;"), Catch::Contains("1:5: unterminated string"));
  CHECK_THAT(FailureReport("a = \"\\q\" ;"), Catch::Contains("1:7: unknown escape '\\q'"));
  CHECK_THAT(FailureReport("a = x\"0g\" ;"), Catch::Contains("expected a hex digit in byte string, found 'g'"));
  CHECK_THAT(FailureReport("a = [z-a] ;"), Catch::Contains("character range is backwards"));
  CHECK_THAT(FailureReport("a = \"x\" $ ;"), Catch::Contains("1:9: unexpected character '$'"));
  CHECK_THAT(FailureReport("a = u8 in 7..1 ;"), Catch::Contains("range is backwards"));
  CHECK_THAT(FailureReport("a = 99999999999999999999 ;"), Catch::Contains("does not fit in 64 bits"));
}

TEST_CASE("Literals decode escapes, byte strings and character classes", "[grammar]") {
  LoadedGrammar loaded = LoadGrammarText("a = \"A\\r\\n\\x00\" x\"de ad\" i\"Host\" [^\\x00-\\x1f] ;", "t.grammar");
  const Grammar& g = loaded.grammar;
  const Expr& seq = g.expr(g.rule(0).body);
  REQUIRE(seq.children.size() == 4);
  CHECK(g.expr(seq.children[0]).bytes == std::string("A\r\n\0", 4));
  CHECK(g.expr(seq.children[1]).bytes == "\xde\xad");
  CHECK(g.expr(seq.children[2]).case_insensitive);
  CHECK(g.expr(seq.children[3]).alphabet.count() == 256 - 32);
}

TEST_CASE("A file that cannot be read is an error naming it", "[grammar]") {
  CHECK_THROWS_WITH(LoadGrammarFile("/nonexistent/x.grammar"),
                    Catch::Contains("cannot open grammar file /nonexistent/x.grammar"));
}

}  // namespace
}  // namespace iotfuzz::grammar
