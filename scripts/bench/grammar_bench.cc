// Micro-benchmark of the grammar engine on one grammar and a corpus:
// parse latency, mutate+serialize latency (on a cached tree, and bytes to
// bytes through MutationSession as the libFuzzer adapter calls it),
// generation rate, and as the baseline in the same run a plain byte mutation
// (copy, flip one byte) of the same inputs. Prints one table. Used by
// scripts/bench/grammar, which also runs the variants built against ASan
// (grammar_bench_asan_runtime, grammar_bench_asan).
//
//   grammar_bench GRAMMAR CORPUS_DIR [ITERATIONS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/mutate/grammar_mutator.h"
#include "fuzzers/mutate/mutation_session.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double median_us = 0, p99_us = 0, mean_us = 0;
};

Stats Summarize(std::vector<double>& samples) {
  std::sort(samples.begin(), samples.end());
  Stats s;
  if (samples.empty()) return s;
  s.median_us = samples[samples.size() / 2];
  double sum = 0;
  for (double x : samples) sum += x;
  s.mean_us = sum / static_cast<double>(samples.size());
  s.p99_us = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
  return s;
}

double Micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s GRAMMAR CORPUS_DIR [ITERATIONS]\n", argv[0]);
    return 1;
  }
  int iterations = argc > 3 ? std::atoi(argv[3]) : 20000;
  using namespace iotfuzz;
  grammar::Grammar g = grammar::LoadGrammarFile(argv[1]).grammar;
  std::vector<std::string> inputs;
  for (const auto& e : std::filesystem::directory_iterator(argv[2])) {
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() <= 512) inputs.push_back(bytes);
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "no inputs of at most 512 bytes in %s\n", argv[2]);
    return 1;
  }
  grammar::InputParser parser(g);
  grammar::Serializer serializer(g);
  mutate::MutatorOptions options;
  options.max_size = 512;
  mutate::GrammarMutator mutator(g, options);
  grammar::Rng rng(1);

  // Parse.
  std::vector<double> parse_us;
  std::vector<grammar::Tree> trees;
  size_t exact = 0, complete = 0;
  for (int round = 0; round < std::max(1, 2000 / static_cast<int>(inputs.size())); ++round) {
    for (const std::string& input : inputs) {
      auto t0 = Clock::now();
      grammar::ParseResult r = parser.Parse(input);
      parse_us.push_back(Micros(t0, Clock::now()));
      if (round == 0) {
        exact += serializer.Serialize(r.tree) == input;
        complete += r.complete();
        trees.push_back(std::move(r.tree));
      }
    }
  }

  // Mutate + serialize (the tree comes from the cache and is copied into a
  // working tree kept from call to call, as in the adapters, which know the
  // size of the input it was parsed from and undo by copying the cached
  // tree again).
  std::vector<size_t> source_sizes;
  for (const std::string& input : inputs) source_sizes.push_back(input.size());
  std::vector<double> mutate_us;
  std::string out;
  grammar::Tree tree;
  for (int i = 0; i < iterations; ++i) {
    const grammar::Tree& source = trees[static_cast<size_t>(i) % trees.size()];
    const grammar::Tree& donor = trees[rng.Below(trees.size())];
    auto t0 = Clock::now();
    tree = source;
    mutator.Mutate(tree, rng, &donor, nullptr, source_sizes[static_cast<size_t>(i) % trees.size()], &source);
    if (!mutator.TakeOutput(out)) {
      out.clear();
      serializer.Serialize(tree, out);
    }
    mutate_us.push_back(Micros(t0, Clock::now()));
  }

  // Bytes to bytes as LLVMFuzzerCustomMutator calls it: hash, tree cache,
  // mutation, serialization (every input a corpus entry; each is parsed once,
  // before timing starts).
  mutate::MutationSession session(argv[1], options);
  for (const std::string& input : inputs) session.TreeOf(input);
  std::vector<double> session_us;
  for (int i = 0; i < iterations; ++i) {
    const std::string& input = inputs[static_cast<size_t>(i) % inputs.size()];
    uint64_t seed = rng.Next();
    auto t0 = Clock::now();
    session.Mutate(input, {}, 512, seed, out);
    session_us.push_back(Micros(t0, Clock::now()));
  }

  // Crossover, bytes to bytes as LLVMFuzzerCustomCrossOver calls it: a
  // corpus entry spliced with another (both cached).
  std::vector<double> crossover_us;
  for (int i = 0; i < iterations; ++i) {
    const std::string& a = inputs[static_cast<size_t>(i) % inputs.size()];
    const std::string& b = inputs[rng.Below(inputs.size())];
    uint64_t seed = rng.Next();
    auto t0 = Clock::now();
    session.CrossOver(a, b, 512, seed, out);
    crossover_us.push_back(Micros(t0, Clock::now()));
  }

  // As libFuzzer drives the adapters: a corpus entry, then up to five
  // calls stacked on each other's output, each a mutation or a crossover
  // with a corpus entry (LLVMFuzzerCustomMutator and
  // LLVMFuzzerCustomCrossOver are its only two mutators, picked alike).
  // The mean per call is what bounds a harness's executions per second.
  mutate::MutationSession driven(argv[1], options);
  for (const std::string& input : inputs) driven.TreeOf(input);
  std::vector<double> stacked_us;
  std::string unit, next;
  for (int i = 0; i < iterations;) {
    unit = inputs[rng.Below(inputs.size())];
    const int depth = 1 + static_cast<int>(rng.Below(5));
    for (int d = 0; d < depth && i < iterations; ++d, ++i) {
      const std::string& other = inputs[rng.Below(inputs.size())];
      const bool crossover = rng.Below(2) == 0;
      uint64_t seed = rng.Next();
      auto t0 = Clock::now();
      bool ok = crossover ? driven.CrossOver(unit, other, 4096, seed, next) : driven.Mutate(unit, {}, 4096, seed, next);
      stacked_us.push_back(Micros(t0, Clock::now()));
      if (ok) std::swap(unit, next);
    }
  }

  // Baseline: copy and flip one byte.
  std::vector<double> byte_us;
  for (int i = 0; i < iterations; ++i) {
    const std::string& source = inputs[static_cast<size_t>(i) % inputs.size()];
    auto t0 = Clock::now();
    std::string copy = source;
    if (!copy.empty()) copy[rng.Below(copy.size())] ^= static_cast<char>(1u << rng.Below(8));
    byte_us.push_back(Micros(t0, Clock::now()));
    if (copy.size() == 12345) std::puts("");  // keep the work observable
  }

  // Generation.
  grammar::GeneratorLimits limits;
  limits.max_bytes = 512;
  grammar::Generator generator(g, limits);
  auto g0 = Clock::now();
  size_t generated_bytes = 0;
  int generated = 0;
  for (; generated < iterations / 4; ++generated) {
    out.clear();
    serializer.Serialize(generator.Generate(rng), out);
    generated_bytes += out.size();
  }
  double gen_seconds = Micros(g0, Clock::now()) / 1e6;

  Stats p = Summarize(parse_us), m = Summarize(mutate_us), sm = Summarize(session_us);
  Stats x = Summarize(crossover_us), st = Summarize(stacked_us), b = Summarize(byte_us);
  std::printf("grammar %s, %zu inputs of at most 512 bytes, %d iterations\n", argv[1], inputs.size(), iterations);
  std::printf("%-34s %12s %12s\n", "operation", "median us", "p99 us");
  std::printf("%-34s %12.2f %12.2f\n", "parse (bytes -> tree)", p.median_us, p.p99_us);
  std::printf("%-34s %12.2f %12.2f\n", "mutate + serialize (grammar)", m.median_us, m.p99_us);
  std::printf("%-34s %12.2f %12.2f\n", "mutate, bytes to bytes (session)", sm.median_us, sm.p99_us);
  std::printf("%-34s %12.2f %12.2f\n", "crossover, bytes to bytes (session)", x.median_us, x.p99_us);
  std::printf("%-34s %12.2f %12.2f   mean %.2f us (max_size 4096)\n", "stacked mutate/crossover (session)",
              st.median_us, st.p99_us, st.mean_us);
  std::printf("%-34s %12.2f %12.2f\n", "baseline: copy + flip one byte", b.median_us, b.p99_us);
  std::printf("%-34s %12.0f inputs/s (%.0f bytes avg)\n", "generate + serialize", generated / gen_seconds,
              generated ? static_cast<double>(generated_bytes) / generated : 0.0);
  std::printf("%-34s %zu/%zu exact, %zu/%zu without raw bytes\n", "parse-back of the corpus", exact, inputs.size(),
              complete, inputs.size());
  return 0;
}
