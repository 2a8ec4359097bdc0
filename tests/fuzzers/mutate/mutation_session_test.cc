// MutationSession, the adapters' shared state: trees come from the cache or
// a parse with the same result, and only inputs met again are cached.
#include "fuzzers/mutate/mutation_session.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace iotfuzz::mutate {
namespace {

const std::string kGrammar = std::string(IOTFUZZ_SOURCE_DIR) + "/targets/demo_device/demo_device_coap_fuzzer.grammar";
const std::string kSeed =
    std::string(IOTFUZZ_SOURCE_DIR) + "/corpora/demo_device_coap_fuzzer/get_well_known_core_block2_szx2.bin";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> CorpusInputs() {
  std::vector<std::string> inputs;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(IOTFUZZ_SOURCE_DIR) + "/corpora/demo_device_coap_fuzzer")) {
    inputs.push_back(ReadFile(entry.path().string()));
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

TEST_CASE("Mutation sessions cache inputs met twice and mutate cached and parsed trees alike", "[mutate]") {
  std::string seed = ReadFile(kSeed);
  REQUIRE(!seed.empty());
  MutationSession fresh(kGrammar, {});   // parses every input it is given
  MutationSession cached(kGrammar, {});  // has the inputs in its cache first
  // One-off inputs (as after a byte-level mutation): different each time.
  std::vector<std::string> inputs;
  for (int i = 0; i < 200; ++i) {
    std::string input = seed;
    input[static_cast<size_t>(i) % input.size()] ^= static_cast<char>(1 + i / static_cast<int>(input.size()));
    inputs.push_back(input);
  }
  for (const std::string& input : inputs) cached.TreeOf(input);
  REQUIRE(cached.cached() == inputs.size());
  std::string out_fresh, out_cached;
  int mutated = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    bool a = fresh.Mutate(inputs[i], {}, 512, 1000 + i, out_fresh);
    bool b = cached.Mutate(inputs[i], {}, 512, 1000 + i, out_cached);
    INFO("input " << i);
    REQUIRE(a == b);
    if (!a) continue;
    ++mutated;
    REQUIRE(out_fresh == out_cached);
  }
  CHECK(mutated > 150);
  CHECK(fresh.cached() == 0);  // each met once
  // Met a second time: now cached, and the mutation is the same again.
  REQUIRE(fresh.Mutate(inputs[0], {}, 512, 1000, out_fresh));
  CHECK(fresh.cached() == 1);
  REQUIRE(cached.Mutate(inputs[0], {}, 512, 1000, out_cached));
  CHECK(out_fresh == out_cached);
}

TEST_CASE("A session told to cache every input caches it when first met and mutates it alike", "[mutate]") {
  std::vector<std::string> inputs = CorpusInputs();
  REQUIRE(inputs.size() >= 4);
  MutationSession every(kGrammar, {});
  every.set_cache_every_input(true);
  MutationSession twice(kGrammar, {});  // caches an input met a second time
  std::string out_every, out_twice;
  for (size_t i = 0; i < inputs.size(); ++i) {
    INFO("input " << i);
    bool a = every.Mutate(inputs[i], inputs[(i + 1) % inputs.size()], 512, 300 + i, out_every);
    bool b = twice.Mutate(inputs[i], inputs[(i + 1) % inputs.size()], 512, 300 + i, out_twice);
    REQUIRE(a == b);
    if (a) CHECK(out_every == out_twice);
  }
  // Every input was a donor once, and donors are cached by both.
  CHECK(every.cached() == inputs.size());
  CHECK(twice.cached() == inputs.size());
  // A new input: cached at once only by the first.
  std::string fresh = inputs[0] + "x";
  every.Mutate(fresh, {}, 512, 9, out_every);
  twice.Mutate(fresh, {}, 512, 9, out_twice);
  CHECK(every.cached() == inputs.size() + 1);
  CHECK(twice.cached() == inputs.size());
}

TEST_CASE("Session cache keys tell apart inputs that differ in one byte or in length", "[mutate]") {
  std::string seed = ReadFile(kSeed);
  REQUIRE(seed.size() > 16);
  std::set<uint64_t> keys;
  size_t inputs = 0;
  // Every single-bit change of the seed.
  for (size_t i = 0; i < seed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string changed = seed;
      changed[i] ^= static_cast<char>(1 << bit);
      keys.insert(MutationSession::Hash(changed));
      ++inputs;
    }
  }
  // Runs of zero bytes of every length up to 64 (the padding of the last
  // word must not hide the length), and every prefix of the seed.
  for (size_t n = 0; n <= 64; ++n, ++inputs) keys.insert(MutationSession::Hash(std::string(n, '\0')));
  for (size_t n = 1; n <= seed.size(); ++n, ++inputs) keys.insert(MutationSession::Hash(std::string_view(seed).substr(0, n)));
  CHECK(keys.size() == inputs);
}

TEST_CASE("Crossover splices from the second input alike whether the first is cached or parsed", "[mutate]") {
  std::vector<std::string> inputs = CorpusInputs();
  REQUIRE(inputs.size() >= 8);
  MutationSession fresh(kGrammar, {});
  MutationSession cached(kGrammar, {});
  for (const std::string& input : inputs) cached.TreeOf(input);
  std::string out_fresh, out_cached;
  int spliced = 0, changed = 0;
  for (size_t i = 0; i < 200; ++i) {
    const std::string& a = inputs[i % inputs.size()];
    const std::string& b = inputs[(i * 7 + 3) % inputs.size()];
    INFO("crossover " << i);
    bool x = fresh.CrossOver(a, b, 512, 5000 + i, out_fresh);
    bool y = cached.CrossOver(a, b, 512, 5000 + i, out_cached);
    REQUIRE(x == y);
    if (!x) continue;
    ++spliced;
    REQUIRE(out_fresh == out_cached);
    CHECK(out_fresh.size() <= 512);
    REQUIRE(fresh.last_mutations() == std::vector<MutationKind>{MutationKind::kSplice});
    changed += out_fresh != a;
  }
  CHECK(spliced > 150);
  // Many splices put in an equal subtree (the donor's code or type is often
  // the same); most change the input.
  CHECK(changed > 100);
}

TEST_CASE("Crossovers and mutations stacked on their own outputs stay within the limit", "[mutate]") {
  // Each call after the first starts from the last output, whose tree the
  // session keeps (a crossover changes it in place); two sessions given the
  // same calls agree.
  std::vector<std::string> inputs = CorpusInputs();
  REQUIRE(!inputs.empty());
  constexpr size_t kMax = 200;
  MutationSession one(kGrammar, {});
  MutationSession two(kGrammar, {});
  std::string current = inputs[0];
  std::string out_one, out_two;
  int crossovers = 0, changed = 0;
  for (size_t i = 0; i < 400; ++i) {
    const std::string& donor = inputs[(i * 5 + 1) % inputs.size()];
    const bool crossover = i % 2 == 0;
    INFO("step " << i << (crossover ? " (crossover)" : " (mutation)"));
    bool x = crossover ? one.CrossOver(current, donor, kMax, 700 + i, out_one)
                       : one.Mutate(current, donor, kMax, 700 + i, out_one);
    bool y = crossover ? two.CrossOver(current, donor, kMax, 700 + i, out_two)
                       : two.Mutate(current, donor, kMax, 700 + i, out_two);
    REQUIRE(x == y);
    if (!x) continue;
    REQUIRE(out_one == out_two);
    REQUIRE(out_one.size() <= kMax);
    crossovers += crossover;
    changed += out_one != current;
    current = out_one;
  }
  CHECK(crossovers > 100);
  CHECK(changed > 250);
}

}  // namespace
}  // namespace iotfuzz::mutate
