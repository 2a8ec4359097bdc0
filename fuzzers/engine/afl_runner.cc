#include "fuzzers/engine/afl_runner.h"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <system_error>

#include "fuzzers/common/content_hash.h"
#include "fuzzers/common/error.h"
#include "fuzzers/engine/afl_stats_parser.h"
#include "fuzzers/engine/crash_replayer.h"
#include "fuzzers/engine/process_supervisor.h"
#include "fuzzers/engine/sanitizer_options.h"

namespace iotfuzz {
namespace fs = std::filesystem;
namespace {

bool IsFile(const fs::path& path) {
  std::error_code ec;
  return !path.empty() && fs::is_regular_file(path, ec);
}

bool HasRegularFiles(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::error_code entry_ec;
    if (entry.is_regular_file(entry_ec)) return true;
  }
  return false;
}

// Strips ANSI colour sequences ("\x1b[1;94m") from AFL++'s output.
std::string StripColour(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      while (i < text.size() && !(text[i] >= '@' && text[i] <= '~' && text[i] != '[')) ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

// Keeps the last error message of one afl-fuzz instance ("[-] ..." lines,
// "PROGRAM ABORT"), to quote when it fails. Lines are capped so a runaway
// line cannot grow memory.
struct AbortMessageTracker {
  static constexpr std::size_t kMaxLineBytes = 16 * 1024;
  std::string partial;
  std::string last_problem;

  void Feed(std::string_view bytes) {
    while (!bytes.empty()) {
      const auto newline = bytes.find('\n');
      const auto piece = bytes.substr(0, newline);
      if (partial.size() < kMaxLineBytes) {
        partial.append(piece.substr(0, kMaxLineBytes - partial.size()));
      }
      if (newline == std::string_view::npos) return;
      HandleLine(StripColour(partial));
      partial.clear();
      bytes.remove_prefix(newline + 1);
    }
  }
  void HandleLine(const std::string& line) {
    const auto problem = line.find("[-] ");
    if (problem != std::string::npos) last_problem = line.substr(problem + 4);
    if (line.find("PROGRAM ABORT") != std::string::npos) last_problem = line;
  }
};

// Files named id:* in `dir`: AFL++'s queue entries, crashes or hangs.
std::uint64_t CountAflEntries(const fs::path& dir) {
  std::uint64_t count = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().starts_with("id:")) ++count;
  }
  return count;
}

}  // namespace

AflRunner::AflRunner(RunConfig config) : config_(std::move(config)) {}

std::vector<std::string> AflRunner::InstanceNames() const {
  if (config_.jobs <= 1) return {"default"};
  std::vector<std::string> names{"main"};
  for (unsigned i = 1; i < config_.jobs; ++i) names.push_back(fmt::format("s{}", i));
  return names;
}

std::vector<CommandLine> AflRunner::BuildCommands() const {
  Environment env_changes;
  for (const char* name : {"AFL_SKIP_CPUFREQ", "AFL_NO_UI", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES",
                           "AFL_NO_AFFINITY"}) {
    if (!config_.user_env.Has(name)) env_changes.Set(name, "1");
  }
  SanitizerOptions asan =
      SanitizerOptions::Parse(config_.user_env.Get("ASAN_OPTIONS").value_or(""));
  asan.Set("abort_on_error", "1");
  asan.Set("symbolize", "0");
  asan.SetDefault("detect_leaks", "0");
  asan.SetDefault("malloc_context_size", "0");
  asan.SetDefault("allocator_may_return_null", "1");
  asan.SetDefault("detect_odr_violation", "0");
  env_changes.Set("ASAN_OPTIONS", asan.ToString());
  SanitizerOptions ubsan =
      SanitizerOptions::Parse(config_.user_env.Get("UBSAN_OPTIONS").value_or(""));
  ubsan.Set("halt_on_error", "1");
  ubsan.Set("abort_on_error", "1");
  ubsan.Set("symbolize", "0");
  env_changes.Set("UBSAN_OPTIONS", ubsan.ToString());
  if (!config_.grammar.empty() && !config_.afl_mutator_library.empty()) {
    // The grammar mutator runs as AFL++'s custom mutation stage, before havoc.
    env_changes.Set("AFL_CUSTOM_MUTATOR_LIBRARY", config_.afl_mutator_library.string());
    env_changes.Set("IOTFUZZ_GRAMMAR", config_.grammar.string());
  }

  std::string max_len;
  for (const auto& [key, value] : config_.harness_options.Section("libfuzzer")) {
    if (key == "max_len") max_len = value;
  }
  const std::vector<std::string> instances = InstanceNames();
  std::vector<CommandLine> commands;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    CommandLine cmd;
    cmd.label = "afl-" + instances[i];
    cmd.working_dir = config_.out_dir;
    cmd.env_changes = env_changes;
    cmd.argv = {config_.afl_fuzz_program, "-i", config_.WorkingCorpus().string(), "-o",
                AflOutDir().string()};
    if (instances.size() > 1) {
      cmd.argv.push_back(i == 0 ? "-M" : "-S");
      cmd.argv.push_back(instances[i]);
    }
    if (IsFile(config_.harness.dict)) {
      cmd.argv.push_back("-x");
      cmd.argv.push_back(config_.harness.dict.string());
    }
    for (const char* arg : {"-m", "none", "-t", "1000+"}) cmd.argv.push_back(arg);
    cmd.argv.push_back("-s");
    cmd.argv.push_back(std::to_string(static_cast<std::uint64_t>(config_.seed) + i));
    if (config_.budget.time) {
      cmd.argv.push_back("-V");
      cmd.argv.push_back(std::to_string(config_.budget.time->count()));
    }
    if (config_.budget.runs) {
      const std::uint64_t per_instance =
          (*config_.budget.runs + instances.size() - 1) / instances.size();
      cmd.argv.push_back("-E");
      cmd.argv.push_back(std::to_string(per_instance));
    }
    if (!max_len.empty()) {
      cmd.argv.push_back("-G");
      cmd.argv.push_back(max_len);
    }
    cmd.argv.insert(cmd.argv.end(), config_.extra_args.begin(), config_.extra_args.end());
    cmd.argv.push_back("--");
    cmd.argv.push_back(config_.engine_binary.string());
    commands.push_back(std::move(cmd));
  }
  return commands;
}

std::size_t AflRunner::HarvestQueue(const fs::path& afl_out, const fs::path& corpus) {
  std::set<std::string> known;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(corpus, ec)) {
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;
    if (auto hash = FileContentHashHex(entry.path())) known.insert(*hash);
  }
  std::size_t added = 0;
  for (const auto& instance : fs::directory_iterator(afl_out, ec)) {
    std::error_code instance_ec;
    if (!instance.is_directory(instance_ec)) continue;
    for (const auto& entry : fs::directory_iterator(instance.path() / "queue", instance_ec)) {
      std::error_code entry_ec;
      const std::string name = entry.path().filename().string();
      if (!entry.is_regular_file(entry_ec) || !name.starts_with("id:")) continue;
      if (name.find(",orig:") != std::string::npos) continue;  // one of the inputs
      const auto hash = FileContentHashHex(entry.path());
      if (!hash || !known.insert(*hash).second) continue;
      fs::copy_file(entry.path(), corpus / ("afl-" + *hash), fs::copy_options::skip_existing,
                    entry_ec);
      if (!entry_ec) ++added;
    }
  }
  return added;
}

void AflRunner::PrepareInputCorpus() const {
  const fs::path corpus = config_.WorkingCorpus();
  if (HasRegularFiles(corpus)) return;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(config_.harness.seed_corpus, ec)) {
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;
    fs::copy_file(entry.path(), corpus / entry.path().filename(), fs::copy_options::skip_existing,
                  entry_ec);
  }
  if (HasRegularFiles(corpus)) return;
  std::ofstream seed(corpus / "seed-newline", std::ios::binary);
  seed << '\n';
  if (!seed) throw Error::Format("cannot write a starting input into {}", corpus.string());
}

RunOutcome AflRunner::Run(RunObserver& observer, StopSignal* stop) {
  std::error_code ec;
  config_.CreateDirectories();
  FindingsCollector collector(config_.CrashesDir());
  if (fs::exists(AflOutDir(), ec)) {
    HarvestQueue(AflOutDir(), config_.WorkingCorpus());
    collector.ImportAflFindings(AflOutDir());
    fs::remove_all(AflOutDir(), ec);
    if (ec) throw Error::Format("cannot remove the old {}: {}", AflOutDir().string(), ec.message());
  }
  PrepareInputCorpus();

  RunOutcome outcome;
  outcome.commands = BuildCommands();
  const std::vector<std::string> instances = InstanceNames();
  ProcessSupervisor supervisor;
  for (std::size_t i = 0; i < outcome.commands.size(); ++i) {
    const CommandLine& cmd = outcome.commands[i];
    ProcessSpec spec;
    spec.argv = cmd.argv;
    spec.env = config_.user_env;
    spec.env.Apply(cmd.env_changes);
    spec.working_dir = cmd.working_dir;
    spec.log_file = config_.LogsDir() / (cmd.label + ".log");
    spec.capture_output = true;
    outcome.logs.push_back(spec.log_file);
    supervisor.Add(Process::Spawn(spec));
  }

  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  };
  std::vector<AbortMessageTracker> outputs(instances.size());
  // afl-fuzz rewrites fuzzer_stats only about once a minute (and at exit);
  // its queue, crashes and hangs directories are current at any moment.
  const auto read_stats = [&](bool after_exit) {
    std::vector<AflStats> all;
    for (const std::string& name : instances) {
      auto s = AflStatsParser::ReadFile(AflOutDir() / name / "fuzzer_stats");
      if (!s) continue;
      if (!after_exit && s->run_time == 0) {  // written before fuzzing: calibration figures
        s->execs_done = 0;
        s->execs_per_sec = 0;
      }
      all.push_back(*s);
    }
    FuzzerStats stats = AflStatsParser::Combine(all);
    std::uint64_t crashes = 0;
    std::uint64_t hangs = 0;
    for (const std::string& name : instances) {
      const fs::path dir = AflOutDir() / name;
      stats.corpus_count = std::max(stats.corpus_count, CountAflEntries(dir / "queue"));
      crashes += CountAflEntries(dir / "crashes");
      hangs += CountAflEntries(dir / "hangs");
    }
    stats.crashes = std::max(stats.crashes, crashes);
    stats.timeouts = std::max(stats.timeouts, hangs);
    return stats;
  };
  supervisor.set_output_handler(
      [&](std::size_t index, std::string_view bytes) { outputs[index].Feed(bytes); });
  auto last_stats_read = std::chrono::steady_clock::now() - std::chrono::hours(1);
  FuzzerStats live;
  supervisor.set_tick_handler([&] {
    if (std::chrono::steady_clock::now() - last_stats_read >= std::chrono::seconds(1)) {
      live = read_stats(false);
      last_stats_read = std::chrono::steady_clock::now();
    }
    observer.OnProgress({live, elapsed(), config_.budget});
  });

  ProcessSupervisor::Options options;
  options.stop_signal = stop;
  if (config_.budget.time) {
    // afl-fuzz stops itself after -V; calibrating the inputs comes first and
    // may take a while, hence the generous margin.
    options.time_limit = std::chrono::duration_cast<std::chrono::milliseconds>(
        *config_.budget.time + std::chrono::seconds(60) + *config_.budget.time / 4);
  }
  const ProcessSupervisor::Result result = supervisor.Run(options);
  for (auto& out : outputs) out.HandleLine(StripColour(out.partial));

  outcome.elapsed = elapsed();
  outcome.stop_reason = result.reason;
  outcome.exits = result.exits;
  outcome.stats = read_stats(true);
  outcome.findings = collector.ImportAflFindings(AflOutDir());
  CrashReplayer(config_.harness, config_.user_env, config_.LogsDir())
      .FillMissingTypes(outcome.findings, stop);
  HarvestQueue(AflOutDir(), config_.WorkingCorpus());
  std::tie(outcome.corpus_files, outcome.corpus_file_bytes) =
      CountCorpusFiles(config_.WorkingCorpus());
  observer.OnProgress({outcome.stats, outcome.elapsed, config_.budget});
  observer.OnFinish();

  if (outcome.stop_reason == StopReason::kFinished && !outcome.has_failures()) {
    for (std::size_t i = 0; i < outcome.exits.size(); ++i) {
      if (outcome.exits[i].success()) continue;
      outcome.engine_error =
          fmt::format("afl-fuzz ({}) {}: {} (log: {})", instances[i], outcome.exits[i].Describe(),
                      outputs[i].last_problem.empty() ? "no message" : outputs[i].last_problem,
                      outcome.logs[i].string());
      break;
    }
  }
  return outcome;
}

}  // namespace iotfuzz
