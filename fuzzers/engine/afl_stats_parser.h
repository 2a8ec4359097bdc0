// AFL++'s progress, read from <out>/<instance>/fuzzer_stats: "key : value"
// lines with AFL++ 4.04c names, written when fuzzing starts, about once a
// minute and at exit.
#ifndef IOTFUZZ_FUZZERS_ENGINE_AFL_STATS_PARSER_H_
#define IOTFUZZ_FUZZERS_ENGINE_AFL_STATS_PARSER_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "fuzzers/engine/fuzzer_stats.h"

namespace iotfuzz {

struct AflStats {
  std::uint64_t execs_done = 0;
  double execs_per_sec = 0;
  std::uint64_t corpus_count = 0;
  std::uint64_t saved_crashes = 0;  // "unique_crashes" in AFL++ before 4.0
  std::uint64_t saved_hangs = 0;    // "unique_hangs" before 4.0
  std::uint64_t edges_found = 0;
  std::uint64_t total_edges = 0;
  std::uint64_t run_time = 0;  // seconds
  std::uint64_t peak_rss_mb = 0;
};

class AflStatsParser {
 public:
  // Parses the text of a fuzzer_stats file. Unknown keys and lines that are
  // not "key : value" are skipped; a value that is not a number leaves its
  // field at 0.
  static AflStats Parse(std::string_view text);
  // Reads and parses `file`; nullopt when it does not exist (yet) or cannot
  // be read.
  static std::optional<AflStats> ReadFile(const std::filesystem::path& file);

  // One view of several instances (-M/-S): executions, speed, crashes and
  // hangs add up; edges and corpus size are the largest instance's (the
  // instances share their finds).
  static FuzzerStats Combine(const std::vector<AflStats>& instances);
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_AFL_STATS_PARSER_H_
