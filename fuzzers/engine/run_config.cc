#include "fuzzers/engine/run_config.h"

namespace iotfuzz {

std::string_view EngineName(EngineKind engine) {
  return engine == EngineKind::kAfl ? "afl" : "libfuzzer";
}

std::optional<EngineKind> EngineFromName(std::string_view name) {
  if (name == "libfuzzer") return EngineKind::kLibFuzzer;
  if (name == "afl") return EngineKind::kAfl;
  return std::nullopt;
}

}  // namespace iotfuzz
