// What a finished campaign tells people: a text summary for the terminal or
// CI log, and report/campaign.html — targets, findings new and known, and
// coverage over time drawn as one SVG plot per target — beside triage's
// reports of the same findings.
#ifndef IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_REPORT_H_
#define IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_REPORT_H_

#include <filesystem>
#include <string>

#include "fuzzers/campaign/campaign_jobs.h"
#include "fuzzers/campaign/campaign_state.h"

namespace iotfuzz::campaign {

// Lines ending in '\n': result, one line per target, one per finding (NEW or
// known) with its reproducer, and where the reports are.
std::string CampaignText(const CampaignState& state, const CampaignLayout& layout);

// A self-contained HTML page; links to triage.html when it is in `report_dir`.
std::string CampaignHtml(const CampaignState& state, const std::filesystem::path& report_dir);

// An SVG plot of edges over the target's run time (seconds), with axes and
// labels; a note instead of a line when the timeline has fewer than two points.
std::string CoverageSvg(const TargetRecord& target, int width = 320, int height = 160);

}  // namespace iotfuzz::campaign

#endif  // IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_REPORT_H_
