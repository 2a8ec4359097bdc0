// Runs a harness under libFuzzer.
//
// Command line, later entries overriding earlier ones:
//   1. iotfuzz defaults: -rss_limit_mb=2048 -timeout=10, -dict=<manifest dict>
//   2. the [libfuzzer] section of the harness .options file (a relative
//      dict= is taken relative to the .options file)
//   3. what the run asks for: -artifact_prefix=<out>/crashes/
//      -print_final_stats=1 -seed=N, -max_total_time=S or -runs=N, and with
//      --jobs N > 1 or --keep-going fork mode: -fork=N -ignore_crashes=1
//      -ignore_timeouts=1 -ignore_ooms=1
//   4. the user's extra arguments (-flag=value replaces a flag above; other
//      words are passed through after the flags)
// then the corpus directories: the working corpus first (libFuzzer writes
// new inputs there), the committed seed corpus second (read only).
//
// Environment: ASAN_OPTIONS gains symbolize=1:dedup_token_length=3:
// print_scariness=1 and UBSAN_OPTIONS print_stacktrace=1:halt_on_error=1,
// each only for keys the user has not set.
//
// Findings are the artifacts written during the run (FindingsCollector);
// their crash type comes from the log (AssignCrashTypes) or, where the log
// cannot tell (fork mode with several crash types), from a replay
// (CrashReplayer).
#ifndef IOTFUZZ_FUZZERS_ENGINE_LIBFUZZER_RUNNER_H_
#define IOTFUZZ_FUZZERS_ENGINE_LIBFUZZER_RUNNER_H_

#include "fuzzers/engine/fuzzer_runner.h"
#include "fuzzers/engine/libfuzzer_log_parser.h"

namespace iotfuzz {

class LibFuzzerRunner : public FuzzerRunner {
 public:
  explicit LibFuzzerRunner(RunConfig config);

  std::vector<CommandLine> BuildCommands() const override;
  RunOutcome Run(RunObserver& observer, StopSignal* stop) override;

  // Fills in Finding::crash_type from what the log said: the report that
  // named the artifact, or in fork mode the only crash type seen, or the
  // kind itself for timeouts, OOMs and leaks. Exposed for tests.
  static void AssignCrashTypes(const LibFuzzerLogParser& parser, std::vector<Finding>& findings);

 private:
  bool ForkMode() const;

  RunConfig config_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_LIBFUZZER_RUNNER_H_
