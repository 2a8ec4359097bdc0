// Finds the inputs a run saved because they crashed, leaked, hung or ran out
// of memory, and tells them apart from those earlier runs left behind.
//
// libFuzzer writes <crashes>/<kind>-<sha1> itself (through -artifact_prefix).
// AFL++ writes <afl>/<instance>/crashes/id:* and hangs/id:*; those are copied
// into <crashes> as crash-<hash> and timeout-<hash> (hash of the content, so
// one input found by two instances is one file), which gives every engine the
// same layout and replay command.
#ifndef IOTFUZZ_FUZZERS_ENGINE_FINDINGS_COLLECTOR_H_
#define IOTFUZZ_FUZZERS_ENGINE_FINDINGS_COLLECTOR_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iotfuzz {

enum class FindingKind { kCrash, kLeak, kTimeout, kOutOfMemory, kSlowUnit };

// "crash", "leak", "timeout", "oom", "slow-unit" (the libFuzzer file prefixes).
std::string_view FindingKindName(FindingKind kind);

struct Finding {
  std::filesystem::path file;  // under the crashes directory
  FindingKind kind = FindingKind::kCrash;
  std::string crash_type;  // e.g. "heap-buffer-overflow"; "" when unknown
  std::uintmax_t size_bytes = 0;
  std::filesystem::path engine_file;  // AFL++: the file afl-fuzz wrote; else empty

  // Slow units are reported but are not failures.
  bool is_failure() const { return kind != FindingKind::kSlowUnit; }
};

class FindingsCollector {
 public:
  explicit FindingsCollector(std::filesystem::path crashes_dir);

  // The kind of a libFuzzer artifact from its file name ("crash-ab12" ->
  // kCrash), nullopt for any other name.
  static std::optional<FindingKind> KindOfArtifactName(std::string_view file_name);

  // Remembers the artifacts present now (name and modification time).
  void Snapshot();

  // libFuzzer artifacts created or rewritten since Snapshot(), by name.
  std::vector<Finding> NewLibFuzzerArtifacts() const;

  // Copies the findings under AFL++ output directory `afl_out` into the
  // crashes directory and returns them, by name. Reading errors skip the file.
  std::vector<Finding> ImportAflFindings(const std::filesystem::path& afl_out) const;

 private:
  std::filesystem::path crashes_dir_;
  std::map<std::string, std::filesystem::file_time_type> snapshot_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_FINDINGS_COLLECTOR_H_
