#include "fuzzers/engine/libfuzzer_runner.h"

#include <fmt/format.h>

#include <set>
#include <system_error>

#include "fuzzers/common/error.h"
#include "fuzzers/engine/crash_replayer.h"
#include "fuzzers/engine/process_supervisor.h"
#include "fuzzers/engine/sanitizer_options.h"

namespace iotfuzz {
namespace fs = std::filesystem;
namespace {

// libFuzzer flags in first-set order; setting a flag again replaces its value.
class FlagList {
 public:
  void Set(std::string_view name, std::string value) {
    for (auto& [n, v] : flags_) {
      if (n == name) {
        v = std::move(value);
        return;
      }
    }
    flags_.emplace_back(std::string(name), std::move(value));
  }
  void AppendTo(std::vector<std::string>& argv) const {
    for (const auto& [n, v] : flags_) argv.push_back("-" + n + "=" + v);
  }

 private:
  std::vector<std::pair<std::string, std::string>> flags_;
};

bool IsDirectory(const fs::path& path) {
  std::error_code ec;
  return !path.empty() && fs::is_directory(path, ec);
}

bool IsFile(const fs::path& path) {
  std::error_code ec;
  return !path.empty() && fs::is_regular_file(path, ec);
}

}  // namespace

LibFuzzerRunner::LibFuzzerRunner(RunConfig config) : config_(std::move(config)) {}

bool LibFuzzerRunner::ForkMode() const { return config_.jobs > 1 || config_.keep_going; }

std::vector<CommandLine> LibFuzzerRunner::BuildCommands() const {
  CommandLine cmd;
  cmd.label = "libfuzzer";
  cmd.working_dir = config_.out_dir;
  cmd.argv.push_back(config_.engine_binary.string());

  FlagList flags;
  flags.Set("rss_limit_mb", "2048");
  flags.Set("timeout", "10");
  if (IsFile(config_.harness.dict)) flags.Set("dict", config_.harness.dict.string());
  for (const auto& [key, value] : config_.harness_options.Section("libfuzzer")) {
    if (key == "dict" && fs::path(value).is_relative() && !config_.harness.options.empty()) {
      flags.Set(key, (config_.harness.options.parent_path() / value).string());
    } else {
      flags.Set(key, value);
    }
  }
  flags.Set("artifact_prefix", config_.CrashesDir().string() + "/");
  flags.Set("print_final_stats", "1");
  flags.Set("seed", std::to_string(config_.seed));
  if (config_.budget.time)
    flags.Set("max_total_time", std::to_string(config_.budget.time->count()));
  if (config_.budget.runs) flags.Set("runs", std::to_string(*config_.budget.runs));
  if (ForkMode()) {
    flags.Set("fork", std::to_string(std::max(1u, config_.jobs)));
    flags.Set("ignore_crashes", "1");
    flags.Set("ignore_timeouts", "1");
    flags.Set("ignore_ooms", "1");
  }
  std::vector<std::string> passthrough_flags;
  std::vector<std::string> passthrough_words;
  for (const std::string& arg : config_.extra_args) {
    const auto eq = arg.find('=');
    if (arg.size() > 1 && arg.front() == '-' && eq != std::string::npos && eq > 1) {
      const std::size_t name_start = arg[1] == '-' ? 2 : 1;
      flags.Set(arg.substr(name_start, eq - name_start), arg.substr(eq + 1));
    } else if (!arg.empty() && arg.front() == '-') {
      passthrough_flags.push_back(arg);
    } else {
      passthrough_words.push_back(arg);
    }
  }
  flags.AppendTo(cmd.argv);
  cmd.argv.insert(cmd.argv.end(), passthrough_flags.begin(), passthrough_flags.end());
  cmd.argv.push_back(config_.WorkingCorpus().string());
  if (IsDirectory(config_.harness.seed_corpus) &&
      config_.harness.seed_corpus != config_.WorkingCorpus()) {
    cmd.argv.push_back(config_.harness.seed_corpus.string());
  }
  cmd.argv.insert(cmd.argv.end(), passthrough_words.begin(), passthrough_words.end());

  cmd.env_changes = ReportingSanitizerEnvironment(config_.user_env);
  // A harness built with a grammar mutates with it unless told otherwise.
  cmd.env_changes.Set("IOTFUZZ_GRAMMAR", config_.grammar.empty() ? "none" : config_.grammar.string());
  return {cmd};
}

void LibFuzzerRunner::AssignCrashTypes(const LibFuzzerLogParser& parser,
                                       std::vector<Finding>& findings) {
  std::set<std::string> fork_types;
  for (const auto& report : parser.crash_reports()) {
    if (!report.type.empty() && report.type != "timeout" && report.type != "out-of-memory") {
      fork_types.insert(report.type);
    }
  }
  for (Finding& finding : findings) {
    const std::string name = finding.file.filename().string();
    for (const auto& report : parser.crash_reports()) {
      if (!report.artifact.empty() && fs::path(report.artifact).filename() == name) {
        finding.crash_type = report.type;
      }
    }
    if (!finding.crash_type.empty()) continue;
    switch (finding.kind) {
      case FindingKind::kTimeout:
        finding.crash_type = "timeout";
        break;
      case FindingKind::kOutOfMemory:
        finding.crash_type = "out-of-memory";
        break;
      case FindingKind::kLeak:
        finding.crash_type = "memory-leak";
        break;
      case FindingKind::kCrash:
        if (parser.fork_mode() && fork_types.size() == 1) finding.crash_type = *fork_types.begin();
        break;
      case FindingKind::kSlowUnit:
        break;
    }
  }
}

RunOutcome LibFuzzerRunner::Run(RunObserver& observer, StopSignal* stop) {
  std::error_code ec;
  config_.CreateDirectories();
  FindingsCollector collector(config_.CrashesDir());
  collector.Snapshot();

  RunOutcome outcome;
  outcome.commands = BuildCommands();
  const CommandLine& cmd = outcome.commands.front();
  ProcessSpec spec;
  spec.argv = cmd.argv;
  spec.env = config_.user_env;
  spec.env.Apply(cmd.env_changes);
  spec.working_dir = cmd.working_dir;
  spec.log_file = config_.LogsDir() / "libfuzzer.log";
  spec.capture_output = true;
  outcome.logs.push_back(spec.log_file);

  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  };
  ProcessSupervisor supervisor;
  supervisor.Add(Process::Spawn(spec));
  LibFuzzerLogParser parser;
  supervisor.set_output_handler([&](std::size_t, std::string_view bytes) { parser.Feed(bytes); });
  supervisor.set_tick_handler([&] {
    observer.OnProgress({parser.stats(), elapsed(), config_.budget});
  });

  ProcessSupervisor::Options options;
  options.stop_signal = stop;
  if (config_.budget.time) {
    // libFuzzer stops itself at -max_total_time; this limit only catches an
    // engine that does not.
    options.time_limit = std::chrono::duration_cast<std::chrono::milliseconds>(
        *config_.budget.time + std::chrono::seconds(30) + *config_.budget.time / 10);
  }
  const ProcessSupervisor::Result result = supervisor.Run(options);
  parser.Finish();

  outcome.elapsed = elapsed();
  outcome.stop_reason = result.reason;
  outcome.exits = result.exits;
  outcome.stats = parser.stats();
  if (outcome.stats.execs_per_sec <= 0 && outcome.elapsed.count() > 0) {
    outcome.stats.execs_per_sec = static_cast<double>(outcome.stats.execs) * 1000.0 /
                                  static_cast<double>(outcome.elapsed.count());
  }
  outcome.findings = collector.NewLibFuzzerArtifacts();
  AssignCrashTypes(parser, outcome.findings);
  CrashReplayer(config_.harness, config_.user_env, config_.LogsDir())
      .FillMissingTypes(outcome.findings, stop);
  std::tie(outcome.corpus_files, outcome.corpus_file_bytes) =
      CountCorpusFiles(config_.WorkingCorpus());
  observer.OnProgress({outcome.stats, outcome.elapsed, config_.budget});
  observer.OnFinish();

  const ExitStatus& exit = outcome.exits.front();
  const bool engine_saw_failure = !parser.crash_reports().empty() || outcome.stats.crashes > 0 ||
                                  outcome.stats.timeouts > 0 || outcome.stats.ooms > 0;
  if (!exit.success() && outcome.stop_reason == StopReason::kFinished && !outcome.has_failures() &&
      !engine_saw_failure) {
    outcome.engine_error = fmt::format("libFuzzer {} without a finding; it said: {} (log: {})",
                                       exit.Describe(), parser.last_line(), spec.log_file.string());
  }
  return outcome;
}

}  // namespace iotfuzz
