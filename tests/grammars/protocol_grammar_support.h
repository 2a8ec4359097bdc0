// Checks shared by the tests of the protocol grammars in grammars/: loading
// without diagnostics, generated inputs that parse back exactly and without
// lies, real messages and seed corpora that the grammar explains completely.
#ifndef IOTFUZZ_TESTS_GRAMMARS_PROTOCOL_GRAMMAR_SUPPORT_H_
#define IOTFUZZ_TESTS_GRAMMARS_PROTOCOL_GRAMMAR_SUPPORT_H_

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/random.h"
#include "fuzzers/grammar/serializer.h"

namespace iotfuzz::grammar::testing {

inline const std::filesystem::path kSourceDir = IOTFUZZ_SOURCE_DIR;

// grammars/<name>, loaded; a load error or any warning fails the test.
inline LoadedGrammar LoadProtocolGrammar(const std::string& name) {
  std::string path = (kSourceDir / "grammars" / name).string();
  LoadedGrammar loaded;
  try {
    loaded = LoadGrammarFile(path);
  } catch (const GrammarError& e) {
    FAIL(e.what() << "\n" << e.report());
  }
  INFO(loaded.warnings);
  CHECK(loaded.warnings.empty());
  return loaded;
}

inline RuleId RuleNamed(const Grammar& g, std::string_view name) {
  auto rule = g.FindRule(name);
  INFO("rule " << name);
  REQUIRE(rule.has_value());
  return *rule;
}

// Bytes from hex digits; spaces are ignored.
inline std::string Hex(std::string_view hex) {
  std::string out;
  int high = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high << 4 | v));
      high = -1;
    }
  }
  REQUIRE(high < 0);
  return out;
}

inline std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::vector<std::filesystem::path> CorpusFiles(const std::string& harness) {
  std::vector<std::filesystem::path> files;
  std::filesystem::path dir = kSourceDir / "corpora" / harness;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct ParseOutcome {
  bool exact = false;
  size_t raw_bytes = 0;
  size_t lying_fields = 0;
};

inline ParseOutcome ParseWith(const Grammar& g, RuleId rule, std::string_view bytes) {
  InputParser parser(g);
  ParseResult result = parser.Parse(bytes, rule);
  ParseOutcome outcome;
  outcome.exact = Serializer(g).Serialize(result.tree) == bytes;
  outcome.raw_bytes = result.raw_bytes;
  outcome.lying_fields = result.lying_fields;
  CHECK_FALSE(result.budget_exhausted);
  return outcome;
}

// The validation oracle's marks in the parse of `bytes` as `rule`: the
// names of items marked `must_reject` that are present, and of number fields
// marked `must_reject` that lie, in document order.
inline std::vector<std::string> MustRejectMarks(const Grammar& g, RuleId rule, std::string_view bytes) {
  InputParser parser(g);
  ParseResult result = parser.Parse(bytes, rule);
  std::vector<std::string> marks;
  for (NodeId id : result.tree.Reachable()) {
    const Node& n = result.tree.node(id);
    if (n.expr == kNone || (n.flags & (kAbsent | kRaw))) continue;
    const Expr& e = g.expr(n.expr);
    if (e.must_reject_present || ((n.flags & kLying) && e.constraint.must_reject)) {
      marks.push_back(e.label.empty() ? e.rule_name : e.label);
    }
  }
  return marks;
}

// `bytes` parses as `rule` byte for byte, without raw bytes or lies.
inline void CheckExplained(const Grammar& g, std::string_view rule, std::string_view bytes,
                           const std::string& what) {
  INFO(what << " as " << rule << " (" << bytes.size() << " bytes)");
  ParseOutcome outcome = ParseWith(g, RuleNamed(g, rule), bytes);
  CHECK(outcome.exact);
  CHECK(outcome.raw_bytes == 0);
  CHECK(outcome.lying_fields == 0);
}

struct RoundTripCounts {
  int generated = 0;
  int exact = 0;
  int complete = 0;
  int without_lies = 0;
};

// Generates `count` inputs of `rule` from `seed`; each is serialized, parsed
// back with the same rule and serialized again.
inline RoundTripCounts GenerateAndParseBack(const Grammar& g, std::string_view rule, int count, uint64_t seed) {
  RuleId id = RuleNamed(g, rule);
  Generator generator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(seed);
  RoundTripCounts counts;
  for (int i = 0; i < count; ++i) {
    Tree tree = generator.Generate(rng, id);
    std::string bytes = serializer.Serialize(tree);
    ParseResult parsed = parser.Parse(bytes, id);
    ++counts.generated;
    bool exact = Serializer(g).Serialize(parsed.tree) == bytes;
    counts.exact += exact;
    counts.complete += parsed.complete();
    counts.without_lies += parsed.lying_fields == 0;
    if (!exact || !parsed.complete() || parsed.lying_fields != 0) {
      UNSCOPED_INFO(rule << " input " << i << ": " << bytes.size() << " bytes, raw " << parsed.raw_bytes
                         << ", lies " << parsed.lying_fields);
    }
  }
  return counts;
}

inline void CheckRoundTrip(const Grammar& g, std::string_view rule, int count, uint64_t seed) {
  RoundTripCounts c = GenerateAndParseBack(g, rule, count, seed);
  INFO("rule " << rule);
  CHECK(c.generated == count);
  CHECK(c.exact == count);
  CHECK(c.complete == count);
  CHECK(c.without_lies == count);
}

}  // namespace iotfuzz::grammar::testing

#endif  // IOTFUZZ_TESTS_GRAMMARS_PROTOCOL_GRAMMAR_SUPPORT_H_
