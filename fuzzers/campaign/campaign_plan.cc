#include "fuzzers/campaign/campaign_plan.h"

#include <fmt/format.h>

#include <algorithm>

#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"

namespace iotfuzz::campaign {
namespace {

namespace fs = std::filesystem;

bool Exists(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::exists(p, ec);
}

// Why a harness cannot run in `mode` with `engine`; empty when it can.
std::string HarnessMissing(const HarnessEntry& h, CampaignMode mode, EngineKind engine) {
  if (mode == CampaignMode::kRegression) {
    return Exists(h.binaries.replay) || Exists(h.binaries.libfuzzer) ? "" : "no replay binary built";
  }
  if (mode == CampaignMode::kPrune) {
    return Exists(h.binaries.libfuzzer) || Exists(h.binaries.afl) ? "" : "no libFuzzer or AFL++ binary built";
  }
  const fs::path& bin = engine == EngineKind::kAfl ? h.binaries.afl : h.binaries.libfuzzer;
  return Exists(bin) ? "" : fmt::format("no {} binary built", EngineName(engine));
}

PlannedTarget Planned(std::string name, TargetKind kind) {
  PlannedTarget t;
  t.name = std::move(name);
  t.kind = kind;
  return t;
}

std::string ServerMissing(const ServerEntry& s) {
  return Exists(s.afl_binary) || Exists(s.asan_binary) ? "" : "server program not built";
}

}  // namespace

std::string_view TargetKindName(TargetKind kind) { return kind == TargetKind::kHarness ? "harness" : "network"; }

CampaignPlan MakePlan(const CampaignConfig& config, const BuildManifest& manifest) {
  CampaignPlan plan;
  // In-process harnesses.
  if (config.harnesses.all) {
    for (const HarnessEntry& h : manifest.harnesses) {
      const std::string why = HarnessMissing(h, config.mode, config.engine);
      if (why.empty()) {
        plan.targets.push_back(Planned(h.name, TargetKind::kHarness));
      } else {
        plan.notes.push_back(fmt::format("{}: left out ({})", h.name, why));
      }
    }
  } else {
    for (const std::string& name : config.harnesses.names) {
      const HarnessEntry* h = manifest.Find(name);
      if (h == nullptr) {
        throw Error::Format("unknown harness '{}'; known harnesses: {}", name, fmt::join(manifest.HarnessNames(), ", "));
      }
      const std::string why = HarnessMissing(*h, config.mode, config.engine);
      if (!why.empty()) throw Error::Format("harness {} cannot run: {} in {}", name, why, manifest.build_dir.string());
      plan.targets.push_back(Planned(h->name, TargetKind::kHarness));
    }
  }
  // Network targets: fuzzed, replayed, and their corpora merged.
  if (config.network.all) {
    for (const ServerEntry& s : manifest.servers) {
      const std::string why = ServerMissing(s);
      if (why.empty()) {
        plan.targets.push_back(Planned(s.name, TargetKind::kNetwork));
      } else {
        plan.notes.push_back(fmt::format("{}: left out ({})", s.name, why));
      }
    }
  } else {
    for (const std::string& name : config.network.names) {
      const ServerEntry* s = manifest.FindServer(name);
      if (s == nullptr) {
        std::vector<std::string> known;
        for (const auto& e : manifest.servers) known.push_back(e.name);
        throw Error::Format("unknown network target '{}'; known network targets: {}", name,
                            known.empty() ? std::string("none in this build") : fmt::format("{}", fmt::join(known, ", ")));
      }
      const std::string why = ServerMissing(*s);
      if (!why.empty()) throw Error::Format("network target {} cannot run: {}", name, why);
      plan.targets.push_back(Planned(s->name, TargetKind::kNetwork));
    }
  }
  if (plan.targets.empty()) {
    throw Error::Format("nothing to run: the selection names no target this build can run in {} mode{}",
                        ModeName(config.mode),
                        plan.notes.empty() ? "" : fmt::format(" ({})", fmt::join(plan.notes, "; ")));
  }

  for (std::size_t i = 0; i < plan.targets.size(); ++i) {
    plan.targets[i].seed = config.seed + static_cast<std::uint32_t>(i);
    if (ModeFuzzes(config.mode)) plan.targets[i].runs = config.runs_per_target;
  }
  if (const auto time = config.EffectiveTime()) {
    using std::chrono::seconds;
    plan.reserve = std::clamp(seconds(time->count() / 10), seconds(10), seconds(600));
    if (plan.reserve > *time / 2) plan.reserve = *time / 2;
    plan.fuzz_time = *time - plan.reserve;
    const std::size_t jobs = std::max(1u, config.jobs);
    const std::size_t waves = (plan.targets.size() + jobs - 1) / jobs;
    const seconds each(plan.fuzz_time.count() / static_cast<long>(waves));
    if (each < kMinTargetBudget) {
      const long fuzz_needed = kMinTargetBudget.count() * static_cast<long>(waves);
      const seconds needed(std::max(fuzz_needed + 10, (fuzz_needed * 10 + 8) / 9 + 1));
      throw Error::Format("--time {} is too short for {} targets with {} job{}: each would get less than {}; give at "
                          "least {}, more --jobs, or fewer targets",
                          FormatDuration(*time), plan.targets.size(), jobs, jobs == 1 ? "" : "s",
                          FormatDuration(kMinTargetBudget), FormatDuration(needed));
    }
    for (auto& t : plan.targets) t.budget = each;
  }
  return plan;
}

}  // namespace iotfuzz::campaign
