#include "fuzzers/engine/process_supervisor.h"

#include <poll.h>

#include <algorithm>
#include <csignal>

#include "fuzzers/engine/stop_signal.h"

namespace iotfuzz {

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kFinished:
      return "finished";
    case StopReason::kInterrupted:
      return "interrupted";
    case StopReason::kTimedOut:
      return "timed_out";
  }
  return "finished";
}

std::size_t ProcessSupervisor::Add(Process process) {
  processes_.push_back(std::move(process));
  return processes_.size() - 1;
}

void ProcessSupervisor::SignalAll(int signal) {
  for (Process& p : processes_) p.SignalGroup(signal);
}

void ProcessSupervisor::PumpOutput(int timeout_ms, int wake_fd) {
  std::vector<pollfd> fds;
  std::vector<std::size_t> owners;
  for (std::size_t i = 0; i < processes_.size(); ++i) {
    if (processes_[i].output_fd() >= 0) {
      fds.push_back({processes_[i].output_fd(), POLLIN, 0});
      owners.push_back(i);
    }
  }
  if (wake_fd >= 0) fds.push_back({wake_fd, POLLIN, 0});
  ::poll(fds.data(), fds.size(), timeout_ms);
  for (std::size_t k = 0; k < owners.size(); ++k) {
    if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const std::size_t i = owners[k];
    const std::string bytes = processes_[i].ReadOutput();
    if (!bytes.empty() && on_output_) on_output_(i, bytes);
  }
}

ProcessSupervisor::Result ProcessSupervisor::Run(const Options& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto next_tick = start + options.tick;
  std::optional<Clock::time_point> stop_sent_at;
  bool killed = false;
  int stop_requests_seen = 0;
  Result result;

  const auto all_reaped = [&] {
    return std::all_of(processes_.begin(), processes_.end(),
                       [](const Process& p) { return p.reaped(); });
  };
  const auto begin_stop = [&](StopReason reason, int signal) {
    if (result.reason == StopReason::kFinished) result.reason = reason;
    SignalAll(signal);
    stop_sent_at = Clock::now();
  };

  const int wake_fd = options.stop_signal != nullptr ? options.stop_signal->wake_fd() : -1;
  while (!all_reaped()) {
    const auto now = Clock::now();
    const auto until_tick =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - now).count();
    PumpOutput(static_cast<int>(std::clamp<long long>(until_tick, 0, options.tick.count())),
               wake_fd);

    if (options.stop_signal != nullptr) {
      const int requests = options.stop_signal->count();
      if (requests > stop_requests_seen) {
        options.stop_signal->Drain();
        if (stop_requests_seen == 0 && !stop_sent_at) {
          begin_stop(StopReason::kInterrupted, SIGINT);
        } else if (!killed) {
          SignalAll(SIGKILL);
          killed = true;
        }
        stop_requests_seen = requests;
      }
    }
    if (options.time_limit && !stop_sent_at && Clock::now() - start >= *options.time_limit) {
      begin_stop(StopReason::kTimedOut, SIGTERM);
    }
    if (stop_sent_at && !killed && Clock::now() - *stop_sent_at >= options.stop_grace) {
      SignalAll(SIGKILL);
      killed = true;
    }
    for (Process& p : processes_) p.TryWait();
    if (Clock::now() >= next_tick) {
      if (on_tick_) on_tick_();
      next_tick = Clock::now() + options.tick;
    }
  }

  // Output written just before exiting is still in the pipes.
  const auto drain_until = Clock::now() + std::chrono::seconds(1);
  while (Clock::now() < drain_until &&
         std::any_of(processes_.begin(), processes_.end(),
                     [](const Process& p) { return p.output_fd() >= 0; })) {
    PumpOutput(50, -1);
  }
  if (on_tick_) on_tick_();
  for (Process& p : processes_) result.exits.push_back(*p.exit_status());
  return result;
}

}  // namespace iotfuzz
