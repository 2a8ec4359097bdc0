#include "fuzzers/engine/stop_signal.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "fuzzers/common/error.h"

namespace iotfuzz {
namespace {

std::atomic<int> g_count{0};
std::atomic<int> g_last_signal{0};
std::atomic<int> g_wake_write_fd{-1};
int g_wake_read_fd = -1;
bool g_installed = false;
struct sigaction g_previous_int;
struct sigaction g_previous_term;
struct sigaction g_previous_hup;

void OnStopSignal(int signal) {
  const int saved_errno = errno;
  g_count.fetch_add(1);
  g_last_signal.store(signal);
  const int fd = g_wake_write_fd.load();
  if (fd >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(fd, &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

StopSignal::StopSignal() {
  if (g_installed) throw Error("internal: a StopSignal is already installed");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw Error::Format("cannot set up signal handling: {}", std::strerror(errno));
  }
  g_wake_read_fd = fds[0];
  g_wake_write_fd.store(fds[1]);
  g_count.store(0);
  g_last_signal.store(0);

  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
  sigaction(SIGHUP, &action, &g_previous_hup);
  g_installed = true;
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  sigaction(SIGHUP, &g_previous_hup, nullptr);
  const int write_fd = g_wake_write_fd.exchange(-1);
  if (write_fd >= 0) ::close(write_fd);
  if (g_wake_read_fd >= 0) ::close(g_wake_read_fd);
  g_wake_read_fd = -1;
  g_installed = false;
}

int StopSignal::count() const { return g_count.load(); }

int StopSignal::last_signal() const { return g_last_signal.load(); }

int StopSignal::wake_fd() const { return g_wake_read_fd; }

void StopSignal::Drain() {
  char buffer[64];
  while (::read(g_wake_read_fd, buffer, sizeof buffer) > 0) {
  }
}

void StopSignal::Request(int signal) { OnStopSignal(signal); }

}  // namespace iotfuzz
