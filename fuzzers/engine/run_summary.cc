#include "fuzzers/engine/run_summary.h"

#include <fmt/format.h>

#include <ctime>

#include "fuzzers/common/duration.h"
#include "fuzzers/engine/crash_replayer.h"
#include "fuzzers/engine/status_printer.h"

namespace iotfuzz {
namespace fs = std::filesystem;
namespace {

// The text summary lists this many findings; summary.json lists them all.
constexpr std::size_t kMaxListedFindings = 20;

}  // namespace

std::string UtcTimestampNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

RunSummary::RunSummary(const RunConfig& config, const RunOutcome& outcome, BuildInfo build,
                       std::string started_at)
    : config_(config),
      outcome_(outcome),
      build_(std::move(build)),
      started_at_(std::move(started_at)) {}

int RunSummary::exit_code() const {
  if (outcome_.has_failures()) return kExitFindings;
  if (!outcome_.engine_error.empty()) return kExitError;
  return kExitClean;
}

nlohmann::json RunSummary::ToJson() const {
  using nlohmann::json;
  const FuzzerStats& s = outcome_.stats;
  json exits = json::array();
  for (const ExitStatus& e : outcome_.exits) exits.push_back(e.Describe());
  json commands = json::array();
  for (const CommandLine& c : outcome_.commands) {
    json env = json::object();
    for (const std::string& assignment : c.env_changes.ToStrings()) {
      const auto eq = assignment.find('=');
      env[assignment.substr(0, eq)] = assignment.substr(eq + 1);
    }
    commands.push_back({{"label", c.label},
                        {"argv", c.argv},
                        {"env", env},
                        {"working_dir", c.working_dir.string()}});
  }
  json findings = json::array();
  for (const Finding& f : outcome_.findings) {
    findings.push_back(
        {{"file", f.file.string()},
         {"kind", FindingKindName(f.kind)},
         {"type", f.crash_type.empty() ? json(nullptr) : json(f.crash_type)},
         {"size_bytes", f.size_bytes},
         {"engine_file", f.engine_file.empty() ? json(nullptr) : json(f.engine_file.string())},
         {"replay_command", ReplayCommandFor(config_.harness, f.file)}});
  }
  json logs = json::array();
  for (const fs::path& log : outcome_.logs) logs.push_back(log.string());
  const int code = exit_code();
  return {
      {"iotfuzz_version", build_.version},
      {"harness", config_.harness.name},
      {"target", config_.harness.target},
      {"protocol", config_.harness.protocol},
      {"engine", EngineName(config_.engine)},
      {"grammar", config_.grammar.empty() ? json(nullptr) : json(config_.grammar.string())},
      {"build", {{"dir", build_.dir.string()}, {"variant", build_.variant}}},
      {"seed", config_.seed},
      {"jobs", config_.jobs},
      {"keep_going", config_.keep_going},
      {"budget",
       {{"time_seconds", config_.budget.time ? json(config_.budget.time->count()) : json(nullptr)},
        {"runs", config_.budget.runs ? json(*config_.budget.runs) : json(nullptr)}}},
      {"started_at", started_at_},
      {"elapsed_seconds", static_cast<double>(outcome_.elapsed.count()) / 1000.0},
      {"stop_reason", StopReasonName(outcome_.stop_reason)},
      {"engine_exits", exits},
      {"engine_error", outcome_.engine_error.empty() ? json(nullptr) : json(outcome_.engine_error)},
      {"stats",
       {{"execs", s.execs},
        {"execs_per_sec", s.execs_per_sec},
        {"edges", s.edges},
        {"total_edges", s.total_edges},
        {"features", s.features},
        {"corpus_count", s.corpus_count},
        {"corpus_bytes", s.corpus_bytes},
        {"crashes", s.crashes},
        {"timeouts", s.timeouts},
        {"ooms", s.ooms},
        {"peak_rss_mb", s.peak_rss_mb}}},
      {"corpus",
       {{"dir", config_.WorkingCorpus().string()},
        {"files", outcome_.corpus_files},
        {"bytes", outcome_.corpus_file_bytes}}},
      {"crashes_dir", config_.CrashesDir().string()},
      {"logs", logs},
      {"commands", commands},
      {"findings", findings},
      {"result", code == kExitFindings ? "findings"
                 : code == kExitError  ? "error"
                                       : "clean"},
      {"exit_code", code},
  };
}

std::string RunSummary::ToText() const {
  const FuzzerStats& s = outcome_.stats;
  std::string why;
  switch (outcome_.stop_reason) {
    case StopReason::kInterrupted:
      why = "interrupted";
      break;
    case StopReason::kTimedOut:
      why = "stopped by iotfuzz: the engine overran its time budget";
      break;
    case StopReason::kFinished:
      if (!outcome_.engine_error.empty()) {
        why = "engine failed";
      } else if (outcome_.has_failures() && !config_.keep_going && config_.jobs <= 1 &&
                 config_.engine == EngineKind::kLibFuzzer) {
        why = "stopped at the first crash (use --keep-going to continue past crashes)";
      } else {
        why = "budget spent";
      }
      break;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(outcome_.elapsed);
  const std::string took =
      seconds.count() < 60
          ? fmt::format("{:.1f}s", static_cast<double>(outcome_.elapsed.count()) / 1000.0)
          : FormatDuration(seconds);
  std::string text = fmt::format("== {} ({}) {} after {} ==\n", config_.harness.name,
                                 EngineName(config_.engine), why, took);
  text += fmt::format("  executions   {} ({}/s)\n", s.execs, FormatCount(s.execs_per_sec));
  text += fmt::format("  edges        {}", s.edges);
  if (s.total_edges > 0) text += fmt::format(" of {}", s.total_edges);
  if (s.features > 0) text += fmt::format(" (features {})", s.features);
  text += "\n";
  text += fmt::format("  corpus       {} inputs", s.corpus_count);
  if (s.corpus_bytes > 0) text += fmt::format(", {}", FormatBytes(s.corpus_bytes));
  text += fmt::format("; {} files, {} in {}\n", outcome_.corpus_files,
                      FormatBytes(outcome_.corpus_file_bytes), config_.WorkingCorpus().string());
  std::size_t failures = 0;
  for (const Finding& f : outcome_.findings) failures += f.is_failure() ? 1 : 0;
  text += fmt::format("  findings     {}", failures);
  if (s.crashes + s.timeouts + s.ooms > failures) {
    text += fmt::format(" files (engine counted {} crashes, {} timeouts, {} ooms)", s.crashes,
                        s.timeouts, s.ooms);
  }
  text += "\n";
  std::size_t listed = 0;
  for (const Finding& f : outcome_.findings) {
    if (++listed > kMaxListedFindings) {
      text += fmt::format("    ... and {} more, all listed in {}\n",
                          outcome_.findings.size() - kMaxListedFindings,
                          config_.SummaryFile().string());
      break;
    }
    std::string type =
        f.crash_type.empty() ? "type unknown, replay to see the report" : f.crash_type;
    text += fmt::format("    {}  {}  {}\n", FindingKindName(f.kind), type, f.file.string());
    std::string replay;
    for (const std::string& word : ReplayCommandFor(config_.harness, f.file)) {
      if (!replay.empty()) replay += ' ';
      replay += ShellQuote(word);
    }
    text += fmt::format("      replay: {}\n", replay);
  }
  if (!outcome_.engine_error.empty())
    text += fmt::format("  error        {}\n", outcome_.engine_error);
  text += fmt::format("  summary      {}\n", config_.SummaryFile().string());
  return text;
}

}  // namespace iotfuzz
