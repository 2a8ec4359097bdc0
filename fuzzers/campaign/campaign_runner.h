// `iotfuzz campaign`: runs the plan's jobs `jobs` at a time with one live view
// across them, merges corpora (batch), triages what was found, compares the
// findings with the baseline, keeps a reproducer per finding for later
// regression runs, and writes the reports. Killed at any moment, the same
// command resumes the campaign (see campaign_state.h).
#ifndef IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_RUNNER_H_
#define IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_RUNNER_H_

#include <cstdio>
#include <filesystem>

#include "fuzzers/campaign/campaign_config.h"
#include "fuzzers/campaign/campaign_state.h"
#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/environment.h"

namespace iotfuzz {
class StopSignal;
}

namespace iotfuzz::campaign {

struct CampaignOptions {
  CampaignConfig config;
  std::filesystem::path iotfuzz;  // this program (child commands run it)
  Environment env;
  bool fresh = false;             // discard an unfinished campaign's state instead of resuming it
  bool update_baseline = false;   // write every finding into the baseline file
  bool live_view = false;         // redraw a block of lines on a terminal; else plain periodic lines
  std::chrono::seconds line_interval{30};  // plain lines: how often
  std::size_t width = 0;          // terminal width (0: unknown)
};

// Exit status of `iotfuzz campaign`.
inline constexpr int kCampaignClean = 0;        // no new finding
inline constexpr int kCampaignError = 1;        // a target or step failed, or interrupted
inline constexpr int kCampaignNewFindings = 2;  // a finding not in the baseline

class CampaignRunner {
 public:
  CampaignRunner(BuildManifest manifest, CampaignOptions options, std::FILE* out, std::FILE* err);

  // Runs the campaign to its end (or until `stop` is requested) and returns
  // the exit status. Throws Error for a configuration that cannot run (unknown
  // target, unreadable baseline, time too short), before anything starts.
  int Run(StopSignal* stop);

  const CampaignState& state() const { return state_; }

 private:
  struct Impl;
  BuildManifest manifest_;
  CampaignOptions options_;
  std::FILE* out_;
  std::FILE* err_;
  CampaignState state_;
};

// The baseline key of a network finding: "net-<kind>-<16 hex digits>" from
// the record's directory (crashes, hangs, accepted, unreachable) and the
// signature text the network fuzzer wrote beside it.
std::string NetFindingSignature(std::string_view kind_dir, std::string_view signature_text);

}  // namespace iotfuzz::campaign

#endif  // IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_RUNNER_H_
