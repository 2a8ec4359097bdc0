// ParseDictionary on arbitrary text: it throws iotfuzz::Error naming the
// origin, or returns entries of 1 to 64 bytes that write back (with
// FormatDictionaryEntry) as lines parsing to the same name and bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzzers/common/dictionary_file.h"
#include "fuzzers/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto entries = iotfuzz::ParseDictionary(text, "fuzz.dict");
    std::string written;
    for (const auto& e : entries) {
      if (e.value.empty() || e.value.size() > iotfuzz::kDictionaryMaxEntryBytes || e.line == 0) __builtin_trap();
      written += iotfuzz::FormatDictionaryEntry(e.name, e.value) + "\n";
    }
    const auto again = iotfuzz::ParseDictionary(written, "written.dict");
    if (again.size() != entries.size()) __builtin_trap();
    for (size_t i = 0; i < entries.size(); ++i) {
      if (again[i].value != entries[i].value || again[i].name != entries[i].name) __builtin_trap();
    }
  } catch (const iotfuzz::Error& e) {
    if (std::string_view(e.what()).rfind("fuzz.dict:", 0) != 0) __builtin_trap();
  }
  return 0;
}
