// Learns what kind of crash an input causes by running it once through the
// harness's replay binary, for findings whose engine did not say (AFL++, and
// libFuzzer's fork mode when its jobs reported several crash types).
#ifndef IOTFUZZ_FUZZERS_ENGINE_CRASH_REPLAYER_H_
#define IOTFUZZ_FUZZERS_ENGINE_CRASH_REPLAYER_H_

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/environment.h"
#include "fuzzers/engine/findings_collector.h"

namespace iotfuzz {

class StopSignal;

// The command that replays `input` on its own: `<build>/bin/<h>_replay
// <input>`, or another binary of the harness that runs files given as
// arguments (libFuzzer or libAFLDriver binaries do) when there is no _replay.
std::vector<std::string> ReplayCommandFor(const HarnessEntry& harness,
                                          const std::filesystem::path& input);

class CrashReplayer {
 public:
  struct Limits {
    std::size_t max_replays = 10;      // inputs replayed per run
    std::chrono::seconds timeout{20};  // per input
  };

  // Replays with `harness`'s binaries in the user's environment `env` plus
  // ReportingSanitizerEnvironment; each replay's output is kept in
  // `logs_dir`/replay-<input name>.log.
  CrashReplayer(HarnessEntry harness, Environment env, std::filesystem::path logs_dir);
  CrashReplayer(HarnessEntry harness, Environment env, std::filesystem::path logs_dir,
                Limits limits);

  // For each crash or leak finding without a crash type, up to the limit:
  // replays it and sets the type from the first error line of the output
  // (see CrashTypeFromLine), "did-not-reproduce" when it ran cleanly, or
  // "replay-timeout" when it ran past the time limit. Does nothing once
  // `stop` (may be null) has been requested, so Ctrl-C is never delayed.
  void FillMissingTypes(std::vector<Finding>& findings, StopSignal* stop) const;

 private:
  std::string Replay(const Finding& finding, StopSignal* stop) const;

  HarnessEntry harness_;
  Environment env_;
  std::filesystem::path logs_dir_;
  Limits limits_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_CRASH_REPLAYER_H_
