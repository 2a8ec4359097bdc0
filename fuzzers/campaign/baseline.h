// The baseline: findings already known, which a campaign reports but does
// not fail on. A text file meant to be committed and reviewed, one finding
// per line:
//
//   # iotfuzz campaign baseline
//   demo_device_http_fuzzer  heap-buffer-overflow-5f0c1a2b3c4d5e6f   # HTTP-1, fix pending
//   demo_device_mqtt_server  net-crash-0a1b2c3d4e5f6071
//
// Each line names the target (harness or network target) and the finding's
// signature as `iotfuzz campaign` reports it (triage's bucket key for
// in-process harnesses, `net-<kind>-<hash>` for network targets). Blank lines
// and text after '#' are ignored. `iotfuzz campaign --update-baseline`
// writes the file from a campaign's findings.
#ifndef IOTFUZZ_FUZZERS_CAMPAIGN_BASELINE_H_
#define IOTFUZZ_FUZZERS_CAMPAIGN_BASELINE_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace iotfuzz::campaign {

struct BaselineEntry {
  std::string target;
  std::string signature;
  std::string comment;  // without the '#', may be empty
  int line = 0;         // 1-based; 0 for entries not read from a file
};

class Baseline {
 public:
  // Throws Error "FILE:LINE: expected '<target> <signature>' ..." for a line
  // that has not exactly two fields or whose signature has characters other
  // than letters, digits, '-', '_' and '.'.
  static Baseline Parse(std::string_view text, const std::string& file_name);
  // Throws Error naming the file when it cannot be read (a missing baseline
  // is an error: a misspelt path must not make every finding new).
  static Baseline Load(const std::filesystem::path& path);

  bool Contains(std::string_view target, std::string_view signature) const;
  const std::vector<BaselineEntry>& entries() const { return entries_; }
  void Add(BaselineEntry entry);

  // The file text: a header comment, then entries sorted by target and
  // signature, comments kept.
  std::string Format() const;

 private:
  std::vector<BaselineEntry> entries_;
};

}  // namespace iotfuzz::campaign

#endif  // IOTFUZZ_FUZZERS_CAMPAIGN_BASELINE_H_
