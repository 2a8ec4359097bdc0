// iotfuzz campaign: fuzz, replay or prune every target of the build (or a
// chosen set) under one budget, triage the findings, compare them with a
// baseline and write the reports. Settings come from --config FILE (YAML,
// see fuzzers/campaign/campaign_config.h) and flags, flags winning.
// Exit status: 0 no new finding, 2 new findings, 1 error or interrupted.
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fuzzers/campaign/campaign_runner.h"
#include "fuzzers/cli/subcommands.h"
#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"
#include "fuzzers/engine/status_printer.h"
#include "fuzzers/engine/stop_signal.h"

namespace iotfuzz::cli {
namespace {

namespace fs = std::filesystem;
using namespace iotfuzz::campaign;

TargetSelection ParseSelection(const std::string& text, const char* option) {
  if (text == "all") return TargetSelection::All();
  if (text == "none") return TargetSelection::None();
  TargetSelection s{false, {}};
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(start, end - start);
    if (name.empty()) throw Error::Format("{}: expected all, none or comma-separated names, found '{}'", option, text);
    s.names.push_back(name);
    start = end + 1;
  }
  return s;
}

class CampaignCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand(
        "campaign", "Fuzz, replay or prune many targets under one budget; triage; compare with a baseline");
    sub->add_option("--config", config_, "Campaign settings (YAML); flags override them")->type_name("FILE");
    mode_ = sub->add_option("--mode", mode_text_,
                            "regression (replay corpora and reproducers), code-change (short fuzzing), batch (long "
                            "fuzzing, then corpus merging), prune (merge corpora)")
                ->check(CLI::IsMember({"regression", "code-change", "batch", "prune"}));
    time_ = sub->add_option("--time", time_text_, "Total budget: 5m, 1h (default 10m code-change, 1h batch)")
                ->type_name("DURATION");
    runs_ = sub->add_option("--runs-per-target", runs_value_,
                            "Executions (network: sessions) per target instead of a time budget")
                ->type_name("N")
                ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{4294967295ULL}))
                ->excludes(time_);
    jobs_ = sub->add_option("--jobs", jobs_value_, "Targets run at once (default 1)")
                ->type_name("N")
                ->check(CLI::Range(1u, 256u));
    jobs_per_target_ = sub->add_option("--jobs-per-target", jobs_per_target_value_,
                                       "Engine processes per in-process harness (libFuzzer -fork=N, AFL++ -M/-S)")
                           ->type_name("N")
                           ->check(CLI::Range(1u, 256u));
    engine_ = sub->add_option("--engine", engine_text_, "Engine of the in-process harnesses")
                  ->check(CLI::IsMember({"libfuzzer", "afl"}));
    harnesses_ = sub->add_option("--harnesses", harnesses_text_, "In-process harnesses: all, none, or a,b,c")
                     ->type_name("LIST");
    network_ = sub->add_option("--network", network_text_, "Network targets: all, none, or a,b,c")->type_name("LIST");
    reset_ = sub->add_option("--network-reset", reset_text_, "Reset mode of network targets")
                 ->check(CLI::IsMember({"persistent", "forkserver"}));
    seed_ = sub->add_option("--seed", seed_value_, "Seed of the first target (the next ones count up)")->type_name("N");
    out_ = sub->add_option("--out", out_text_, "Campaign directory (default iotfuzz-out/campaign)")->type_name("DIR");
    baseline_ = sub->add_option("--baseline", baseline_text_, "Known findings (see docs/campaign.md)")->type_name("FILE");
    sub->add_flag("--update-baseline", update_baseline_,
                  "Write every finding of this campaign into the baseline (default <out>/baseline.txt)");
    sub->add_flag("--no-grammar", no_grammar_, "Byte-level mutation only");
    sub->add_flag("--fresh", fresh_, "Start a new round instead of resuming an unfinished one");
    sub->footer(
        "A campaign killed at any moment resumes when the same command runs again.\n"
        "Exit status: 0 no new finding, 2 new findings (not in the baseline), 1 error or interrupted.");
    return sub;
  }

  int Run(CliContext& context) override {
    CampaignConfig config;
    if (!config_.empty()) config = LoadCampaignFile(config_, config);
    if (mode_->count() > 0) config.mode = *ModeFromName(mode_text_);
    if (time_->count() > 0) {
      config.time = ParseDuration(time_text_);
      if (config.time->count() == 0) throw Error("--time must be longer than 0s");
      config.runs_per_target.reset();
    }
    if (runs_->count() > 0) {
      config.runs_per_target = runs_value_;
      config.time.reset();
    }
    if (jobs_->count() > 0) config.jobs = jobs_value_;
    if (jobs_per_target_->count() > 0) config.jobs_per_target = jobs_per_target_value_;
    if (engine_->count() > 0) config.engine = *EngineFromName(engine_text_);
    if (harnesses_->count() > 0) config.harnesses = ParseSelection(harnesses_text_, "--harnesses");
    if (network_->count() > 0) config.network = ParseSelection(network_text_, "--network");
    if (reset_->count() > 0) config.network_reset = reset_text_;
    if (seed_->count() > 0) config.seed = seed_value_;
    if (out_->count() > 0) {
      if (out_text_.empty()) throw Error("--out needs a directory");
      config.out_dir = out_text_;
    }
    if (baseline_->count() > 0) config.baseline = fs::path(baseline_text_);
    if (no_grammar_) config.use_grammar = false;

    CampaignOptions options;
    options.config = config;
    options.iotfuzz = context.executable;
    options.env = context.env;
    options.fresh = fresh_;
    options.update_baseline = update_baseline_;
    const int fd = ::fileno(context.err);
    options.live_view = ChooseStatusStyle(fd, context.env) == StatusStyle::kLiveLine;
    winsize size{};
    if (::ioctl(fd, TIOCGWINSZ, &size) == 0) options.width = size.ws_col;

    CampaignRunner runner(context.LoadManifest(), std::move(options), context.out, context.err);
    StopSignal stop;
    return runner.Run(&stop);
  }

 private:
  std::string config_;
  CLI::Option* mode_ = nullptr;
  std::string mode_text_;
  CLI::Option* time_ = nullptr;
  std::string time_text_;
  CLI::Option* runs_ = nullptr;
  std::uint64_t runs_value_ = 0;
  CLI::Option* jobs_ = nullptr;
  unsigned jobs_value_ = 1;
  CLI::Option* jobs_per_target_ = nullptr;
  unsigned jobs_per_target_value_ = 1;
  CLI::Option* engine_ = nullptr;
  std::string engine_text_;
  CLI::Option* harnesses_ = nullptr;
  std::string harnesses_text_;
  CLI::Option* network_ = nullptr;
  std::string network_text_;
  CLI::Option* reset_ = nullptr;
  std::string reset_text_;
  CLI::Option* seed_ = nullptr;
  std::uint32_t seed_value_ = 1;
  CLI::Option* out_ = nullptr;
  std::string out_text_;
  CLI::Option* baseline_ = nullptr;
  std::string baseline_text_;
  bool update_baseline_ = false;
  bool no_grammar_ = false;
  bool fresh_ = false;
};

}  // namespace

std::unique_ptr<Subcommand> MakeCampaignCommand() { return std::make_unique<CampaignCommand>(); }

}  // namespace iotfuzz::cli
