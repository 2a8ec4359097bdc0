// LibFuzzerLogParser on arbitrary output: the first two bytes choose where
// to split the rest; parsing it in two pieces must give exactly what parsing
// it whole gives.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzzers/engine/libfuzzer_log_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::size_t split_seed = static_cast<std::size_t>(data[0]) << 8 | data[1];
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const std::size_t split = text.empty() ? 0 : split_seed % (text.size() + 1);

  iotfuzz::LibFuzzerLogParser whole;
  whole.Feed(text);
  whole.Finish();
  iotfuzz::LibFuzzerLogParser pieces;
  pieces.Feed(text.substr(0, split));
  pieces.Feed(text.substr(split));
  pieces.Finish();
  if (!(whole.stats() == pieces.stats())) __builtin_trap();
  if (whole.crash_reports().size() != pieces.crash_reports().size()) __builtin_trap();
  for (std::size_t i = 0; i < whole.crash_reports().size(); ++i) {
    if (whole.crash_reports()[i].type != pieces.crash_reports()[i].type ||
        whole.crash_reports()[i].artifact != pieces.crash_reports()[i].artifact) {
      __builtin_trap();
    }
  }
  return 0;
}
