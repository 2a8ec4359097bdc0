#include "fuzzers/net/net_fuzzer.h"

#include <fmt/format.h>

#include <pthread.h>
#include <sched.h>

#include <exception>
#include <fstream>
#include <mutex>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/background_writer.h"
#include "fuzzers/common/content_hash.h"
#include "fuzzers/common/error.h"
#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/random.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/session_binder.h"
#include "fuzzers/mutate/mutation_session.h"
#include "fuzzers/net/session_minimizer.h"

namespace iotfuzz::net {

using Clock = std::chrono::steady_clock;

namespace {

std::string Printable(std::string_view bytes, size_t max = 160) {
  std::string s;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      s += static_cast<char>(c);
    } else {
      s += fmt::format("\\x{:02x}", c);
    }
  }
  if (bytes.size() > max) s += fmt::format("... ({} bytes)", bytes.size());
  return s;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// What identifies a crash across inputs: the sanitizer's error kind and the
// first frames (module+offset: reports are not symbolized during the run),
// or the signal.
std::string CrashSignature(const ExecResult& r) {
  // The sanitizer's summary names the error and where (file:line for UBSan,
  // module+offset for ASan: reports are not symbolized during the run).
  static const std::regex kSummary(R"(SUMMARY: ([^\n]*))");
  static const std::regex kBuildId(R"( \(BuildId: [0-9a-f]+\))");
  static const std::regex kDirectory(R"([^ (]*/)");
  std::smatch m;
  if (std::regex_search(r.server_log, m, kSummary)) {
    std::string sig = std::regex_replace(m[1].str(), kBuildId, "");
    sig = std::regex_replace(sig, kDirectory, "");
    while (!sig.empty() && (sig.back() == ' ' || sig.back() == '\r')) sig.pop_back();
    return sig;
  }
  return r.description;
}

// What makes two findings the same: the crash's signature; for invalid
// input accepted, the rule, the invalid item and the accepting answer.
std::string FindingSignature(const ExecResult& r) {
  if (r.verdict != ExecResult::Verdict::kInvalidAccepted || r.session.invalid_accepted < 0) return CrashSignature(r);
  const MessageExchange& e = r.session.exchanges[static_cast<size_t>(r.session.invalid_accepted)];
  std::string answer;
  for (const Response& resp : e.responses) {
    if (resp.accepts) answer = resp.rule;
  }
  return fmt::format("{}.{} {}, answered {}", e.rule, e.invalid_field, e.invalid_present ? "present" : "lying",
                     answer);
}

void ByteMutate(std::string& data, grammar::Rng& rng, size_t max_size) {
  int ops = 1 + static_cast<int>(rng.Below(4));
  for (int i = 0; i < ops; ++i) {
    switch (rng.Below(6)) {
      case 0:
        if (!data.empty()) data[rng.Below(data.size())] ^= static_cast<char>(1u << rng.Below(8));
        break;
      case 1:
        if (!data.empty()) data[rng.Below(data.size())] = static_cast<char>(rng.Below(256));
        break;
      case 2: {
        static const uint8_t kInteresting[] = {0, 1, 0x7f, 0x80, 0xff, 0x10, 0x40, 0x20};
        if (!data.empty()) data[rng.Below(data.size())] = static_cast<char>(kInteresting[rng.Below(8)]);
        break;
      }
      case 3:
        if (data.size() < max_size) {
          data.insert(data.begin() + static_cast<long>(rng.Below(data.size() + 1)), static_cast<char>(rng.Below(256)));
        }
        break;
      case 4:
        if (data.size() > 1) {
          size_t at = rng.Below(data.size());
          size_t n = 1 + rng.Below(std::min<size_t>(8, data.size() - at));
          data.erase(at, n);
        }
        break;
      case 5:
        if (data.size() > 2 && data.size() < max_size) {
          size_t at = rng.Below(data.size());
          size_t n = 1 + rng.Below(std::min<size_t>(16, data.size() - at));
          std::string chunk = data.substr(at, n);
          data.insert(rng.Below(data.size()), chunk);
        }
        break;
    }
  }
  if (data.size() > max_size) data.resize(max_size);
}

}  // namespace

std::string FormatTranscript(const SessionResult& result) {
  std::string out;
  out += fmt::format("session: {} message(s) in the input, {} sent, ended: {}, {} us\n", result.messages_in_input,
                     result.exchanges.size(), EndName(result.end), result.elapsed.count());
  // With several connections, each line names the one it went over.
  auto on = [&](size_t connection) -> std::string {
    if (connection >= result.connection_names.size()) return "";
    return result.connection_names[connection] + ": ";
  };
  for (size_t i = 0; i < result.exchanges.size(); ++i) {
    const MessageExchange& e = result.exchanges[i];
    if (e.reconnected) out += fmt::format("  ({}connection closed by the server: opened again)\n", on(e.connection));
    out += fmt::format("> [{}] {}{} ({} bytes, answered in {} us): {}\n", i + 1, on(e.connection),
                       e.rule.empty() ? "(raw)" : e.rule, e.sent.size(), e.elapsed.count(), Printable(e.sent));
    for (const Response& r : e.responses) {
      out += fmt::format("<     {}{} [{}] ({} bytes): {}\n", on(r.connection), r.rule.empty() ? "(unparsed)" : r.rule,
                         r.state, r.bytes.size(), Printable(r.bytes));
    }
  }
  return out;
}

// One executor with its server, its own mutation state and random stream.
// Worker 0 runs on the calling thread; with NetFuzzOptions::jobs > 1 the
// others run on threads of their own.
struct NetWorker {
  size_t index = 0;
  std::unique_ptr<mutate::MutationSession> mutation;
  const grammar::Session* session = nullptr;
  std::unique_ptr<NetExecutor> executor;
  grammar::Rng rng{1};
  int cpu = -1;             // pinned with its server to this CPU (jobs > 1)
  uint64_t restarts = 0;    // the executor's, as of its last session (read under the lock)
  std::exception_ptr error;
};

struct NetFuzzer::Impl {
  NetTarget target;
  NetFuzzOptions options;
  std::vector<std::unique_ptr<NetWorker>> workers;
  // Everything below is shared by the workers: read and changed under `mutex`.
  std::mutex mutex;
  uint64_t started = 0;     // sessions run or running (budget)
  std::vector<std::string> queue;
  std::set<std::string> queue_hashes;
  std::set<std::string> states;
  std::set<std::pair<std::string, std::string>> transitions;
  std::map<std::string, int> crash_signatures;  // inputs kept per signature
  NetFuzzStats stats;
  // Corpus entries are written (and fsynced) while the next sessions run.
  BackgroundWriter corpus_writer;

  std::filesystem::path Dir(const char* name) const { return options.out_dir / name; }

  // Minimizes a session that crashed, hung or had invalid input accepted
  // (SessionMinimizer: messages dropped, then the remaining ones shrunk)
  // while it keeps its verdict and signature, within `budget` executions.
  // `transcript` gets the last reproducing run's.
  // Runs on worker `w`, without the lock.
  SessionMinimizeResult Minimize(NetWorker& w, const std::string& input, ExecResult::Verdict verdict,
                                 const std::string& signature, int budget, std::string& transcript) {
    // A persistent server keeps what earlier sessions left (an MQTT broker's
    // persistent sessions and subscriptions): each candidate gets a fresh
    // one, so the minimized session crashes a fresh server as its replay
    // will. (A forkserver child is fresh anyway.)
    const bool fresh_server = options.executor.reset == ResetMode::kPersistent;
    SessionMinimizer minimizer(w.mutation->grammar(), *w.session, [&](const std::string& candidate) {
      if (fresh_server) {
        w.executor->Stop();
        w.executor->Start();
      }
      ExecResult r = w.executor->Execute(candidate);
      {
        std::lock_guard lock(mutex);
        ++stats.sessions;
        ++started;
      }
      if (r.verdict != verdict || FindingSignature(r) != signature) return false;
      transcript = FormatTranscript(r.session);
      return true;
    });
    return minimizer.Minimize(input, static_cast<size_t>(std::max(budget, 0)));
  }

  // The server's report of crash `found` (with `signature`) from one more
  // run of `input` on a server of its own that records allocation stacks,
  // so a heap report says where the block was allocated and freed; the
  // campaign's own report when that run does not crash the same way.
  // Runs on worker `w`'s CPU, without the lock.
  std::string FullReport(NetWorker& w, const std::string& input, const ExecResult& found,
                         const std::string& signature) {
    ExecutorOptions eo = options.executor;
    eo.allocation_stacks = true;
    eo.cpu = w.cpu;
    eo.work_dir = Dir("server") / fmt::format("report-{}", w.index);
    std::string report = found.server_log;
    try {
      NetExecutor executor(target, eo, w.mutation->grammar(), *w.session);
      executor.Start();
      ExecResult r = executor.Execute(input);
      executor.Stop();
      if (r.verdict == found.verdict && FindingSignature(r) == signature) report = std::move(r.server_log);
    } catch (const Error&) {
      // No second server (ports, resources): the campaign's report stands.
    }
    std::error_code ec;
    std::filesystem::remove_all(eo.work_dir, ec);
    std::lock_guard lock(mutex);
    ++stats.sessions;
    return report;
  }

  // New response states seen in `r` (transitions are counted, not kept for).
  size_t RecordStates(const SessionResult& r) {
    size_t fresh = 0;
    std::string previous = "<start>";
    for (const std::string& s : r.states) {
      if (states.insert(s).second) ++fresh;
      transitions.emplace(previous, s);
      previous = s;
    }
    return fresh;
  }

  void AddToCorpus(const std::string& input, bool write) {
    std::string hash = ContentHashHex(input);
    if (!queue_hashes.insert(hash).second) return;
    queue.push_back(input);
    if (write) corpus_writer.Write(Dir("corpus") / ("session-" + hash), input);
  }
};

NetFuzzer::NetFuzzer(NetTarget target, NetFuzzOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->target = std::move(target);
  impl_->options = std::move(options);
}

NetFuzzer::~NetFuzzer() = default;

namespace {

// The CPUs this process may run on, in order.
std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  return cpus;
}

// Pins the calling thread to `cpu` (-1: to `restore`). Returns the mask it
// had, to restore.
cpu_set_t PinThread(int cpu, const cpu_set_t* restore = nullptr) {
  cpu_set_t before;
  CPU_ZERO(&before);
  pthread_getaffinity_np(pthread_self(), sizeof before, &before);
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  } else if (restore != nullptr) {
    pthread_setaffinity_np(pthread_self(), sizeof *restore, restore);
  }
  return before;
}

}  // namespace

NetFuzzStats NetFuzzer::Run(const std::function<bool()>& stop, const StatusFn& status, const FindingFn& finding) {
  Impl& s = *impl_;
  const NetFuzzOptions& o = s.options;
  // A merge keeps the first session to reach each edge, in order: one worker.
  const size_t jobs = o.merge ? 1 : std::max<size_t>(1, o.jobs);
  const std::vector<int> cpus = AllowedCpus();
  mutate::MutatorOptions mopts;
  mopts.max_size = o.max_size;
  for (size_t k = 0; k < jobs; ++k) {
    auto w = std::make_unique<NetWorker>();
    w->index = k;
    w->mutation = std::make_unique<mutate::MutationSession>(s.target.grammar.string(), mopts, s.target.session);
    // Parents and donors all come from the corpus queue: each is parsed once.
    w->mutation->set_cache_every_input(true);
    for (const grammar::Session& candidate : w->mutation->grammar().sessions) {
      if (candidate.name == s.target.session) w->session = &candidate;
    }
    if (w->session == nullptr) {
      std::string names;
      for (const grammar::Session& candidate : w->mutation->grammar().sessions) {
        names += (names.empty() ? "" : ", ") + candidate.name;
      }
      throw Error::Format("{}: no session '{}' (sessions: {})", s.target.grammar.string(), s.target.session,
                          names.empty() ? "none" : names);
    }
    // Worker 0 draws from the run's seed as a single worker does; the others
    // from streams of their own.
    w->rng = grammar::Rng(o.seed + 0x9e3779b97f4a7c15ull * k);
    if (jobs > 1 && !cpus.empty()) w->cpu = cpus[k % cpus.size()];
    s.workers.push_back(std::move(w));
  }
  NetWorker& first = *s.workers.front();
  const grammar::Grammar& g = first.mutation->grammar();
  // A merge killed while swapping its corpus in leaves it to be put right.
  RecoverDirectorySwap(s.Dir("corpus"));
  for (const char* dir : {"corpus", "crashes", "hangs", "unreachable", "accepted", "server"}) {
    std::filesystem::create_directories(s.Dir(dir));
  }
  std::shared_ptr<SharedCoverage> shared_coverage;
  for (auto& w : s.workers) {
    ExecutorOptions eo = o.executor;
    // A forkserver child lives one session: recording allocation stacks
    // would cost it page faults every session, so the workers' servers run
    // without them and a new crash's report is made again with them
    // (FullReport).
    if (o.executor.reset == ResetMode::kForkserver) eo.allocation_stacks = false;
    // Each server works in a directory of its own, on a free port of its own.
    eo.work_dir = jobs == 1 ? s.Dir("server") : s.Dir("server") / std::to_string(w->index);
    eo.cpu = w->cpu;
    w->executor = std::make_unique<NetExecutor>(s.target, eo, w->mutation->grammar(), *w->session);
    w->executor->Start();
    if (jobs > 1 && w->executor->map_size() != 0) {
      if (!shared_coverage) shared_coverage = std::make_shared<SharedCoverage>(w->executor->map_size());
      w->executor->ShareCoverage(shared_coverage);
    }
  }

  // Seeds: the run's own corpus first (resuming), then given directories,
  // then sessions generated from the grammar.
  std::vector<std::string> seeds;
  auto read_dir = [&](const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir)) return;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string data = ReadFile(f);
      if (data.size() > o.max_size) data.resize(o.max_size);
      seeds.push_back(std::move(data));
    }
  };
  read_dir(s.Dir("corpus"));
  const size_t resumed = seeds.size();
  for (const auto& d : o.corpus_dirs) {
    if (!std::filesystem::is_directory(d)) throw Error::Format("corpus directory {} does not exist", d.string());
    read_dir(d);
  }
  {
    grammar::GeneratorLimits limits;
    limits.max_bytes = static_cast<uint32_t>(o.max_size);
    grammar::Generator generator(g, limits);
    for (size_t i = 0; i < (o.replay_only || o.merge ? 0 : o.generated_seeds); ++i) {
      grammar::Tree t = generator.GenerateSession(*first.session, first.rng);
      std::string bytes = first.mutation->serializer().Serialize(t);
      if (!bytes.empty() && bytes.size() <= o.max_size) seeds.push_back(std::move(bytes));
    }
  }
  if (o.merge) {
    // Smallest first, so a small session covering what a large one does is kept.
    std::stable_sort(seeds.begin(), seeds.end(), [](const std::string& a, const std::string& b) {
      return a.size() < b.size();
    });
  }
  std::vector<std::string> merged;  // --merge: the sessions kept
  std::set<std::string> merged_hashes;
  // Known crash signatures of a resumed run.
  for (const auto& e : std::filesystem::directory_iterator(s.Dir("crashes"))) {
    if (e.path().extension() == ".sig") s.crash_signatures[ReadFile(e.path())]++;
  }
  s.stats.unique_crashes = s.crash_signatures.size();

  const auto start = Clock::now();
  auto last_status = start;
  auto last_point = start;
  bool stopped_by_crash = false;
  bool worker_failed = false;
  size_t next_seed = 0;

  // Under the lock.
  auto report = [&](bool force) {
    auto now = Clock::now();
    s.stats.seconds = std::chrono::duration<double>(now - start).count();
    s.stats.edges = first.executor->edges();
    s.stats.states = s.states.size();
    s.stats.transitions = s.transitions.size();
    s.stats.corpus = s.queue.size();
    s.stats.restarts = 0;
    for (const auto& w : s.workers) s.stats.restarts += w->restarts;
    if (force || now - last_point >= std::chrono::seconds(1)) {
      last_point = now;
      s.stats.timeline.push_back({s.stats.seconds, s.stats.sessions, s.stats.edges, s.stats.states});
    }
    if (status && (force || now - last_status >= o.status_interval)) {
      last_status = now;
      status(s.stats);
    }
  };

  // Runs `input` on worker `w` and records what it found. Takes the lock
  // after the session; lets it go while a new finding is minimized.
  auto execute = [&](NetWorker& w, const std::string& input, bool is_seed, size_t seed_index) {
    ExecResult r = w.executor->Execute(input);
    std::unique_lock lock(s.mutex);
    w.restarts = w.executor->restarts();
    ++s.stats.sessions;
    s.stats.messages += r.session.exchanges.size();
    size_t fresh_states = s.RecordStates(r.session);
    bool interesting = r.novelty != CoverageAccumulator::kNothingNew || fresh_states > 0;
    if (o.merge && interesting &&
        (r.verdict == ExecResult::Verdict::kOk || r.verdict == ExecResult::Verdict::kInvalidAccepted) &&
        merged_hashes.insert(ContentHashHex(input)).second) {
      merged.push_back(input);
    }
    if (o.merge && r.verdict == ExecResult::Verdict::kOk) return;
    if (r.verdict == ExecResult::Verdict::kOk) {
      if (is_seed) {
        s.AddToCorpus(input, seed_index >= resumed && interesting);
      } else if (interesting) {
        s.AddToCorpus(input, true);
      }
      return;
    }
    std::string hash = ContentHashHex(input);
    const char* dir = "crashes";
    const char* prefix = "crash";
    std::string kind = VerdictName(r.verdict);
    if (r.verdict == ExecResult::Verdict::kHang) {
      ++s.stats.hangs;
      dir = "hangs";
      prefix = "hang";
    } else if (r.verdict == ExecResult::Verdict::kUnreachable) {
      ++s.stats.unreachable;
      dir = "unreachable";
      prefix = "unreachable";
    } else if (r.verdict == ExecResult::Verdict::kInvalidAccepted) {
      ++s.stats.invalid_accepted;
      dir = "accepted";
      prefix = "accepted";
      if (interesting && !o.merge) s.AddToCorpus(input, true);
    } else {
      ++s.stats.crashes;
    }
    if (r.verdict == ExecResult::Verdict::kCrash && !o.keep_going) stopped_by_crash = true;
    // One finding per signature (for invalid input accepted: per invalid
    // item and accepting answer).
    const std::string signature = FindingSignature(r);
    int& kept = s.crash_signatures[std::string(dir) + ": " + signature];
    bool is_new = kept == 0;
    if (r.verdict != ExecResult::Verdict::kHang && r.verdict != ExecResult::Verdict::kUnreachable &&
        r.verdict != ExecResult::Verdict::kInvalidAccepted && is_new) {
      ++s.stats.unique_crashes;
    }
    if (kept >= 5) return;
    ++kept;
    lock.unlock();
    std::filesystem::path base = s.Dir(dir) / fmt::format("{}-{}", prefix, hash);
    WriteFileAtomically(base, input);
    std::filesystem::path log = base;
    log += ".log";
    const bool rerun = is_new && r.verdict == ExecResult::Verdict::kCrash && w.executor->left_out_allocation_stacks() &&
                       r.server_log.find("AddressSanitizer") != std::string::npos;
    WriteFileAtomically(log, rerun ? s.FullReport(w, input, r, signature) : r.server_log);
    std::filesystem::path transcript = base;
    transcript += ".txt";
    WriteFileAtomically(transcript, fmt::format("{}: {}\nsignature: {}\n{}", kind, r.description, signature,
                                                FormatTranscript(r.session)));
    std::filesystem::path sig = base;
    sig += ".sig";
    WriteFileAtomically(sig, std::string(dir) + ": " + signature);
    std::string minimized_note;
    // Every candidate that still hangs costs the hang timeout: hangs get a
    // quarter of the budget.
    const int budget = r.verdict == ExecResult::Verdict::kHang ? (o.minimize_budget + 3) / 4 : o.minimize_budget;
    if (is_new && r.verdict != ExecResult::Verdict::kUnreachable && budget > 0) {
      std::string min_transcript;
      SessionMinimizeResult m = s.Minimize(w, input, r.verdict, signature, budget, min_transcript);
      if (m.bytes != input) {
        std::filesystem::path min = base;
        min += ".min";
        WriteFileAtomically(min, m.bytes);
        std::filesystem::path min_text = min;
        min_text += ".txt";
        WriteFileAtomically(min_text, fmt::format("minimized: {}\nremoved: {} message(s), {} byte(s)\n"
                                                  "signature: {}\n{}",
                                                  m.Summary(), m.dropped_messages,
                                                  m.bytes_before - m.bytes.size(), signature, min_transcript));
        minimized_note = fmt::format(" (minimized: {} of {} messages, {} of {} bytes in {}.min)", m.messages_after,
                                     m.messages_before, m.bytes.size(), m.bytes_before, base.filename().string());
      }
    }
    lock.lock();
    w.restarts = w.executor->restarts();
    NetFinding f{kind, base, r.description + (signature != r.description ? " — " + signature : "") + minimized_note};
    findings_.push_back(f);
    if (finding && is_new) finding(f);
  };

  // Under the lock.
  auto out_of_budget = [&]() {
    if (stop && stop()) return true;
    if (stopped_by_crash || worker_failed) return true;
    if (o.max_sessions != 0 && s.started >= o.max_sessions) return true;
    if (o.max_time.count() != 0 && Clock::now() - start >= o.max_time) return true;
    return false;
  };

  // Seeds first (each run once, by whichever worker takes it), then, unless
  // replaying or merging, mutations of the corpus.
  auto work = [&](NetWorker& w) {
    std::string mutated;
    std::string parent;
    std::string donor;
    for (;;) {
      std::unique_lock lock(s.mutex);
      if (out_of_budget()) return;
      if (next_seed < seeds.size()) {
        const size_t i = next_seed++;
        ++s.started;
        lock.unlock();
        execute(w, seeds[i], true, i);
      } else {
        if (o.replay_only || o.merge) return;
        // No session made the corpus: mutate the first seed, or nothing.
        if (s.queue.empty()) s.queue.push_back(seeds.empty() ? std::string() : seeds.front());
        const size_t n = s.queue.size();
        parent = w.rng.Below(2) == 0 && n > 16 ? s.queue[n - 1 - w.rng.Below(16)] : s.queue[w.rng.Below(n)];
        donor = s.queue[w.rng.Below(n)];
        ++s.started;
        lock.unlock();
        bool ok = false;
        if (o.use_grammar && w.rng.Below(16) != 0) {
          ok = w.mutation->Mutate(parent, donor, o.max_size, w.rng.Next(), mutated);
        }
        if (!ok) {
          mutated = parent;
          ByteMutate(mutated, w.rng, o.max_size);
        }
        execute(w, mutated, false, 0);
      }
      std::lock_guard relock(s.mutex);
      report(false);
    }
  };

  // A worker that fails (its server cannot be started again) stops the
  // others; its error is thrown once all have stopped.
  auto run_worker = [&](NetWorker& w) {
    try {
      work(w);
    } catch (...) {
      w.error = std::current_exception();
      std::lock_guard lock(s.mutex);
      worker_failed = true;
    }
  };
  const cpu_set_t caller_cpus = PinThread(first.cpu);
  std::vector<std::thread> threads;
  for (size_t k = 1; k < s.workers.size(); ++k) {
    threads.emplace_back([&, k] {
      PinThread(s.workers[k]->cpu);
      run_worker(*s.workers[k]);
    });
  }
  run_worker(first);
  for (std::thread& t : threads) t.join();
  if (first.cpu >= 0) PinThread(-1, &caller_cpus);
  for (auto& w : s.workers) {
    if (w->error) {
      for (auto& other : s.workers) other->executor->Stop();
      s.corpus_writer.Flush();
      std::rethrow_exception(w->error);
    }
  }
  if (s.queue.empty()) s.queue.push_back(seeds.empty() ? std::string() : seeds.front());

  if (o.merge && next_seed == seeds.size() && !(stop && stop())) {
    // Every session ran: the kept ones become the corpus.
    s.corpus_writer.Flush();
    const std::filesystem::path corpus = s.Dir("corpus");
    const std::filesystem::path next = MergeDirectoryOf(corpus);
    std::filesystem::remove_all(next);
    std::filesystem::create_directories(next);
    for (const std::string& input : merged) WriteFileAtomically(next / ("session-" + ContentHashHex(input)), input);
    std::string error;
    if (!SwapInDirectory(corpus, error)) throw Error(error);
    s.stats.merge_before = seeds.size();
    s.stats.merge_after = merged.size();
  }
  report(true);
  for (auto& w : s.workers) w->executor->Stop();
  s.corpus_writer.Flush();

  nlohmann::json summary = {
      {"target", s.target.name},
      {"reset", ResetModeName(o.executor.reset)},
      {"jobs", jobs},
      {"grammar", o.use_grammar},
      {"seed", o.seed},
      {"sessions", s.stats.sessions},
      {"messages", s.stats.messages},
      {"seconds", s.stats.seconds},
      {"sessions_per_second", s.stats.sessions_per_second()},
      {"edges", s.stats.edges},
      {"response_states", s.stats.states},
      {"state_transitions", s.stats.transitions},
      {"corpus", s.stats.corpus},
      {"crashes", s.stats.crashes},
      {"unique_crashes", s.stats.unique_crashes},
      {"hangs", s.stats.hangs},
      {"unreachable", s.stats.unreachable},
      {"invalid_input_accepted", s.stats.invalid_accepted},
      {"server_restarts", s.stats.restarts},
  };
  if (o.merge) summary["merge"] = {{"before", s.stats.merge_before}, {"after", s.stats.merge_after}};
  nlohmann::json list = nlohmann::json::array();
  for (const NetFinding& f : findings_) {
    list.push_back({{"kind", f.kind}, {"input", f.input.string()}, {"description", f.description}});
  }
  summary["findings"] = list;
  nlohmann::json timeline = nlohmann::json::array();
  for (const auto& p : s.stats.timeline) {
    timeline.push_back({{"seconds", p.seconds}, {"sessions", p.sessions}, {"edges", p.edges}, {"states", p.states}});
  }
  summary["timeline"] = timeline;
  summary["fixed_waits"] = o.executor.timeouts.fixed_waits;
  WriteFileAtomically(o.out_dir / "summary.json", summary.dump(2) + "\n");
  return s.stats;
}

}  // namespace iotfuzz::net
