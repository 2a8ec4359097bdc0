// What `iotfuzz campaign` is asked to do: the mode, the budget, the targets,
// and where results and the baseline live. Read from a YAML file
// (--config), with command-line flags overriding it.
//
//   mode: code-change          # regression | code-change | batch | prune
//   time: 10m                  # total budget (default 10m code-change, 1h batch)
//   jobs: 2                    # targets fuzzed at once
//   jobs_per_target: 1         # engine processes per in-process harness (libFuzzer -fork, AFL++ -M/-S)
//   engine: libfuzzer          # libfuzzer | afl (in-process harnesses)
//   harnesses: all             # all | none | [name, ...]
//   network: all               # all | none | [name, ...]  (network targets)
//   network_reset: persistent  # persistent | forkserver
//   seed: 1
//   out: iotfuzz-out/campaign  # relative paths: from the file's directory
//   baseline: fuzz-baseline.txt
//   grammar: true              # false: byte-level mutation only
//   runs_per_target: 20000     # instead of time: executions (sessions) per target
#ifndef IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_CONFIG_H_
#define IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/engine/run_config.h"

namespace iotfuzz::campaign {

enum class CampaignMode {
  kRegression,  // replay corpora and known reproducers only
  kCodeChange,  // short fuzzing of every target (pull requests)
  kBatch,       // long fuzzing, then corpus merging (nightly)
  kPrune,       // merge every corpus down to the inputs that keep its coverage
};

std::string_view ModeName(CampaignMode mode);  // "regression", "code-change", "batch", "prune"
std::optional<CampaignMode> ModeFromName(std::string_view name);
// True for the modes that fuzz (code-change, batch).
bool ModeFuzzes(CampaignMode mode);

// Every target of the build, none, or the ones named.
struct TargetSelection {
  bool all = true;
  std::vector<std::string> names;  // used when !all; empty: none

  static TargetSelection All() { return {}; }
  static TargetSelection None() { return {false, {}}; }
  bool operator==(const TargetSelection&) const = default;
};

struct CampaignConfig {
  CampaignMode mode = CampaignMode::kCodeChange;
  // Total wall-clock budget of a fuzzing mode; nullopt: the mode's default.
  std::optional<std::chrono::seconds> time;
  // Fixed executions (network targets: sessions) per target instead of time:
  // reproducible campaigns (tests, benchmarks).
  std::optional<std::uint64_t> runs_per_target;
  unsigned jobs = 1;
  unsigned jobs_per_target = 1;  // iotfuzz run --jobs for each in-process harness
  EngineKind engine = EngineKind::kLibFuzzer;
  TargetSelection harnesses;
  TargetSelection network;
  std::string network_reset = "persistent";
  std::uint32_t seed = 1;
  std::filesystem::path out_dir = "iotfuzz-out/campaign";
  std::optional<std::filesystem::path> baseline;
  bool use_grammar = true;

  // The time budget the mode uses: `time`, else 10m (code-change) or 1h
  // (batch); nullopt for regression and prune, and with runs_per_target.
  std::optional<std::chrono::seconds> EffectiveTime() const;
};

// Reads YAML campaign settings from `text` over `base`: keys present replace
// base's values. Relative paths are taken from `relative_to`. Throws Error
// "FILE:LINE:COL: ..." naming the key, what was expected and what was found,
// for a syntax error, an unknown key or a value of the wrong kind.
CampaignConfig ParseCampaignYaml(std::string_view text, const std::string& file_name,
                                 const std::filesystem::path& relative_to, CampaignConfig base);

// Reads the YAML file `path` (as ParseCampaignYaml, paths relative to its
// directory). Throws Error naming the file when it cannot be read.
CampaignConfig LoadCampaignFile(const std::filesystem::path& path, CampaignConfig base);

}  // namespace iotfuzz::campaign

#endif  // IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_CONFIG_H_
