#include "fuzzers/engine/crash_replayer.h"

#include <system_error>

#include "fuzzers/common/error.h"
#include "fuzzers/engine/libfuzzer_log_parser.h"
#include "fuzzers/engine/process_supervisor.h"
#include "fuzzers/engine/sanitizer_options.h"
#include "fuzzers/engine/stop_signal.h"

namespace iotfuzz {
namespace fs = std::filesystem;

std::vector<std::string> ReplayCommandFor(const HarnessEntry& harness, const fs::path& input) {
  const HarnessBinaries& b = harness.binaries;
  const fs::path& binary = !b.replay.empty()      ? b.replay
                           : !b.libfuzzer.empty() ? b.libfuzzer
                           : !b.afl.empty()       ? b.afl
                                                  : b.coverage;
  return {binary.string(), input.string()};
}

CrashReplayer::CrashReplayer(HarnessEntry harness, Environment env, fs::path logs_dir)
    : CrashReplayer(std::move(harness), std::move(env), std::move(logs_dir), Limits{}) {}

CrashReplayer::CrashReplayer(HarnessEntry harness, Environment env, fs::path logs_dir,
                             Limits limits)
    : harness_(std::move(harness)),
      env_(std::move(env)),
      logs_dir_(std::move(logs_dir)),
      limits_(limits) {}

void CrashReplayer::FillMissingTypes(std::vector<Finding>& findings, StopSignal* stop) const {
  std::size_t replays = 0;
  for (Finding& finding : findings) {
    if (stop != nullptr && stop->requested()) return;
    if (!finding.crash_type.empty()) continue;
    if (finding.kind != FindingKind::kCrash && finding.kind != FindingKind::kLeak) continue;
    if (replays++ >= limits_.max_replays) return;
    finding.crash_type = Replay(finding, stop);
  }
}

std::string CrashReplayer::Replay(const Finding& finding, StopSignal* stop) const {
  const std::vector<std::string> command = ReplayCommandFor(harness_, finding.file);
  std::error_code ec;
  if (command.front().empty() || !fs::exists(command.front(), ec)) return "";

  ProcessSpec spec;
  spec.argv = command;
  spec.env = env_;
  for (const std::string& assignment : ReportingSanitizerEnvironment(env_).ToStrings()) {
    const auto eq = assignment.find('=');
    spec.env.Set(assignment.substr(0, eq), assignment.substr(eq + 1));
  }
  spec.capture_output = true;
  spec.log_file = logs_dir_ / ("replay-" + finding.file.filename().string() + ".log");
  ProcessSupervisor supervisor;
  try {
    supervisor.Add(Process::Spawn(spec));
  } catch (const Error&) {
    return "";
  }
  LibFuzzerLogParser parser;
  supervisor.set_output_handler([&](std::size_t, std::string_view bytes) { parser.Feed(bytes); });
  ProcessSupervisor::Options options;
  options.time_limit = limits_.timeout;
  options.stop_grace = std::chrono::seconds(2);
  options.stop_signal = stop;
  const ProcessSupervisor::Result result = supervisor.Run(options);
  parser.Finish();
  for (const auto& report : parser.crash_reports()) {
    if (!report.type.empty()) return report.type;
  }
  if (result.reason == StopReason::kTimedOut) return "replay-timeout";
  if (result.reason == StopReason::kFinished && result.exits.front().success()) {
    return "did-not-reproduce";
  }
  return "";
}

}  // namespace iotfuzz
