#include "fuzzers/net/net_executor.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <thread>

#include "fuzzers/common/error.h"
#include "fuzzers/engine/sanitizer_options.h"

namespace iotfuzz::net {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const char* ResetModeName(ResetMode mode) {
  switch (mode) {
    case ResetMode::kForkserver: return "forkserver";
    case ResetMode::kPersistent: return "persistent";
    case ResetMode::kNone: return "none";
  }
  return "?";
}

std::optional<ResetMode> ParseResetMode(std::string_view text) {
  if (text == "forkserver") return ResetMode::kForkserver;
  if (text == "persistent") return ResetMode::kPersistent;
  if (text == "none") return ResetMode::kNone;
  return std::nullopt;
}

const char* VerdictName(ExecResult::Verdict verdict) {
  switch (verdict) {
    case ExecResult::Verdict::kOk: return "ok";
    case ExecResult::Verdict::kCrash: return "crash";
    case ExecResult::Verdict::kHang: return "hang";
    case ExecResult::Verdict::kServerExited: return "server exited";
    case ExecResult::Verdict::kUnreachable: return "unreachable";
    case ExecResult::Verdict::kInvalidAccepted: return "invalid input accepted";
  }
  return "?";
}

namespace {

std::string Replace(std::string text, std::string_view what, std::string_view with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

std::string LastLines(const std::string& text, size_t lines) {
  size_t at = text.size();
  while (lines-- > 0 && at > 0) {
    size_t nl = text.rfind('\n', at - 1);
    if (nl == std::string::npos) return text;
    at = nl;
  }
  return text.substr(at == text.size() ? at : at + 1);
}

}  // namespace

NetExecutor::NetExecutor(NetTarget target, ExecutorOptions options, const grammar::Grammar& grammar,
                         const grammar::Session& session)
    : target_(std::move(target)),
      options_(std::move(options)),
      runner_(grammar, session, target_.transport, options_.timeouts) {
  // Short waits for answers must not be stretched by the default 50 us timer
  // slack.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  runner_.set_reconnect(options_.reconnect);
}

NetExecutor::~NetExecutor() { Stop(); }

void NetExecutor::Start() {
  if (options_.reset == ResetMode::kNone) {
    if (target_.port == 0) throw Error("reset mode none needs the server's address: --target HOST:PORT");
    endpoint_ = Endpoint::Resolve(target_.host, target_.port, target_.transport);
    if (!endpoint_.loopback() && !options_.allow_remote) {
      throw Error::Format(
          "{} is not a loopback address: sending fuzz traffic to another machine needs --allow-remote",
          endpoint_.ToString());
    }
    if (!ProbeLiveness(endpoint_, target_.liveness, options_.startup_timeout)) {
      throw Error::Format("{} does not answer ({} probe)", endpoint_.ToString(),
                          target_.liveness.empty() ? "connect" : target_.liveness);
    }
    return;
  }
  if (target_.binary.empty()) throw Error::Format("{}: no server binary to start", target_.name);
  if (!std::filesystem::exists(target_.binary)) {
    throw Error::Format("{}: server binary {} is not built (cmake --build <build dir>)", target_.name,
                        target_.binary.string());
  }
  if (options_.reset == ResetMode::kForkserver && !target_.instrumented) {
    throw Error::Format(
        "{}: --reset forkserver needs the AFL++-instrumented server (<program>_afl, built when afl++ is "
        "installed: scripts/setup); use --reset persistent for the plain build",
        target_.name);
  }
  std::filesystem::create_directories(options_.work_dir);
  log_file_ = options_.work_dir / "server.log";
  uint16_t port = target_.port != 0 ? target_.port : FreeLoopbackPort(target_.transport);
  endpoint_ = Endpoint::Resolve("127.0.0.1", port, target_.transport);
  command_.clear();
  command_.push_back(target_.binary.string());
  for (const std::string& a : target_.args) {
    std::string arg = Replace(a, "{port}", std::to_string(port));
    arg = Replace(arg, "{work_dir}", options_.work_dir.string());
    arg = Replace(arg, "{source_dir}", target_.source_dir.string());
    command_.push_back(arg);
  }
  if (target_.instrumented && map_ == nullptr) {
    size_t size = QueryMapSize(target_.binary);
    size = std::max<size_t>(size, 65536);
    size = (size + 65535) / 65536 * 65536;
    map_ = std::make_unique<SharedCoverageMap>(size);
    accumulator_ = std::make_unique<CoverageAccumulator>(size);
  }
  StartServer();
}

void NetExecutor::StartServer() {
  ServerLaunch launch;
  launch.argv = command_;
  launch.log_file = log_file_;
  launch.working_dir = options_.work_dir;
  launch.cpu = options_.cpu;
  // The user's ASAN_OPTIONS and UBSAN_OPTIONS count, except that a report
  // must end the process (that is how a crash is seen); unsymbolized reports
  // by default, so a dying server does not wait on a symbolizer.
  auto sanitizer = [this](const char* variable, bool asan) {
    const char* user = std::getenv(variable);
    SanitizerOptions o = SanitizerOptions::Parse(user != nullptr ? user : "");
    o.Set("abort_on_error", "1");
    o.SetDefault("symbolize", "0");
    if (asan) {
      o.SetDefault("detect_leaks", "0");
      left_out_allocation_stacks_ = !options_.allocation_stacks && !o.Get("malloc_context_size");
      if (left_out_allocation_stacks_) o.Set("malloc_context_size", "0");
    } else {
      o.Set("halt_on_error", "1");
      o.SetDefault("print_stacktrace", "1");
    }
    return o.ToString();
  };
  launch.env = {{"ASAN_OPTIONS", sanitizer("ASAN_OPTIONS", true)},
                {"UBSAN_OPTIONS", sanitizer("UBSAN_OPTIONS", false)}};
  // Dynamic symbols bound at start (as afl-fuzz does): once in the
  // forkserver, not again by lazy binding in every child.
  if (std::getenv("LD_BIND_LAZY") == nullptr) launch.env.emplace_back("LD_BIND_NOW", "1");
  if (map_) {
    launch.env.emplace_back("__AFL_SHM_ID", std::to_string(map_->id()));
    launch.env.emplace_back("AFL_MAP_SIZE", std::to_string(map_->size()));
  }
  if (options_.reset == ResetMode::kForkserver || PersistentOnForkserver()) {
    if (target_.deferred_forkserver) launch.env.emplace_back("__AFL_DEFER_FORKSRV", "1");
    server_.emplace(ServerProcess::StartForkserver(launch, options_.startup_timeout));
    if (!PortInUse(endpoint_)) {
      std::string tail = LastLines(server_->ReadLog(0), 20);
      server_.reset();
      throw Error::Format(
          "{}: the server reached its fork point without listening on {} (is DEFERRED_FORKSERVER declared and "
          "__afl_manual_init() called after the sockets are bound?)\n--- server log ---\n{}",
          target_.name, endpoint_.ToString(), tail);
    }
    if (options_.reset == ResetMode::kPersistent) StartPersistentChild();
  } else {
    launch.env.emplace_back("AFL_NO_FORKSRV", "1");
    server_.emplace(ServerProcess::StartPlain(launch));
    const auto deadline = Clock::now() + options_.startup_timeout;
    for (;;) {
      if (auto status = server_->TryReap()) {
        std::string tail = LastLines(server_->ReadLog(0), 20);
        server_.reset();
        throw Error::Format("{}: the server {} before listening on {}\n--- server log ---\n{}", target_.name,
                            DescribeWaitStatus(*status), endpoint_.ToString(), tail);
      }
      if (PortInUse(endpoint_)) break;
      if (Clock::now() >= deadline) {
        std::string tail = LastLines(server_->ReadLog(0), 20);
        server_.reset();
        throw Error::Format("{}: the server did not listen on {} within {} ms\n--- server log ---\n{}",
                            target_.name, endpoint_.ToString(), options_.startup_timeout.count(), tail);
      }
      std::this_thread::sleep_for(milliseconds(2));
    }
    server_activity_ = ServerActivity(server_->pid(), options_.watch_switches);
  }
  sessions_since_start_ = 0;
}

bool NetExecutor::PersistentOnForkserver() const {
  return options_.reset == ResetMode::kPersistent && target_.instrumented && target_.deferred_forkserver;
}

void NetExecutor::StartPersistentChild() {
  pid_t child = server_->ForkChild(options_.startup_timeout);
  server_activity_ = ServerActivity(child, options_.watch_switches);
  sessions_since_start_ = 0;
}

void NetExecutor::RestartPersistent() {
  if (server_ && server_->forkserver()) {
    // A fresh child from the fork point: no exec, no initialization. The old
    // one's status is collected by the fork request.
    server_->KillChildLater();
    try {
      StartPersistentChild();
      return;
    } catch (const Error&) {
      // The forkserver itself is gone: start over.
    }
  }
  server_.reset();
  server_activity_ = ServerActivity();
  StartServer();
}

size_t NetExecutor::edges() const {
  if (map_ && shared_coverage_ && shared_coverage_->accumulator.size() == map_->size()) {
    std::lock_guard lock(shared_coverage_->mutex);
    return shared_coverage_->accumulator.edges();
  }
  return accumulator_ ? accumulator_->edges() : 0;
}

pid_t NetExecutor::server_pid() const {
  if (!server_) return -1;
  return server_->forkserver() ? server_->child() : server_->pid();
}

void NetExecutor::Stop() {
  server_.reset();
  server_activity_ = ServerActivity();
}

void NetExecutor::CheckValidation(ExecResult& result) {
  if (result.verdict != ExecResult::Verdict::kOk || result.session.invalid_accepted < 0) return;
  const MessageExchange& e = result.session.exchanges[static_cast<size_t>(result.session.invalid_accepted)];
  std::string answer;
  for (const Response& r : e.responses) {
    if (r.accepts) answer = r.state;
  }
  result.verdict = ExecResult::Verdict::kInvalidAccepted;
  const std::string what = e.invalid_present ? fmt::format("'{}'", e.invalid_field)
                                             : fmt::format("field '{}' = {}", e.invalid_field, e.invalid_value);
  result.description = fmt::format("message {} ({}) has {}, which a peer must reject, and was answered {}",
                                   result.session.invalid_accepted + 1, e.rule.empty() ? "raw" : e.rule, what,
                                   answer);
}

void NetExecutor::ReadCoverage(ExecResult& result) {
  if (!map_) return;
  result.edges_hit = CoverageAccumulator::CountEdges(map_->data(), map_->size());
  if (shared_coverage_ && shared_coverage_->accumulator.size() == map_->size()) {
    CoverageAccumulator::Classify(map_->data(), map_->size());
    std::lock_guard lock(shared_coverage_->mutex);
    result.novelty = shared_coverage_->accumulator.MergeClassified(map_->data());
  } else {
    result.novelty = accumulator_->Merge(map_->data());
  }
}

void NetExecutor::Settle(const ServerActivity& activity, std::optional<uint64_t> runs_before, milliseconds limit) {
  if (!activity.valid()) return;
  // A server that stays asleep this long without running never noticed the
  // close (it does not watch the connection any more).
  constexpr auto kNotWoken = milliseconds(5);
  const auto start = Clock::now();
  const auto deadline = start + limit;
  auto pause = std::chrono::microseconds(10);
  if (activity.watches_switches()) {
    // `runs_before` is the switch count before the close here: asleep
    // after a switch since (the state is read after the close, which wakes
    // the server at once), or asleep without one for kNotWoken.
    uint64_t seen = runs_before.value_or(activity.switches());
    bool switched = !runs_before.has_value();
    for (;;) {
      ServerActivity::Sample s = activity.State();
      if (!s.alive) return;
      const auto now = Clock::now();
      if (s.sleeping && (switched || now - start >= kNotWoken)) return;
      if (now >= deadline) return;
      const auto wait = std::min<Clock::duration>(deadline - now, kNotWoken);
      const bool now_switched =
          activity.WaitForSwitch(seen, std::chrono::duration_cast<std::chrono::microseconds>(wait));
      // A server that died looks asleep in switch records; its watch ends
      // without a switch.
      if (!now_switched && activity.records_switches() && !activity.Alive()) return;
      switched = now_switched || switched;
      seen = activity.switches();
    }
  }
  for (;;) {
    ServerActivity::Sample s = activity.Read();
    if (!s.alive) return;
    const auto now = Clock::now();
    if (s.sleeping && (!runs_before || s.runs > *runs_before || now - start >= kNotWoken)) return;
    if (now >= deadline) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

std::optional<uint64_t> NetExecutor::CloseConnection(ConnectionSet& connections, const SessionResult& session,
                                                      const ServerActivity& activity) {
  // Closed by us with the server still holding its end: the server handles
  // the reset (a broker drops the client's state, sends its will...), and a
  // crash there belongs to this session: its run count before the close
  // tells when it has.
  // With a switch watch, its switch count before the close instead.
  std::optional<uint64_t> runs;
  if (activity.valid() && !session.closed_by_server && session.end != SessionResult::End::kHang &&
      session.end != SessionResult::End::kServerGone) {
    runs = activity.watches_switches() ? activity.switches() : activity.ReadRuns().runs;
    // A server that has closed the connections itself is not woken by
    // this close: nothing to wait for.
    if (activity.watches_switches() && connections.AllClosedByPeer()) runs.reset();
  }
  connections.AbortAll();
  return runs;
}

ExecResult NetExecutor::Execute(std::string_view input) {
  switch (options_.reset) {
    case ResetMode::kForkserver: return ExecuteForkserver(input);
    case ResetMode::kPersistent: return ExecutePersistent(input);
    case ResetMode::kNone: return ExecuteRemote(input);
  }
  return {};
}

ExecResult NetExecutor::ExecuteForkserver(std::string_view input) {
  ExecResult result;
  if (!server_) StartServer();
  map_->Clear();
  const uint64_t log_before = server_->LogSize();
  pid_t child = 0;
  try {
    child = server_->ForkChild(options_.startup_timeout);
  } catch (const Error&) {
    // The forkserver itself died: start over once.
    server_.reset();
    ++restarts_;
    StartServer();
    child = server_->ForkChild(options_.startup_timeout);
  }
  ServerActivity activity(child, options_.watch_switches);
  ConnectionSet connections(endpoint_, options_.startup_timeout);
  try {
    connections.Open(0);
  } catch (const Error& e) {
    server_->KillChild(options_.startup_timeout);
    throw;
  }
  result.session = runner_.Run(input, connections, activity, options_.max_messages);
  const std::optional<uint64_t> runs_before_close = CloseConnection(connections, result.session, activity);
  std::optional<int> status = server_->ChildStatus(milliseconds(0));
  bool killed_by_us = false;
  if (!status && result.session.end != SessionResult::End::kHang) {
    // A child that closed early, or crashes right after its last answer or
    // on the close, is let finish; a dead one's status is on its way from
    // the forkserver.
    Settle(activity, runs_before_close,
           result.session.end == SessionResult::End::kCompleted ? milliseconds(50) : options_.timeouts.hang);
    const bool dead = !activity.Alive();
    status = server_->ChildStatus(dead ? options_.startup_timeout : milliseconds(0));
  }
  if (!status) {
    server_->KillChildLater();
    killed_by_us = true;
  }
  if (!killed_by_us) {
    if (WIFSIGNALED(*status)) {
      result.verdict = ExecResult::Verdict::kCrash;
    } else {
      result.verdict = WEXITSTATUS(*status) != 0 ? ExecResult::Verdict::kCrash : ExecResult::Verdict::kServerExited;
    }
    result.description = DescribeWaitStatus(*status);
  } else if (result.session.end == SessionResult::End::kHang) {
    result.verdict = ExecResult::Verdict::kHang;
    result.description = fmt::format("no answer within {} ms", options_.timeouts.hang.count());
  }
  if (result.verdict != ExecResult::Verdict::kOk) result.server_log = server_->ReadLog(log_before);
  ReadCoverage(result);
  CheckValidation(result);
  return result;
}

ExecResult NetExecutor::ExecutePersistent(std::string_view input) {
  ExecResult result;
  if (!server_) {
    StartServer();
  } else if (server_->forkserver() && server_->child() <= 0) {
    RestartPersistent();  // the last one crashed, hung or exited
  } else if (options_.restart_every != 0 && sessions_since_start_ >= options_.restart_every) {
    ++restarts_;
    RestartPersistent();
  }
  ++sessions_since_start_;
  if (map_) map_->Clear();
  const uint64_t log_before = server_->LogSize();
  ConnectionSet connections(endpoint_, milliseconds(1000));
  try {
    connections.Open(0);
  } catch (const Error& e) {
    result.verdict = ExecResult::Verdict::kUnreachable;
    result.description = e.what();
  }
  if (connections.at(0).open()) {
    result.session = runner_.Run(input, connections, server_activity_, options_.max_messages);
    const std::optional<uint64_t> runs_before_close = CloseConnection(connections, result.session, server_activity_);
    // Whatever the session ends with (a crash on its last message or on the
    // close included) is seen before the next session, not blamed on it.
    if (result.session.end != SessionResult::End::kHang) {
      Settle(server_activity_, runs_before_close,
             result.session.end == SessionResult::End::kCompleted ? milliseconds(50) : options_.timeouts.hang);
    }
  }
  std::optional<int> status;
  if (server_->forkserver()) {
    // The server is a forkserver child: its status comes from the forkserver.
    status = server_->ChildStatus(milliseconds(0));
    if (!status && !server_activity_.Alive()) status = server_->ChildStatus(options_.startup_timeout);
  } else {
    status = server_->TryReap();
    if (!status && !server_activity_.Alive()) {
      // Dead (a zombie, or gone): collect its status.
      const auto deadline = Clock::now() + options_.startup_timeout;
      while (!status && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        status = server_->TryReap();
      }
    }
  }
  if (status) {
    result.verdict = WIFSIGNALED(*status) || WEXITSTATUS(*status) != 0 ? ExecResult::Verdict::kCrash
                                                                       : ExecResult::Verdict::kServerExited;
    result.description = DescribeWaitStatus(*status);
  } else if (result.session.end == SessionResult::End::kHang) {
    result.verdict = ExecResult::Verdict::kHang;
    result.description = fmt::format("no answer within {} ms", options_.timeouts.hang.count());
  }
  if (result.verdict != ExecResult::Verdict::kOk) {
    result.server_log = server_->ReadLog(log_before);
    ++restarts_;
    if (server_->forkserver()) {
      // A new child is forked before the next session (RestartPersistent).
      server_->KillChildLater();
      server_activity_ = ServerActivity();
    } else {
      server_.reset();  // started again before the next session
    }
  }
  ReadCoverage(result);
  CheckValidation(result);
  return result;
}

ExecResult NetExecutor::ExecuteRemote(std::string_view input) {
  ExecResult result;
  ConnectionSet connections(endpoint_, milliseconds(1000));
  try {
    connections.Open(0);
  } catch (const Error& e) {
    result.verdict = ExecResult::Verdict::kUnreachable;
    result.description = e.what();
    return result;
  }
  ServerActivity none;
  result.session = runner_.Run(input, connections, none, options_.max_messages);
  connections.AbortAll();
  if (result.session.end != SessionResult::End::kCompleted || result.session.closed_by_server ||
      !target_.liveness.empty()) {
    // A server that closed on us may be going down: give it a moment.
    if (result.session.closed_by_server) std::this_thread::sleep_for(milliseconds(20));
    if (!ProbeLiveness(endpoint_, target_.liveness, options_.timeouts.hang)) {
      result.verdict = ExecResult::Verdict::kUnreachable;
      result.description = fmt::format("no answer to the {} probe after the session",
                                       target_.liveness.empty() ? "connect" : target_.liveness);
    }
  }
  CheckValidation(result);
  return result;
}

namespace {

std::string MqttConnect() {
  // CONNECT, MQTT 3.1.1, clean session, keep alive 10 s, client id "iotfuzz-probe".
  std::string id = "iotfuzz-probe";
  std::string body;
  body += std::string("\x00\x04MQTT\x04\x02\x00\x0a", 10);
  body += static_cast<char>(id.size() >> 8);
  body += static_cast<char>(id.size());
  body += id;
  std::string pkt;
  pkt += '\x10';
  pkt += static_cast<char>(body.size());
  return pkt + body;
}

}  // namespace

bool ProbeLiveness(const Endpoint& endpoint, const std::string& kind, milliseconds timeout) {
  try {
    Connection c = Connection::Open(endpoint, timeout);
    std::string probe;
    auto answered = [](const std::string&) { return true; };
    std::function<bool(const std::string&)> ok = answered;
    if (kind == "http-head") {
      probe = "HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
      ok = [](const std::string& r) { return r.rfind("HTTP/", 0) == 0; };
    } else if (kind == "mqtt-ping") {
      probe = MqttConnect() + std::string("\xc0\x00", 2);
      ok = [](const std::string& r) { return r.size() >= 4 && static_cast<uint8_t>(r[0]) == 0x20; };
    } else if (kind == "coap-ping") {
      probe = std::string("\x40\x00\x7a\x11", 4);  // empty confirmable message: answered by a reset
      ok = [](const std::string& r) { return r.size() >= 4 && (static_cast<uint8_t>(r[0]) & 0xf0) == 0x70; };
    } else if (kind == "att-mtu") {
      probe = std::string("\x03\x00\x02\x17\x00", 5);  // framed Exchange MTU Request, MTU 23
      ok = [](const std::string& r) { return r.size() >= 3 && (r[2] == '\x03' || r[2] == '\x01'); };
    } else {
      return endpoint.transport == Transport::kTcp || c.open();
    }
    if (!c.Send(probe)) return false;
    std::string received;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      Connection::ReadResult r = c.Read(received, std::chrono::microseconds(1000));
      if (r == Connection::ReadResult::kClosed) break;
      if (!received.empty() && ok(received)) {
        c.Abort();
        return true;
      }
    }
    c.Abort();
    return false;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace iotfuzz::net
