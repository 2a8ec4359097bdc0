#include "fuzzers/corpus/message_splitter.h"

#include <catch2/catch.hpp>

#include "fuzzers/grammar/grammar_loader.h"

namespace iotfuzz::corpus {
namespace {

// Length-prefixed records: 'A' len bytes, or 'B' then a number in 0..9.
const grammar::LoadedGrammar& TestGrammar() {
  static const grammar::LoadedGrammar loaded = grammar::LoadGrammarText(R"(
start a;
a = "A" n: u8 = length(data) data: bytes ;
b = "B" v: u8 in 0..9 ;
)",
                                                                        "split.grammar");
  return loaded;
}

MessageSplitter Splitter() {
  const grammar::Grammar& g = TestGrammar().grammar;
  return MessageSplitter(g, {*g.FindRule("a"), *g.FindRule("b")});
}

TEST_CASE("a stream splits into messages of any of the rules, in order") {
  MessageSplitter s = Splitter();
  std::string bytes = std::string("A\x03xyz", 5) + std::string("B\x07", 2) + std::string("A\x00", 2);
  SplitResult r = s.SplitStream(bytes);
  REQUIRE(r.messages.size() == 3);
  CHECK(r.messages[0].offset == 0);
  CHECK(r.messages[0].length == 5);
  CHECK(s.rule_name(r.messages[0].rule) == "a");
  CHECK(s.rule_name(r.messages[1].rule) == "b");
  CHECK(r.messages[1].lying_fields == 0);
  CHECK(r.messages[2].length == 2);
  CHECK(r.split_bytes == 9);
  CHECK(r.unsplit_bytes == 0);
  CHECK(r.stop_reason.empty());
}

TEST_CASE("a message cut at the end of the bytes is incomplete, unknown bytes stop the split") {
  MessageSplitter s = Splitter();
  SplitResult cut = s.SplitStream(std::string("B\x01" "A\x09" "abc", 7));
  REQUIRE(cut.messages.size() == 1);
  CHECK(cut.unsplit_bytes == 5);
  CHECK(cut.stop_reason == "message incomplete");
  SplitResult unknown = s.SplitStream(std::string("B\x01" "Zzz", 5));
  REQUIRE(unknown.messages.size() == 1);
  CHECK(unknown.unsplit_bytes == 3);
  CHECK(unknown.stop_reason == "no rule matches");
}

TEST_CASE("a value outside a constraint is a lying message, unless it is the first after a gap") {
  MessageSplitter s = Splitter();
  std::string bytes("B\x63" "B\x01", 4);  // 99 is outside 0..9
  SplitResult relaxed = s.SplitStream(bytes);
  REQUIRE(relaxed.messages.size() == 2);
  CHECK(relaxed.messages[0].lying_fields == 1);
  CHECK(relaxed.unsplit_bytes == 0);
  SplitResult after_gap = s.SplitStream(bytes, /*strict_start=*/true);
  CHECK(after_gap.messages.empty());
  CHECK(after_gap.unsplit_bytes == 4);
  CHECK(after_gap.stop_reason == "no message starts right after the gap");
}

TEST_CASE("a datagram is one message of the first rule that explains all of it") {
  MessageSplitter s = Splitter();
  SplitResult ok = s.SplitDatagram("B\x05");
  REQUIRE(ok.messages.size() == 1);
  CHECK(s.rule_name(ok.messages[0].rule) == "b");
  CHECK(ok.unsplit_bytes == 0);
  SplitResult extra = s.SplitDatagram(std::string("B\x05" "junk", 6));
  REQUIRE(extra.messages.size() == 1);
  CHECK(extra.messages[0].raw_bytes == 4);
  CHECK(extra.unsplit_bytes == 4);
  MessageCheck check = s.Check(std::string("A\x02hi", 4), 0);
  CHECK(check.exact);
  CHECK(check.raw_bytes == 0);
  MessageCheck junk = s.Check(std::string("B\x05" "junk", 6), 1);
  CHECK(junk.exact);
  CHECK(junk.raw_bytes == 4);
}

}  // namespace
}  // namespace iotfuzz::corpus
