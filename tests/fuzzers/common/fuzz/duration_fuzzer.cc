// ParseDuration on arbitrary text: it throws iotfuzz::Error or returns a
// duration that FormatDuration writes back to text parsing to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto parsed = iotfuzz::ParseDuration(text);
    if (iotfuzz::ParseDuration(iotfuzz::FormatDuration(parsed)) != parsed) __builtin_trap();
    (void)iotfuzz::FormatClock(parsed);
  } catch (const iotfuzz::Error&) {
  }
  return 0;
}
