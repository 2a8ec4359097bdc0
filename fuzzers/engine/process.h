// A child process started in its own process group, so that it and every
// process it starts can be stopped together.
#ifndef IOTFUZZ_FUZZERS_ENGINE_PROCESS_H_
#define IOTFUZZ_FUZZERS_ENGINE_PROCESS_H_

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/common/environment.h"

namespace iotfuzz {

struct ProcessSpec {
  std::vector<std::string> argv;      // argv[0]: a path, or a name looked up in PATH
  Environment env;                    // the child's whole environment
  std::filesystem::path working_dir;  // empty: the parent's
  // When set, the child's stdout and stderr go to this file (truncated).
  std::filesystem::path log_file;
  // When true, stdout and stderr also reach the parent through a pipe (see
  // Process::ReadOutput); with a log file, the parent copies what it reads
  // into the log.
  bool capture_output = false;
};

// How a child ended.
struct ExitStatus {
  bool signaled = false;
  int code = 0;    // exit code when !signaled
  int signal = 0;  // terminating signal when signaled

  bool success() const { return !signaled && code == 0; }
  // "exited with status 0", "killed by signal 9 (SIGKILL)".
  std::string Describe() const;
  static ExitStatus FromWaitStatus(int wait_status);
};

// A running (or finished) child. Stdin is /dev/null; signal dispositions and
// the signal mask are reset to defaults in the child. Destroying a Process
// whose child still runs kills its whole process group and reaps it.
class Process {
 public:
  // Starts the child. Throws Error when it cannot be started (no such
  // program, unwritable log file, ...), naming the program.
  static Process Spawn(const ProcessSpec& spec);

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }

  // The read end of the output pipe, or -1 when output is not captured or
  // the pipe reached end of file.
  int output_fd() const { return output_fd_; }

  // Reads whatever output is available without blocking (copying it to the
  // log file when there is one). Returns "" when nothing is available; after
  // end of file output_fd() is -1.
  std::string ReadOutput();

  // Sends `signal` to the child's process group. Does nothing once the
  // child is reaped.
  void SignalGroup(int signal);

  // Reaps the child if it has ended; nullopt while it runs.
  std::optional<ExitStatus> TryWait();
  // Blocks until the child ends.
  ExitStatus Wait();
  bool reaped() const { return exit_status_.has_value(); }
  const std::optional<ExitStatus>& exit_status() const { return exit_status_; }

 private:
  Process() = default;
  void Release();

  pid_t pid_ = -1;
  int output_fd_ = -1;
  int log_fd_ = -1;  // parent-side copy of captured output
  std::optional<ExitStatus> exit_status_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_PROCESS_H_
