#include "fuzzers/engine/process_supervisor.h"

#include <catch2/catch.hpp>
#include <csignal>

#include "fuzzers/engine/stop_signal.h"

namespace iotfuzz {
namespace {

using std::chrono::milliseconds;

Process StartShell(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = Environment::Current();
  spec.capture_output = true;
  return Process::Spawn(spec);
}

TEST_CASE("The supervisor delivers every process's output and exit status") {
  ProcessSupervisor supervisor;
  supervisor.Add(StartShell("echo first; exit 0"));
  supervisor.Add(StartShell("echo second; exit 4"));
  std::string output[2];
  supervisor.set_output_handler(
      [&](std::size_t index, std::string_view bytes) { output[index] += bytes; });
  int ticks = 0;
  supervisor.set_tick_handler([&] { ++ticks; });
  const auto result = supervisor.Run({});
  CHECK(result.reason == StopReason::kFinished);
  REQUIRE(result.exits.size() == 2);
  CHECK(result.exits[0].success());
  CHECK(result.exits[1].code == 4);
  CHECK(output[0] == "first\n");
  CHECK(output[1] == "second\n");
  CHECK(ticks >= 1);
}

TEST_CASE("Output written right before exit is not lost") {
  ProcessSupervisor supervisor;
  supervisor.Add(StartShell("i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done"));
  std::size_t lines = 0;
  supervisor.set_output_handler([&](std::size_t, std::string_view bytes) {
    lines += static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  });
  supervisor.Run({});
  CHECK(lines == 2000);
}

TEST_CASE("A process past the time limit is stopped and the run marked timed out") {
  ProcessSupervisor supervisor;
  supervisor.Add(StartShell("sleep 60"));
  ProcessSupervisor::Options options;
  options.time_limit = milliseconds(200);
  const auto result = supervisor.Run(options);
  CHECK(result.reason == StopReason::kTimedOut);
  CHECK(result.exits[0].signaled);
  CHECK(result.exits[0].signal == SIGTERM);
}

TEST_CASE("A process that ignores the stop signal is killed after the grace period") {
  ProcessSupervisor supervisor;
  supervisor.Add(StartShell("trap '' TERM; echo ready; sleep 60 & wait"));
  ProcessSupervisor::Options options;
  options.time_limit = milliseconds(300);
  options.stop_grace = milliseconds(300);
  const auto result = supervisor.Run(options);
  CHECK(result.reason == StopReason::kTimedOut);
  CHECK(result.exits[0].signal == SIGKILL);
}

TEST_CASE("A stop request interrupts every process with SIGINT") {
  StopSignal stop;
  ProcessSupervisor supervisor;
  supervisor.Add(StartShell("sleep 60"));
  supervisor.Add(StartShell("sleep 60"));
  supervisor.set_tick_handler([&] { stop.Request(SIGINT); });
  ProcessSupervisor::Options options;
  options.stop_signal = &stop;
  const auto result = supervisor.Run(options);
  CHECK(result.reason == StopReason::kInterrupted);
  for (const ExitStatus& exit : result.exits) CHECK(exit.signal == SIGINT);
}

TEST_CASE("A second stop request kills processes that ignore the first") {
  StopSignal stop;
  ProcessSupervisor supervisor;
  supervisor.Add(StartShell("trap '' INT; sleep 60 & wait"));
  int ticks = 0;
  supervisor.set_tick_handler([&] {
    if (++ticks <= 2) stop.Request(SIGINT);
  });
  ProcessSupervisor::Options options;
  options.stop_signal = &stop;
  options.stop_grace = std::chrono::seconds(60);
  const auto result = supervisor.Run(options);
  CHECK(result.reason == StopReason::kInterrupted);
  CHECK(result.exits[0].signal == SIGKILL);
}

}  // namespace
}  // namespace iotfuzz
