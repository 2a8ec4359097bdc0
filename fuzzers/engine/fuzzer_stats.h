// Progress of a fuzzing engine, in one shape for every engine.
#ifndef IOTFUZZ_FUZZERS_ENGINE_FUZZER_STATS_H_
#define IOTFUZZ_FUZZERS_ENGINE_FUZZER_STATS_H_

#include <cstdint>

namespace iotfuzz {

// What an engine has reported so far. Zero means "not reported yet" for
// every counter.
struct FuzzerStats {
  std::uint64_t execs = 0;         // inputs executed
  double execs_per_sec = 0;        // as the engine reports it
  std::uint64_t edges = 0;         // libFuzzer "cov:", AFL++ edges_found
  std::uint64_t total_edges = 0;   // AFL++ total_edges (map size)
  std::uint64_t features = 0;      // libFuzzer "ft:"
  std::uint64_t corpus_count = 0;  // inputs in the engine's corpus
  std::uint64_t corpus_bytes = 0;  // libFuzzer only
  std::uint64_t crashes = 0;       // crashing inputs the engine saw
  std::uint64_t timeouts = 0;      // timeouts / hangs
  std::uint64_t ooms = 0;          // out-of-memory inputs
  std::uint64_t peak_rss_mb = 0;
  bool engine_done = false;  // the engine said it finished its budget

  bool operator==(const FuzzerStats&) const = default;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_FUZZER_STATS_H_
