// Runs a set of child processes to their end: relays their output, applies a
// time limit, and stops them on Ctrl-C.
#ifndef IOTFUZZ_FUZZERS_ENGINE_PROCESS_SUPERVISOR_H_
#define IOTFUZZ_FUZZERS_ENGINE_PROCESS_SUPERVISOR_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "fuzzers/engine/process.h"

namespace iotfuzz {

class StopSignal;

// Why the supervised processes ended.
enum class StopReason {
  kFinished,     // they exited on their own
  kInterrupted,  // SIGINT/SIGTERM reached iotfuzz and was passed on
  kTimedOut,     // the time limit passed and they were stopped
};
std::string_view StopReasonName(StopReason reason);  // "finished", "interrupted", "timed_out"

class ProcessSupervisor {
 public:
  struct Options {
    // Wall-clock limit after which every process group gets SIGTERM.
    std::optional<std::chrono::milliseconds> time_limit;
    // How long a group may take to exit after SIGINT/SIGTERM before SIGKILL.
    std::chrono::milliseconds stop_grace{10000};
    // How often on_tick runs (and exits are checked).
    std::chrono::milliseconds tick{250};
    // When set, a stop request sends SIGINT to every group (engines then
    // write their final stats); a second request sends SIGKILL.
    StopSignal* stop_signal = nullptr;
  };

  struct Result {
    StopReason reason = StopReason::kFinished;
    std::vector<ExitStatus> exits;  // one per process, in Add order
  };

  // Called with captured output of process `index` as it arrives.
  using OutputHandler = std::function<void(std::size_t index, std::string_view bytes)>;
  using TickHandler = std::function<void()>;

  // Takes ownership of a started process; returns its index.
  std::size_t Add(Process process);
  void set_output_handler(OutputHandler handler) { on_output_ = std::move(handler); }
  void set_tick_handler(TickHandler handler) { on_tick_ = std::move(handler); }

  // Returns once every process has exited and its captured output has been
  // delivered (output still open a second after all exits is abandoned).
  Result Run(const Options& options);

 private:
  void SignalAll(int signal);
  void PumpOutput(int timeout_ms, int wake_fd);

  std::vector<Process> processes_;
  OutputHandler on_output_;
  TickHandler on_tick_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_PROCESS_SUPERVISOR_H_
