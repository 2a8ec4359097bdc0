#include "fuzzers/net/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <thread>
#include <utility>

#include "fuzzers/common/error.h"

namespace iotfuzz::net {

Endpoint Endpoint::Resolve(const std::string& host, uint16_t port, Transport transport) {
  Endpoint e;
  e.transport = transport;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = transport == Transport::kTcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* result = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0 || result == nullptr) {
    throw Error::Format("cannot resolve host '{}': {}", host, gai_strerror(rc));
  }
  std::memcpy(&e.address, result->ai_addr, result->ai_addrlen);
  e.length = result->ai_addrlen;
  freeaddrinfo(result);
  return e;
}

uint16_t Endpoint::port() const {
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return 0;
}

bool Endpoint::loopback() const {
  if (address.ss_family == AF_INET) {
    uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(&address)->sin_addr.s_addr);
    return (a >> 24) == 127;
  }
  if (address.ss_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&a)) return a.s6_addr[12] == 127;
  }
  return false;
}

std::string Endpoint::ToString() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, host, sizeof host);
    return fmt::format("{}:{}/{}", host, port(), transport == Transport::kTcp ? "tcp" : "udp");
  }
  inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, host, sizeof host);
  return fmt::format("[{}]:{}/{}", host, port(), transport == Transport::kTcp ? "tcp" : "udp");
}

uint16_t FreeLoopbackPort(Transport transport) {
  int fd = socket(AF_INET, transport == Transport::kTcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (fd < 0) throw Error::Format("socket: {}", std::strerror(errno));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    int err = errno;
    close(fd);
    throw Error::Format("cannot find a free loopback port: {}", std::strerror(err));
  }
  close(fd);
  return ntohs(sa.sin_port);
}

bool PortInUse(const Endpoint& endpoint) {
  if (endpoint.transport == Transport::kTcp) {
    int fd = socket(endpoint.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) == 0;
    if (ok) {
      linger l{1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(fd);
    return ok;
  }
  // UDP: the port is taken when binding it fails.
  int fd = socket(endpoint.address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool in_use = bind(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) != 0 &&
                errno == EADDRINUSE;
  close(fd);
  return in_use;
}

Connection Connection::Open(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
  Connection c;
  c.transport_ = endpoint.transport;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int type = endpoint.transport == Transport::kTcp ? SOCK_STREAM : SOCK_DGRAM;
    int fd = socket(endpoint.address.ss_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error::Format("socket: {}", std::strerror(errno));
    if (endpoint.transport == Transport::kTcp) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (connect(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) == 0) {
      c.fd_ = fd;
      return c;
    }
    int err = errno;
    close(fd);
    if (err != ECONNREFUSED && err != EINTR && err != EAGAIN) {
      throw Error::Format("cannot connect to {}: {}", endpoint.ToString(), std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error::Format("cannot connect to {}: {}", endpoint.ToString(), std::strerror(err));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Connection& ConnectionSet::Open(size_t index) {
  if (index >= connections_.size()) {
    connections_.resize(index + 1);
    closed_.resize(index + 1, false);
  }
  if (!connections_[index].open() && !closed_[index]) connections_[index] = Connection::Open(endpoint_, open_timeout_);
  return connections_[index];
}

Connection& ConnectionSet::at(size_t index) {
  if (index >= connections_.size()) {
    connections_.resize(index + 1);
    closed_.resize(index + 1, false);
  }
  return connections_[index];
}

void ConnectionSet::MarkClosed(size_t index) {
  at(index);
  closed_[index] = true;
}

void ConnectionSet::Reopen(size_t index) {
  at(index).Abort();
  closed_[index] = false;
}

void ConnectionSet::AbortAll() {
  for (Connection& c : connections_) c.Abort();
}

bool ConnectionSet::AllClosedByPeer() const {
  bool any = false;
  for (const Connection& c : connections_) {
    if (!c.open()) continue;
    if (!c.PeerClosed()) return false;
    any = true;
  }
  return any;
}

bool Connection::PeerClosed() const {
  if (fd_ < 0 || transport_ != Transport::kTcp) return false;
  pollfd p{fd_, POLLRDHUP, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

Connection::Connection(Connection&& other) noexcept { *this = std::move(other); }

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    transport_ = other.transport_;
  }
  return *this;
}

Connection::~Connection() { Close(); }

bool Connection::Send(std::string_view data) {
  if (fd_ < 0) return false;
  if (transport_ == Transport::kUdp) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    return n == static_cast<ssize_t>(data.size());
  }
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd p{fd_, POLLOUT, 0};
        if (poll(&p, 1, 1000) <= 0) return false;
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Connection::ReadResult Connection::Read(std::string& buffer, std::chrono::microseconds timeout,
                                        size_t* datagram_size) {
  if (fd_ < 0) return ReadResult::kClosed;
  pollfd p{fd_, POLLIN, 0};
  timespec ts{static_cast<time_t>(timeout.count() / 1000000), static_cast<long>((timeout.count() % 1000000) * 1000)};
  int r = ppoll(&p, 1, &ts, nullptr);
  if (r == 0 || (r < 0 && errno == EINTR)) return ReadResult::kTimeout;
  if (r < 0) return ReadResult::kClosed;
  char chunk[65536];
  ssize_t n = recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return ReadResult::kTimeout;
    // UDP: ECONNREFUSED when the server's port is closed (ICMP unreachable).
    return ReadResult::kClosed;
  }
  if (n == 0 && transport_ == Transport::kTcp) return ReadResult::kClosed;
  buffer.append(chunk, static_cast<size_t>(n));
  if (datagram_size != nullptr) *datagram_size = static_cast<size_t>(n);
  return ReadResult::kData;
}

Connection::ReadResult Connection::ReadAvailable(std::string& buffer, std::vector<size_t>* datagram_sizes) {
  if (fd_ < 0) return ReadResult::kClosed;
  ReadResult result = ReadResult::kTimeout;
  char chunk[65536];
  for (;;) {
    ssize_t n = recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN ? result : ReadResult::kClosed;
    }
    if (n == 0 && transport_ == Transport::kTcp) return ReadResult::kClosed;
    buffer.append(chunk, static_cast<size_t>(n));
    result = ReadResult::kData;
    if (transport_ == Transport::kUdp) {
      if (datagram_sizes != nullptr) datagram_sizes->push_back(static_cast<size_t>(n));
    } else if (static_cast<size_t>(n) < sizeof chunk) {
      return result;  // a short read took all the stream held
    }
  }
}

void Connection::Abort() {
  if (fd_ < 0) return;
  if (transport_ == Transport::kTcp) {
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  close(fd_);
  fd_ = -1;
}

void Connection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

namespace {

// Whether the kernel marks a switch out that left the task runnable
// (PERF_RECORD_MISC_SWITCH_OUT_PREEMPT, Linux 4.17).
bool KernelMarksPreemption() {
  utsname u{};
  if (uname(&u) != 0) return false;
  unsigned major = 0, minor = 0;
  if (std::sscanf(u.release, "%u.%u", &major, &minor) != 2) return false;
  return major > 4 || (major == 4 && minor >= 17);
}

// Maps a perf event's control page and one page of records, read-only: the
// kernel then overwrites old records instead of stopping when the ring is
// full, and data_head keeps growing. nullptr when it cannot.
void* MapEvent(int fd, size_t size) {
  void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  return map == MAP_FAILED ? nullptr : map;
}

long OpenEvent(perf_event_attr& attr, pid_t pid) {
  attr.size = sizeof attr;
  return syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

}  // namespace

ServerActivity::ServerActivity(pid_t pid, bool switch_events) {
  stat_fd_ = open(fmt::format("/proc/{}/stat", pid).c_str(), O_RDONLY | O_CLOEXEC);
  schedstat_fd_ = open(fmt::format("/proc/{}/schedstat", pid).c_str(), O_RDONLY | O_CLOEXEC);
  if (stat_fd_ < 0 || schedstat_fd_ < 0) {
    CloseAll();
    return;
  }
  if (!switch_events) return;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // One sample per switch away from the CPU (sample_period 1) and a
  // wake-up for each (wakeup_events 1).
  perf_event_attr attr{};
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
  attr.sample_period = 1;
  attr.wakeup_events = 1;
  long fd = OpenEvent(attr, pid);
  if (fd < 0) return;  // not allowed here (perf_event_paranoid), or no perf events: /proc only
  event_fd_ = static_cast<int>(fd);
  event_map_size_ = page * 2;  // the control page and one data page
  event_page_ = MapEvent(event_fd_, event_map_size_);
  if (event_page_ == nullptr) {
    close(event_fd_);
    event_fd_ = -1;
    return;
  }
  if (!KernelMarksPreemption()) return;
  // Every switch in and out as an 8-byte PERF_RECORD_SWITCH (a dummy
  // event: nothing else is recorded). Nothing polls this one: the default
  // watermark (half the ring) keeps its wake-ups rare.
  perf_event_attr records{};
  records.type = PERF_TYPE_SOFTWARE;
  records.config = PERF_COUNT_SW_DUMMY;
  records.context_switch = 1;
  fd = OpenEvent(records, pid);
  if (fd < 0) return;
  record_fd_ = static_cast<int>(fd);
  record_map_size_ = page * 2;
  record_page_ = MapEvent(record_fd_, record_map_size_);
  if (record_page_ == nullptr) {
    close(record_fd_);
    record_fd_ = -1;
    return;
  }
  const auto* control = static_cast<const perf_event_mmap_page*>(record_page_);
  // data_offset and data_size are 0 on kernels before 4.1.
  const size_t offset = control->data_offset != 0 ? control->data_offset : page;
  record_data_size_ = control->data_size != 0 ? control->data_size : page;
  record_data_ = static_cast<const char*>(record_page_) + offset;
}

void ServerActivity::CloseAll() {
  if (stat_fd_ >= 0) close(stat_fd_);
  if (schedstat_fd_ >= 0) close(schedstat_fd_);
  if (event_page_ != nullptr) munmap(event_page_, event_map_size_);
  if (event_fd_ >= 0) close(event_fd_);
  if (record_page_ != nullptr) munmap(record_page_, record_map_size_);
  if (record_fd_ >= 0) close(record_fd_);
  stat_fd_ = schedstat_fd_ = event_fd_ = record_fd_ = -1;
  event_page_ = record_page_ = nullptr;
  event_map_size_ = record_map_size_ = record_data_size_ = 0;
  record_data_ = nullptr;
}

ServerActivity::ServerActivity(ServerActivity&& other) noexcept { *this = std::move(other); }

ServerActivity& ServerActivity::operator=(ServerActivity&& other) noexcept {
  if (this != &other) {
    CloseAll();
    stat_fd_ = std::exchange(other.stat_fd_, -1);
    schedstat_fd_ = std::exchange(other.schedstat_fd_, -1);
    event_fd_ = std::exchange(other.event_fd_, -1);
    event_page_ = std::exchange(other.event_page_, nullptr);
    event_map_size_ = std::exchange(other.event_map_size_, 0);
    record_fd_ = std::exchange(other.record_fd_, -1);
    record_page_ = std::exchange(other.record_page_, nullptr);
    record_map_size_ = std::exchange(other.record_map_size_, 0);
    record_data_ = std::exchange(other.record_data_, nullptr);
    record_data_size_ = std::exchange(other.record_data_size_, 0);
  }
  return *this;
}

ServerActivity::~ServerActivity() { CloseAll(); }

uint64_t ServerActivity::switches() const {
  // data_head counts the bytes of records written so far (every record the
  // same size): it changes exactly when the server has switched.
  const void* control = record_page_ != nullptr ? record_page_ : event_page_;
  if (control == nullptr) return 0;
  return __atomic_load_n(&static_cast<const perf_event_mmap_page*>(control)->data_head, __ATOMIC_ACQUIRE);
}

ServerActivity::LastSwitch ServerActivity::ReadLastSwitch(uint64_t* head) const {
  const auto* control = static_cast<const perf_event_mmap_page*>(record_page_);
  constexpr uint64_t kRecord = sizeof(perf_event_header);
  for (;;) {
    const uint64_t h = __atomic_load_n(&control->data_head, __ATOMIC_ACQUIRE);
    if (head != nullptr) *head = h;
    if (h < kRecord) return LastSwitch::kNone;
    perf_event_header record;
    std::memcpy(&record, record_data_ + ((h - kRecord) & (record_data_size_ - 1)), sizeof record);
    // Overwritten while it was copied: only after a whole ring of switches.
    if (__atomic_load_n(&control->data_head, __ATOMIC_ACQUIRE) - h >= record_data_size_ - kRecord) continue;
    if (record.type != PERF_RECORD_SWITCH || record.size != kRecord) return LastSwitch::kNone;
    if ((record.misc & PERF_RECORD_MISC_SWITCH_OUT) == 0) return LastSwitch::kIn;
    return (record.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT) != 0 ? LastSwitch::kOutRunnable
                                                                    : LastSwitch::kOutBlocked;
  }
}

bool ServerActivity::SwitchedOutSince(uint64_t since) const {
  if (record_page_ == nullptr) return switches() != since;
  uint64_t head = 0;
  const LastSwitch last = ReadLastSwitch(&head);
  return head != since && (last == LastSwitch::kOutRunnable || last == LastSwitch::kOutBlocked);
}

bool ServerActivity::WaitForSwitch(uint64_t since, std::chrono::microseconds timeout, int hangup_fd) const {
  if (event_page_ == nullptr) return false;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  // A server handles most messages in tens of microseconds, and waking a
  // sleeping poller costs about that much again: first watch the count in
  // memory for a while (giving the CPU away now and then), then sleep in
  // poll().
  const auto spin_until = start + std::min(timeout, kSwitchSpin);
  for (unsigned round = 1;; ++round) {
    if (SwitchedOutSince(since)) return true;
    if (round % 64 == 0) {
      if (std::chrono::steady_clock::now() >= spin_until) break;
      sched_yield();
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  for (;;) {
    if (SwitchedOutSince(since)) return true;
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    // The sampling event is readable once per wake-up the kernel sent since
    // the last poll (a stale one makes one extra round), hung up when the
    // server has exited. Its wake-up for a switch out comes after the
    // switch's record.
    pollfd p[2] = {{event_fd_, POLLIN, 0}, {hangup_fd, POLLRDHUP, 0}};
    timespec ts{static_cast<time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
    int rc = ppoll(p, hangup_fd >= 0 ? 2 : 1, &ts, nullptr);
    if (rc < 0 && errno != EINTR) return SwitchedOutSince(since);
    if (rc > 0 && ((p[0].revents & (POLLHUP | POLLERR)) != 0 || p[1].revents != 0)) return SwitchedOutSince(since);
  }
}

ServerActivity::Sample ServerActivity::State() const {
  Sample s;
  s.alive = true;
  if (record_page_ != nullptr) {
    const LastSwitch last = ReadLastSwitch();
    if (last != LastSwitch::kNone) {
      s.sleeping = last == LastSwitch::kOutBlocked;
      return s;
    }
  }
  ReadState(s);
  return s;
}

ServerActivity::Sample ServerActivity::Read() const {
  // The run count first, then the state: a state of 'S' read after a run
  // count that grew is a sleep that came after that run, never one from
  // before the server was woken.
  Sample s = ReadRuns();
  ReadState(s);
  return s;
}

bool ServerActivity::Alive() const {
  Sample s;
  s.alive = true;
  ReadState(s);
  return s.alive;
}

ServerActivity::Sample ServerActivity::ReadRuns() const {
  Sample s;
  if (schedstat_fd_ < 0) return s;
  char buf[128];
  ssize_t n = pread(schedstat_fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) return s;  // the process is gone (ESRCH)
  buf[n] = 0;
  // "<time on cpu> <time waiting> <times run>": the third number, parsed
  // by hand (sscanf costs more than the read on this path).
  const char* p = buf;
  for (int field = 0; field < 2; ++field) {
    while (*p != 0 && *p != ' ') ++p;
    while (*p == ' ') ++p;
  }
  uint64_t runs = 0;
  for (; *p >= '0' && *p <= '9'; ++p) runs = runs * 10 + static_cast<uint64_t>(*p - '0');
  s.runs = runs;
  s.alive = true;
  return s;
}

void ServerActivity::ReadState(Sample& s) const {
  s.sleeping = false;
  if (stat_fd_ < 0) {
    s.alive = false;
    return;
  }
  char buf[512];
  ssize_t n = pread(stat_fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) {  // the process is gone (ESRCH)
    s.alive = false;
    return;
  }
  buf[n] = 0;
  const char* paren = std::strrchr(buf, ')');
  if (paren == nullptr || paren[1] != ' ') {
    s.alive = false;
    return;
  }
  char state = paren[2];
  s.alive = state != 'Z' && state != 'X' && state != 'x';
  s.sleeping = state == 'S';
}

}  // namespace iotfuzz::net
