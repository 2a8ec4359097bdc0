#include "fuzzers/mutate/grammar_mutator.h"

#include <set>

#include <catch2/catch.hpp>

#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/session_binder.h"
#include "fuzzers/grammar/tree_printer.h"
#include "tests/fuzzers/grammar/test_grammars.h"

namespace iotfuzz::mutate {
using namespace grammar;  // NOLINT
namespace {

constexpr std::string_view kMqtt = grammar::testing::kMqttStream;

bool IsSessionOnly(MutationKind kind) {
  return kind == MutationKind::kMessageInsert || kind == MutationKind::kMessageDelete ||
         kind == MutationKind::kMessageDuplicate || kind == MutationKind::kMessageSwap ||
         kind == MutationKind::kBindingLie;
}

TEST_CASE("Every mutation kind has a name and sequences print like libFuzzer's", "[mutate]") {
  std::set<std::string> names;
  for (int k = 0; k < kMutationKindCount; ++k) names.insert(MutationName(static_cast<MutationKind>(k)));
  CHECK(names.size() == kMutationKindCount);
  CHECK(FormatMutationSequence({MutationKind::kSwapAlternative, MutationKind::kRelationLie}) ==
        "MS: 2 SwapAlternative-RelationLie-");
}

TEST_CASE("Each mutation kind applies to an MQTT stream and changes it", "[mutate]") {
  Grammar g = LoadGrammarText(kMqtt, "mqtt").grammar;
  GrammarMutator mutator(g);
  Generator& generator = mutator.generator();
  Serializer serializer(g);
  Rng rng(21);
  for (int k = 0; k < kMutationKindCount; ++k) {
    MutationKind kind = static_cast<MutationKind>(k);
    if (IsSessionOnly(kind)) continue;  // tested on session grammars below
    int applied = 0, changed = 0;
    for (int i = 0; i < 200; ++i) {
      Tree tree = generator.Generate(rng);
      Tree donor = generator.Generate(rng);
      std::string before = serializer.Serialize(tree);
      if (!mutator.Apply(kind, tree, rng, &donor)) continue;
      ++applied;
      if (serializer.Serialize(tree) != before) ++changed;
    }
    INFO(MutationName(kind) << " applied " << applied << " changed " << changed);
    CHECK(applied > 20);
    CHECK(changed > applied / 4);
  }
}

TEST_CASE("Structure-preserving mutations keep every relation true", "[mutate]") {
  Grammar g = LoadGrammarText(kMqtt, "mqtt").grammar;
  GrammarMutator mutator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(33);
  const MutationKind honest[] = {MutationKind::kRegenerate, MutationKind::kSwapAlternative, MutationKind::kSplice,
                                 MutationKind::kRepeatDuplicate, MutationKind::kRepeatSwap, MutationKind::kEnumValue};
  Tree tree = mutator.generator().Generate(rng);
  int checked = 0;
  for (int i = 0; i < 600; ++i) {
    Tree donor = mutator.generator().Generate(rng);
    MutationKind kind = honest[rng.Below(std::size(honest))];
    if (!mutator.Apply(kind, tree, rng, &donor)) continue;
    std::string bytes = serializer.Serialize(tree);
    if (bytes.size() > 3000) tree = mutator.generator().Generate(rng);
    // EnumValue may pick an "interesting" value outside the enum: a lie by design.
    ParseResult parsed = parser.Parse(bytes);
    INFO(MutationName(kind) << " step " << i << "\n" << FormatTree(g, parsed.tree));
    REQUIRE(serializer.Serialize(parsed.tree) == bytes);
    CHECK(parsed.raw_bytes == 0);
    ++checked;
  }
  CHECK(checked > 300);
}

TEST_CASE("A new value no condition depends on skips the repair and leaves every conditional in line", "[mutate]") {
  // The leaf operations of the four protocol grammars: afterwards a repair
  // finds nothing to change, whether it was skipped (the field feeds no
  // condition) or ran.
  const MutationKind leaf_kinds[] = {MutationKind::kIntBoundary, MutationKind::kIntDelta,
                                     MutationKind::kEnumValue, MutationKind::kDictionaryToken,
                                     MutationKind::kStringLength, MutationKind::kByteHavoc};
  for (const char* name : {"coap", "mqtt", "http", "ble_att"}) {
    INFO(name);
    Grammar g = LoadGrammarFile(std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/" + name + ".grammar").grammar;
    GrammarMutator mutator(g);
    Generator& generator = mutator.generator();
    Rng rng(47);
    int applied = 0;
    size_t feeding = 0, not_feeding = 0;
    for (int i = 0; i < 300; ++i) {
      Tree tree = generator.Generate(rng);
      for (NodeId id : tree.Reachable()) (generator.MayAffectConditions(tree, id) ? feeding : not_feeding)++;
      MutationKind kind = leaf_kinds[rng.Below(std::size(leaf_kinds))];
      if (!mutator.Apply(kind, tree, rng, nullptr)) continue;
      ++applied;
      Tree check = tree;
      INFO(MutationName(kind) << " step " << i << "\n" << FormatTree(g, tree));
      REQUIRE(generator.RepairConditionals(check, rng, 4096) == 0);
    }
    CHECK(applied > 150);
    CHECK(not_feeding > 0);
    // CoAP's option numbers decide the extended delta fields, MQTT's
    // CONNECT flags the will and credentials; the conditional fields of
    // HTTP and ATT are in responses, which the start rule does not build.
    const std::string protocol = name;
    if (protocol == "coap" || protocol == "mqtt") CHECK(feeding > 0);
  }
}

TEST_CASE("After a structural mutation or a generation every conditional is in line", "[mutate]") {
  // The repair after a structural operation settles each conditional once
  // and keeps the answers of relations no repair could change (an extended
  // CoAP delta added changes no other condition): a fresh repair afterwards
  // finds nothing to change.
  const MutationKind structural[] = {MutationKind::kRegenerate,   MutationKind::kSwapAlternative,
                                     MutationKind::kSplice,       MutationKind::kRepeatInsert,
                                     MutationKind::kRepeatDelete, MutationKind::kRepeatDuplicate,
                                     MutationKind::kRepeatSwap};
  const std::string coap_demo = std::string(IOTFUZZ_SOURCE_DIR) + "/targets/demo_device/demo_device_coap_fuzzer.grammar";
  for (const std::string& path : {std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/coap.grammar",
                                  std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/mqtt.grammar",
                                  std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/http.grammar",
                                  std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/ble_att.grammar", coap_demo}) {
    INFO(path);
    Grammar g = LoadGrammarFile(path).grammar;
    GrammarMutator mutator(g);
    Generator& generator = mutator.generator();
    Rng rng(53);
    int applied = 0, generated_checked = 0;
    Tree tree = generator.Generate(rng);
    for (int i = 0; i < 400; ++i) {
      Tree donor = generator.Generate(rng);
      {
        Tree check = donor;
        INFO("generated, step " << i << "\n" << FormatTree(g, donor));
        REQUIRE(generator.RepairConditionals(check, rng, 4096) == 0);
        ++generated_checked;
      }
      MutationKind kind = structural[rng.Below(std::size(structural))];
      if (!mutator.Apply(kind, tree, rng, &donor)) continue;
      ++applied;
      Tree check = tree;
      INFO(MutationName(kind) << " step " << i << "\n" << FormatTree(g, tree));
      REQUIRE(generator.RepairConditionals(check, rng, 4096) == 0);
      if (tree.size() > 4000) tree = generator.Generate(rng);
    }
    CHECK(applied > 200);
    CHECK(generated_checked == 400);
  }
}

TEST_CASE("A stacked mutation without lies or toggles leaves every conditional in line", "[mutate]") {
  // Mutate settles conditionals once for a run of operations (and before a
  // lie or toggle): the result is as consistent as after operations
  // settled one by one.
  for (const char* name : {"coap", "mqtt", "http", "ble_att"}) {
    INFO(name);
    Grammar g = LoadGrammarFile(std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/" + name + ".grammar").grammar;
    MutatorOptions options;
    options.max_size = 4096;
    GrammarMutator mutator(g, options);
    Generator& generator = mutator.generator();
    Rng rng(59);
    int checked = 0, stacked = 0;
    for (int i = 0; i < 400; ++i) {
      Tree tree = generator.Generate(rng);
      Tree donor = generator.Generate(rng);
      std::vector<MutationKind> applied;
      if (!mutator.Mutate(tree, rng, &donor, &applied)) continue;
      bool consistent = true;
      for (MutationKind k : applied) {
        consistent = consistent && k != MutationKind::kToggleOptional && k != MutationKind::kRelationLie &&
                     k != MutationKind::kConstraintLie && k != MutationKind::kBindingLie;
      }
      if (!consistent) continue;
      ++checked;
      stacked += applied.size() > 1;
      Tree check = tree;
      INFO(FormatMutationSequence(applied) << " step " << i << "\n" << FormatTree(g, tree));
      REQUIRE(generator.RepairConditionals(check, rng, 8192) == 0);
    }
    CHECK(checked > 150);
    CHECK(stacked > 50);
  }
}

TEST_CASE("Swapping alternatives reaches an alternative of weight 0", "[mutate]") {
  Grammar g = LoadGrammarText("m = <0> \"dup\" | \"a\" | \"b\" ;", "w0.grammar").grammar;
  GrammarMutator mutator(g);
  Serializer serializer(g);
  Rng rng(9);
  int reached = 0;
  for (int i = 0; i < 300; ++i) {
    Tree tree = mutator.generator().Generate(rng);
    REQUIRE(serializer.Serialize(tree) != "dup");
    if (mutator.Apply(MutationKind::kSwapAlternative, tree, rng, nullptr)) reached += serializer.Serialize(tree) == "dup";
  }
  CHECK(reached > 50);
}

TEST_CASE("A constraint lie on a range that starts at a field writes a value below it", "[mutate]") {
  Grammar g = LoadGrammarText("m = start: u16le in 100..200 end: u16le in start..300 ;", "range.grammar").grammar;
  GrammarMutator mutator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(4);
  int below = 0;
  for (int i = 0; i < 200; ++i) {
    Tree tree = mutator.generator().Generate(rng);
    REQUIRE(mutator.Apply(MutationKind::kConstraintLie, tree, rng, nullptr));
    std::string x = serializer.Serialize(tree);
    const unsigned start = static_cast<uint8_t>(x[0]) | static_cast<uint8_t>(x[1]) << 8;
    const unsigned end = static_cast<uint8_t>(x[2]) | static_cast<uint8_t>(x[3]) << 8;
    if (end + 1 == start) {
      ++below;
      CHECK(parser.Parse(x).lying_fields >= 1);  // the start may be the lie, below its range
    }
  }
  CHECK(below > 20);
}

TEST_CASE("A relation lie reaches the bytes and parsing finds it", "[mutate]") {
  Grammar g = LoadGrammarText("start m;\nm = n: u16be = length(p) p: bytes{4,4} ;", "lie.grammar").grammar;
  GrammarMutator mutator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(2);
  int lies_seen = 0;
  for (int i = 0; i < 100; ++i) {
    Tree tree = mutator.generator().Generate(rng);
    REQUIRE(mutator.Apply(MutationKind::kRelationLie, tree, rng, nullptr));
    std::string bytes = serializer.Serialize(tree);
    uint16_t claimed = static_cast<uint16_t>((static_cast<uint8_t>(bytes[0]) << 8) | static_cast<uint8_t>(bytes[1]));
    if (claimed == 4) continue;  // the random lie can land on the truth
    ++lies_seen;
    ParseResult parsed = parser.Parse(bytes);
    CHECK(parsed.lying_fields + (parsed.raw_bytes > 0 ? 1 : 0) >= 1);
    CHECK(serializer.Serialize(parsed.tree) == bytes);
  }
  CHECK(lies_seen > 80);
}

TEST_CASE("Mutation is deterministic for a seed and honours the size limit", "[mutate]") {
  Grammar g = LoadGrammarText(kMqtt, "mqtt").grammar;
  MutatorOptions options;
  options.max_size = 200;
  GrammarMutator a(g, options), b(g, options);
  Serializer serializer(g);
  Rng ra(77), rb(77);
  Tree ta = a.generator().Generate(ra);
  while (serializer.Serialize(ta).size() > 200) ta = a.generator().Generate(ra);
  Tree tb = b.generator().Generate(rb);
  while (serializer.Serialize(tb).size() > 200) tb = b.generator().Generate(rb);
  for (int i = 0; i < 500; ++i) {
    std::vector<MutationKind> na, nb;
    Tree donor_a = a.generator().Generate(ra);
    Tree donor_b = b.generator().Generate(rb);
    a.Mutate(ta, ra, &donor_a, &na);
    b.Mutate(tb, rb, &donor_b, &nb);
    std::string sa = serializer.Serialize(ta), sb = serializer.Serialize(tb);
    REQUIRE(FormatMutationSequence(na) == FormatMutationSequence(nb));
    REQUIRE(sa == sb);
    if (sa.size() <= 200) continue;
    FAIL("mutated input of " << sa.size() << " bytes exceeds max_size 200");
  }
}

TEST_CASE("The output Mutate hands over is the serialization of the mutated tree", "[mutate]") {
  // The mutator serializes with what its condition repair computed; a fresh
  // serializer must agree, on plain and session grammars.
  for (std::string_view text : {kMqtt, grammar::testing::kSessions}) {
    Grammar g = LoadGrammarText(text, "grammar").grammar;
    MutatorOptions options;
    options.max_size = 400;
    GrammarMutator mutator(g, options);
    Serializer fresh(g);
    Rng rng(9);
    Tree tree = mutator.generator().Generate(rng);
    int taken = 0;
    for (int i = 0; i < 1500; ++i) {
      if (i % 50 == 0 || fresh.Serialize(tree).size() > 400) tree = mutator.generator().Generate(rng);
      if (fresh.Serialize(tree).size() > 400) continue;
      Tree donor = mutator.generator().Generate(rng);
      if (!mutator.Mutate(tree, rng, &donor)) continue;
      std::string out;
      if (!mutator.TakeOutput(out)) continue;
      ++taken;
      INFO("mutation " << i);
      REQUIRE(out == fresh.Serialize(tree));
    }
    CHECK(taken > 1000);
  }
}

TEST_CASE("Message operations and binding lies change session inputs and nothing else", "[mutate][session]") {
  Grammar g = LoadGrammarText(grammar::testing::kSessions, "sessions").grammar;
  GrammarMutator mutator(g);
  Serializer serializer(g);
  SessionBinder binder(g);
  Rng rng(17);
  for (const Session& session : g.sessions) {
    for (MutationKind kind : {MutationKind::kMessageInsert, MutationKind::kMessageDelete,
                              MutationKind::kMessageDuplicate, MutationKind::kMessageSwap,
                              MutationKind::kBindingLie}) {
      int applied = 0, changed = 0;
      for (int i = 0; i < 200; ++i) {
        Tree tree = mutator.generator().Generate(rng, session.input_rule);
        size_t before_count = tree.ChildCount(SessionBinder::MessageList(session, tree));
        std::string before = serializer.Serialize(tree);
        if (!mutator.Apply(kind, tree, rng, nullptr)) continue;
        ++applied;
        size_t after_count = tree.ChildCount(SessionBinder::MessageList(session, tree));
        if (kind == MutationKind::kMessageInsert) CHECK(after_count == before_count + 1);
        if (kind == MutationKind::kMessageDelete) CHECK(after_count == before_count - 1);
        if (kind == MutationKind::kMessageDuplicate) CHECK(after_count == before_count + 1);
        if (kind == MutationKind::kMessageSwap || kind == MutationKind::kBindingLie) CHECK(after_count == before_count);
        if (serializer.Serialize(tree) != before) ++changed;
      }
      INFO(session.name << " " << MutationName(kind) << " applied " << applied << " changed " << changed);
      CHECK(applied > 150);
      CHECK(changed > applied / 3);
    }
  }
  // A grammar without sessions offers them no place.
  Grammar plain = LoadGrammarText(kMqtt, "mqtt").grammar;
  GrammarMutator plain_mutator(plain);
  Tree tree = plain_mutator.generator().Generate(rng);
  CHECK_FALSE(plain_mutator.Apply(MutationKind::kMessageInsert, tree, rng, nullptr));
  CHECK_FALSE(plain_mutator.Apply(MutationKind::kBindingLie, tree, rng, nullptr));
}

TEST_CASE("Mutated sessions keep every binding unless the field is marked lying", "[mutate][session]") {
  Grammar g = LoadGrammarText(grammar::testing::kSessions, "sessions").grammar;
  GrammarMutator mutator(g);
  Serializer serializer(g);
  InputParser parser(g);
  SessionBinder binder(g);
  Rng rng(23);
  int lies_seen = 0;
  for (const Session& session : g.sessions) {
    Tree tree = mutator.generator().Generate(rng, session.input_rule);
    for (int i = 0; i < 400; ++i) {
      INFO(session.name << " round " << i);
      std::vector<MutationKind> applied;
      mutator.Mutate(tree, rng, nullptr, &applied);
      Tree copy = tree;
      CHECK(binder.MarkLies(session, copy) == 0);
      // And the bytes parse back exactly, lies included.
      std::string bytes = serializer.Serialize(tree);
      ParseResult parsed = parser.Parse(bytes, session.input_rule);
      REQUIRE(serializer.Serialize(parsed.tree) == bytes);
      for (NodeId id : binder.UsedFields(session, tree)) {
        if (tree.node(id).flags & kLying) ++lies_seen;
      }
    }
  }
  CHECK(lies_seen > 0);
}

}  // namespace
}  // namespace iotfuzz::mutate
