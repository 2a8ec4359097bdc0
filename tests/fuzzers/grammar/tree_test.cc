// Tree::Compact reuses its scratch buffers from call to call: compacted
// trees must stay whole and independent of each other.
#include "fuzzers/grammar/tree.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/serializer.h"
#include "tests/fuzzers/grammar/test_grammars.h"

namespace iotfuzz::grammar {
namespace {

TEST_CASE("Compacted trees keep their bytes and do not share buffers", "[grammar]") {
  Grammar g = LoadGrammarText(testing::kMqttStream, "mqtt.grammar").grammar;
  Generator generator(g);
  Serializer serializer(g);
  Rng rng(3);
  std::vector<Tree> trees;
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    Tree tree = generator.Generate(rng);
    // Leave unreachable nodes behind, as mutations do: regenerate a few
    // subtrees in place.
    for (int k = 0; k < 3; ++k) {
      std::vector<NodeId> nodes = tree.Reachable();
      NodeId old = nodes[rng.Below(nodes.size())];
      if (old == tree.root()) continue;
      NodeId fresh = generator.GenerateInto(tree, tree.node(old).expr, tree.node(old).parent, rng, 64);
      tree.Remove(fresh);
      tree.Replace(old, fresh);
    }
    expected.push_back(serializer.Serialize(tree));
    trees.push_back(std::move(tree));
  }
  int shrunk = 0;
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < trees.size(); ++i) {
      size_t before = trees[i].size();
      trees[i].Compact();
      shrunk += trees[i].size() < before;
      CHECK(trees[i].size() == trees[i].Reachable().size());
    }
    // Every tree, compacted before or after the others, still serializes
    // to what it did.
    for (size_t i = 0; i < trees.size(); ++i) {
      INFO("tree " << i << ", round " << round);
      CHECK(serializer.Serialize(trees[i]) == expected[i]);
    }
  }
  CHECK(shrunk > 0);
}

}  // namespace
}  // namespace iotfuzz::grammar
