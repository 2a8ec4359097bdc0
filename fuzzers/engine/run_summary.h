// The end of a run as the user sees it: the text summary printed at the end
// and summary.json.
//
// summary.json fields: iotfuzz_version, harness, target, protocol, engine,
// build {dir, variant}, seed, jobs, keep_going, budget {time_seconds, runs},
// started_at (UTC, ISO 8601), elapsed_seconds, stop_reason ("finished",
// "interrupted", "timed_out"), engine_exits, engine_error, stats {execs,
// execs_per_sec, edges, total_edges, features, corpus_count, corpus_bytes,
// crashes, timeouts, ooms, peak_rss_mb}, corpus {dir, files, bytes},
// crashes_dir, logs, commands [{argv, env, working_dir}], findings [{file,
// kind, type, size_bytes, engine_file, replay_command}], result ("clean",
// "findings", "error") and exit_code (0, 2, 1).
#ifndef IOTFUZZ_FUZZERS_ENGINE_RUN_SUMMARY_H_
#define IOTFUZZ_FUZZERS_ENGINE_RUN_SUMMARY_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzzers/engine/fuzzer_runner.h"

namespace iotfuzz {

// Exit status of `iotfuzz run`.
inline constexpr int kExitClean = 0;     // no finding
inline constexpr int kExitError = 1;     // iotfuzz or the engine failed
inline constexpr int kExitFindings = 2;  // crash(es), leaks, timeouts or OOMs found

class RunSummary {
 public:
  struct BuildInfo {
    std::string version;        // iotfuzz version
    std::string variant;        // build variant
    std::filesystem::path dir;  // build directory
  };

  RunSummary(const RunConfig& config, const RunOutcome& outcome, BuildInfo build,
             std::string started_at);

  int exit_code() const;
  nlohmann::json ToJson() const;
  // Several lines ending in '\n': what stopped the run, executions, speed,
  // edges, corpus, each finding (the first 20) with its type and replay
  // command, and where summary.json is.
  std::string ToText() const;

 private:
  const RunConfig& config_;
  const RunOutcome& outcome_;
  BuildInfo build_;
  std::string started_at_;
};

// The current time as "2024-05-01T12:00:00Z".
std::string UtcTimestampNow();

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_RUN_SUMMARY_H_
