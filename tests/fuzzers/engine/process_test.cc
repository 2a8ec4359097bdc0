#include "fuzzers/engine/process.h"

#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "fuzzers/common/error.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

ProcessSpec Shell(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = Environment::Current();
  return spec;
}

// Reads captured output until end of file.
std::string ReadAll(Process& process) {
  std::string out;
  while (process.output_fd() >= 0) {
    pollfd fd{process.output_fd(), POLLIN, 0};
    ::poll(&fd, 1, 1000);
    out += process.ReadOutput();
  }
  return out;
}

TEST_CASE("A child's stdout and stderr are captured and its exit code reported") {
  Process p = Process::Spawn([] {
    ProcessSpec spec = Shell("echo out; echo err >&2; exit 3");
    spec.capture_output = true;
    return spec;
  }());
  const std::string out = ReadAll(p);
  CHECK_THAT(out, Catch::Contains("out\n") && Catch::Contains("err\n"));
  const ExitStatus status = p.Wait();
  CHECK_FALSE(status.signaled);
  CHECK(status.code == 3);
  CHECK(status.Describe() == "exited with status 3");
}

TEST_CASE("Captured output is also copied into the log file") {
  testing::TempDir dir;
  ProcessSpec spec = Shell("printf 'line one\\nline two\\n'");
  spec.capture_output = true;
  spec.log_file = dir / "child.log";
  Process p = Process::Spawn(spec);
  ReadAll(p);
  p.Wait();
  CHECK(testing::ReadFileText(dir / "child.log") == "line one\nline two\n");
}

TEST_CASE("Without capture, output goes straight to the log file") {
  testing::TempDir dir;
  ProcessSpec spec = Shell("echo hello; echo oops >&2");
  spec.log_file = dir / "child.log";
  Process p = Process::Spawn(spec);
  CHECK(p.output_fd() == -1);
  CHECK(p.Wait().success());
  CHECK(testing::ReadFileText(dir / "child.log") == "hello\noops\n");
}

TEST_CASE("The child gets the given environment, working directory and an empty stdin") {
  testing::TempDir dir;
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo \"$ONLY_VAR\"; pwd; cat; echo end"};
  spec.env.Set("ONLY_VAR", "value");
  spec.env.Set("PATH", "/usr/bin:/bin");
  spec.working_dir = dir.path();
  spec.capture_output = true;
  Process p = Process::Spawn(spec);
  const std::string out = ReadAll(p);
  p.Wait();
  CHECK(out == "value\n" + dir.path().string() + "\nend\n");
}

TEST_CASE("A child runs in its own process group") {
  ProcessSpec spec = Shell("ps -o pgid= -p $$");
  spec.capture_output = true;
  Process p = Process::Spawn(spec);
  const std::string out = ReadAll(p);
  p.Wait();
  CHECK(std::stol(out) == p.pid());
  CHECK(p.pid() != ::getpgrp());
}

TEST_CASE("Signalling the group reaches the child's own children") {
  testing::TempDir dir;
  // The grandchild would write its file after a second unless the group signal kills it.
  ProcessSpec spec = Shell("(sleep 1; touch '" + (dir / "survived").string() + "') & wait");
  Process p = Process::Spawn(spec);
  p.SignalGroup(SIGKILL);
  const ExitStatus status = p.Wait();
  CHECK(status.signaled);
  CHECK(status.signal == SIGKILL);
  CHECK(status.Describe() == "killed by signal 9 (SIGKILL)");
  ::sleep(2);
  CHECK_FALSE(std::filesystem::exists(dir / "survived"));
}

TEST_CASE("Signal handlers ignored by iotfuzz are reset in the child") {
  auto* previous = std::signal(SIGINT, SIG_IGN);
  Process p = Process::Spawn(Shell("kill -INT $$; sleep 5"));
  const ExitStatus status = p.Wait();
  std::signal(SIGINT, previous);
  CHECK(status.signaled);
  CHECK(status.signal == SIGINT);
}

TEST_CASE("Starting a program that does not exist is an error naming it") {
  ProcessSpec spec;
  spec.argv = {"/nonexistent/engine"};
  CHECK_THROWS_WITH(Process::Spawn(spec), Catch::Contains("/nonexistent/engine"));
  spec.argv = {"iotfuzz-no-such-program"};
  CHECK_THROWS_WITH(Process::Spawn(spec),
                    "cannot start iotfuzz-no-such-program: not found in PATH");
  CHECK_THROWS_AS(Process::Spawn(ProcessSpec{}), Error);
}

TEST_CASE("An unwritable log file is an error naming it") {
  ProcessSpec spec = Shell("true");
  spec.log_file = "/nonexistent/dir/child.log";
  CHECK_THROWS_WITH(Process::Spawn(spec), Catch::Contains("/nonexistent/dir/child.log"));
}

TEST_CASE("Destroying a running process kills and reaps it") {
  pid_t pid;
  {
    Process p = Process::Spawn(Shell("sleep 30"));
    pid = p.pid();
  }
  CHECK(::kill(pid, 0) == -1);
}

}  // namespace
}  // namespace iotfuzz
