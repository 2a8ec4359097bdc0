// The engine side of a campaign: turn a RunConfig into engine processes, run
// them under supervision, and say what came of it.
#ifndef IOTFUZZ_FUZZERS_ENGINE_FUZZER_RUNNER_H_
#define IOTFUZZ_FUZZERS_ENGINE_FUZZER_RUNNER_H_

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fuzzers/engine/command_line.h"
#include "fuzzers/engine/findings_collector.h"
#include "fuzzers/engine/fuzzer_stats.h"
#include "fuzzers/engine/process.h"
#include "fuzzers/engine/process_supervisor.h"
#include "fuzzers/engine/run_config.h"
#include "fuzzers/engine/run_observer.h"

namespace iotfuzz {

class StopSignal;

struct RunOutcome {
  StopReason stop_reason = StopReason::kFinished;
  std::vector<ExitStatus> exits;  // one per engine process
  FuzzerStats stats;
  std::vector<Finding> findings;  // saved during this run only
  std::chrono::milliseconds elapsed{0};
  std::vector<CommandLine> commands;
  std::vector<std::filesystem::path> logs;
  std::uint64_t corpus_files = 0;  // files in the working corpus afterwards
  std::uint64_t corpus_file_bytes = 0;
  // Set when the engine failed without finding anything (bad flag, missing
  // input directory, ...): what it said, to show the user.
  std::string engine_error;

  bool has_failures() const;
};

class FuzzerRunner {
 public:
  virtual ~FuzzerRunner() = default;

  // The engine processes Run() would start. No side effects.
  virtual std::vector<CommandLine> BuildCommands() const = 0;

  // Creates the output directories, runs the engine until its budget is
  // spent, it stops on a crash, `stop` is requested (may be null) or the
  // safety time limit passes; reports progress to `observer`. Throws Error
  // when the engine cannot be started at all.
  virtual RunOutcome Run(RunObserver& observer, StopSignal* stop) = 0;
};

// The runner for `config.engine`.
std::unique_ptr<FuzzerRunner> MakeFuzzerRunner(RunConfig config);

// Counts regular files in `dir` and their bytes; {0, 0} when it is missing.
std::pair<std::uint64_t, std::uint64_t> CountCorpusFiles(const std::filesystem::path& dir);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_FUZZER_RUNNER_H_
