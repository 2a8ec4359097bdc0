// Executes sessions against a server: starts and supervises it in the chosen
// reset mode, runs each session (SessionRunner), reads the coverage the
// session produced, and tells what happened to the server.
//
// Reset modes:
//   forkserver  a fresh server per session, forked by AFL++'s forkserver at
//               the server's fork point (after initialization, sockets bound);
//               needs an AFL++-instrumented binary
//   persistent  one server for many sessions; restarted after a crash, a hang
//               or every N sessions (--restart-every)
//   none        a server iotfuzz does not start (remote device, host:port):
//               black-box, liveness probes tell whether it still answers
#ifndef IOTFUZZ_FUZZERS_NET_NET_EXECUTOR_H_
#define IOTFUZZ_FUZZERS_NET_NET_EXECUTOR_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/grammar/grammar.h"
#include "fuzzers/net/connection.h"
#include "fuzzers/net/coverage_map.h"
#include "fuzzers/net/server_process.h"
#include "fuzzers/net/session_runner.h"

namespace iotfuzz::net {

enum class ResetMode { kForkserver, kPersistent, kNone };
const char* ResetModeName(ResetMode mode);
// "forkserver", "persistent", "none"; nullopt otherwise.
std::optional<ResetMode> ParseResetMode(std::string_view text);

// A server to fuzz, resolved from the build manifest (or host:port).
struct NetTarget {
  std::string name;
  std::string protocol;
  Transport transport = Transport::kTcp;
  std::filesystem::path grammar;
  std::string session;
  std::string liveness;  // http-head, mqtt-ping, coap-ping, att-mtu or empty
  // Started by iotfuzz: the binary and its arguments ({port}, {work_dir},
  // {source_dir} placeholders), whether it has a deferred fork point and
  // AFL++ instrumentation.
  std::filesystem::path binary;
  std::vector<std::string> args;
  bool deferred_forkserver = false;
  bool reconnect = false;  // the manifest's default for ExecutorOptions::reconnect
  bool instrumented = false;
  std::filesystem::path source_dir;
  // A server iotfuzz does not start (reset none).
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: a free loopback port, chosen at start
};

struct ExecutorOptions {
  ResetMode reset = ResetMode::kForkserver;
  SessionTimeouts timeouts;
  std::chrono::milliseconds startup_timeout{10000};
  uint64_t restart_every = 0;  // persistent: restart after this many sessions (0: never)
  size_t max_messages = 256;
  bool reconnect = false;      // a connection the server closed is opened again (SessionRunner::set_reconnect)
  bool allow_remote = false;   // sending to a non-loopback address
  // The server's context switches are watched through a perf event where
  // the kernel allows it (ServerActivity); false: /proc only.
  bool watch_switches = true;
  // AddressSanitizer records where each heap block was allocated and freed
  // (malloc_context_size), the stacks a heap report shows. In a fresh
  // forkserver child each recorded stack writes to pages of the stack store
  // the forkserver never touched: false (malloc_context_size=0, afl-fuzz's
  // default) spares those page faults. A malloc_context_size in the user's
  // ASAN_OPTIONS wins either way.
  bool allocation_stacks = true;
  int cpu = -1;  // >= 0: the server runs on this CPU only (parallel workers)
  std::filesystem::path work_dir;  // server log and {work_dir}
};

struct ExecResult {
  enum class Verdict {
    kOk,
    kCrash,          // the server died of a signal or a sanitizer report
    kHang,           // it stopped answering (and was killed)
    kServerExited,   // it exited on its own (status 0 or not) mid-service
    kUnreachable,    // black-box: the liveness probe failed after the session
    kInvalidAccepted,  // validation oracle: input the protocol requires a peer to
                       // reject (a `must_reject` field lying) was answered as accepted
  };
  Verdict verdict = Verdict::kOk;
  SessionResult session;
  std::string description;  // "killed by signal 6 (SIGABRT)", "no answer for 1000 ms", ...
  std::string server_log;   // what the server wrote during the session (sanitizer report)
  CoverageAccumulator::Novelty novelty = CoverageAccumulator::kNothingNew;
  size_t edges_hit = 0;     // edges this session hit
};

const char* VerdictName(ExecResult::Verdict verdict);

class NetExecutor {
 public:
  NetExecutor(NetTarget target, ExecutorOptions options, const grammar::Grammar& grammar,
              const grammar::Session& session);
  ~NetExecutor();

  // Starts the server (not for reset none) and checks it answers. Throws
  // Error with the reason and the server log's last lines.
  void Start();
  ExecResult Execute(std::string_view input);
  void Stop();

  bool coverage() const { return map_ != nullptr; }
  size_t edges() const;
  // Novelty is judged against, and edges counted in, what all executors
  // given the same SharedCoverage have seen (before Start).
  void ShareCoverage(std::shared_ptr<SharedCoverage> shared) { shared_coverage_ = std::move(shared); }
  // The AFL++ map size of the target (after Start; 0 without coverage).
  size_t map_size() const { return map_ ? map_->size() : 0; }
  uint64_t restarts() const { return restarts_; }
  // Whether the server's ASan reports lack allocation stacks because of
  // ExecutorOptions::allocation_stacks (not because the user's ASAN_OPTIONS
  // asked so): a rerun with them gives the full report.
  bool left_out_allocation_stacks() const { return left_out_allocation_stacks_; }
  // The process serving sessions now (persistent mode on the forkserver: the
  // forkserver's child); -1 when none runs.
  pid_t server_pid() const;
  const Endpoint& endpoint() const { return endpoint_; }
  const std::filesystem::path& server_log() const { return log_file_; }
  SessionRunner& runner() { return runner_; }
  // The command line the server runs with (placeholders filled in).
  const std::vector<std::string>& command() const { return command_; }

 private:
  void StartServer();
  // Persistent mode on an AFL++-instrumented server with a deferred fork
  // point: the one server is a forkserver child, so a restart (after a crash,
  // a hang, or every N sessions) costs a fork instead of an exec and the
  // server's initialization.
  bool PersistentOnForkserver() const;
  void StartPersistentChild();
  void RestartPersistent();
  ExecResult ExecuteForkserver(std::string_view input);
  ExecResult ExecutePersistent(std::string_view input);
  ExecResult ExecuteRemote(std::string_view input);
  void ReadCoverage(ExecResult& result);
  // The validation oracle's verdict, when the server survived the session.
  static void CheckValidation(ExecResult& result);
  // Closes the session's connection; the server's run count before the
  // close when the server still had the connection open (see Settle).
  static std::optional<uint64_t> CloseConnection(ConnectionSet& connections, const SessionResult& session,
                                                 const ServerActivity& activity);
  // After a session: wait (up to `limit`) until the server sleeps or dies;
  // with `runs_before`, until it has also run since then (it handled the
  // close), unless it stays asleep without running for 5 ms.
  void Settle(const ServerActivity& activity, std::optional<uint64_t> runs_before, std::chrono::milliseconds limit);

  NetTarget target_;
  ExecutorOptions options_;
  SessionRunner runner_;
  Endpoint endpoint_;
  std::filesystem::path log_file_;
  std::vector<std::string> command_;
  std::unique_ptr<SharedCoverageMap> map_;
  std::unique_ptr<CoverageAccumulator> accumulator_;
  std::shared_ptr<SharedCoverage> shared_coverage_;
  std::optional<ServerProcess> server_;
  ServerActivity server_activity_;  // persistent
  uint64_t sessions_since_start_ = 0;
  uint64_t restarts_ = 0;
  bool left_out_allocation_stacks_ = false;
};

// Whether the server at `endpoint` still answers a protocol-level probe
// (kind: http-head, mqtt-ping, coap-ping, att-mtu; empty: a TCP connect or,
// for UDP, nothing to check). Never throws.
bool ProbeLiveness(const Endpoint& endpoint, const std::string& kind, std::chrono::milliseconds timeout);

}  // namespace iotfuzz::net

#endif  // IOTFUZZ_FUZZERS_NET_NET_EXECUTOR_H_
