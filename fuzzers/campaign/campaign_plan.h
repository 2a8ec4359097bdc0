// Which targets a campaign runs and with what budget each: the targets the
// configuration selects among those of the build, and the time budget split
// across them.
//
// Budget split: a fuzzing mode keeps a share of the total time for triage and
// corpus merging at the end (a tenth, at least 10 s and at most 10 min), then
// runs the targets `jobs` at a time in waves; each target gets the fuzzing
// time divided by the number of waves. Regression and prune have no time
// budget: they go through every input once.
#ifndef IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_PLAN_H_
#define IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_PLAN_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/campaign/campaign_config.h"
#include "fuzzers/common/build_manifest.h"

namespace iotfuzz::campaign {

enum class TargetKind { kHarness, kNetwork };
std::string_view TargetKindName(TargetKind kind);  // "harness", "network"

struct PlannedTarget {
  std::string name;
  TargetKind kind = TargetKind::kHarness;
  std::optional<std::chrono::seconds> budget;  // fuzzing modes with a time budget
  std::optional<std::uint64_t> runs;           // runs_per_target
  std::uint32_t seed = 0;
};

struct CampaignPlan {
  std::vector<PlannedTarget> targets;  // in-process harnesses first, then network targets
  std::chrono::seconds fuzz_time{0};   // the share of the budget for fuzzing (0: none)
  std::chrono::seconds reserve{0};     // kept for triage and merging
  std::vector<std::string> notes;      // targets left out, and why
};

// Smallest budget a target is given; a shorter split is an error.
inline constexpr std::chrono::seconds kMinTargetBudget{5};

// Throws Error for a target name the build does not have (listing the known
// ones), for a selection that leaves nothing to run, or when the time is too
// short for the targets and jobs (saying how much is needed).
CampaignPlan MakePlan(const CampaignConfig& config, const BuildManifest& manifest);

}  // namespace iotfuzz::campaign

#endif  // IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_PLAN_H_
