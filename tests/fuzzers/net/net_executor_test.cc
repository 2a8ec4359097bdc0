// The network executor against real servers on loopback: the line-protocol
// test server (test_server.c) for bindings, crashes, hangs and quiet
// messages; the demo device's AFL++-instrumented server for the forkserver,
// coverage, sessions over two connections and the planted bugs HUB-1 to
// HUB-3.
#include <catch2/catch.hpp>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzzers/common/error.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/net/connection.h"
#include "fuzzers/net/coverage_map.h"
#include "fuzzers/net/net_executor.h"
#include "fuzzers/net/net_fuzzer.h"
#include "fuzzers/net/server_process.h"

namespace fs = std::filesystem;
using namespace iotfuzz;
using namespace iotfuzz::net;

namespace {

struct Fixture {
  grammar::LoadedGrammar loaded;
  const grammar::Session* session = nullptr;

  Fixture(const std::string& grammar_file, const std::string& session_name)
      : loaded(grammar::LoadGrammarFile(grammar_file)) {
    for (const auto& s : loaded.grammar.sessions) {
      if (s.name == session_name) session = &s;
    }
    REQUIRE(session != nullptr);
  }
};

fs::path WorkDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("iotfuzz-net-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

// The test server, one process for all sessions, working in its own
// directory. Each test that uses it runs twice: with the server's context
// switches watched through a perf event (where the kernel allows it), and
// with /proc polling only (ExecutorOptions::watch_switches).
ExecutorOptions Persistent(const std::string& name,
                           std::chrono::milliseconds hang = std::chrono::milliseconds(1000)) {
  ExecutorOptions o;
  o.reset = ResetMode::kPersistent;
  o.watch_switches = GENERATE(true, false);
  o.work_dir = WorkDir(name + (o.watch_switches ? "-switches" : "-proc"));
  o.timeouts.hang = hang;
  return o;
}

// The demo device's MQTT broker, AFL++-instrumented with its deferred fork
// point, as the network target `name`.
NetTarget DemoBroker(const std::string& name) {
  const fs::path binary = IOTFUZZ_DEMO_SERVER_AFL;
  INFO("demo_device_server_afl comes with the AFL++ child build (scripts/setup installs afl++)");
  REQUIRE(fs::exists(binary));
  NetTarget t;
  t.name = name;
  t.binary = binary;
  t.args = {"--mqtt", "{port}"};
  t.deferred_forkserver = true;
  t.instrumented = true;
  return t;
}

NetTarget TestServer() {
  NetTarget t;
  t.name = "test_server";
  t.binary = IOTFUZZ_TEST_SERVER;
  t.args = {"{port}"};
  t.grammar = IOTFUZZ_TEST_GRAMMAR;
  t.session = "lines";
  return t;
}

// A child process standing in for a server: it blocks reading a pipe, and
// for each byte read computes for `busy` (0: not at all) before blocking
// again; end of input ends it. Returns its pid, and the pipe's write end in
// `to_child`.
pid_t ForkPipeReader(std::chrono::milliseconds busy, int& to_child) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(fds[1]);
    char c;
    while (read(fds[0], &c, 1) == 1) {
      const auto until = std::chrono::steady_clock::now() + busy;
      volatile uint64_t n = 0;
      while (std::chrono::steady_clock::now() < until) n = n + 1;
    }
    _exit(0);
  }
  close(fds[0]);
  to_child = fds[1];
  return child;
}

}  // namespace

TEST_CASE("the server's context switches: counted, waited for, and the wait ends when it exits") {
  // Each byte wakes it once.
  int to_child = -1;
  pid_t child = ForkPipeReader(std::chrono::milliseconds(0), to_child);
  ServerActivity activity(child);
  ServerActivity proc_only(child, false);
  CHECK_FALSE(proc_only.watches_switches());
  CHECK(proc_only.switches() == 0);
  if (!activity.watches_switches()) {
    // perf_event_open refused (not root and perf_event_paranoid > 2): the
    // /proc path is what runs here, and the executor tests cover it.
    WARN("perf events not allowed here: context switches not watched");
  } else {
    ServerActivity::Sample s;
    for (int i = 0; i < 50 && !(s = activity.Read()).sleeping; ++i) usleep(1000);
    REQUIRE(s.sleeping);
    // Asleep and nothing sent: no switch within the timeout.
    const uint64_t before = activity.switches();
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(activity.WaitForSwitch(before, std::chrono::microseconds(20000)));
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(20));
    CHECK(activity.switches() == before);
    // A byte wakes it; it reads and sleeps again: one switch at least, and
    // asleep afterwards.
    for (int i = 0; i < 3; ++i) {
      const uint64_t mark = activity.switches();
      REQUIRE(write(to_child, "x", 1) == 1);
      REQUIRE(activity.WaitForSwitch(mark, std::chrono::microseconds(2000000)));
      CHECK(activity.switches() != mark);
      ServerActivity::Sample after;
      after.alive = true;
      for (int k = 0; k < 50; ++k) {
        activity.ReadState(after);
        if (after.sleeping) break;
        activity.WaitForSwitch(activity.switches(), std::chrono::microseconds(20000));
      }
      CHECK(after.alive);
      CHECK(after.sleeping);
    }
    // Closing the pipe ends it: the wait returns long before its timeout.
    const uint64_t mark = activity.switches();
    close(to_child);
    to_child = -1;
    const auto t1 = std::chrono::steady_clock::now();
    activity.WaitForSwitch(mark, std::chrono::microseconds(5000000));
    CHECK(std::chrono::steady_clock::now() - t1 < std::chrono::seconds(2));
  }
  if (to_child >= 0) close(to_child);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  // Gone: no longer alive.
  CHECK_FALSE(activity.Read().alive);
}

TEST_CASE("switch records tell a server asleep from one preempted while busy") {
  // The child shares this thread's CPU: while it computes, this thread
  // waking up takes the CPU from it, and it is switched out runnable.
  cpu_set_t saved;
  REQUIRE(sched_getaffinity(0, sizeof saved, &saved) == 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
  int to_child = -1;
  pid_t child = ForkPipeReader(std::chrono::milliseconds(300), to_child);
  ServerActivity activity(child);
  if (!activity.records_switches()) {
    WARN("switches not recorded here (no perf events, or Linux < 4.17): /proc tells the state");
  } else {
    // Asleep in read() at first (from /proc before any switch is recorded).
    ServerActivity::Sample s;
    for (int i = 0; i < 50 && !(s = activity.State()).sleeping; ++i) usleep(1000);
    REQUIRE(s.sleeping);
    const uint64_t mark = activity.switches();
    REQUIRE(write(to_child, "x", 1) == 1);
    usleep(50000);  // it computes meanwhile; this wake-up preempts it
    CHECK(activity.switches() != mark);
    s = activity.State();
    CHECK(s.alive);
    CHECK_FALSE(s.sleeping);
    ServerActivity::Sample proc;
    proc.alive = true;
    activity.ReadState(proc);
    CHECK_FALSE(proc.sleeping);  // 'R' in /proc too
    // Done computing, it blocks in read() again: asleep in both.
    for (int i = 0; i < 100 && !(s = activity.State()).sleeping; ++i) {
      activity.WaitForSwitch(activity.switches(), std::chrono::microseconds(20000));
    }
    CHECK(s.sleeping);
    activity.ReadState(proc);
    CHECK(proc.sleeping);
  }
  close(to_child);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  REQUIRE(sched_setaffinity(0, sizeof saved, &saved) == 0);
}

TEST_CASE("a value bound from a response is used in a later message") {
  Fixture f(IOTFUZZ_TEST_GRAMMAR, "lines");
  ExecutorOptions o = Persistent("bind");
  NetExecutor ex(TestServer(), o, f.loaded.grammar, *f.session);
  ex.Start();
  ExecResult r = ex.Execute("HELLO\nTOKEN 5\nPING\n");
  REQUIRE(r.verdict == ExecResult::Verdict::kOk);
  REQUIRE(r.session.end == SessionResult::End::kCompleted);
  REQUIRE(r.session.exchanges.size() == 3);
  CHECK(r.session.exchanges[0].responses.at(0).rule == "welcome");
  const std::string welcome = r.session.exchanges[0].responses.at(0).bytes;
  REQUIRE(welcome.rfind("WELCOME 10", 0) == 0);
  const std::string token = welcome.substr(8, welcome.size() - 9);
  // TOKEN carries the token the server handed out, not the 5 of the input.
  CHECK(r.session.exchanges[1].sent == "TOKEN " + token + "\n");
  CHECK(r.session.exchanges[1].responses.at(0).bytes == "OK\n");
  CHECK(r.session.exchanges[2].responses.at(0).bytes == "PONG\n");
  // Response states: the state(...) field of each response, in order.
  REQUIRE(r.session.states.size() == 3);
  std::string token_hex;
  for (unsigned char c : token) token_hex += "3" + std::string(1, static_cast<char>(c));
  CHECK(r.session.states[0] == "welcome:" + token_hex);  // the digits, in hex
  CHECK(r.session.states[1] == "reply:4f4b");        // "OK"
  CHECK(r.session.states[2] == "reply:504f4e47");    // "PONG"

  // The next connection gets the next token: bound again, still OK.
  ExecResult again = ex.Execute("HELLO\nTOKEN 5\n");
  REQUIRE(again.session.exchanges.size() == 2);
  CHECK(again.session.exchanges[1].sent == "TOKEN " + std::to_string(std::stoul(token) + 1) + "\n");
  CHECK(again.session.exchanges[1].responses.at(0).bytes == "OK\n");
  fs::remove_all(o.work_dir);
}

TEST_CASE("reconnect: after the server closes the connection, the next message goes over a new one") {
  Fixture f(IOTFUZZ_TEST_GRAMMAR, "lines");
  const std::string input = "HELLO\nBYE\nHELLO\nTOKEN 5\n";
  {
    // Without reconnecting, the session ends where the server closed.
    ExecutorOptions o = Persistent("no-reconnect");
    NetExecutor ex(TestServer(), o, f.loaded.grammar, *f.session);
    ex.Start();
    ExecResult r = ex.Execute(input);
    CHECK(r.verdict == ExecResult::Verdict::kOk);
    CHECK(r.session.end == SessionResult::End::kClosedByServer);
    CHECK(r.session.exchanges.size() == 2);
    CHECK(r.session.reconnects == 0);
    fs::remove_all(o.work_dir);
  }
  ExecutorOptions o = Persistent("reconnect");
  o.reconnect = true;
  NetExecutor ex(TestServer(), o, f.loaded.grammar, *f.session);
  ex.Start();
  ExecResult r = ex.Execute(input);
  REQUIRE(r.verdict == ExecResult::Verdict::kOk);
  CHECK(r.session.end == SessionResult::End::kCompleted);
  CHECK(r.session.closed_by_server);
  CHECK(r.session.reconnects == 1);
  REQUIRE(r.session.exchanges.size() == 4);
  CHECK(r.session.exchanges[1].responses.empty());
  CHECK_FALSE(r.session.exchanges[1].reconnected);
  CHECK(r.session.exchanges[2].reconnected);
  // The new connection was greeted with the next token, which TOKEN carries.
  const std::string welcome = r.session.exchanges[2].responses.at(0).bytes;
  REQUIRE(welcome.rfind("WELCOME ", 0) == 0);
  CHECK(r.session.exchanges[3].sent == "TOKEN " + welcome.substr(8, welcome.size() - 9) + "\n");
  CHECK(r.session.exchanges[3].responses.at(0).bytes == "OK\n");
  CHECK(FormatTranscript(r.session).find("(connection closed by the server: opened again)\n> [3] hello") !=
        std::string::npos);
  fs::remove_all(o.work_dir);
}

TEST_CASE("a message without an answer costs no fixed wait") {
  Fixture f(IOTFUZZ_TEST_GRAMMAR, "lines");
  ExecutorOptions o = Persistent("quiet", std::chrono::milliseconds(3000));
  NetExecutor ex(TestServer(), o, f.loaded.grammar, *f.session);
  ex.Start();
  ExecResult r = ex.Execute("QUIET\nPING\n");
  REQUIRE(r.verdict == ExecResult::Verdict::kOk);
  REQUIRE(r.session.exchanges.size() == 2);
  CHECK(r.session.exchanges[0].responses.empty());
  CHECK(r.session.exchanges[1].responses.at(0).bytes == "PONG\n");
  // Done once the server is asleep again, far below the hang timeout.
  CHECK(r.session.exchanges[0].elapsed < std::chrono::milliseconds(1000));
  fs::remove_all(o.work_dir);
}

TEST_CASE("a crashing server is detected, its report kept, and it is restarted") {
  Fixture f(IOTFUZZ_TEST_GRAMMAR, "lines");
  ExecutorOptions o = Persistent("crash");
  NetExecutor ex(TestServer(), o, f.loaded.grammar, *f.session);
  ex.Start();
  ExecResult r = ex.Execute("HELLO\nCRASH\nPING\n");
  CHECK(r.verdict == ExecResult::Verdict::kCrash);
  CHECK(r.description.find("SIGABRT") != std::string::npos);
  CHECK(r.server_log.find("crashing on request") != std::string::npos);
  CHECK(r.session.end != SessionResult::End::kCompleted);
  ExecResult next = ex.Execute("HELLO\nPING\n");
  CHECK(next.verdict == ExecResult::Verdict::kOk);
  CHECK(ex.restarts() == 1);
  REQUIRE(next.session.exchanges.size() == 2);
  CHECK(next.session.exchanges[1].responses.at(0).bytes == "PONG\n");
  fs::remove_all(o.work_dir);
}

TEST_CASE("a server that stops answering yields a hang") {
  Fixture f(IOTFUZZ_TEST_GRAMMAR, "lines");
  ExecutorOptions o = Persistent("hang", std::chrono::milliseconds(300));
  NetExecutor ex(TestServer(), o, f.loaded.grammar, *f.session);
  ex.Start();
  ExecResult r = ex.Execute("HELLO\nHANG\n");
  CHECK(r.verdict == ExecResult::Verdict::kHang);
  CHECK(r.session.end == SessionResult::End::kHang);
  ExecResult next = ex.Execute("PING\n");
  CHECK(next.verdict == ExecResult::Verdict::kOk);
  CHECK(ex.restarts() == 1);
  fs::remove_all(o.work_dir);
}

TEST_CASE("black-box: a server iotfuzz does not start, checked by a probe after each session") {
  Fixture f(IOTFUZZ_TEST_GRAMMAR, "lines");
  const fs::path work = WorkDir("remote");
  fs::create_directories(work);
  const uint16_t port = FreeLoopbackPort(Transport::kTcp);
  ServerLaunch launch;
  launch.argv = {IOTFUZZ_TEST_SERVER, std::to_string(port)};
  launch.log_file = work / "server.log";
  ServerProcess server = ServerProcess::StartPlain(launch);
  NetTarget t;
  t.name = "remote";
  t.host = "127.0.0.1";
  t.port = port;
  ExecutorOptions o;
  o.reset = ResetMode::kNone;
  o.timeouts.hang = std::chrono::milliseconds(500);
  NetExecutor ex(t, o, f.loaded.grammar, *f.session);
  ex.Start();  // waits until the port answers
  CHECK_FALSE(ex.coverage());
  ExecResult r = ex.Execute("HELLO\nPING\n");
  CHECK(r.verdict == ExecResult::Verdict::kOk);
  REQUIRE(r.session.exchanges.size() == 2);
  CHECK(r.session.exchanges[1].responses.at(0).bytes == "PONG\n");
  // The server dies: the session's end and the failed probe tell.
  ExecResult dead = ex.Execute("HELLO\nCRASH\n");
  CHECK(dead.verdict == ExecResult::Verdict::kUnreachable);
  server.Stop();
  fs::remove_all(work);
}

TEST_CASE("a non-loopback target is refused without allow_remote") {
  Fixture f(IOTFUZZ_TEST_GRAMMAR, "lines");
  NetTarget t;
  t.name = "remote";
  t.host = "192.0.2.10";  // TEST-NET-1: never reached
  t.port = 1883;
  ExecutorOptions o;
  o.reset = ResetMode::kNone;
  NetExecutor ex(t, o, f.loaded.grammar, *f.session);
  try {
    ex.Start();
    FAIL("Start() accepted a non-loopback target");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("--allow-remote") != std::string::npos);
  }
}

TEST_CASE("coverage novelty follows AFL++'s hit-count buckets") {
  CoverageAccumulator acc(64);
  std::vector<uint8_t> trace(64, 0);
  trace[3] = 1;
  trace[10] = 5;
  CHECK(acc.Merge(trace.data()) == CoverageAccumulator::kNewEdges);
  CHECK(acc.edges() == 2);
  std::fill(trace.begin(), trace.end(), 0);
  trace[3] = 1;
  trace[10] = 6;  // same bucket (4-7) as 5
  CHECK(acc.Merge(trace.data()) == CoverageAccumulator::kNothingNew);
  std::fill(trace.begin(), trace.end(), 0);
  trace[10] = 9;  // bucket 8-15: new counts, no new edge
  CHECK(acc.Merge(trace.data()) == CoverageAccumulator::kNewCounts);
  CHECK(acc.edges() == 2);
  std::fill(trace.begin(), trace.end(), 0);
  trace[63] = 200;
  CHECK(acc.Merge(trace.data()) == CoverageAccumulator::kNewEdges);
  CHECK(acc.edges() == 3);
}

TEST_CASE("forkserver: a fresh demo device server per session, with edge coverage, finds HUB-1") {
  Fixture f(IOTFUZZ_MQTT_GRAMMAR, "broker_v311");
  NetTarget t = DemoBroker("demo_device_mqtt_server");
  ExecutorOptions o;
  o.reset = ResetMode::kForkserver;
  o.work_dir = WorkDir("forkserver");
  NetExecutor ex(t, o, f.loaded.grammar, *f.session);
  ex.Start();
  REQUIRE(ex.coverage());

  const std::string connect_clean("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06lock-1", 20);
  const std::string ping("\xc0\x00", 2);
  ExecResult r = ex.Execute(connect_clean + ping);
  REQUIRE(r.verdict == ExecResult::Verdict::kOk);
  REQUIRE(r.session.exchanges.size() == 2);
  CHECK(r.session.exchanges[0].responses.at(0).rule == "connack_v311");
  CHECK(r.session.exchanges[1].responses.at(0).rule == "pingresp");
  CHECK(r.edges_hit > 50);
  CHECK(r.novelty == CoverageAccumulator::kNewEdges);
  // The same session again, in a fresh child: nothing new.
  ExecResult same = ex.Execute(connect_clean + ping);
  CHECK(same.verdict == ExecResult::Verdict::kOk);
  // (hit counts of the event loop can differ with timing; the edges cannot)
  CHECK(same.novelty != CoverageAccumulator::kNewEdges);

  // HUB-1: a persistent session (clean session 0) subscribed with QoS 2 is
  // sent a released QoS 2 message of 40 bytes.
  const std::string connect_persistent("\x10\x12\x00\x04MQTT\x04\x00\x00\x3c\x00\x06lock-1", 20);
  const std::string subscribe("\x82\x06\x00\x01\x00\x01#\x02", 8);
  std::string publish(std::string("\x34\x2f\x00\x03", 4) + "a/b" + std::string("\x00\x07", 2));
  publish += std::string(40, 'x');
  const std::string pubrel("\x62\x02\x00\x07", 4);
  ExecResult crash = ex.Execute(connect_persistent + subscribe + publish + pubrel);
  INFO(FormatTranscript(crash.session) << crash.description << "\n" << crash.server_log);
  CHECK(crash.verdict == ExecResult::Verdict::kCrash);
  CHECK(crash.server_log.find("heap-buffer-overflow") != std::string::npos);
  // The forkserver goes on: the next session runs in a fresh child.
  ExecResult after = ex.Execute(connect_clean + ping);
  CHECK(after.verdict == ExecResult::Verdict::kOk);

  // HUB-2, the validation oracle: CONNECT with its reserved flag set must be
  // refused (MQTT-3.1.2-3); the demo broker answers CONNACK 0.
  const std::string connect_reserved("\x10\x12\x00\x04MQTT\x04\x03\x00\x3c\x00\x06lock-1", 20);
  ExecResult accepted = ex.Execute(connect_reserved + ping);
  CHECK(accepted.verdict == ExecResult::Verdict::kInvalidAccepted);
  CHECK(accepted.session.invalid_accepted == 0);
  REQUIRE(!accepted.session.exchanges.empty());
  CHECK(accepted.session.exchanges[0].invalid_field == "reserved");
  CHECK(accepted.description.find("connack_v311:00") != std::string::npos);
  // The same CONNECT without the reserved flag is no finding.
  CHECK(ex.Execute(connect_clean + ping).verdict == ExecResult::Verdict::kOk);
  fs::remove_all(o.work_dir);
}

namespace {

// The frames of the stack an AddressSanitizer heap report shows for where
// the block was allocated (the lines after "allocated by thread").
size_t AllocationStackFrames(const std::string& report) {
  size_t at = report.find("allocated by thread");
  if (at == std::string::npos) return 0;
  size_t frames = 0;
  for (at = report.find('\n', at); at != std::string::npos && report.compare(at + 1, 5, "    #") == 0;
       at = report.find('\n', at + 1)) {
    ++frames;
  }
  return frames;
}

// HUB-1 as one session: a persistent session (clean session 0) subscribed
// with QoS 2 is sent a released QoS 2 message of 40 bytes.
std::string Hub1Session() {
  const std::string connect_persistent("\x10\x12\x00\x04MQTT\x04\x00\x00\x3c\x00\x06lock-1", 20);
  const std::string subscribe("\x82\x06\x00\x01\x00\x01#\x02", 8);
  std::string publish(std::string("\x34\x2f\x00\x03", 4) + "a/b" + std::string("\x00\x07", 2));
  publish += std::string(40, 'x');
  const std::string pubrel("\x62\x02\x00\x07", 4);
  return connect_persistent + subscribe + publish + pubrel;
}

// A campaign of `sessions` sessions in `work`/out, seeded with HUB-1 (so a
// worker meets it for sure), going on after crashes, not minimizing.
NetFuzzOptions Hub1Campaign(const fs::path& work, ResetMode reset, uint64_t sessions) {
  fs::create_directories(work / "seeds");
  std::ofstream(work / "seeds" / "hub1", std::ios::binary) << Hub1Session();
  NetFuzzOptions fo;
  fo.executor.reset = reset;
  fo.seed = 1;
  fo.max_sessions = sessions;
  fo.keep_going = true;
  fo.minimize_budget = 0;
  fo.corpus_dirs = {work / "seeds"};
  fo.out_dir = work / "out";
  return fo;
}

}  // namespace

TEST_CASE("forkserver campaign: servers record no allocation stacks, a new crash's report is made again with them") {
  NetTarget t = DemoBroker("demo_device_mqtt_server");
  t.grammar = IOTFUZZ_MQTT_GRAMMAR;
  t.session = "broker_v311";
  const std::string hub1 = Hub1Session();
  {
    // An executor without allocation stacks: the heap report lacks them.
    Fixture f(IOTFUZZ_MQTT_GRAMMAR, "broker_v311");
    ExecutorOptions o;
    o.reset = ResetMode::kForkserver;
    o.allocation_stacks = false;
    o.work_dir = WorkDir("lean-reports");
    NetExecutor ex(t, o, f.loaded.grammar, *f.session);
    ex.Start();
    ExecResult crash = ex.Execute(hub1);
    INFO(crash.server_log);
    REQUIRE(crash.verdict == ExecResult::Verdict::kCrash);
    CHECK(crash.server_log.find("heap-buffer-overflow") != std::string::npos);
    // Only the allocator's own frame.
    CHECK(AllocationStackFrames(crash.server_log) == 1);
    ex.Stop();
    fs::remove_all(o.work_dir);
  }
  // A campaign in forkserver mode: the crash file's report has them.
  const fs::path work = WorkDir("lean-reports-campaign");
  NetFuzzOptions fo = Hub1Campaign(work, ResetMode::kForkserver, 1);
  NetFuzzer fuzzer(t, fo);
  NetFuzzStats stats = fuzzer.Run(nullptr, nullptr, nullptr);
  CHECK(stats.crashes == 1);
  size_t reports = 0;
  for (const auto& e : fs::directory_iterator(fo.out_dir / "crashes")) {
    if (e.path().extension() != ".log") continue;
    std::ifstream in(e.path());
    std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(report);
    CHECK(report.find("heap-buffer-overflow") != std::string::npos);
    // The allocator's frame and its callers' up to main.
    CHECK(AllocationStackFrames(report) >= 3);
    ++reports;
  }
  CHECK(reports == 1);
  // The second server's directory is gone with it.
  CHECK_FALSE(fs::exists(fo.out_dir / "server" / "report-0"));
  fs::remove_all(work);
}

TEST_CASE("two connections: the broker's delivery to the subscriber is answered there, and HUB-3 is found") {
  Fixture f(IOTFUZZ_MQTT_GRAMMAR, "pub_sub_v311");
  REQUIRE(f.session->connections == std::vector<std::string>{"subscriber", "publisher"});
  NetTarget t = DemoBroker("demo_device_mqtt_pubsub");
  ExecutorOptions o;
  o.reset = ResetMode::kForkserver;
  o.work_dir = WorkDir("two-connections");
  NetExecutor ex(t, o, f.loaded.grammar, *f.session);
  ex.Start();

  // Each message of the input: its connection's index, then its frame.
  auto on = [](uint8_t connection, const std::string& message) {
    std::string frame(1, static_cast<char>(connection));
    frame += static_cast<char>(message.size() & 0xff);
    frame += static_cast<char>(message.size() >> 8);
    return frame + message;
  };
  const std::string connect_sub("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06phone1", 20);
  const std::string subscribe(std::string("\x82\x0b\x00\x05\x00\x06", 6) + "lock/#" + "\x01");  // QoS 1
  const std::string connect_pub("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06lock-1", 20);
  std::string publish(std::string("\x32\x10\x00\x0a", 4) + "lock/state" + std::string("\x00\x09", 2) + "on");
  // The subscriber's PUBACK: its packet identifier (0x7777 here) is replaced
  // by the one the broker chose for the delivery (`use packet_id = b1`).
  const std::string puback("\x40\x02\x77\x77", 4);
  ExecResult r = ex.Execute(on(0, connect_sub) + on(0, subscribe) + on(1, connect_pub) + on(1, publish) +
                            on(0, puback));
  INFO(FormatTranscript(r.session) << r.description << "\n" << r.server_log);
  REQUIRE(r.verdict == ExecResult::Verdict::kOk);
  REQUIRE(r.session.exchanges.size() == 5);
  CHECK(r.session.exchanges[2].connection == 1);
  // The PUBLISH is acknowledged to the publisher and delivered to the
  // subscriber, both while the publisher's message is being answered.
  const auto& answers = r.session.exchanges[3].responses;
  REQUIRE(answers.size() == 2);
  CHECK(answers[0].connection == 1);
  CHECK(answers[0].state == "publisher/puback_v311");
  CHECK(answers[1].connection == 0);
  CHECK(answers[1].state == "subscriber/publish_qos1_v311");
  const std::string delivered_id = answers[1].bytes.substr(2 + 2 + 10, 2);
  CHECK(r.session.exchanges[4].sent == std::string("\x40\x02", 2) + delivered_id);
  CHECK(FormatTranscript(r.session).find("> [4] publisher: publish_qos1_v311") != std::string::npos);

  // HUB-3: a client with a will whose connection drops (a malformed packet)
  // while another client subscribes to the will's topic. The will message
  // is read after the client's slot was freed.
  const std::string connect_will("\x10\x1e\x00\x04MQTT\x04\x06\x00\x3c\x00\x06lock-1\x00\x04lock\x00\x04gone", 32);
  const std::string malformed("\x10\x00", 2);  // a second CONNECT: the broker closes the connection
  ExecResult crash = ex.Execute(on(0, connect_sub) + on(0, subscribe) + on(1, connect_will) + on(1, malformed));
  INFO(FormatTranscript(crash.session) << crash.description << "\n" << crash.server_log);
  CHECK(crash.verdict == ExecResult::Verdict::kCrash);
  CHECK(crash.server_log.find("heap-use-after-free") != std::string::npos);
  // The same will with the subscriber listening elsewhere: no delivery, no crash.
  const std::string subscribe_other(std::string("\x82\x0b\x00\x05\x00\x06", 6) + "door/#" + "\x01");
  ExecResult quiet = ex.Execute(on(0, connect_sub) + on(0, subscribe_other) + on(1, connect_will) + on(1, malformed));
  CHECK(quiet.verdict == ExecResult::Verdict::kOk);
  fs::remove_all(o.work_dir);
}

TEST_CASE("persistent on the forkserver: one server for many sessions, a crash costs a fork, not a new process") {
  Fixture f(IOTFUZZ_MQTT_GRAMMAR, "broker_v311");
  NetTarget t = DemoBroker("demo_device_mqtt_server");
  ExecutorOptions o;
  o.reset = ResetMode::kPersistent;
  o.work_dir = WorkDir("persistent-forkserver");
  NetExecutor ex(t, o, f.loaded.grammar, *f.session);
  ex.Start();
  REQUIRE(ex.coverage());

  const std::string connect_clean("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06lock-1", 20);
  const std::string connect_persistent("\x10\x12\x00\x04MQTT\x04\x00\x00\x3c\x00\x06lock-1", 20);
  const std::string ping("\xc0\x00", 2);
  const std::string subscribe("\x82\x06\x00\x01\x00\x01#\x02", 8);
  std::string publish(std::string("\x34\x2f\x00\x03", 4) + "a/b" + std::string("\x00\x07", 2));
  publish += std::string(40, 'x');
  const std::string pubrel("\x62\x02\x00\x07", 4);
  ExecResult first = ex.Execute(connect_clean + ping);
  REQUIRE(first.verdict == ExecResult::Verdict::kOk);
  CHECK(first.edges_hit > 50);
  const pid_t server = ex.server_pid();
  CHECK(server > 0);
  ExecResult second = ex.Execute(connect_clean + ping);
  REQUIRE(second.verdict == ExecResult::Verdict::kOk);
  CHECK(ex.server_pid() == server);  // one server for both sessions
  // HUB-1: a persistent session subscribed with QoS 2 is sent a released
  // QoS 2 message of 40 bytes.
  ExecResult crash = ex.Execute(connect_persistent + subscribe + publish + pubrel);
  INFO(FormatTranscript(crash.session) << crash.description << "\n" << crash.server_log);
  CHECK(crash.verdict == ExecResult::Verdict::kCrash);
  CHECK(crash.server_log.find("heap-buffer-overflow") != std::string::npos);
  CHECK(ex.restarts() == 1);
  // The next session runs in a fresh child of the same forkserver: the
  // server was not started again (it says "ready" once, at its fork point).
  ExecResult after = ex.Execute(connect_clean + ping);
  CHECK(after.verdict == ExecResult::Verdict::kOk);
  REQUIRE(after.session.exchanges.size() == 2);
  CHECK(after.session.exchanges[1].responses.at(0).rule == "pingresp");
  CHECK(ex.server_pid() > 0);
  CHECK(ex.server_pid() != server);
  ex.Stop();
  std::string log;
  {
    std::ifstream in(ex.server_log());
    log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  size_t ready = 0;
  for (size_t at = log.find("demo_device_server: ready"); at != std::string::npos;
       at = log.find("demo_device_server: ready", at + 1)) {
    ++ready;
  }
  CHECK(ready == 1);
  fs::remove_all(o.work_dir);
}

TEST_CASE("persistent on the forkserver: restart_every forks a fresh child") {
  Fixture f(IOTFUZZ_MQTT_GRAMMAR, "broker_v311");
  NetTarget t = DemoBroker("demo_device_mqtt_server");
  ExecutorOptions o;
  o.reset = ResetMode::kPersistent;
  o.restart_every = 2;
  o.work_dir = WorkDir("persistent-forkserver-restart");
  NetExecutor ex(t, o, f.loaded.grammar, *f.session);
  ex.Start();
  const std::string connect_clean("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06lock-1", 20);
  const std::string ping("\xc0\x00", 2);
  for (int i = 0; i < 5; ++i) {
    ExecResult r = ex.Execute(connect_clean + ping);
    INFO("session " << i << "\n" << FormatTranscript(r.session));
    CHECK(r.verdict == ExecResult::Verdict::kOk);
    REQUIRE(r.session.exchanges.size() == 2);
    CHECK(r.session.exchanges[1].responses.at(0).rule == "pingresp");
  }
  CHECK(ex.restarts() == 2);  // before the third and the fifth session
  fs::remove_all(o.work_dir);
}

#ifdef IOTFUZZ_MOSQUITTO_SERVER_AFL
TEST_CASE("forkserver: mosquitto refuses a CONNECT with the reserved flag, and serves a valid session") {
  const fs::path binary = IOTFUZZ_MOSQUITTO_SERVER_AFL;
  INFO("mosquitto_net_server_afl comes with the AFL++ child build (scripts/setup installs afl++)");
  REQUIRE(fs::exists(binary));
  Fixture f(IOTFUZZ_MQTT_GRAMMAR, "broker_v311");
  NetTarget t;
  t.name = "mosquitto_broker";
  t.binary = binary;
  t.args = {"--port", "{port}", "--work-dir", "{work_dir}"};
  t.deferred_forkserver = true;
  t.instrumented = true;
  ExecutorOptions o;
  o.reset = ResetMode::kForkserver;
  o.work_dir = WorkDir("mosquitto");
  NetExecutor ex(t, o, f.loaded.grammar, *f.session);
  ex.Start();
  const std::string ping("\xc0\x00", 2);
  const std::string connect_reserved("\x10\x12\x00\x04MQTT\x04\x03\x00\x3c\x00\x06lock-1", 20);
  ExecResult refused = ex.Execute(connect_reserved + ping);
  CHECK(refused.verdict == ExecResult::Verdict::kOk);
  CHECK(refused.session.end == SessionResult::End::kClosedByServer);
  REQUIRE(!refused.session.exchanges.empty());
  CHECK(refused.session.exchanges[0].invalid_field == "reserved");
  CHECK(refused.session.exchanges[0].responses.empty());

  const std::string connect("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06lock-1", 20);
  const std::string subscribe(std::string("\x82\x08\x00\x05\x00\x03", 6) + "a/b" + "\x01");
  ExecResult ok = ex.Execute(connect + subscribe + ping);
  INFO(FormatTranscript(ok.session));
  CHECK(ok.verdict == ExecResult::Verdict::kOk);
  REQUIRE(ok.session.exchanges.size() == 3);
  CHECK(ok.session.exchanges[1].responses.at(0).rule == "suback_v311");
  CHECK(ok.session.exchanges[2].responses.at(0).rule == "pingresp");
  CHECK(ok.edges_hit > 300);
  fs::remove_all(o.work_dir);
}
#endif

TEST_CASE("parallel workers: two demo brokers, each on its own port and CPU, share one corpus and their findings") {
  NetTarget t = DemoBroker("demo_device_mqtt_server");
  t.grammar = IOTFUZZ_MQTT_GRAMMAR;
  t.session = "broker_v311";
  const fs::path work = WorkDir("jobs");
  NetFuzzOptions fo = Hub1Campaign(work, ResetMode::kPersistent, 400);
  fo.jobs = 2;
  NetFuzzer fuzzer(t, fo);
  NetFuzzStats stats = fuzzer.Run(nullptr, nullptr, nullptr);
  // The budget is the run's, not each worker's.
  CHECK(stats.sessions == 400);
  CHECK(stats.crashes >= 1);
  CHECK(stats.edges > 50);
  CHECK(stats.corpus > 1);
  size_t hub1 = 0;
  for (const auto& e : fs::directory_iterator(fo.out_dir / "crashes")) {
    if (e.path().extension() != ".sig") continue;
    std::ifstream in(e.path());
    std::string sig((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (sig.find("heap-buffer-overflow") != std::string::npos) ++hub1;
  }
  CHECK(hub1 >= 1);
  // Each worker's server in a directory of its own; both served sessions.
  for (const char* k : {"0", "1"}) {
    INFO("server " << k);
    const fs::path log = fo.out_dir / "server" / k / "server.log";
    REQUIRE(fs::exists(log));
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("demo_device_server: ready") != std::string::npos);
  }
  std::ifstream summary(fo.out_dir / "summary.json");
  std::string json((std::istreambuf_iterator<char>(summary)), std::istreambuf_iterator<char>());
  CHECK(json.find("\"jobs\": 2") != std::string::npos);
  fs::remove_all(work);
}
