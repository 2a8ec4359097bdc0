// CrashReproducer: runs one input against the target once and returns what it
// printed. The triage pipeline calls it N times per input it needs a
// reproduction rate for (see triage_pipeline.h for which inputs those are).
//
// HarnessReplayReproducer replays through the harness's binaries, one
// process per replay (a crash ends the process, so inputs cannot share one):
//  - the `<h>_replay` binary first, under ASan/UBSan options that make the
//    report complete and cheap: symbolize=0 (LogSymbolizer symbolises all
//    logs of a triage in one llvm-symbolizer process afterwards, which is ten
//    times faster than symbolising in every crashing process),
//    dedup_token_length=3, print_scariness=1, max_allocation_size_mb=2048 (so
//    an excessive allocation is reported as libFuzzer's -malloc_limit_mb
//    would, instead of being allocated lazily), print_stacktrace=1 and
//    halt_on_error=1 for UBSan; the user's own settings win;
//  - when that replay runs past the time limit, or the input is a libFuzzer
//    timeout-/oom- artifact or an AFL++ hang, the libFuzzer binary with
//    -timeout=<limit> -rss_limit_mb=2048 -malloc_limit_mb=2048, so the report
//    carries the stack at the alarm or at the allocation;
//  - a replay still running at twice the limit (plus 5 s) is killed and
//    reported as timed out with whatever it printed.
//
// Extension point: a network target (a live server reached over TCP/UDP)
// implements CrashReproducer by sending the input's messages to a freshly
// started server and reading the server's sanitizer output; the pipeline
// needs nothing else. No such implementation exists yet.
#ifndef IOTFUZZ_FUZZERS_TRIAGE_CRASH_REPRODUCER_H_
#define IOTFUZZ_FUZZERS_TRIAGE_CRASH_REPRODUCER_H_

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/environment.h"

namespace iotfuzz::triage {

struct ReplayOutput {
  std::string log;            // stdout and stderr, at most kMaxReplayLogBytes
  bool timed_out = false;     // killed at the time limit
  bool truncated = false;     // output was cut at kMaxReplayLogBytes
  bool exited_cleanly = false;  // exit status 0
  std::string binary;         // the binary that produced `log`
};

inline constexpr std::size_t kMaxReplayLogBytes = 1 << 20;

class CrashReproducer {
 public:
  virtual ~CrashReproducer() = default;
  // Runs `input` once. Thread-safe: the pipeline calls it from several threads.
  // Throws iotfuzz::Error when the target cannot be run at all.
  virtual ReplayOutput Replay(const std::filesystem::path& input, const std::string& engine_kind) const = 0;
  // The command a person runs to see the crash (symbolised, no iotfuzz needed).
  virtual std::vector<std::string> ReplayCommand(const std::filesystem::path& input) const = 0;
};

class HarnessReplayReproducer : public CrashReproducer {
 public:
  // `timeout`: per replay. `user_env`: the environment replays start from.
  HarnessReplayReproducer(HarnessEntry harness, Environment user_env, std::chrono::milliseconds timeout);

  ReplayOutput Replay(const std::filesystem::path& input, const std::string& engine_kind) const override;
  std::vector<std::string> ReplayCommand(const std::filesystem::path& input) const override;

  const HarnessEntry& harness() const { return harness_; }
  // The environment replays run in (user environment plus the options above).
  const Environment& replay_environment() const { return env_; }

 private:
  ReplayOutput Run(const std::vector<std::string>& argv, std::chrono::milliseconds limit) const;

  HarnessEntry harness_;
  Environment env_;
  std::chrono::milliseconds timeout_;
};

// Runs `argv` in `env` to its end or until `limit`, capturing stdout and
// stderr (up to kMaxReplayLogBytes). Throws iotfuzz::Error when it cannot start.
ReplayOutput RunCaptured(const std::vector<std::string>& argv, const Environment& env,
                         std::chrono::milliseconds limit);

// The user's ASAN_OPTIONS/UBSAN_OPTIONS from `user_env` with the triage
// defaults above added for keys the user has not set.
Environment TriageSanitizerEnvironment(const Environment& user_env);

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_CRASH_REPRODUCER_H_
