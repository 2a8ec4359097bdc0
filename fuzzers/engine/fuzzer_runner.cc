#include "fuzzers/engine/fuzzer_runner.h"

#include <algorithm>
#include <system_error>

#include "fuzzers/engine/afl_runner.h"
#include "fuzzers/engine/libfuzzer_runner.h"

namespace iotfuzz {

bool RunOutcome::has_failures() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.is_failure(); });
}

std::unique_ptr<FuzzerRunner> MakeFuzzerRunner(RunConfig config) {
  if (config.engine == EngineKind::kAfl) return std::make_unique<AflRunner>(std::move(config));
  return std::make_unique<LibFuzzerRunner>(std::move(config));
}

std::pair<std::uint64_t, std::uint64_t> CountCorpusFiles(const std::filesystem::path& dir) {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;
    ++files;
    bytes += entry.file_size(entry_ec);
  }
  return {files, bytes};
}

}  // namespace iotfuzz
