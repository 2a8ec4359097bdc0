// Shared relation queries (Serializer::BeginQueries / QueryRelation /
// SerializeQueried) answer exactly what fresh computations answer.
#include "fuzzers/grammar/serializer.h"

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"
#include "tests/fuzzers/grammar/test_grammars.h"

namespace iotfuzz::grammar {
namespace {

// CoAP options (deltas, nibbles and their extensions, conditions on the
// nibbles), and a varint length inside the group it measures, whose size
// depends on its own value (a field inside its own target).
constexpr std::string_view kRelations = R"(
grammar relations;
start message;
message = bits { ver:2 = 1, tkl:4 = length(token), _:2 } token: bytes{0,8} options: option{0,6}
          inner: ( n: varint = length(inner) data: bytes{0,200} )
          count_of: u8 = count(options) ;
option = bits { dn:4 = nibble13(delta(number)), ln:4 = nibble13(length(value)) }
         dx1: if (dn == 13) u8 = ext13(delta(number))
         dx2: if (dn == 14) u16be = ext13(delta(number))
         lx1: if (ln == 13) u8 = ext13(length(value))
         lx2: if (ln == 14) u16be = ext13(length(value))
         number: virtual u16be in {1, 3, 11, 12, 60, 258, 2049}
         value: bytes{0,300} ;
)";

// Every relation field of `tree`, in document order.
std::vector<NodeId> RelationFields(const Grammar& g, const Tree& tree) {
  std::vector<NodeId> out;
  for (NodeId id : tree.Reachable()) {
    const Node& n = tree.node(id);
    if (n.expr != kNone && !(n.flags & kRaw) && g.expr(n.expr).relation.kind != RelationKind::kNone) out.push_back(id);
  }
  return out;
}

// Marks one relation field of `tree`, picked at random, lying with a small
// value; false when the tree has none.
bool LieAboutOneRelation(const Grammar& g, Tree& tree, Rng& rng) {
  std::vector<NodeId> fields = RelationFields(g, tree);
  if (fields.empty()) return false;
  Node& n = tree.node(fields[rng.Below(fields.size())]);
  n.flags |= kLying;
  n.value = rng.Below(16);
  return true;
}

// Queries every relation of `tree` in a shuffled order, then checks each
// answer and the queried serialization against fresh computations.
void CheckQueries(const Grammar& g, const Tree& tree, Serializer& queried, Rng& rng) {
  Serializer fresh(g);
  std::vector<NodeId> fields = RelationFields(g, tree);
  std::vector<NodeId> order = fields;
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);
  queried.BeginQueries(tree);
  std::vector<std::pair<NodeId, uint64_t>> answers;
  for (NodeId id : order) answers.push_back({id, queried.QueryRelation(tree, id)});
  for (NodeId id : order) answers.push_back({id, queried.QueryRelation(tree, id)});  // memoized now
  std::string bytes;
  queried.SerializeQueried(tree, bytes);
  CHECK(bytes == fresh.Serialize(tree));
  CHECK(fresh.SerializedSize(tree) == bytes.size());
  for (auto [id, value] : answers) {
    INFO("field node " << id);
    CHECK(value == fresh.ComputeRelation(tree, id));
  }
}

// Generates `count` trees of `g` (blobs of up to `max_blob` bytes, seed
// `seed`), checks shared queries on each as generated, then hands it to
// `more` with the serializer the queries share (one for every tree: stale
// memo entries must not leak) and the random source.
void ForEachGeneratedTree(const Grammar& g, uint32_t max_blob, uint64_t seed, int count,
                          const std::function<void(Tree&, Serializer&, Rng&)>& more) {
  GeneratorLimits limits;
  limits.max_blob = max_blob;
  Generator generator(g, limits);
  Serializer queried(g);
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    INFO("tree " << i);
    Tree tree = generator.Generate(rng);
    CheckQueries(g, tree, queried, rng);
    more(tree, queried, rng);
  }
}

TEST_CASE("Shared relation queries answer as fresh computations do", "[grammar]") {
  Grammar g = LoadGrammarText(kRelations, "relations.grammar").grammar;
  int with_extension = 0;
  // Blobs past 12 and 268 bytes: lengths with one- and two-byte extensions.
  ForEachGeneratedTree(g, 300, 11, 300, [&](Tree& tree, Serializer& queried, Rng& rng) {
    // Change the tree (a lying relation, a new value, a dropped option) and
    // query again after BeginQueries.
    LieAboutOneRelation(g, tree, rng);
    CheckQueries(g, tree, queried, rng);
    for (NodeId id : tree.Reachable()) {
      const Node& n = tree.node(id);
      if (n.expr != kNone && g.expr(n.expr).kind == ExprKind::kRepeat && n.first_child != kNone) {
        tree.Remove(n.first_child);
        break;
      }
    }
    CheckQueries(g, tree, queried, rng);
    std::string bytes = Serializer(g).Serialize(tree);
    with_extension += bytes.size() > 270;
  });
  CHECK(with_extension > 0);
}

// Fixed-width lengths written before the groups they measure (nested, two
// pending at once, one inside a conditional), one after its group (of a
// fixed size, so the parser can tell where it ends), one inside its own
// group, and a group of varying size (a varint length).
constexpr std::string_view kLengthsFirst = R"(
grammar lengths_first;
start frames;
frames = frame{1,4} ;
frame = flen: u16be = length(body) blen: u8 = length(tail) body: body tail: bytes{0,20} ;
body = kind: u8 in {1, 2}
       inner_len: u8 = length(inner) inner: ( varlen: varint = length(payload) payload: bytes{0,200} )
       extra: if (kind == 2) ( elen: u8 = length(edata) edata: bytes{0,9} )
       after: ( adata: bytes{3} alen: u8 = length(adata) )
       own: ( olen: u16le = length(own) odata: bytes{0,5} ) ;
)";

TEST_CASE("Lengths written before their groups are the groups' sizes", "[grammar]") {
  // Serialize fills a fixed-width length that precedes its group once the
  // group is written; with every relation queried first it writes them as
  // computed. Both agree, and the bytes parse back without a lie.
  Grammar g = LoadGrammarText(kLengthsFirst, "lengths_first.grammar").grammar;
  InputParser parser(g);
  int lying_trees = 0;
  // Blobs of up to 200 bytes: varint lengths of one and two bytes.
  ForEachGeneratedTree(g, 200, 17, 300, [&](Tree& tree, Serializer& queried, Rng& rng) {
    std::string bytes = Serializer(g).Serialize(tree);
    ParseResult parsed = parser.Parse(bytes);
    CHECK(parsed.complete());
    CHECK(parsed.lying_fields == 0);
    // A lying length keeps its value; the others still follow their groups.
    lying_trees += LieAboutOneRelation(g, tree, rng);
    CheckQueries(g, tree, queried, rng);
    // Parsed trees keep their exact bytes.
    std::string again = Serializer(g).Serialize(parser.Parse(bytes).tree);
    CHECK(again == bytes);
  });
  CHECK(lying_trees > 100);
}

TEST_CASE("The size without the bytes: SerializedSize is the length Serialize writes", "[grammar]") {
  // Generated trees, and parses of random bytes (raw leaves, lies, scalars
  // kept with their non-canonical bytes), of the four protocol grammars.
  for (const char* name : {"coap", "mqtt", "http", "ble_att"}) {
    INFO(name);
    Grammar g = LoadGrammarFile(std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/" + name + ".grammar").grammar;
    Generator generator(g);
    InputParser parser(g);
    Serializer serializer(g);
    Rng rng(13);
    for (int i = 0; i < 200; ++i) {
      Tree tree = generator.Generate(rng);
      CHECK(serializer.SerializedSize(tree) == serializer.Serialize(tree).size());
      std::string noise(rng.Below(300), '\0');
      for (char& c : noise) c = static_cast<char>(rng.Below(256));
      if (i % 2 == 0 && !noise.empty()) noise[0] = static_cast<char>(generator.serializer().Serialize(tree)[0]);
      ParseResult parsed = parser.Parse(noise);
      CHECK(serializer.SerializedSize(parsed.tree) == noise.size());
    }
  }
}

TEST_CASE("Repaired conditionals leave the generator's serializer ready for the tree", "[grammar]") {
  Grammar g = LoadGrammarText(kRelations, "relations.grammar").grammar;
  Generator generator(g);
  Serializer fresh(g);
  Rng rng(5);
  int repaired = 0;
  for (int i = 0; i < 300; ++i) {
    Tree tree = generator.Generate(rng);
    // Option numbers changed behind the conditions' back: extensions must
    // come and go.
    for (NodeId id : tree.Reachable()) {
      const Node& n = tree.node(id);
      if (n.expr != kNone && g.expr(n.expr).kind == ExprKind::kVirtual && rng.Chance(1, 2)) {
        tree.node(id).value = rng.Below(3000);
      }
    }
    repaired += generator.RepairConditionals(tree, rng, 512);
    std::string bytes;
    generator.serializer().SerializeQueried(tree, bytes);
    INFO("tree " << i);
    REQUIRE(bytes == fresh.Serialize(tree));
  }
  CHECK(repaired > 0);
}

}  // namespace
}  // namespace iotfuzz::grammar
