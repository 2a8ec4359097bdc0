#include "fuzzers/triage/crash_reproducer.h"

#include <poll.h>
#include <signal.h>

#include <system_error>

#include "fuzzers/common/error.h"
#include "fuzzers/engine/process.h"
#include "fuzzers/engine/sanitizer_options.h"

namespace iotfuzz::triage {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Environment TriageSanitizerEnvironment(const Environment& user_env) {
  Environment env = user_env;
  SanitizerOptions asan = SanitizerOptions::Parse(user_env.Get("ASAN_OPTIONS").value_or(""));
  asan.SetDefault("symbolize", "0");
  asan.SetDefault("dedup_token_length", "3");
  asan.SetDefault("print_scariness", "1");
  asan.SetDefault("max_allocation_size_mb", "2048");
  asan.SetDefault("handle_abort", "1");
  env.Set("ASAN_OPTIONS", asan.ToString());
  SanitizerOptions ubsan = SanitizerOptions::Parse(user_env.Get("UBSAN_OPTIONS").value_or(""));
  ubsan.SetDefault("print_stacktrace", "1");
  ubsan.SetDefault("halt_on_error", "1");
  ubsan.SetDefault("symbolize", "0");
  env.Set("UBSAN_OPTIONS", ubsan.ToString());
  return env;
}

ReplayOutput RunCaptured(const std::vector<std::string>& argv, const Environment& env,
                         std::chrono::milliseconds limit) {
  ProcessSpec spec;
  spec.argv = argv;
  spec.env = env;
  spec.capture_output = true;
  Process process = Process::Spawn(spec);
  ReplayOutput out;
  out.binary = argv.front();
  const auto deadline = Clock::now() + limit;
  bool killed = false;
  while (process.output_fd() >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      process.SignalGroup(SIGKILL);
      killed = true;
      // Drain what is left without waiting for descendants that might hold the pipe.
      for (int i = 0; i < 20 && process.output_fd() >= 0; ++i) {
        pollfd pfd{process.output_fd(), POLLIN, 0};
        if (::poll(&pfd, 1, 50) <= 0) break;
        std::string chunk = process.ReadOutput();
        if (out.log.size() < kMaxReplayLogBytes) out.log += chunk;
      }
      break;
    }
    pollfd pfd{process.output_fd(), POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    std::string chunk = process.ReadOutput();
    if (out.log.size() < kMaxReplayLogBytes) {
      out.log += chunk;
      if (out.log.size() > kMaxReplayLogBytes) {
        out.log.resize(kMaxReplayLogBytes);
        out.truncated = true;
      }
    } else if (!chunk.empty()) {
      out.truncated = true;
    }
  }
  if (!killed) {
    // Output closed: the process is ending; wait for it within the limit.
    while (!process.TryWait()) {
      if (Clock::now() >= deadline) {
        process.SignalGroup(SIGKILL);
        killed = true;
        break;
      }
      ::poll(nullptr, 0, 2);
    }
  }
  const ExitStatus status = process.Wait();
  out.timed_out = killed;
  out.exited_cleanly = !killed && status.success();
  return out;
}

HarnessReplayReproducer::HarnessReplayReproducer(HarnessEntry harness, Environment user_env,
                                                 std::chrono::milliseconds timeout)
    : harness_(std::move(harness)), env_(TriageSanitizerEnvironment(user_env)), timeout_(timeout) {
  std::error_code ec;
  const bool has_replay = !harness_.binaries.replay.empty() && fs::exists(harness_.binaries.replay, ec);
  const bool has_libfuzzer = !harness_.binaries.libfuzzer.empty() && fs::exists(harness_.binaries.libfuzzer, ec);
  if (!has_replay && !has_libfuzzer) {
    throw Error::Format("harness {} has no built replay or libFuzzer binary ({}); build it first", harness_.name,
                        harness_.binaries.replay.empty() ? "none in this build variant"
                                                         : harness_.binaries.replay.string());
  }
}

std::vector<std::string> HarnessReplayReproducer::ReplayCommand(const fs::path& input) const {
  const fs::path& binary = !harness_.binaries.replay.empty() ? harness_.binaries.replay : harness_.binaries.libfuzzer;
  return {binary.string(), input.string()};
}

ReplayOutput HarnessReplayReproducer::Run(const std::vector<std::string>& argv,
                                          std::chrono::milliseconds limit) const {
  return RunCaptured(argv, env_, limit);
}

ReplayOutput HarnessReplayReproducer::Replay(const fs::path& input, const std::string& engine_kind) const {
  std::error_code ec;
  const fs::path& replay = harness_.binaries.replay;
  const fs::path& libfuzzer = harness_.binaries.libfuzzer;
  const bool has_replay = !replay.empty() && fs::exists(replay, ec);
  const bool has_libfuzzer = !libfuzzer.empty() && fs::exists(libfuzzer, ec);
  const bool resource_kind = engine_kind == "timeout" || engine_kind == "oom" || engine_kind == "hang";
  const long long seconds = std::max<long long>(1, (timeout_.count() + 999) / 1000);
  auto run_libfuzzer = [&] {
    return Run({libfuzzer.string(), fmt::format("-timeout={}", seconds), "-rss_limit_mb=2048",
                "-malloc_limit_mb=2048", input.string()},
               timeout_ * 2 + std::chrono::seconds(5));
  };
  if (has_libfuzzer && (resource_kind || !has_replay)) return run_libfuzzer();
  ReplayOutput out = Run({replay.string(), input.string()}, timeout_);
  if (out.timed_out && has_libfuzzer) return run_libfuzzer();
  return out;
}

}  // namespace iotfuzz::triage
