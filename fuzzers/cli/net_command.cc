// `iotfuzz net`: fuzz a server over the network with grammar sessions.
// `iotfuzz replay`: send one session to a server and print the exchange.
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>

#include "fuzzers/cli/subcommands.h"
#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"
#include "fuzzers/engine/progress_file.h"
#include "fuzzers/engine/stop_signal.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/net/net_fuzzer.h"

namespace iotfuzz::cli {
namespace {

namespace fs = std::filesystem;
using net::NetTarget;

std::string KnownServers(const BuildManifest& manifest) {
  std::string names;
  for (const auto& s : manifest.servers) names += (names.empty() ? "" : ", ") + s.name;
  return names.empty() ? "this build has no network targets" : "network targets: " + names;
}

// Common target options of `net` and `replay`.
struct TargetOptions {
  std::string server;
  std::string remote;  // HOST:PORT
  std::string protocol;
  std::string transport = "tcp";
  std::string grammar;
  std::string session;
  std::string liveness;
  std::string reset;
  bool allow_remote = false;
  bool plain = false;
  bool reconnect = false;
  bool no_reconnect = false;
  std::string server_watch = "auto";
  std::string server_binary;

  void Register(CLI::App* sub) {
    sub->add_option("server", server, "Network target of this build (iotfuzz list shows them)");
    sub->add_option("--target", remote,
                    "A server iotfuzz does not start, HOST:PORT (reset mode none, black-box)")
        ->type_name("HOST:PORT");
    sub->add_option("--grammar", grammar, "Grammar file (default: the target's)")->type_name("FILE");
    sub->add_option("--session", session, "Session of the grammar to send (default: the target's)")
        ->type_name("NAME");
    sub->add_option("--transport", transport, "With --target: tcp or udp")
        ->check(CLI::IsMember({"tcp", "udp"}));
    sub->add_option("--liveness", liveness, "With --target: probe after each session")
        ->check(CLI::IsMember({"http-head", "mqtt-ping", "coap-ping", "att-mtu"}));
    sub->add_option("--reset", reset,
                    "forkserver (a fresh server per session; default when built with AFL++), persistent "
                    "(one server, restarted after crashes), none (--target)")
        ->check(CLI::IsMember({"forkserver", "persistent", "none"}));
    sub->add_flag("--allow-remote", allow_remote, "Allow --target to be a non-loopback address");
    sub->add_flag("--uninstrumented", plain, "Use the server build without AFL++ coverage (black-box)");
    sub->add_option("--server-binary", server_binary,
                    "Run this build of the target's server program instead of the build tree's: built with "
                    "AFL++ (coverage, forkserver) unless --uninstrumented; for example one built without "
                    "sanitizers (cmake -DIOTFUZZ_SANITIZERS=OFF, docs/network-mode.md)")
        ->type_name("FILE");
    CLI::Option* on = sub->add_flag(
        "--reconnect", reconnect,
        "When the server closes a connection before the session's last message, open a new one for the next "
        "message instead of ending the session (the default for targets declared RECONNECT, such as HTTP "
        "servers that close after each answer)");
    sub->add_flag("--no-reconnect", no_reconnect, "End the session where the server closes a connection")
        ->excludes(on);
    sub->add_option("--server-watch", server_watch,
                    "How a message is seen handled (the server asleep again after waking for it): switches "
                    "(the kernel reports the server's context switches through a perf event; /proc where "
                    "perf events are not allowed), proc (read /proc in a loop), auto (switches when one "
                    "server serves many sessions, proc in forkserver mode, where each child would need "
                    "perf events of its own)")
        ->check(CLI::IsMember({"auto", "switches", "proc"}))
        ->capture_default_str();
  }

  // Whether the server's context switches are watched (--server-watch) in
  // reset mode `mode`. A perf event follows one process: in forkserver mode
  // every session's child would need its own, and opening, mapping and
  // closing two events costs about 0.5 ms a session, more than watching
  // switches saves over /proc in a process that lives one session.
  bool WatchSwitches(net::ResetMode mode) const {
    if (server_watch == "auto") return mode != net::ResetMode::kForkserver;
    return server_watch == "switches";
  }

  // Whether sessions reconnect: the flags, else what the target declares.
  bool Reconnect(const NetTarget& target) const { return reconnect || (target.reconnect && !no_reconnect); }

  NetTarget Resolve(CliContext& context, net::ResetMode& mode) const {
    NetTarget t;
    if (!remote.empty()) {
      if (!server.empty()) throw Error("give either a network target or --target HOST:PORT, not both");
      size_t colon = remote.rfind(':');
      if (colon == std::string::npos || colon == 0) throw Error::Format("--target {}: expected HOST:PORT", remote);
      std::string host = remote.substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      unsigned long port = 0;
      try {
        size_t used = 0;
        port = std::stoul(remote.substr(colon + 1), &used);
        if (used != remote.size() - colon - 1) port = 0;
      } catch (const std::exception&) {
        port = 0;
      }
      if (port == 0 || port > 65535) throw Error::Format("--target {}: the port must be 1-65535", remote);
      if (grammar.empty() || session.empty()) throw Error("--target needs --grammar FILE and --session NAME");
      t.name = remote;
      t.host = host;
      t.port = static_cast<uint16_t>(port);
      t.transport = transport == "udp" ? net::Transport::kUdp : net::Transport::kTcp;
      t.grammar = grammar;
      t.session = session;
      t.liveness = liveness;
      if (!reset.empty() && reset != "none") throw Error("--target runs with --reset none");
      mode = net::ResetMode::kNone;
      return t;
    }
    if (server.empty()) throw Error("name a network target (iotfuzz list) or give --target HOST:PORT");
    const BuildManifest manifest = context.LoadManifest();
    const ServerEntry* entry = manifest.FindServer(server);
    if (entry == nullptr) throw Error::Format("unknown network target '{}'; {}", server, KnownServers(manifest));
    t.name = entry->name;
    t.protocol = entry->protocol;
    t.transport = entry->transport == "udp" ? net::Transport::kUdp : net::Transport::kTcp;
    t.grammar = grammar.empty() ? entry->grammar : fs::path(grammar);
    t.session = session.empty() ? entry->session : session;
    t.liveness = entry->liveness;
    t.args = entry->args;
    t.deferred_forkserver = entry->deferred_forkserver;
    t.reconnect = entry->reconnect;
    t.source_dir = manifest.source_dir;
    bool have_afl = !entry->afl_binary.empty() && fs::exists(entry->afl_binary);
    if (!server_binary.empty()) {
      std::error_code ec;
      if (!fs::is_regular_file(server_binary, ec) || access(server_binary.c_str(), X_OK) != 0) {
        throw Error::Format("--server-binary {}: expected an executable file", server_binary);
      }
      t.binary = fs::absolute(server_binary);
      t.instrumented = !plain;
    } else if (have_afl && !plain) {
      t.binary = entry->afl_binary;
      t.instrumented = true;
    } else {
      t.binary = entry->asan_binary.empty() ? entry->afl_binary : entry->asan_binary;
      t.instrumented = false;
    }
    if (reset.empty()) {
      mode = t.instrumented ? net::ResetMode::kForkserver : net::ResetMode::kPersistent;
    } else {
      mode = *net::ParseResetMode(reset);
      if (mode == net::ResetMode::kNone) throw Error("--reset none is for --target HOST:PORT");
    }
    return t;
  }
};

class NetCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand("net", "Fuzz a server over the network with grammar sessions");
    target_.Register(sub);
    time_option_ = sub->add_option("--time", time_, "Stop after this long: 90, 60s, 5m")->type_name("DURATION");
    sub->add_option("--sessions", sessions_, "Stop after this many sessions")->type_name("N");
    sub->add_option("--seed", seed_, "Random seed")->capture_default_str();
    sub->add_option("--out", out_, "Output directory (default: iotfuzz-out/<target>/net)")->type_name("DIR");
    sub->add_option("--corpus", corpus_, "Extra seed sessions (read only); repeatable")->type_name("DIR");
    sub->add_option("--hang-timeout", hang_ms_, "Milliseconds without answer, sleep or close that make a hang")
        ->capture_default_str();
    sub->add_option("--restart-every", restart_every_, "Persistent mode: restart the server every N sessions")
        ->type_name("N");
    sub->add_option("--max-size", max_size_, "Bytes per session input")->capture_default_str();
    sub->add_option("--max-messages", max_messages_,
                    "Messages sent per session at most; the rest of a longer input is not sent")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    sub->add_option("--jobs", jobs_,
                    "Parallel workers, each with its own server on its own port, pinned with it to one CPU; "
                    "they share corpus, coverage and findings (1: repeatable for a seed)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    sub->add_flag("--keep-going", keep_going_, "Go on after a crash");
    sub->add_option("--minimize-budget", minimize_budget_,
                    "Sessions spent minimizing each new crash, hang (a quarter) or invalid-input-accepted finding by dropping and shrinking messages (0: off)")
        ->capture_default_str();
    sub->add_flag("--no-grammar", no_grammar_, "Byte-level mutations only (for comparison)");
    sub->add_flag("--replay-only", replay_only_,
                  "Run the corpus (the output directory's and --corpus directories) once, without "
                  "generating or mutating sessions: a regression check");
    sub->add_flag("--merge", merge_,
                  "Merge the corpus: run the output directory's corpus and --corpus directories once, smallest "
                  "first, and keep as the corpus only the sessions that reach new edges or response states")
        ->excludes("--replay-only");
    sub->add_option("--progress-file", progress_file_,
                    "Also write the run's figures to this JSON file about once a second "
                    "(replaced atomically; read by iotfuzz campaign)")
        ->type_name("FILE");
    sub->add_flag("--fixed-waits", fixed_waits_,
                  "Wait like AFLNet-style executors (10 ms after connecting, read until 1 ms of silence "
                  "after each message) instead of watching the server: a baseline for benchmarks");
    sub->footer(
        "Sends fuzz traffic to loopback only unless --allow-remote is given.\n"
        "Exit status: 0 no finding, 2 findings, 1 error.");
    return sub;
  }

  int Run(CliContext& context) override {
    net::NetFuzzOptions options;
    net::NetTarget target = target_.Resolve(context, options.executor.reset);
    options.executor.allow_remote = target_.allow_remote;
    options.executor.reconnect = target_.Reconnect(target);
    options.executor.watch_switches = target_.WatchSwitches(options.executor.reset);
    options.executor.timeouts.hang = std::chrono::milliseconds(hang_ms_);
    options.executor.restart_every = restart_every_;
    options.executor.max_messages = max_messages_;
    options.jobs = jobs_;
    options.executor.timeouts.fixed_waits = fixed_waits_;
    options.seed = seed_;
    options.max_sessions = sessions_;
    if (time_option_->count() > 0) options.max_time = ParseDuration(time_);
    options.keep_going = keep_going_;
    options.minimize_budget = minimize_budget_;
    options.use_grammar = !no_grammar_;
    options.replay_only = replay_only_;
    options.merge = merge_;
    if (merge_) options.keep_going = true;  // a crash must not cut the merge short
    options.max_size = max_size_;
    for (const auto& c : corpus_) options.corpus_dirs.emplace_back(c);
    std::string safe_name = target.name;
    for (char& c : safe_name) {
      if (c == '/' || c == ':') c = '_';
    }
    options.out_dir = out_.empty() ? fs::path("iotfuzz-out") / safe_name / "net" : fs::path(out_);
    const bool ci = context.env.Get("CI").value_or("") == "true";
    const bool tty = isatty(fileno(context.err)) && !ci;
    // Lines on stderr every 10 s without a terminal; a progress file wants a
    // figure about once a second.
    const std::chrono::milliseconds line_interval(tty ? 500 : 10000);
    options.status_interval = progress_file_.empty() ? line_interval : std::chrono::milliseconds(tty ? 500 : 1000);

    fmt::print(context.err, "iotfuzz: network fuzzing {} ({}, reset {}{}{}, {}, seed {}) into {}\n", target.name,
               target.transport == net::Transport::kTcp ? "tcp" : "udp", net::ResetModeName(options.executor.reset),
               options.executor.reconnect ? ", reconnecting" : "",
               jobs_ > 1 && !merge_ ? fmt::format(", {} workers", jobs_) : "",
               target.instrumented ? "AFL++ edge coverage" : "black-box", options.seed, options.out_dir.string());
    std::fflush(context.err);
    StopSignal stop_signal;
    net::NetFuzzer fuzzer(target, options);
    auto last_line = std::chrono::steady_clock::now() - line_interval;
    auto write_progress = [&](const net::NetFuzzStats& s, bool finished) {
      if (progress_file_.empty()) return;
      ProgressRecord r;
      r.elapsed_seconds = s.seconds;
      r.execs = s.sessions;
      r.execs_per_sec = s.sessions_per_second();
      r.edges = s.edges;
      r.corpus = s.corpus;
      r.crashes = s.crashes + s.invalid_accepted + s.unreachable;
      r.hangs = s.hangs;
      r.finished = finished;
      try {
        WriteProgressFile(progress_file_, r);
      } catch (const Error&) {
        // Progress is for display only.
      }
    };
    auto status = [&](const net::NetFuzzStats& s) {
      write_progress(s, false);
      const auto now = std::chrono::steady_clock::now();
      if (now - last_line < line_interval) return;
      last_line = now;
      std::string line = fmt::format(
          "sessions {} ({:.0f}/s)  edges {}  states {}  transitions {}  corpus {}  crashes {} ({} unique)  "
          "hangs {}  restarts {}  {:.0f}s",
          s.sessions, s.sessions_per_second(), s.edges, s.states, s.transitions, s.corpus, s.crashes,
          s.unique_crashes, s.hangs, s.restarts, s.seconds);
      if (tty) {
        fmt::print(context.err, "\r\033[K{}", line);
      } else {
        fmt::print(context.err, "iotfuzz: {}\n", line);
      }
      std::fflush(context.err);
    };
    auto finding = [&](const net::NetFinding& f) {
      fmt::print(context.err, "{}iotfuzz: {}: {}\n         session: {}\n", tty ? "\r\033[K" : "", f.kind,
                 f.description, f.input.string());
      std::fflush(context.err);
    };
    net::NetFuzzStats stats = fuzzer.Run([&] { return stop_signal.requested(); }, status, finding);
    write_progress(stats, true);
    if (tty) fmt::print(context.err, "\n");
    fmt::print(context.err,
               "iotfuzz: {} sessions in {:.1f} s ({:.0f}/s), {} edges, {} response states, {} transitions, "
               "corpus {}, {} crash(es) ({} unique), {} hang(s)\n",
               stats.sessions, stats.seconds, stats.sessions_per_second(), stats.edges, stats.states,
               stats.transitions, stats.corpus, stats.crashes, stats.unique_crashes, stats.hangs);
    if (merge_) {
      fmt::print(context.err, "iotfuzz: corpus merged: {} -> {} sessions ({})\n", stats.merge_before,
                 stats.merge_after, (options.out_dir / "corpus").string());
    }
    for (const net::NetFinding& f : fuzzer.findings()) {
      fmt::print(context.out, "{}\t{}\t{}\n", f.kind, f.input.string(), f.description);
    }
    return fuzzer.findings().empty() ? 0 : 2;
  }

 private:
  TargetOptions target_;
  CLI::Option* time_option_ = nullptr;
  std::string time_;
  uint64_t sessions_ = 0;
  uint64_t seed_ = 1;
  std::string out_;
  std::vector<std::string> corpus_;
  unsigned hang_ms_ = 1000;
  uint64_t restart_every_ = 0;
  size_t max_size_ = 4096;
  bool keep_going_ = false;
  bool no_grammar_ = false;
  bool replay_only_ = false;
  std::string progress_file_;
  bool fixed_waits_ = false;
  int minimize_budget_ = 64;
  size_t max_messages_ = 256;
  size_t jobs_ = 1;
  bool merge_ = false;
};

class ReplayCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand("replay", "Send a session file to a server and print every message and response");
    sub->add_option("session_file", file_, "The session (raw sent messages, as in a corpus or crash file)")
        ->required();
    target_.Register(sub);
    sub->add_option("--hang-timeout", hang_ms_, "Milliseconds without answer that make a hang")
        ->capture_default_str();
    sub->footer("Exit status: 0 the server survived, 2 it crashed, hung or stopped answering, 1 error.");
    return sub;
  }

  int Run(CliContext& context) override {
    std::ifstream in(file_, std::ios::binary);
    if (!in) throw Error::Format("cannot read session file {}", file_);
    std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    net::ExecutorOptions options;
    net::NetTarget target = target_.Resolve(context, options.reset);
    options.allow_remote = target_.allow_remote;
    options.reconnect = target_.Reconnect(target);
    options.watch_switches = target_.WatchSwitches(options.reset);
    options.timeouts.hang = std::chrono::milliseconds(hang_ms_);
    options.timeouts.linger = std::chrono::milliseconds(20);
    options.work_dir = fs::temp_directory_path() / fmt::format("iotfuzz-replay-{}", getpid());
    grammar::LoadedGrammar loaded = grammar::LoadGrammarFile(target.grammar.string());
    const grammar::Session* session = nullptr;
    for (const auto& s : loaded.grammar.sessions) {
      if (s.name == target.session) session = &s;
    }
    if (session == nullptr) throw Error::Format("{}: no session '{}'", target.grammar.string(), target.session);
    net::NetExecutor executor(target, options, loaded.grammar, *session);
    executor.Start();
    net::ExecResult r = executor.Execute(input);
    executor.Stop();
    fmt::print(context.out, "{}", net::FormatTranscript(r.session));
    fmt::print(context.out, "result: {}{}\n", net::VerdictName(r.verdict),
               r.description.empty() ? "" : " (" + r.description + ")");
    if (!r.server_log.empty()) fmt::print(context.out, "--- server output ---\n{}", r.server_log);
    std::error_code ec;
    fs::remove_all(options.work_dir, ec);
    return r.verdict == net::ExecResult::Verdict::kOk ? 0 : 2;
  }

 private:
  std::string file_;
  TargetOptions target_;
  unsigned hang_ms_ = 1000;
};

}  // namespace

std::unique_ptr<Subcommand> MakeNetCommand() { return std::make_unique<NetCommand>(); }
std::unique_ptr<Subcommand> MakeReplayCommand() { return std::make_unique<ReplayCommand>(); }

}  // namespace iotfuzz::cli
