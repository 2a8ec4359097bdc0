// HarnessOptions::Parse on arbitrary text: it throws iotfuzz::Error or
// returns sections whose keys are never empty.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzzers/common/error.h"
#include "fuzzers/common/harness_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto options = iotfuzz::HarnessOptions::Parse(text, "fuzz.options");
    for (const auto& [key, value] : options.Section("libfuzzer")) {
      if (key.empty()) __builtin_trap();
    }
  } catch (const iotfuzz::Error&) {
  }
  return 0;
}
