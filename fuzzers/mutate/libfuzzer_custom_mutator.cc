// libFuzzer's custom-mutator hooks, linked into every harness declared with a
// GRAMMAR (cmake/IotfuzzHarness.cmake). Most mutations go through the grammar
// mutator; a share (IOTFUZZ_BYTE_MUTATION_PERCENT, default 20) stays with
// libFuzzer's own byte mutations, which also carry its comparison-guided
// tricks. Without a usable grammar every call falls back to LLVMFuzzerMutate,
// after one warning line.
//
// Environment: IOTFUZZ_GRAMMAR (path, or "none" to fuzz byte-level only),
// IOTFUZZ_BYTE_MUTATION_PERCENT, IOTFUZZ_PRINT_MUTATIONS=1 (an "MS:" line per
// grammar mutation on stderr).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "fuzzers/grammar/random.h"
#include "fuzzers/mutate/mutation_session.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);
// Defined per harness by iotfuzz_add_harness: the grammar file it names.
extern "C" const char* const iotfuzz_harness_grammar;

namespace {

struct AdapterState {
  std::unique_ptr<iotfuzz::mutate::MutationSession> session;
  uint32_t byte_percent = 20;
  bool print_mutations = false;
  std::string out;
};

AdapterState* State() {
  static AdapterState* state = [] {
    auto* s = new AdapterState;
    if (const char* p = std::getenv("IOTFUZZ_BYTE_MUTATION_PERCENT")) {
      s->byte_percent = static_cast<uint32_t>(std::min(100L, std::max(0L, std::strtol(p, nullptr, 10))));
    }
    const char* print = std::getenv("IOTFUZZ_PRINT_MUTATIONS");
    s->print_mutations = print && std::strcmp(print, "1") == 0;
    std::string path = iotfuzz::mutate::ResolveGrammarPath(iotfuzz_harness_grammar);
    if (path.empty()) return s;
    try {
      iotfuzz::mutate::MutatorOptions options;
      s->session = std::make_unique<iotfuzz::mutate::MutationSession>(path, options);
      s->session->mutator().set_byte_mutator(
          [](uint8_t* data, size_t size, size_t max_size) { return LLVMFuzzerMutate(data, size, max_size); });
      std::fprintf(stderr, "INFO: iotfuzz grammar mutator: %s (%u%% byte-level mutations)\n", path.c_str(),
                   s->byte_percent);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "WARNING: iotfuzz grammar mutator disabled: %s\n", e.what());
    }
    return s;
  }();
  return state;
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  AdapterState* s = State();
  iotfuzz::grammar::Rng rng(seed);
  if (!s->session || rng.Below(100) < s->byte_percent) return LLVMFuzzerMutate(data, size, max_size);

  // Crossover with other corpus entries is LLVMFuzzerCustomCrossOver's job;
  // here an input splices with itself.
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!s->session->Mutate(input, {}, max_size, rng.Next(), s->out) || s->out.size() > max_size) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  if (s->print_mutations) {
    std::fprintf(stderr, "%s\n", iotfuzz::mutate::FormatMutationSequence(s->session->last_mutations()).c_str());
  }
  std::memcpy(data, s->out.data(), s->out.size());
  return s->out.size();
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* data1, size_t size1, const uint8_t* data2, size_t size2,
                                            uint8_t* out, size_t max_out_size, unsigned int seed) {
  AdapterState* s = State();
  std::string_view a(reinterpret_cast<const char*>(data1), size1);
  std::string_view b(reinterpret_cast<const char*>(data2), size2);
  if (s->session && s->session->CrossOver(a, b, max_out_size, seed, s->out) && s->out.size() <= max_out_size) {
    std::memcpy(out, s->out.data(), s->out.size());
    return s->out.size();
  }
  // Plain crossover: a prefix of one and a suffix of the other.
  iotfuzz::grammar::Rng rng(seed);
  size_t head = std::min<size_t>(rng.Below(size1 + 1), max_out_size);
  size_t tail = std::min<size_t>(rng.Below(size2 + 1), max_out_size - head);
  std::memcpy(out, data1, head);
  std::memcpy(out + head, data2 + size2 - tail, tail);
  return head + tail;
}
