// A server under test, started and supervised by the network executor: in its
// own process group, stdout and stderr appended to a log file (where
// sanitizer reports land), either as a plain long-running process (reset
// modes persistent) or behind AFL++'s forkserver (reset mode forkserver: the
// instrumented server stops at its fork point, and every session gets a fresh
// child forked from there).
//
// The forkserver protocol is AFL++'s (instrumentation/afl-compiler-rt.o.c):
// control pipe on fd 198, status pipe on fd 199; a 4-byte hello with option
// flags; then per run: 4 bytes to request a child, its pid back, and its wait
// status when it ends.
#ifndef IOTFUZZ_FUZZERS_NET_SERVER_PROCESS_H_
#define IOTFUZZ_FUZZERS_NET_SERVER_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace iotfuzz::net {

struct ServerLaunch {
  std::vector<std::string> argv;  // argv[0]: the binary
  // Added to (or replacing in) the inherited environment.
  std::vector<std::pair<std::string, std::string>> env;
  std::filesystem::path log_file;     // stdout + stderr, appended
  std::filesystem::path working_dir;  // empty: inherited
  int cpu = -1;  // >= 0: the server runs on this CPU only (sched_setaffinity)
};

class ServerProcess {
 public:
  // Starts a plain server. Throws Error when it cannot be started.
  static ServerProcess StartPlain(const ServerLaunch& launch);
  // Starts the server behind the forkserver and waits (up to `timeout`) for
  // its hello. Throws Error naming what went wrong (the log's last lines
  // included) when the server exits or stays silent.
  static ServerProcess StartForkserver(const ServerLaunch& launch, std::chrono::milliseconds timeout);

  ServerProcess(ServerProcess&& other) noexcept;
  ServerProcess& operator=(ServerProcess&& other) noexcept;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  pid_t pid() const { return pid_; }
  bool forkserver() const { return control_fd_ >= 0; }

  // Forkserver: a fresh child; its pid. Throws Error when the forkserver is
  // gone.
  pid_t ForkChild(std::chrono::milliseconds timeout);
  // Forkserver: the wait status of the current child once it has ended,
  // waiting up to `timeout` (0: just look).
  std::optional<int> ChildStatus(std::chrono::milliseconds timeout);
  // Forkserver: kills the current child (SIGKILL) and collects its status.
  int KillChild(std::chrono::milliseconds timeout);
  // Forkserver: kills the current child without waiting for the forkserver
  // to report it; the report is collected by the next ForkChild, so the
  // child's teardown overlaps with the caller's work.
  void KillChildLater();
  pid_t child() const { return child_; }

  // Plain: the wait status when the server has ended.
  std::optional<int> TryReap();
  // Kills the process group and reaps; idempotent.
  void Stop();

  const std::filesystem::path& log_file() const { return log_file_; }
  // Bytes in the log so far; text of the log from `offset` (at most `max`).
  uint64_t LogSize() const;
  std::string ReadLog(uint64_t offset, size_t max = 1 << 20) const;

 private:
  ServerProcess() = default;
  static pid_t Spawn(const ServerLaunch& launch, int control_read, int status_write);
  void Release();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int control_fd_ = -1;  // we write: run requests
  int status_fd_ = -1;   // we read: pids and statuses
  pid_t child_ = -1;
  bool status_pending_ = false;  // a killed child's status is still in the pipe
  std::filesystem::path log_file_;
};

// The coverage map size an AFL++-instrumented binary needs (it prints it
// when run with AFL_DUMP_MAP_SIZE=1); 0 when it does not tell.
size_t QueryMapSize(const std::filesystem::path& binary);

// A human description of a wait status: "exited with status 1", "killed by
// signal 6 (SIGABRT)".
std::string DescribeWaitStatus(int status);

}  // namespace iotfuzz::net

#endif  // IOTFUZZ_FUZZERS_NET_SERVER_PROCESS_H_
