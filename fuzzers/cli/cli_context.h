// What every subcommand gets: where iotfuzz runs from, the environment, the
// global options, and the streams to write to.
#ifndef IOTFUZZ_FUZZERS_CLI_CLI_CONTEXT_H_
#define IOTFUZZ_FUZZERS_CLI_CLI_CONTEXT_H_

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/environment.h"

namespace iotfuzz::cli {

struct CliContext {
  std::filesystem::path executable;  // this program (/proc/self/exe)
  Environment env;
  std::optional<std::filesystem::path> build_dir;  // --build-dir
  std::vector<std::string> passthrough_args;       // words after "--"
  std::string version;
  std::FILE* out = stdout;
  std::FILE* err = stderr;

  // The manifest of the build to use (see BuildManifest::Locate). Throws
  // Error saying how to get one when it is missing or broken.
  BuildManifest LoadManifest() const;
};

}  // namespace iotfuzz::cli

#endif  // IOTFUZZ_FUZZERS_CLI_CLI_CONTEXT_H_
