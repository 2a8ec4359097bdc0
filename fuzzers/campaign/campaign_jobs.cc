#include "fuzzers/campaign/campaign_jobs.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/content_hash.h"
#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"
#include "fuzzers/engine/process.h"
#include "fuzzers/engine/run_summary.h"
#include "fuzzers/engine/sanitizer_options.h"

namespace iotfuzz::campaign {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool Exists(const fs::path& p) {
  std::error_code ec;
  return !p.empty() && fs::exists(p, ec);
}

// The last `n` non-empty lines of a log, for error messages.
std::string LogTail(const fs::path& log, std::size_t n = 4) {
  std::string text = ReadFileOrEmpty(log);
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Live status lines are rewritten in place; keep what was last drawn.
    if (std::size_t cr = line.rfind('\r'); cr != std::string::npos) line = line.substr(cr + 1);
    if (!line.empty()) lines.push_back(line);
    pos = end + 1;
  }
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<long>(n));
  return fmt::format("{}", fmt::join(lines, " | "));
}

std::string Quote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;") == std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

// A child process: an `iotfuzz run`, `iotfuzz net` or merge command, its
// output in a log file, its figures in a progress file (when it writes one).
class ChildJob : public Job {
 public:
  ChildJob(std::vector<std::string> argv, Environment env, fs::path log, fs::path progress,
           std::optional<std::chrono::seconds> budget, std::string what)
      : argv_(std::move(argv)),
        env_(std::move(env)),
        log_(std::move(log)),
        progress_(std::move(progress)),
        budget_(budget),
        what_(std::move(what)) {}

  void Start() override {
    std::error_code ec;
    fs::create_directories(log_.parent_path(), ec);
    if (!progress_.empty()) {
      fs::create_directories(progress_.parent_path(), ec);
      fs::remove(progress_, ec);  // figures of an earlier run must not show as this one's
    }
    ProcessSpec spec;
    spec.argv = argv_;
    spec.env = env_;
    spec.log_file = log_;
    process_.emplace(Process::Spawn(spec));
    started_ = Clock::now();
  }

  bool Poll() override {
    if (!process_) return true;
    if (!process_->reaped()) {
      if (auto status = process_->TryWait()) {
        status_ = *status;
      } else {
        // A child past its budget by a minute is asked to stop, then killed.
        if (budget_) {
          const auto over = Clock::now() - started_ - *budget_;
          if (over > std::chrono::seconds(60) && !stop_sent_) RequestStop();
          if (over > std::chrono::seconds(120)) process_->SignalGroup(SIGKILL);
        }
        if (stop_sent_ && Clock::now() - stop_sent_at_ > std::chrono::seconds(30)) process_->SignalGroup(SIGKILL);
        return false;
      }
    }
    return true;
  }

  void RequestStop() override {
    if (process_ && !process_->reaped() && !stop_sent_) {
      process_->SignalGroup(SIGINT);
      stop_sent_ = true;
      stop_sent_at_ = Clock::now();
    }
  }

  std::optional<ProgressRecord> Progress() override {
    if (progress_.empty()) return std::nullopt;
    if (auto r = ReadProgressFile(progress_)) last_ = r;
    return last_;
  }

  int exit_code() const override {
    if (!status_) return 1;
    if (status_->signaled) return 1;
    return status_->code == 0 || status_->code == 2 ? status_->code : 1;
  }

  std::string error() const override {
    if (exit_code() != 1) return "";
    const std::string how = status_ ? status_->Describe() : "did not run";
    return fmt::format("{} {} ({}): {}", what_, how, log_.string(), LogTail(log_));
  }

  std::string detail() const override { return what_; }
  std::vector<std::string> commands() const override { return {Quote(argv_)}; }
  int pid() const override { return process_ && !process_->reaped() ? process_->pid() : 0; }

 protected:
  std::vector<std::string> argv_;
  Environment env_;
  fs::path log_;
  fs::path progress_;
  std::optional<std::chrono::seconds> budget_;
  std::string what_;
  std::optional<Process> process_;
  std::optional<ExitStatus> status_;
  std::optional<ProgressRecord> last_;
  Clock::time_point started_;
  bool stop_sent_ = false;
  Clock::time_point stop_sent_at_;
};

// The first words of a child iotfuzz command: the program and the build tree.
std::vector<std::string> IotfuzzCommand(const JobContext& c) {
  return {c.iotfuzz.string(), "--build-dir", c.manifest->build_dir.string()};
}

// The environment of child commands: the user's, with CI=true so they print
// plain periodic lines into their logs instead of redrawing a terminal line.
Environment ChildEnvironment(const JobContext& c) {
  Environment env = c.env;
  env.Set("CI", "true");
  return env;
}

std::unique_ptr<Job> MakeFuzzJob(const JobContext& c, const PlannedTarget& t, std::optional<std::chrono::seconds> budget) {
  const CampaignConfig& config = *c.config;
  std::vector<std::string> argv = IotfuzzCommand(c);
  std::string what;
  if (t.kind == TargetKind::kHarness) {
    std::error_code ec;
    fs::create_directories(c.layout.Corpus(t.name), ec);
    argv.insert(argv.end(), {"run", t.name, "--engine", std::string(EngineName(config.engine)), "--keep-going",
                             "--seed", std::to_string(t.seed), "--out", c.layout.Run(t.name).string(), "--corpus",
                             c.layout.Corpus(t.name).string()});
    if (config.jobs_per_target > 1) argv.insert(argv.end(), {"--jobs", std::to_string(config.jobs_per_target)});
    what = fmt::format("{} run", EngineName(config.engine));
  } else {
    argv.insert(argv.end(), {"net", t.name, "--reset", config.network_reset, "--keep-going", "--seed",
                             std::to_string(t.seed), "--out", c.layout.Net(t.name).string()});
    what = fmt::format("network run ({})", config.network_reset);
  }
  if (budget) {
    argv.insert(argv.end(), {"--time", FormatDuration(*budget)});
  } else if (t.runs) {
    argv.insert(argv.end(), {t.kind == TargetKind::kHarness ? "--runs" : "--sessions", std::to_string(*t.runs)});
  }
  if (!config.use_grammar) argv.push_back("--no-grammar");
  argv.insert(argv.end(), {"--progress-file", c.layout.Progress(t.name).string()});
  return std::make_unique<ChildJob>(std::move(argv), ChildEnvironment(c), c.layout.Log(t.name),
                                    c.layout.Progress(t.name), budget, what);
}

// A job with nothing to do: reports `detail` at once.
class EmptyJob : public Job {
 public:
  explicit EmptyJob(std::string detail) : detail_(std::move(detail)) {}
  void Start() override {}
  bool Poll() override { return true; }
  void RequestStop() override {}
  std::optional<ProgressRecord> Progress() override { return std::nullopt; }
  int exit_code() const override { return 0; }
  std::string error() const override { return ""; }
  std::string detail() const override { return detail_; }
  std::vector<std::string> commands() const override { return {}; }

 private:
  std::string detail_;
};

// Replays every input of a harness's corpus, seeds and known reproducers
// through its replay binary, a few hundred per process; an input that ends
// the process is copied to regression/<h>/crashes/ and the rest go on in a
// new process. An input that runs for longer than kInputTimeout is a hang.
class RegressionReplayJob : public Job {
 public:
  static constexpr std::size_t kChunk = 256;
  static constexpr std::chrono::seconds kInputTimeout{25};

  RegressionReplayJob(const JobContext& c, const HarnessEntry& h) : context_(c), harness_(h) {
    dir_ = c.layout.Regression(h.name);
    log_ = c.layout.Log(h.name);
  }

  void Start() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);  // the result of this run only
    fs::create_directories(dir_ / "crashes", ec);
    fs::create_directories(dir_ / "logs", ec);
    fs::create_directories(log_.parent_path(), ec);
    started_ = Clock::now();
    started_at_ = UtcTimestampNow();
    // Inputs: corpus, seeds, reproducers; the same content only once.
    std::set<std::string> seen;
    for (const fs::path& f : ListInputs({context_.layout.Corpus(harness_.name), harness_.seed_corpus,
                                         context_.layout.Reproducers(harness_.name)})) {
      auto hash = FileContentHashHex(f);
      if (hash && seen.insert(*hash).second) inputs_.push_back(f);
    }
    binary_ = !harness_.binaries.replay.empty() && Exists(harness_.binaries.replay) ? harness_.binaries.replay
                                                                                      : harness_.binaries.libfuzzer;
    env_ = context_.env;
    Environment sanitizers = ReportingSanitizerEnvironment(context_.env);
    SanitizerOptions asan = SanitizerOptions::Parse(sanitizers.Get("ASAN_OPTIONS").value_or(""));
    asan.Set("symbolize", "0");  // triage symbolizes what it keeps; replay only needs the verdict
    env_.Set("ASAN_OPTIONS", asan.ToString());
    env_.Set("UBSAN_OPTIONS", sanitizers.Get("UBSAN_OPTIONS").value_or(""));
    std::ofstream(log_, std::ios::trunc) << fmt::format("regression replay of {} inputs of {} with {}\n",
                                                        inputs_.size(), harness_.name, binary_.string());
    SpawnNext();
  }

  bool Poll() override {
    if (done_) return true;
    if (!process_) return Finish();
    ReadLines();
    if (auto status = process_->TryWait()) {
      ReadLines();
      HandleExit(*status);
      if (done_) return true;
      if (stop_) return Finish();
      SpawnNext();
      return done_;
    }
    if (Clock::now() - input_started_ > kInputTimeout) {
      process_->SignalGroup(SIGKILL);
      timed_out_ = true;
    }
    if (stop_) process_->SignalGroup(SIGKILL);
    return false;
  }

  void RequestStop() override { stop_ = true; }

  std::optional<ProgressRecord> Progress() override {
    ProgressRecord r;
    r.elapsed_seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    r.execs = next_;
    r.execs_per_sec = r.elapsed_seconds > 0 ? static_cast<double>(next_) / r.elapsed_seconds : 0;
    r.corpus = inputs_.size();
    r.crashes = crashes_;
    r.hangs = hangs_;
    r.finished = done_;
    return r;
  }

  int exit_code() const override { return !error_.empty() ? 1 : (crashes_ + hangs_ > 0 ? 2 : 0); }
  std::string error() const override { return error_; }
  std::string detail() const override {
    return fmt::format("replayed {} of {} inputs: {} crashed, {} hung", next_, inputs_.size(), crashes_, hangs_);
  }
  std::vector<std::string> commands() const override {
    return {fmt::format("{} <{} inputs of corpus/{}, the seed corpus and reproducers/{}>", binary_.string(),
                        inputs_.size(), harness_.name, harness_.name)};
  }

 private:
  void SpawnNext() {
    process_.reset();
    if (next_ >= inputs_.size()) {
      Finish();
      return;
    }
    chunk_begin_ = next_;
    const std::size_t end = std::min(inputs_.size(), next_ + kChunk);
    ProcessSpec spec;
    spec.argv = {binary_.string()};
    for (std::size_t i = next_; i < end; ++i) spec.argv.push_back(inputs_[i].string());
    spec.env = env_;
    spec.capture_output = true;
    spec.log_file = dir_ / "logs" / fmt::format("replay-{:06}.log", chunk_begin_);
    chunk_end_ = end;
    current_ = std::nullopt;
    partial_.clear();
    timed_out_ = false;
    try {
      process_.emplace(Process::Spawn(spec));
    } catch (const Error& e) {
      error_ = e.what();
      Finish();
      return;
    }
    input_started_ = Clock::now();
  }

  void ReadLines() {
    while (process_ && process_->output_fd() >= 0) {
      std::string chunk = process_->ReadOutput();
      if (chunk.empty()) break;
      partial_ += chunk;
      std::size_t pos;
      while ((pos = partial_.find('\n')) != std::string::npos) {
        std::string line = partial_.substr(0, pos);
        partial_.erase(0, pos + 1);
        if (line.rfind("Running: ", 0) == 0) {
          current_ = current_ ? *current_ + 1 : chunk_begin_;
          input_started_ = Clock::now();
        } else if (line.rfind("Executed ", 0) == 0 && current_) {
          next_ = *current_ + 1;
        }
      }
    }
  }

  void HandleExit(const ExitStatus& status) {
    if (status.success() && !timed_out_) {
      next_ = chunk_end_;
      return;
    }
    if (!current_) {
      error_ = fmt::format("{} {} before running any input (log: {})", binary_.string(), status.Describe(),
                           (dir_ / "logs" / fmt::format("replay-{:06}.log", chunk_begin_)).string());
      return;
    }
    const fs::path& input = inputs_[*current_];
    const std::string bytes = ReadFileOrEmpty(input);
    const std::string prefix = timed_out_ ? "timeout" : "crash";
    try {
      WriteFileAtomically(dir_ / "crashes" / fmt::format("{}-{}", prefix, ContentHashHex(bytes)), bytes);
    } catch (const Error& e) {
      error_ = e.what();
      return;
    }
    (timed_out_ ? hangs_ : crashes_)++;
    std::ofstream(log_, std::ios::app) << fmt::format("{}: {} ({})\n", input.string(),
                                                      timed_out_ ? "ran past 25 s" : status.Describe(), prefix);
    next_ = *current_ + 1;
  }

  bool Finish() {
    if (done_) return true;
    done_ = true;
    process_.reset();
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    // A summary like `iotfuzz run`'s, so triage knows the harness of these crashes.
    nlohmann::json summary = {{"harness", harness_.name},
                              {"target", harness_.target},
                              {"engine", "replay"},
                              {"started_at", started_at_},
                              {"elapsed_seconds", seconds},
                              {"crashes_dir", (dir_ / "crashes").string()},
                              {"stats", {{"execs", next_}}},
                              {"inputs", inputs_.size()}};
    try {
      WriteFileAtomically(dir_ / "summary.json", summary.dump(2) + "\n");
    } catch (const Error& e) {
      if (error_.empty()) error_ = e.what();
    }
    std::ofstream(log_, std::ios::app) << detail() << "\n";
    return true;
  }

  const JobContext& context_;
  HarnessEntry harness_;
  fs::path dir_;
  fs::path log_;
  fs::path binary_;
  Environment env_;
  std::vector<fs::path> inputs_;
  std::size_t next_ = 0;  // inputs before this one have run
  std::size_t chunk_begin_ = 0;
  std::size_t chunk_end_ = 0;
  std::optional<std::size_t> current_;  // the input running now
  std::string partial_;
  std::optional<Process> process_;
  Clock::time_point started_;
  Clock::time_point input_started_;
  std::string started_at_;
  std::size_t crashes_ = 0;
  std::size_t hangs_ = 0;
  bool timed_out_ = false;
  bool stop_ = false;
  bool done_ = false;
  std::string error_;
};

// Merges a corpus into a new directory, then swaps it in with two renames
// (SwapInDirectory; RecoverDirectorySwap repairs a swap cut in the middle).
class MergeJob : public ChildJob {
 public:
  MergeJob(std::vector<std::string> argv, Environment env, fs::path log, fs::path corpus, fs::path merged,
           std::size_t before)
      : ChildJob(std::move(argv), std::move(env), std::move(log), fs::path(), std::nullopt, "corpus merge"),
        corpus_(std::move(corpus)),
        merged_(std::move(merged)),
        before_(before) {}

  bool Poll() override {
    if (!ChildJob::Poll()) return false;
    if (swapped_ || merge_error_.size() > 0) return true;
    if (ChildJob::exit_code() != 0) return true;
    const std::size_t after = ListInputs({merged_}).size();
    if (after == 0 && before_ > 0) {
      merge_error_ = fmt::format("the merge of {} kept no input ({}); the corpus is left as it was", corpus_.string(),
                                 log_.string());
      return true;
    }
    if (!SwapInDirectory(corpus_, merge_error_)) return true;
    after_ = after;
    swapped_ = true;
    return true;
  }

  int exit_code() const override { return merge_error_.empty() ? ChildJob::exit_code() : 1; }
  std::string error() const override { return merge_error_.empty() ? ChildJob::error() : merge_error_; }
  std::string detail() const override {
    return swapped_ ? fmt::format("corpus merged: {} -> {} inputs", before_, after_) : "corpus merge";
  }
  std::optional<ProgressRecord> Progress() override {
    ProgressRecord r;
    r.corpus = swapped_ ? after_ : before_;
    return r;
  }

 private:
  fs::path corpus_;
  fs::path merged_;
  std::size_t before_;
  std::size_t after_ = 0;
  bool swapped_ = false;
  std::string merge_error_;
};

// `iotfuzz net --merge` of a network target's corpus; what it kept is read
// from the run's summary.json.
class NetMergeJob : public ChildJob {
 public:
  NetMergeJob(std::vector<std::string> argv, Environment env, fs::path log, fs::path progress, fs::path summary)
      : ChildJob(std::move(argv), std::move(env), std::move(log), std::move(progress), std::nullopt,
                 "network corpus merge"),
        summary_(std::move(summary)) {}

  bool Poll() override {
    if (!ChildJob::Poll()) return false;
    if (!read_) {
      read_ = true;
      try {
        const nlohmann::json j = nlohmann::json::parse(ReadFileOrEmpty(summary_));
        before_ = j.at("merge").at("before").get<std::size_t>();
        after_ = j.at("merge").at("after").get<std::size_t>();
        merged_ = true;
      } catch (const std::exception&) {
        merged_ = false;  // the child's own error (exit code, log) says why
      }
    }
    return true;
  }
  std::string detail() const override {
    return merged_ ? fmt::format("corpus merged: {} -> {} sessions", before_, after_) : ChildJob::detail();
  }

 private:
  fs::path summary_;
  bool read_ = false;
  bool merged_ = false;
  std::size_t before_ = 0;
  std::size_t after_ = 0;
};

}  // namespace

std::vector<fs::path> ListInputs(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const fs::path& dir : dirs) {
    if (dir.empty() || !fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

bool StopLeftoverProcess(int pid, const fs::path& out) {
  if (pid <= 1) return false;
  std::string cmdline = ReadFileOrEmpty(fs::path("/proc") / std::to_string(pid) / "cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  if (cmdline.find("iotfuzz") == std::string::npos || cmdline.find(out.string()) == std::string::npos) return false;
  ::kill(-pid, SIGINT);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
    // Not our child: it cannot be reaped here, only waited for.
    std::string stat = ReadFileOrEmpty(fs::path("/proc") / std::to_string(pid) / "stat");
    const auto close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') break;
    ::usleep(100000);
  }
  ::kill(-pid, SIGKILL);
  return true;
}

std::string ReadFileOrEmpty(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::unique_ptr<Job> MakeNetMergeJob(const JobContext& c, const std::string& name) {
  const fs::path out = c.layout.Net(name);
  RecoverDirectorySwap(out / "corpus");
  if (ListInputs({out / "corpus"}).empty()) return std::make_unique<EmptyJob>("no corpus to merge");
  std::vector<std::string> argv = IotfuzzCommand(c);
  argv.insert(argv.end(), {"net", name, "--reset", c.config->network_reset, "--merge", "--out", out.string(),
                           "--progress-file", c.layout.Progress(name).string()});
  fs::path log = c.layout.out / "logs" / (name + ".merge.log");
  return std::make_unique<NetMergeJob>(std::move(argv), ChildEnvironment(c), std::move(log), c.layout.Progress(name),
                                       out / "summary.json");
}

std::unique_ptr<Job> MakeMergeJob(const JobContext& c, const std::string& name) {
  const HarnessEntry* h = c.manifest->Find(name);
  if (h == nullptr) throw Error::Format("unknown harness '{}'", name);
  const fs::path corpus = c.layout.Corpus(name);
  RecoverDirectorySwap(corpus);
  const std::size_t before = ListInputs({corpus}).size();
  if (before == 0) return std::make_unique<EmptyJob>("no corpus to merge");
  const fs::path merged = MergeDirectoryOf(corpus);
  std::error_code ec;
  fs::remove_all(merged, ec);
  fs::create_directories(merged, ec);
  std::vector<std::string> argv;
  Environment env = c.env;
  if (Exists(h->binaries.libfuzzer)) {
    SanitizerOptions asan = SanitizerOptions::Parse(env.Get("ASAN_OPTIONS").value_or(""));
    asan.SetDefault("symbolize", "0");
    env.Set("ASAN_OPTIONS", asan.ToString());
    argv = {h->binaries.libfuzzer.string(), "-merge=1", "-timeout=25", "-rss_limit_mb=2048",
            "-artifact_prefix=" + (c.layout.Run(name) / "merge-").string(), merged.string(), corpus.string()};
  } else {
    argv = {"afl-cmin", "-i", corpus.string(), "-o", merged.string(), "-t", "25000", "--", h->binaries.afl.string(),
            "@@"};
    env.Set("AFL_SKIP_BIN_CHECK", "1");
  }
  fs::create_directories(c.layout.Run(name), ec);
  fs::path log = c.layout.out / "logs" / (name + ".merge.log");
  return std::make_unique<MergeJob>(std::move(argv), std::move(env), std::move(log), corpus, merged, before);
}

std::unique_ptr<Job> MakeJob(const JobContext& c, const PlannedTarget& t, std::optional<std::chrono::seconds> budget) {
  const CampaignConfig& config = *c.config;
  switch (config.mode) {
    case CampaignMode::kCodeChange:
    case CampaignMode::kBatch:
      return MakeFuzzJob(c, t, budget);
    case CampaignMode::kPrune:
      return t.kind == TargetKind::kHarness ? MakeMergeJob(c, t.name) : MakeNetMergeJob(c, t.name);
    case CampaignMode::kRegression:
      break;
  }
  if (t.kind == TargetKind::kHarness) {
    const HarnessEntry* h = c.manifest->Find(t.name);
    if (h == nullptr) throw Error::Format("unknown harness '{}'", t.name);
    return std::make_unique<RegressionReplayJob>(c, *h);
  }
  // A network target: its corpus and reproducers, each session once.
  std::vector<std::string> argv = IotfuzzCommand(c);
  const fs::path out = c.layout.Regression(t.name);
  std::error_code ec;
  fs::remove_all(out, ec);
  argv.insert(argv.end(), {"net", t.name, "--reset", config.network_reset, "--replay-only", "--keep-going", "--out",
                           out.string(), "--progress-file", c.layout.Progress(t.name).string()});
  bool any = false;
  for (const fs::path& dir : {c.layout.Net(t.name) / "corpus", c.layout.Reproducers(t.name)}) {
    if (!ListInputs({dir}).empty()) {
      argv.insert(argv.end(), {"--corpus", dir.string()});
      any = true;
    }
  }
  if (!any) return std::make_unique<EmptyJob>("no sessions to replay (no corpus or reproducers yet)");
  return std::make_unique<ChildJob>(std::move(argv), ChildEnvironment(c), c.layout.Log(t.name),
                                    c.layout.Progress(t.name), std::nullopt, "network regression replay");
}

}  // namespace iotfuzz::campaign
