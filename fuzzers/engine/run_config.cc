#include "fuzzers/engine/run_config.h"

#include <system_error>

#include "fuzzers/common/error.h"

namespace iotfuzz {

std::string_view EngineName(EngineKind engine) {
  return engine == EngineKind::kAfl ? "afl" : "libfuzzer";
}

std::optional<EngineKind> EngineFromName(std::string_view name) {
  if (name == "libfuzzer") return EngineKind::kLibFuzzer;
  if (name == "afl") return EngineKind::kAfl;
  return std::nullopt;
}

void RunConfig::CreateDirectories() const {
  std::error_code ec;
  for (const std::filesystem::path& dir : {out_dir, WorkingCorpus(), CrashesDir(), LogsDir()}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error::Format("cannot create {}: {}", dir.string(), ec.message());
  }
}

}  // namespace iotfuzz
