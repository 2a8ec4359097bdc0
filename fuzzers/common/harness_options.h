// A harness's .options file (OSS-Fuzz format): engine flags per engine.
//
//   [libfuzzer]
//   max_len = 1024
//   only_ascii = 1
//
//   [afl]
//   ...
//
// '#' and ';' start comment lines; keys and values are trimmed.
#ifndef IOTFUZZ_FUZZERS_COMMON_HARNESS_OPTIONS_H_
#define IOTFUZZ_FUZZERS_COMMON_HARNESS_OPTIONS_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iotfuzz {

class HarnessOptions {
 public:
  using Entries = std::vector<std::pair<std::string, std::string>>;

  // Reads `file`. Throws Error "<file>:<line>: ..." for a line that is
  // neither a section header, a "key = value" pair nor a comment, for a pair
  // before any section, and when the file cannot be read.
  static HarnessOptions Load(const std::filesystem::path& file);
  static HarnessOptions Parse(std::string_view text, const std::string& origin);

  // The pairs of `section` (case-sensitive) in file order; a key given twice
  // appears twice, the later one meant to win. Empty when absent.
  const Entries& Section(std::string_view section) const;

 private:
  std::vector<std::pair<std::string, Entries>> sections_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_HARNESS_OPTIONS_H_
