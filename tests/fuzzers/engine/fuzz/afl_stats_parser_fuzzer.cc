// AflStatsParser on arbitrary text: fuzzer_stats parsing takes any bytes,
// and combining instances adds their executions.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzzers/engine/afl_stats_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const iotfuzz::AflStats stats = iotfuzz::AflStatsParser::Parse(text);
  const iotfuzz::FuzzerStats combined = iotfuzz::AflStatsParser::Combine({stats, stats});
  if (combined.execs != 2 * stats.execs_done) __builtin_trap();
  return 0;
}
