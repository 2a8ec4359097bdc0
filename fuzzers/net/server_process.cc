#include "fuzzers/net/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "fuzzers/common/error.h"

namespace iotfuzz::net {
namespace {

constexpr int kForkserverControlFd = 198;  // AFL++'s FORKSRV_FD
constexpr int kForkserverStatusFd = 199;

// AFL++ forkserver option flags (include/types.h of AFL++ 4.x).
constexpr uint32_t kOptEnabled = 0x80000001u;
constexpr uint32_t kOptAutoDict = 0x10000000u;
constexpr uint32_t kOptSharedMemFuzz = 0x01000000u;

bool WaitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int ms = left.count() < 0 ? 0 : static_cast<int>(left.count());
    int r = poll(&p, 1, ms);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool ReadExact(int fd, void* buf, size_t n) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool WriteExact(int fd, const void* buf, size_t n) {
  const auto* p = static_cast<const uint8_t*>(buf);
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

std::string LogTail(const std::filesystem::path& log) {
  FILE* f = std::fopen(log.c_str(), "rb");
  if (f == nullptr) return "";
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  long from = size > 2048 ? size - 2048 : 0;
  std::fseek(f, from, SEEK_SET);
  std::string text(static_cast<size_t>(size - from), '\0');
  size_t got = std::fread(text.data(), 1, text.size(), f);
  std::fclose(f);
  text.resize(got);
  return text;
}

}  // namespace

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return fmt::format("killed by signal {} (SIG{})", sig, name ? name : "?");
  }
  return fmt::format("wait status {:#x}", status);
}

pid_t ServerProcess::Spawn(const ServerLaunch& launch, int control_read, int status_write) {
  if (launch.argv.empty()) throw Error("server command is empty");
  int log_fd = open(launch.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw Error::Format("cannot open server log {}: {}", launch.log_file.string(), std::strerror(errno));
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    bool overridden = false;
    for (const auto& [k, v] : launch.env) {
      if (kv.size() > k.size() && kv.substr(0, k.size()) == k && kv[k.size()] == '=') overridden = true;
    }
    if (!overridden) env_strings.emplace_back(kv);
  }
  for (const auto& [k, v] : launch.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = launch.argv;
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    throw Error::Format("cannot start {}: fork: {}", launch.argv[0], std::strerror(errno));
  }
  if (pid == 0) {
    setpgid(0, 0);
    if (launch.cpu >= 0) {
      cpu_set_t cpus;
      CPU_ZERO(&cpus);
      CPU_SET(launch.cpu, &cpus);
      sched_setaffinity(0, sizeof cpus, &cpus);  // a refusal leaves it unpinned
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (control_read >= 0) {
      dup2(control_read, kForkserverControlFd);
      dup2(status_write, kForkserverStatusFd);
      close_range(3, kForkserverControlFd - 1, 0);
      close_range(kForkserverStatusFd + 1, ~0u, 0);
    } else {
      close_range(3, ~0u, 0);
    }
    if (!launch.working_dir.empty() && chdir(launch.working_dir.c_str()) != 0) {
      dprintf(2, "iotfuzz: cannot enter %s: %s\n", launch.working_dir.c_str(), std::strerror(errno));
      _exit(127);
    }
    execve(argv[0], argv.data(), envp.data());
    dprintf(2, "iotfuzz: cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);
  close(log_fd);
  return pid;
}

ServerProcess ServerProcess::StartPlain(const ServerLaunch& launch) {
  ServerProcess p;
  p.log_file_ = launch.log_file;
  p.pid_ = Spawn(launch, -1, -1);
  return p;
}

ServerProcess ServerProcess::StartForkserver(const ServerLaunch& launch, std::chrono::milliseconds timeout) {
  int control[2];
  int status[2];
  if (pipe2(control, O_CLOEXEC) != 0) throw Error::Format("pipe: {}", std::strerror(errno));
  if (pipe2(status, O_CLOEXEC) != 0) {
    close(control[0]);
    close(control[1]);
    throw Error::Format("pipe: {}", std::strerror(errno));
  }
  ServerProcess p;
  p.log_file_ = launch.log_file;
  try {
    p.pid_ = Spawn(launch, control[0], status[1]);
  } catch (...) {
    for (int fd : {control[0], control[1], status[0], status[1]}) close(fd);
    throw;
  }
  close(control[0]);
  close(status[1]);
  p.control_fd_ = control[1];
  p.status_fd_ = status[0];

  uint32_t hello = 0;
  if (!WaitReadable(p.status_fd_, timeout) || !ReadExact(p.status_fd_, &hello, 4)) {
    std::optional<int> st = p.TryReap();
    std::string why = st ? DescribeWaitStatus(*st)
                         : fmt::format("did not start AFL++'s forkserver within {} ms", timeout.count());
    std::string tail = LogTail(launch.log_file);
    p.Stop();
    throw Error::Format(
        "server {} {} (is it built with afl-clang-fast, and does it reach its fork point?){}{}", launch.argv[0],
        why, tail.empty() ? "" : "\n--- server log ---\n", tail);
  }
  if ((hello & kOptEnabled) == kOptEnabled) {
    if (hello & (kOptAutoDict | kOptSharedMemFuzz)) {
      // The server waits for our options. Take its dictionary (and throw it
      // away); never ask for shared-memory test cases: sessions go over the
      // network.
      uint32_t reply = (hello & kOptAutoDict) ? (kOptEnabled | kOptAutoDict) : 0;
      if (!WriteExact(p.control_fd_, &reply, 4)) throw Error("forkserver handshake failed");
      if (hello & kOptAutoDict) {
        uint32_t len = 0;
        if (!ReadExact(p.status_fd_, &len, 4) || len > (1u << 24)) throw Error("forkserver dictionary handshake failed");
        std::string dict(len, '\0');
        if (!ReadExact(p.status_fd_, dict.data(), len)) throw Error("forkserver dictionary handshake failed");
      } else {
        // A reply without the options counts as the first run request.
        pid_t child = 0;
        if (!ReadExact(p.status_fd_, &child, 4)) throw Error("forkserver handshake failed");
        p.child_ = child;
        p.KillChild(std::chrono::milliseconds(1000));
      }
    }
  }
  return p;
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept { *this = std::move(other); }

ServerProcess& ServerProcess::operator=(ServerProcess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = std::exchange(other.pid_, -1);
    reaped_ = std::exchange(other.reaped_, false);
    control_fd_ = std::exchange(other.control_fd_, -1);
    status_fd_ = std::exchange(other.status_fd_, -1);
    child_ = std::exchange(other.child_, -1);
    status_pending_ = std::exchange(other.status_pending_, false);
    log_file_ = std::move(other.log_file_);
  }
  return *this;
}

ServerProcess::~ServerProcess() { Stop(); }

void ServerProcess::KillChildLater() {
  if (child_ <= 0) return;
  kill(child_, SIGKILL);
  child_ = -1;
  status_pending_ = true;
}

pid_t ServerProcess::ForkChild(std::chrono::milliseconds timeout) {
  if (status_pending_) {
    int status = 0;
    if (!WaitReadable(status_fd_, timeout) || !ReadExact(status_fd_, &status, 4)) {
      throw Error("the forkserver did not report its killed child");
    }
    status_pending_ = false;
  }
  uint32_t request = 0;
  if (!WriteExact(control_fd_, &request, 4)) throw Error("the forkserver is gone (control pipe closed)");
  pid_t child = -1;
  if (!WaitReadable(status_fd_, timeout) || !ReadExact(status_fd_, &child, 4) || child <= 0) {
    throw Error("the forkserver did not fork a child");
  }
  child_ = child;
  return child;
}

std::optional<int> ServerProcess::ChildStatus(std::chrono::milliseconds timeout) {
  if (child_ <= 0) return std::nullopt;
  if (!WaitReadable(status_fd_, timeout)) return std::nullopt;
  int status = 0;
  if (!ReadExact(status_fd_, &status, 4)) throw Error("the forkserver is gone (status pipe closed)");
  child_ = -1;
  return status;
}

int ServerProcess::KillChild(std::chrono::milliseconds timeout) {
  if (child_ <= 0) return 0;
  kill(child_, SIGKILL);
  std::optional<int> status = ChildStatus(timeout);
  if (!status) throw Error("the forkserver did not report its killed child");
  return *status;
}

std::optional<int> ServerProcess::TryReap() {
  if (pid_ <= 0 || reaped_) return std::nullopt;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return status;
  }
  return std::nullopt;
}

void ServerProcess::Stop() {
  if (control_fd_ >= 0) close(control_fd_);
  if (status_fd_ >= 0) close(status_fd_);
  control_fd_ = status_fd_ = -1;
  if (child_ > 0) kill(child_, SIGKILL);
  child_ = -1;
  if (pid_ > 0 && !reaped_) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  pid_ = -1;
}

uint64_t ServerProcess::LogSize() const {
  struct stat st;
  if (stat(log_file_.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

std::string ServerProcess::ReadLog(uint64_t offset, size_t max) const {
  int fd = open(log_file_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text(max, '\0');
  ssize_t got = pread(fd, text.data(), max, static_cast<off_t>(offset));
  close(fd);
  text.resize(got > 0 ? static_cast<size_t>(got) : 0);
  return text;
}

size_t QueryMapSize(const std::filesystem::path& binary) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return 0;
  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return 0;
  }
  if (pid == 0) {
    dup2(out[1], 1);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      dup2(null_fd, 0);
      dup2(null_fd, 2);
    }
    setenv("AFL_DUMP_MAP_SIZE", "1", 1);
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    execl(binary.c_str(), binary.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[64];
  if (WaitReadable(out[0], std::chrono::milliseconds(10000))) {
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0 && text.size() < 256) text.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  return value;
}

}  // namespace iotfuzz::net
