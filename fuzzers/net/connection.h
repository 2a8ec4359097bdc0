// The client side of a session: one TCP connection or one connected UDP
// socket to the server, and a view of the server process's scheduling state
// that tells when it has finished with what it was sent (no fixed waits).
#ifndef IOTFUZZ_FUZZERS_NET_CONNECTION_H_
#define IOTFUZZ_FUZZERS_NET_CONNECTION_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iotfuzz::net {

enum class Transport { kTcp, kUdp };

struct Endpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
  Transport transport = Transport::kTcp;

  // "127.0.0.1", "::1", "localhost" or a numeric address; throws Error.
  static Endpoint Resolve(const std::string& host, uint16_t port, Transport transport);
  uint16_t port() const;
  bool loopback() const;
  std::string ToString() const;
};

// A TCP port on 127.0.0.1 nobody listens on right now (for a server started
// by iotfuzz), or a UDP one with `transport` kUdp.
uint16_t FreeLoopbackPort(Transport transport);

// True once something listens on (TCP) or is bound to (UDP) the loopback
// port of `endpoint`.
bool PortInUse(const Endpoint& endpoint);

class Connection {
 public:
  enum class ReadResult { kData, kTimeout, kClosed };

  Connection() = default;
  // Connects (TCP, retrying refused connections until `timeout`) or creates
  // a connected UDP socket. Throws Error with the reason.
  static Connection Open(const Endpoint& endpoint, std::chrono::milliseconds timeout);
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  bool open() const { return fd_ >= 0; }
  // TCP: the server has closed its end (what it sent before may still be
  // unread). Does not wait.
  bool PeerClosed() const;
  int fd() const { return fd_; }
  Transport transport() const { return transport_; }

  // Sends the whole message (one datagram over UDP). False when the peer
  // has closed or reset the connection.
  bool Send(std::string_view data);
  // Waits up to `timeout` for data and appends what is there (over UDP, one
  // datagram per call, its length in `datagram_size`).
  ReadResult Read(std::string& buffer, std::chrono::microseconds timeout, size_t* datagram_size = nullptr);
  // Appends everything already there without waiting (over UDP, each
  // datagram's length to `datagram_sizes`): kData when anything came,
  // kClosed at the end of the stream or on an error, else kTimeout.
  ReadResult ReadAvailable(std::string& buffer, std::vector<size_t>* datagram_sizes = nullptr);
  // Closes with a reset (TCP SO_LINGER 0): no TIME_WAIT left behind, so
  // thousands of sessions a second do not exhaust local ports.
  void Abort();
  void Close();

 private:
  int fd_ = -1;
  Transport transport_ = Transport::kTcp;
};

// The connections of one session to one endpoint. Index 0 is opened before
// the session starts (Open); the others the first time a message goes over
// them (a session with `connection NAME { ... }` blocks: an MQTT subscriber
// and a publisher). A connection the server closed stays closed, unless
// the session reconnects it (Reopen).
class ConnectionSet {
 public:
  ConnectionSet(const Endpoint& endpoint, std::chrono::milliseconds open_timeout)
      : endpoint_(endpoint), open_timeout_(open_timeout) {}

  // Opens connection `index` now unless it is open or was closed; throws
  // Error (with the reason) when it cannot be opened.
  Connection& Open(size_t index);
  // Connection `index`, which may be closed or never opened (then !open()).
  Connection& at(size_t index);
  // Slots so far: one more than the highest index opened.
  size_t size() const { return connections_.size(); }
  bool closed(size_t index) const { return index < closed_.size() && closed_[index]; }
  // The server closed connection `index`: no message goes over it again.
  void MarkClosed(size_t index);
  // After the server closed connection `index`: the next Open(index) opens
  // a new connection in its place.
  void Reopen(size_t index);
  // Resets and closes every connection (Connection::Abort).
  void AbortAll();
  // Some connection is open, and the server has closed every open one
  // (Connection::PeerClosed): closing them here wakes nothing.
  bool AllClosedByPeer() const;

 private:
  Endpoint endpoint_;
  std::chrono::milliseconds open_timeout_;
  std::vector<Connection> connections_;
  std::vector<bool> closed_;
};

// Scheduling state of the server process (or forkserver child) that handles
// a session, from /proc/<pid>/stat and /proc/<pid>/schedstat. After sending
// a message: once the server has been scheduled since (it woke up for the
// message) and is asleep again (blocked waiting for input), it is done with
// it — whatever it answered is already in our socket.
//
// Where the kernel allows it (perf_event_open on the server: root, or
// perf_event_paranoid <= 2 for one's own processes), the server's context
// switches are also watched through perf events, read from ring buffers
// mapped here: no system call per look.
//  - A software event sampling each switch away from the CPU wakes a
//    poll() on it.
//  - From Linux 4.17, a second event records every switch, in and out, and
//    whether a switch out left the server runnable (preempted, yielding) or
//    blocked. The last record tells whether the server is asleep now, so
//    /proc is read only to tell whether it is alive. Blocked means blocked
//    in any wait, disk I/O ('D') included, where /proc's state 'S' does not.
class ServerActivity {
 public:
  ServerActivity() = default;
  // `switch_events` false: /proc only (ServerWatch::kProc).
  explicit ServerActivity(pid_t pid, bool switch_events = true);
  ServerActivity(ServerActivity&& other) noexcept;
  ServerActivity& operator=(ServerActivity&& other) noexcept;
  ServerActivity(const ServerActivity&) = delete;
  ServerActivity& operator=(const ServerActivity&) = delete;
  ~ServerActivity();

  bool valid() const { return stat_fd_ >= 0; }
  struct Sample {
    bool alive = false;
    bool sleeping = false;   // 'S': blocked, waiting (interruptible)
    uint64_t runs = 0;       // times scheduled onto a CPU so far
  };
  Sample Read() const;
  // Whether the process is still there (not a zombie): one /proc read.
  bool Alive() const;
  // The two halves of Read, in the order Read takes them (the run count,
  // then the state): a caller that sees the run count unchanged since a
  // message was sent can skip the state, which cannot tell it anything yet.
  // ReadRuns sets `alive` false when the process is gone.
  Sample ReadRuns() const;
  void ReadState(Sample& sample) const;
  // Whether the server is asleep now: from its last recorded switch when
  // switches are recorded (no system call; `alive` is then true without
  // being checked: a server that died looks asleep, ask Alive() when it
  // matters), otherwise ReadState.
  Sample State() const;

  // Whether context switches are watched (see above).
  bool watches_switches() const { return event_page_ != nullptr; }
  // Whether they are recorded too, telling sleep from preemption.
  bool records_switches() const { return record_page_ != nullptr; }
  // A mark that changes each time the server leaves the CPU (and, when
  // switches are recorded, each time it comes back): a counter that only
  // grows (0 without a watch). No system call.
  uint64_t switches() const;
  // Waits until the server has left the CPU since the mark `since` and is
  // off it still (asleep or preempted), or `timeout` passes, or the server
  // exits. Returns whether it switched.
  // With `hangup_fd` (a TCP socket), returns early (false) once the
  // server has closed that connection.
  bool WaitForSwitch(uint64_t since, std::chrono::microseconds timeout, int hangup_fd = -1) const;
  // How long WaitForSwitch watches the count before it sleeps in poll().
  static constexpr std::chrono::microseconds kSwitchSpin{200};

 private:
  void CloseAll();

  int stat_fd_ = -1;
  int schedstat_fd_ = -1;
  int event_fd_ = -1;
  void* event_page_ = nullptr;  // the perf ring buffer's control page
  size_t event_map_size_ = 0;
  // The switch records (Linux >= 4.17), or -1 / nullptr.
  int record_fd_ = -1;
  void* record_page_ = nullptr;
  size_t record_map_size_ = 0;
  const char* record_data_ = nullptr;  // the records' ring
  size_t record_data_size_ = 0;        // a power of two

  enum class LastSwitch { kNone, kIn, kOutRunnable, kOutBlocked };
  LastSwitch ReadLastSwitch(uint64_t* head = nullptr) const;
  // Off the CPU since `since` (see WaitForSwitch), without waiting.
  bool SwitchedOutSince(uint64_t since) const;
};

}  // namespace iotfuzz::net

#endif  // IOTFUZZ_FUZZERS_NET_CONNECTION_H_
