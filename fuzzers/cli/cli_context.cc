#include "fuzzers/cli/cli_context.h"

#include <system_error>

#include "fuzzers/common/error.h"

namespace iotfuzz::cli {

BuildManifest CliContext::LoadManifest() const {
  const std::filesystem::path file = BuildManifest::Locate(build_dir, env, executable);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw Error::Format(
        "no build manifest at {}; configure and build a tree first (cmake --preset "
        "libfuzzer-asan && cmake --build --preset libfuzzer-asan) or point --build-dir or "
        "IOTFUZZ_BUILD_DIR at one",
        file.string());
  }
  return BuildManifest::Load(file);
}

}  // namespace iotfuzz::cli
