// BuildManifest::Parse on arbitrary bytes: it either returns a manifest or
// throws iotfuzz::Error; any other exception or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const iotfuzz::BuildManifest manifest = iotfuzz::BuildManifest::Parse(text, "fuzz.json");
    for (const std::string& name : manifest.HarnessNames()) {
      if (manifest.Find(name) == nullptr) __builtin_trap();
    }
  } catch (const iotfuzz::Error&) {
  }
  return 0;
}
