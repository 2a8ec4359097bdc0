// TriagePipeline: crash inputs in, a TriageResult out. The steps, in order:
//
//  1. collect   the inputs of every directory (crash_input_collector.h), the
//               campaigns behind them and the device profile (the file given,
//               or one network interface per harness of the build manifest
//               for the same targets);
//  2. replay    every input once through its harness (crash_reproducer.h),
//               `jobs` processes at a time, with symbolize=0; then symbolise
//               all logs in one llvm-symbolizer pass (log_symbolizer.h) and
//               parse them (SanitizerLogParser). An input that did not crash
//               is replayed N-1 more times: a flaky crash is kept and flagged,
//               one that never crashes is listed as not reproduced;
//  3. dedup     per harness, exact buckets then similarity clustering
//               (crash_deduplicator.h); each cluster is one finding, whose
//               representative is the smallest input of its founding bucket;
//  4. reproduce the representative N times in all (k/N): a replay counts when
//               its bucket key is one of the finding's, or its signature is
//               at least `similarity_threshold` similar with the same
//               security flag (ClusterFuzz's reliability rule). With
//               `reproduce_every_input`, step 2 replays every input N times
//               instead (N times the cost);
//  5. minimize  the representative (crash_minimizer.h): grammar-aware when the
//               harness has a grammar, then the shortest crashing prefix,
//               then libFuzzer byte-level; each step
//               verified by replay and re-parse against the representative's
//               bucket key;
//  6. classify  (CrashClassifier), map to EN 303 645 / TS 103 701
//               (provision_mapping.h), decide each interface's verdict.
//
// Why only representatives get N replays by default: one replay per file is
// what deduplication needs; the reproduction rate is a property of the bug,
// so measuring it N times per bucket costs N replays per bug instead of per
// file (1,000 files of 8 bugs: 1,032 replays instead of 5,000).
//
// Files written below `output_dir`: logs/<finding>.log (the representative's
// symbolised log), reproducers/<finding>-<sha256 prefix> (the minimized
// reproducer), minimize/ (work files, removed at the end).
#ifndef IOTFUZZ_FUZZERS_TRIAGE_TRIAGE_PIPELINE_H_
#define IOTFUZZ_FUZZERS_TRIAGE_TRIAGE_PIPELINE_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/environment.h"
#include "fuzzers/triage/crash_minimizer.h"
#include "fuzzers/triage/crash_reproducer.h"
#include "fuzzers/triage/finding.h"

namespace iotfuzz::triage {

struct TriageRequest {
  std::vector<std::filesystem::path> dirs;
  std::optional<std::string> harness;               // --harness
  std::optional<std::filesystem::path> profile_file;
  TriageSettings settings;
  MinimizeOptions minimize;
  unsigned jobs = 2;                                // replays run at the same time
  std::filesystem::path output_dir;
  std::string tool_version;
  std::string generated_at;
};

// Called as work progresses: a phase name ("replay", "reproduce",
// "minimize"), items done, items in all.
using TriageProgress = std::function<void(std::string_view phase, std::size_t done, std::size_t total)>;

// Makes the reproducer of a harness; the default builds a
// HarnessReplayReproducer. Tests and a future network executor replace it.
using ReproducerFactory =
    std::function<std::unique_ptr<CrashReproducer>(const HarnessEntry& harness, const TriageSettings& settings)>;

class TriagePipeline {
 public:
  TriagePipeline(BuildManifest manifest, Environment env);

  void set_progress(TriageProgress progress) { progress_ = std::move(progress); }
  void set_reproducer_factory(ReproducerFactory factory) { factory_ = std::move(factory); }

  // Runs the whole triage. Throws iotfuzz::Error for problems the user can
  // fix (unknown harness, unreadable directory, malformed profile).
  TriageResult Run(const TriageRequest& request) const;

 private:
  BuildManifest manifest_;
  Environment env_;
  TriageProgress progress_;
  ReproducerFactory factory_;
};

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_TRIAGE_PIPELINE_H_
