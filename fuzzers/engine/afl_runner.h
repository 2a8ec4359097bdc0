// Runs a harness under AFL++ (afl-fuzz 4.04c, harness built with
// afl-clang-fast++ and libAFLDriver).
//
// One instance per job: with --jobs 1 a single instance ("default"), with
// --jobs N one "-M main" and N-1 "-S sK" secondaries, all sharing
// <out>/afl. Each gets
//   afl-fuzz -i <working corpus> -o <out>/afl [-M main|-S sK] -x <dict>
//            -m none -t 1000+ -s <seed+K> [-V seconds | -E execs/N]
//            [-G max_len] <extra args> -- <harness>_afl
// with AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
// AFL_NO_AFFINITY=1 (unless the user set them) and ASAN_OPTIONS /
// UBSAN_OPTIONS carrying what afl-fuzz requires (abort_on_error=1,
// symbolize=0, ...; required keys override the user's, other keys are kept).
//
// The working corpus is AFL++'s input: before the run it receives copies of
// the committed seeds when it is empty (and a one-byte seed if there are
// none); after the run AFL++'s new queue entries are copied back into it
// (named afl-<hash>), so the next run starts where this one ended. Findings
// are copied into <out>/crashes (see FindingsCollector) and typed by a replay
// (CrashReplayer), since AFL++ keeps no sanitizer report. A <out>/afl left by
// an earlier run is harvested the same way and then removed, because afl-fuzz
// refuses to reuse an output directory of a long run.
#ifndef IOTFUZZ_FUZZERS_ENGINE_AFL_RUNNER_H_
#define IOTFUZZ_FUZZERS_ENGINE_AFL_RUNNER_H_

#include "fuzzers/engine/fuzzer_runner.h"

namespace iotfuzz {

class AflRunner : public FuzzerRunner {
 public:
  explicit AflRunner(RunConfig config);

  std::vector<CommandLine> BuildCommands() const override;
  RunOutcome Run(RunObserver& observer, StopSignal* stop) override;

  std::filesystem::path AflOutDir() const { return config_.out_dir / "afl"; }
  // Instance names in command order: {"default"} or {"main", "s1", ...}.
  std::vector<std::string> InstanceNames() const;

  // Copies queue entries that AFL++ found (not the "orig:" inputs) from
  // every instance under `afl_out` into `corpus`, skipping contents the
  // corpus already holds. Returns how many files were added.
  static std::size_t HarvestQueue(const std::filesystem::path& afl_out,
                                  const std::filesystem::path& corpus);

 private:
  void PrepareInputCorpus() const;

  RunConfig config_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_AFL_RUNNER_H_
