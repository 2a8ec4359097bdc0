#include "fuzzers/engine/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include "fuzzers/common/error.h"

namespace iotfuzz {
namespace {

// RAII holder of posix_spawn's attribute and file-action objects.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawnattr_t* attr() { return &attr_; }
  posix_spawn_file_actions_t* actions() { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

void WriteAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not stop the campaign; the pipe still feeds the parser
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string ExitStatus::Describe() const {
  if (!signaled) return fmt::format("exited with status {}", code);
  const char* abbrev = sigabbrev_np(signal);
  if (abbrev == nullptr) return fmt::format("killed by signal {}", signal);
  return fmt::format("killed by signal {} (SIG{})", signal, abbrev);
}

ExitStatus ExitStatus::FromWaitStatus(int wait_status) {
  ExitStatus status;
  if (WIFSIGNALED(wait_status)) {
    status.signaled = true;
    status.signal = WTERMSIG(wait_status);
  } else {
    status.code = WEXITSTATUS(wait_status);
  }
  return status;
}

Process Process::Spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw Error("cannot start a process without a program name");
  const std::string& program = spec.argv.front();

  SpawnSetup setup;
  short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  posix_spawnattr_setflags(setup.attr(), flags);
  posix_spawnattr_setpgroup(setup.attr(), 0);
  sigset_t all_signals;
  sigfillset(&all_signals);
  posix_spawnattr_setsigdefault(setup.attr(), &all_signals);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(setup.attr(), &no_signals);

  posix_spawn_file_actions_addopen(setup.actions(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);

  Process process;
  int log_fd = -1;
  if (!spec.log_file.empty()) {
    log_fd = ::open(spec.log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      throw Error::Format("cannot create log file {}: {}", spec.log_file.string(),
                          std::strerror(errno));
    }
  }
  int pipe_fds[2] = {-1, -1};
  if (spec.capture_output) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      const int error = errno;
      if (log_fd >= 0) ::close(log_fd);
      throw Error::Format("cannot start {}: pipe failed: {}", program, std::strerror(error));
    }
    posix_spawn_file_actions_adddup2(setup.actions(), pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(setup.actions(), pipe_fds[1], STDERR_FILENO);
  } else if (log_fd >= 0) {
    posix_spawn_file_actions_adddup2(setup.actions(), log_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(setup.actions(), log_fd, STDERR_FILENO);
  }
  if (!spec.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(setup.actions(), spec.working_dir.c_str());
  }

  std::vector<std::string> argv_storage = spec.argv;
  std::vector<std::string> env_storage = spec.env.ToStrings();
  std::vector<char*> argv = CStrings(argv_storage);
  std::vector<char*> envp = CStrings(env_storage);

  pid_t pid = -1;
  const int rc = program.find('/') == std::string::npos
                     ? posix_spawnp(&pid, program.c_str(), setup.actions(), setup.attr(),
                                    argv.data(), envp.data())
                     : posix_spawn(&pid, program.c_str(), setup.actions(), setup.attr(),
                                   argv.data(), envp.data());
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    if (log_fd >= 0) ::close(log_fd);
    if (rc == ENOENT && program.find('/') == std::string::npos) {
      throw Error::Format("cannot start {}: not found in PATH", program);
    }
    throw Error::Format("cannot start {}: {}", program, std::strerror(rc));
  }
  // The child made itself a group leader; doing it here too closes the race
  // in which we signal the group before the child ran setpgid.
  ::setpgid(pid, pid);

  process.pid_ = pid;
  if (spec.capture_output) {
    process.output_fd_ = pipe_fds[0];
    ::fcntl(process.output_fd_, F_SETFL, ::fcntl(process.output_fd_, F_GETFL) | O_NONBLOCK);
    process.log_fd_ = log_fd;
  } else if (log_fd >= 0) {
    ::close(log_fd);
  }
  return process;
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      output_fd_(std::exchange(other.output_fd_, -1)),
      log_fd_(std::exchange(other.log_fd_, -1)),
      exit_status_(std::move(other.exit_status_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    Release();
    pid_ = std::exchange(other.pid_, -1);
    output_fd_ = std::exchange(other.output_fd_, -1);
    log_fd_ = std::exchange(other.log_fd_, -1);
    exit_status_ = std::move(other.exit_status_);
  }
  return *this;
}

Process::~Process() { Release(); }

void Process::Release() {
  if (pid_ > 0 && !exit_status_) {
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (output_fd_ >= 0) ::close(output_fd_);
  if (log_fd_ >= 0) ::close(log_fd_);
  pid_ = -1;
  output_fd_ = -1;
  log_fd_ = -1;
}

std::string Process::ReadOutput() {
  std::string out;
  if (output_fd_ < 0) return out;
  char buffer[16384];
  while (true) {
    const ssize_t n = ::read(output_fd_, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      if (log_fd_ >= 0) WriteAll(log_fd_, buffer, static_cast<std::size_t>(n));
      if (out.size() >= (1u << 20)) break;  // let the caller digest large bursts
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      ::close(output_fd_);
      output_fd_ = -1;
    }
    break;
  }
  return out;
}

void Process::SignalGroup(int signal) {
  if (pid_ > 0 && !exit_status_) ::kill(-pid_, signal);
}

std::optional<ExitStatus> Process::TryWait() {
  if (exit_status_ || pid_ <= 0) return exit_status_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) exit_status_ = ExitStatus::FromWaitStatus(status);
  return exit_status_;
}

ExitStatus Process::Wait() {
  if (exit_status_) return *exit_status_;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  exit_status_ = r == pid_ ? ExitStatus::FromWaitStatus(status) : ExitStatus{};
  return *exit_status_;
}

}  // namespace iotfuzz
