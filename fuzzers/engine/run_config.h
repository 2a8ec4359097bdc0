// What one `iotfuzz run` asks of an engine, and where its output goes.
//
// Output directory layout (the same for every engine):
//   <out>/corpus/        working corpus, unless --corpus names another directory
//   <out>/crashes/       crash-*, leak-*, timeout-*, oom-*, slow-unit-* inputs
//   <out>/logs/          engine output, one file per engine process
//   <out>/afl/           AFL++'s own output directory (AFL++ runs only)
//   <out>/summary.json   the run's summary, written atomically at the end
#ifndef IOTFUZZ_FUZZERS_ENGINE_RUN_CONFIG_H_
#define IOTFUZZ_FUZZERS_ENGINE_RUN_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/environment.h"
#include "fuzzers/common/harness_options.h"

namespace iotfuzz {

enum class EngineKind { kLibFuzzer, kAfl };

std::string_view EngineName(EngineKind engine);  // "libfuzzer", "afl"
std::optional<EngineKind> EngineFromName(std::string_view name);

// When a run stops by itself. Both empty: it runs until interrupted.
struct RunBudget {
  std::optional<std::chrono::seconds> time;
  std::optional<std::uint64_t> runs;  // executions
};

struct RunConfig {
  HarnessEntry harness;
  HarnessOptions harness_options;  // the harness's .options file, parsed
  EngineKind engine = EngineKind::kLibFuzzer;
  std::filesystem::path engine_binary;  // the harness binary for `engine`
  RunBudget budget;
  unsigned jobs = 1;        // parallel engine processes
  bool keep_going = false;  // go on after the first crash
  std::uint32_t seed = 0;
  std::filesystem::path out_dir;                    // absolute
  std::optional<std::filesystem::path> corpus_dir;  // --corpus; default <out>/corpus
  std::vector<std::string> extra_args;              // passed to the engine after iotfuzz's own
  Environment user_env;                             // the environment iotfuzz was started with
  std::string afl_fuzz_program = "afl-fuzz";        // path or name in PATH
  // Grammar for structure-aware mutation; empty: byte-level mutation only
  // (iotfuzz run --no-grammar, or a harness without one).
  std::filesystem::path grammar;
  // AFL++ custom mutator library carrying the grammar mutator (build/lib).
  std::filesystem::path afl_mutator_library;

  std::filesystem::path WorkingCorpus() const {
    return corpus_dir ? *corpus_dir : out_dir / "corpus";
  }
  std::filesystem::path CrashesDir() const { return out_dir / "crashes"; }
  std::filesystem::path LogsDir() const { return out_dir / "logs"; }
  std::filesystem::path SummaryFile() const { return out_dir / "summary.json"; }
  // Creates the output, working corpus, crashes and logs directories; throws
  // Error naming the one that cannot be created.
  void CreateDirectories() const;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_RUN_CONFIG_H_
