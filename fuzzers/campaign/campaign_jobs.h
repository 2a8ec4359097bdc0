// The work a campaign does per target, as jobs the scheduler starts, polls
// and stops: fuzzing (an `iotfuzz run` or `iotfuzz net` child process),
// regression replay (every corpus input and known reproducer through the
// harness's replay binary; `iotfuzz net --replay-only` for network targets)
// and corpus merging (libFuzzer -merge=1, or afl-cmin without a libFuzzer
// binary).
//
// Directory layout under the campaign's output directory:
//   corpus/<harness>/        working corpus of an in-process harness (kept across rounds)
//   runs/<harness>/          its `iotfuzz run` output (crashes/, logs/, summary.json)
//   net/<target>/            `iotfuzz net` output of a network target (its corpus/, crashes/, ...)
//   regression/<target>/     what the last regression run found (crashes/, summary.json)
//   reproducers/<target>/    one reproducer per finding, replayed by regression runs
//   progress/<target>.json   live figures of a running job
//   logs/<target>.log        each job's output
//   report/                  triage.{json,sarif,junit.xml,html}, campaign.html
//   campaign.json            the campaign's state and result
#ifndef IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_JOBS_H_
#define IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_JOBS_H_

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/campaign/campaign_config.h"
#include "fuzzers/campaign/campaign_plan.h"
#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/environment.h"
#include "fuzzers/engine/progress_file.h"

namespace iotfuzz::campaign {

struct CampaignLayout {
  std::filesystem::path out;  // absolute

  std::filesystem::path Corpus(const std::string& t) const { return out / "corpus" / t; }
  std::filesystem::path Run(const std::string& t) const { return out / "runs" / t; }
  std::filesystem::path Net(const std::string& t) const { return out / "net" / t; }
  std::filesystem::path Regression(const std::string& t) const { return out / "regression" / t; }
  std::filesystem::path Reproducers(const std::string& t) const { return out / "reproducers" / t; }
  std::filesystem::path Progress(const std::string& t) const { return out / "progress" / (t + ".json"); }
  std::filesystem::path Log(const std::string& t) const { return out / "logs" / (t + ".log"); }
  std::filesystem::path Report() const { return out / "report"; }
  std::filesystem::path State() const { return out / "campaign.json"; }
};

// What every job needs to know about the campaign.
struct JobContext {
  const BuildManifest* manifest = nullptr;
  const CampaignConfig* config = nullptr;
  CampaignLayout layout;
  std::filesystem::path iotfuzz;  // this program, for child commands
  Environment env;                // the user's environment
};

class Job {
 public:
  virtual ~Job() = default;
  // Starts the work; throws Error when it cannot start at all.
  virtual void Start() = 0;
  // Does a little work without blocking for long; true once the job has ended.
  virtual bool Poll() = 0;
  // Asks the job to stop soon (Ctrl-C); Poll() then returns true shortly.
  virtual void RequestStop() = 0;
  // Latest figures, when the job has any.
  virtual std::optional<ProgressRecord> Progress() = 0;
  // After the end: 0 clean, 2 findings, 1 error (as iotfuzz run).
  virtual int exit_code() const = 0;
  virtual std::string error() const = 0;   // why it failed, for exit code 1
  virtual std::string detail() const = 0;  // what it did, in words
  // The command lines it ran (for the log and the report).
  virtual std::vector<std::string> commands() const = 0;
  // The process (group leader) running now, 0 when none: kept in the state,
  // so a resumed campaign can stop what a killed one left running.
  virtual int pid() const { return 0; }
};

// Stops the process group `pid` left running by a campaign that was killed,
// if it is still an iotfuzz process writing below `out`. Returns true when
// there was one.
bool StopLeftoverProcess(int pid, const std::filesystem::path& out);

// The job for `target` in the configured mode. `budget` is what is left of
// the target's time budget (resumed campaigns), or its whole budget.
std::unique_ptr<Job> MakeJob(const JobContext& context, const PlannedTarget& target,
                             std::optional<std::chrono::seconds> budget);

// The merge job of an in-process harness's corpus (prune, and the end of batch).
std::unique_ptr<Job> MakeMergeJob(const JobContext& context, const std::string& harness);
// The merge job of a network target's corpus (`iotfuzz net --merge`).
std::unique_ptr<Job> MakeNetMergeJob(const JobContext& context, const std::string& target);


// Regular files of the directories, sorted by name, hidden files skipped.
std::vector<std::filesystem::path> ListInputs(const std::vector<std::filesystem::path>& dirs);

// The whole file, or "" when it cannot be read (logs and records that may be
// missing are read this way).
std::string ReadFileOrEmpty(const std::filesystem::path& path);

}  // namespace iotfuzz::campaign

#endif  // IOTFUZZ_FUZZERS_CAMPAIGN_CAMPAIGN_JOBS_H_
