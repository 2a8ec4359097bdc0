// The state of a campaign, kept in <out>/campaign.json and replaced
// atomically whenever a target starts or ends and every few seconds while
// they run. It is what makes a campaign resumable — killed at any moment,
// the same command starts again where it stopped: targets already done are
// not run again, a target that was running gets what is left of its budget,
// and corpora and findings stay where the engines wrote them — and, once
// complete, it is the campaign's machine-readable report.
#ifndef IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_STATE_H_
#define IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_STATE_H_

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/campaign/campaign_plan.h"
#include "fuzzers/engine/progress_file.h"

namespace iotfuzz::campaign {

enum class JobStatus { kWaiting, kRunning, kDone, kFailed };
std::string_view JobStatusName(JobStatus status);  // "waiting", "running", "done", "failed"

// Coverage over time: one point about every few seconds while a target runs.
struct TimelinePoint {
  double campaign_seconds = 0;  // since the campaign (round) started, resumes included
  double target_seconds = 0;    // the target's own run time
  std::uint64_t execs = 0;
  std::uint64_t edges = 0;
  std::uint64_t corpus = 0;
  bool operator==(const TimelinePoint&) const = default;
};

struct TargetRecord {
  PlannedTarget planned;
  JobStatus status = JobStatus::kWaiting;
  double elapsed_seconds = 0;  // time the target has run, across resumes
  int exit_code = -1;          // of its last process; -1: none yet
  std::string error;           // why it failed
  std::string detail;          // what it did, in words ("replayed 412 inputs, 1 crashed")
  ProgressRecord progress;     // latest figures
  std::vector<TimelinePoint> timeline;
  std::string log;             // its log file
  int pid = 0;                 // its process while running (see Job::pid)

  // Appends `p` unless it adds nothing (same edges and less than `min_gap`
  // seconds after the previous point); keeps at most `max_points`, thinning
  // older ones by half when full.
  void AddPoint(const TimelinePoint& p, double min_gap = 5, std::size_t max_points = 2000);
};

// A finding of the campaign, from triage (in-process) or from the network
// fuzzer's records.
struct CampaignFinding {
  std::string target;
  TargetKind target_kind = TargetKind::kHarness;
  std::string signature;   // baseline key: triage bucket key, or net-<kind>-<hash>
  std::vector<std::string> aliases;  // other bucket keys triage merged into this finding
  std::string kind;        // crash, hang, server exited, invalid input accepted, ...
  std::string crash_type;  // e.g. "heap-buffer-overflow", or the network verdict's description
  std::string location;    // function and file:line when known
  std::string reproducer;  // the file that replays it
  std::string replay_command;
  std::size_t inputs = 0;  // inputs (sessions) behind it
  std::string reproduction;  // "5/5" when measured
  bool known = false;        // in the baseline
  std::string baseline_note;
};

struct CampaignState {
  static constexpr std::string_view kSchema = "iotfuzz.campaign.v1";

  std::string mode;
  std::uint32_t round = 1;  // campaigns run in the same directory: 1, 2, ...
  bool complete = false;
  std::string started_at;   // UTC, ISO 8601
  std::string finished_at;
  double elapsed_seconds = 0;  // wall time of this round, resumes included
  std::uint32_t resumes = 0;
  nlohmann::json config;  // the settings the round runs with
  std::vector<TargetRecord> targets;
  std::vector<CampaignFinding> findings;
  std::vector<std::string> errors;
  std::vector<std::string> notes;
  std::string triage_report;  // triage.json, when triage ran
  std::string result;          // "clean", "new findings", "error", "interrupted"
  int exit_code = -1;

  TargetRecord* Find(std::string_view name);
  std::size_t NewFindings() const;

  nlohmann::json ToJson() const;
  // Throws Error "FILE: field PATH: expected ..." for a file that is not a
  // campaign state; the message says to remove it to start afresh.
  static CampaignState FromJson(const nlohmann::json& j, const std::string& file_name);
  static std::optional<CampaignState> Load(const std::filesystem::path& path);  // nullopt: no file
  void Save(const std::filesystem::path& path) const;  // atomically
};

}  // namespace iotfuzz::campaign

#endif  // IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_STATE_H_
