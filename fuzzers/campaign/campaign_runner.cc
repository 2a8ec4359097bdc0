#include "fuzzers/campaign/campaign_runner.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>

#include "fuzzers/campaign/baseline.h"
#include "fuzzers/campaign/campaign_jobs.h"
#include "fuzzers/campaign/campaign_report.h"
#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"
#include "fuzzers/engine/process.h"
#include "fuzzers/engine/run_summary.h"
#include "fuzzers/engine/status_printer.h"
#include "fuzzers/engine/stop_signal.h"
#include "fuzzers/triage/crash_signature.h"
#include "fuzzers/triage/finding.h"
#include "fuzzers/triage/log_symbolizer.h"
#include "fuzzers/triage/sanitizer_log_parser.h"

namespace iotfuzz::campaign {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::uint64_t Fnv1a64(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

json ConfigJson(const CampaignConfig& c) {
  auto selection = [](const TargetSelection& s) -> json {
    if (s.all) return "all";
    if (s.names.empty()) return "none";
    return s.names;
  };
  return {{"mode", ModeName(c.mode)},
          {"time_seconds", c.EffectiveTime() ? json(c.EffectiveTime()->count()) : json(nullptr)},
          {"runs_per_target", c.runs_per_target ? json(*c.runs_per_target) : json(nullptr)},
          {"jobs", c.jobs},
          {"jobs_per_target", c.jobs_per_target},
          {"engine", EngineName(c.engine)},
          {"harnesses", selection(c.harnesses)},
          {"network", selection(c.network)},
          {"network_reset", c.network_reset},
          {"seed", c.seed},
          {"out", c.out_dir.string()},
          {"baseline", c.baseline ? json(c.baseline->string()) : json(nullptr)},
          {"grammar", c.use_grammar}};
}

}  // namespace

std::string NetFindingSignature(std::string_view kind_dir, std::string_view signature_text) {
  std::string slug;
  for (char c : kind_dir) slug += (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '-';
  if (slug == "crashes") slug = "crash";
  if (slug == "hangs") slug = "hang";
  return fmt::format("net-{}-{:016x}", slug, Fnv1a64(signature_text));
}

// The run itself: scheduling, view, findings, reports.
struct CampaignRunner::Impl {
  CampaignRunner& self;
  const CampaignConfig& config;
  CampaignLayout layout;
  JobContext context;
  std::optional<Baseline> baseline;
  CampaignPlan plan;
  Clock::time_point started = Clock::now();
  double elapsed_before = 0;  // wall time of earlier attempts of this round
  Clock::time_point last_save;
  Clock::time_point last_sample;
  Clock::time_point last_view;
  std::size_t view_lines = 0;  // lines of the live block drawn last time
  bool interrupted = false;

  struct Running {
    TargetRecord* record;
    std::unique_ptr<Job> job;
    double elapsed_before;  // the target's time before this attempt
    Clock::time_point started;
  };
  std::vector<Running> running;

  Impl(CampaignRunner& s)
      : self(s), config(s.options_.config), layout{fs::absolute(s.options_.config.out_dir).lexically_normal()} {
    context.manifest = &s.manifest_;
    context.config = &config;
    context.layout = layout;
    context.iotfuzz = s.options_.iotfuzz;
    context.env = s.options_.env;
  }

  double CampaignSeconds() const {
    return elapsed_before + std::chrono::duration<double>(Clock::now() - started).count();
  }

  void Save() {
    self.state_.elapsed_seconds = CampaignSeconds();
    self.state_.Save(layout.State());
    last_save = Clock::now();
  }

  // Loads the state of an unfinished campaign of the same mode, or starts a
  // new round.
  void Prepare() {
    std::error_code ec;
    fs::create_directories(layout.out, ec);
    if (ec) throw Error::Format("cannot create the campaign directory {}: {}", layout.out.string(), ec.message());
    for (const char* sub : {"logs", "progress", "report"}) fs::create_directories(layout.out / sub, ec);
    // --update-baseline creates the file; otherwise a missing baseline is an error.
    if (config.baseline && !(self.options_.update_baseline && !fs::exists(*config.baseline, ec))) {
      baseline = Baseline::Load(*config.baseline);
    }
    plan = MakePlan(config, self.manifest_);

    std::optional<CampaignState> previous = CampaignState::Load(layout.State());
    CampaignState& st = self.state_;
    const std::string mode(ModeName(config.mode));
    if (previous && !previous->complete && previous->mode == mode && !self.options_.fresh) {
      st = std::move(*previous);
      ++st.resumes;
      elapsed_before = st.elapsed_seconds;
      st.notes.push_back(fmt::format("resumed after {} (attempt {})", FormatDuration(std::chrono::seconds(
                                                                           static_cast<long>(st.elapsed_seconds))),
                                     st.resumes + 1));
    } else {
      st = CampaignState{};
      st.round = previous ? previous->round + 1 : 1;
      st.mode = mode;
      st.started_at = UtcTimestampNow();
    }
    st.config = ConfigJson(config);
    st.errors.clear();
    st.findings.clear();
    st.complete = false;
    st.result.clear();
    st.exit_code = -1;
    // The plan decides the targets; records of a resumed round keep what was done.
    std::vector<TargetRecord> records;
    for (const PlannedTarget& t : plan.targets) {
      TargetRecord rec;
      if (TargetRecord* old = st.Find(t.name)) rec = *old;
      rec.planned = t;
      if (rec.status == JobStatus::kRunning) {  // the campaign was killed while it ran
        if (StopLeftoverProcess(rec.pid, layout.out)) {
          st.notes.push_back(fmt::format("{}: stopped process {} left running by the killed campaign", t.name, rec.pid));
        }
        rec.status = JobStatus::kWaiting;
      }
      rec.pid = 0;
      if (rec.status == JobStatus::kFailed) rec.status = JobStatus::kWaiting;   // a resume tries again
      rec.log = layout.Log(t.name).string();
      records.push_back(std::move(rec));
    }
    st.targets = std::move(records);
    for (const std::string& note : plan.notes) {
      if (std::find(st.notes.begin(), st.notes.end(), note) == st.notes.end()) st.notes.push_back(note);
    }
    Save();
  }

  // What is left of a target's budget; nullopt: no time budget. Zero: spent.
  std::optional<std::chrono::seconds> Remaining(const TargetRecord& r) const {
    if (!r.planned.budget) return std::nullopt;
    const long left = r.planned.budget->count() - static_cast<long>(r.elapsed_seconds);
    return std::chrono::seconds(std::max(0L, left));
  }

  using JobFactory = std::function<std::unique_ptr<Job>(TargetRecord&)>;

  // Starts `r`'s job: the mode's job for the target, or what `make` builds.
  void StartJob(TargetRecord& r, const JobFactory& make) {
    auto remaining = Remaining(r);
    if (remaining && remaining->count() < 2) {
      r.status = JobStatus::kDone;
      return;
    }
    std::unique_ptr<Job> job;
    try {
      job = make ? make(r) : MakeJob(context, r.planned, remaining);
      job->Start();
    } catch (const Error& e) {
      r.status = JobStatus::kFailed;
      r.error = e.what();
      r.exit_code = 1;
      return;
    }
    std::ofstream(layout.out / "logs" / "commands.log", std::ios::app)
        << fmt::format("{}: {}\n", r.planned.name, fmt::join(job->commands(), "\n  "));
    r.status = JobStatus::kRunning;
    r.error.clear();
    r.pid = job->pid();
    running.push_back({&r, std::move(job), r.elapsed_seconds, Clock::now()});
  }

  void Sample(Running& j) {
    if (auto p = j.job->Progress()) {
      j.record->progress = *p;
      j.record->elapsed_seconds =
          j.elapsed_before + std::chrono::duration<double>(Clock::now() - j.started).count();
      if (p->elapsed_seconds > 0) {
        j.record->AddPoint({CampaignSeconds(), j.elapsed_before + p->elapsed_seconds, p->execs, p->edges, p->corpus});
      }
    }
  }

  void Finish(Running& j) {
    Sample(j);
    TargetRecord& r = *j.record;
    r.pid = 0;
    r.elapsed_seconds = j.elapsed_before + std::chrono::duration<double>(Clock::now() - j.started).count();
    r.exit_code = j.job->exit_code();
    r.detail = j.job->detail();
    if (interrupted) {
      r.status = JobStatus::kWaiting;  // resumes with what is left
    } else if (r.exit_code == 1) {
      r.status = JobStatus::kFailed;
      r.error = j.job->error();
    } else {
      r.status = JobStatus::kDone;
    }
    const ProgressRecord& p = r.progress;
    std::string line = fmt::format("{} {}: {} in {}", JobStatusName(r.status), r.planned.name, r.detail,
                                   FormatDuration(std::chrono::seconds(static_cast<long>(r.elapsed_seconds))));
    if (p.execs > 0) line += fmt::format(", {} execs, {} edges", FormatCount(static_cast<double>(p.execs)), p.edges);
    if (p.execs > 0 || p.corpus > 0) line += fmt::format(", corpus {}, crashes {}", p.corpus, p.crashes + p.hangs);
    if (r.status == JobStatus::kFailed) line += " — " + r.error;
    Announce(line);
  }

  // A line that stays: above the live block on a terminal, else a plain line.
  void Announce(const std::string& line) {
    std::FILE* err = self.err_;
    if (self.options_.live_view && view_lines > 0) {
      fmt::print(err, "\x1b[{}F\x1b[J", view_lines);
      view_lines = 0;
    }
    fmt::print(err, "iotfuzz: {}\n", line);
    std::fflush(err);
  }

  // Runs `records`' jobs `jobs` at a time until all have ended or a stop is
  // requested.
  void RunJobs(const std::vector<TargetRecord*>& records, StopSignal* stop, const JobFactory& make = nullptr) {
    std::size_t next = 0;
    const std::size_t slots = std::max(1u, config.jobs);
    while (true) {
      if (stop != nullptr && stop->requested() && !interrupted) {
        interrupted = true;
        for (auto& j : running) j.job->RequestStop();
      }
      while (!interrupted && running.size() < slots && next < records.size()) {
        TargetRecord& r = *records[next++];
        if (r.status == JobStatus::kDone) continue;
        StartJob(r, make);
        Save();
      }
      if (running.empty() && (interrupted || next >= records.size())) break;
      for (std::size_t i = 0; i < running.size();) {
        if (running[i].job->Poll()) {
          Finish(running[i]);
          running.erase(running.begin() + static_cast<long>(i));
          Save();
        } else {
          ++i;
        }
      }
      const auto now = Clock::now();
      if (now - last_sample >= std::chrono::seconds(1)) {
        for (auto& j : running) Sample(j);
        last_sample = now;
      }
      if (now - last_save > std::chrono::seconds(5)) Save();
      View(false);
      // Sleep up to 200 ms, waking at once on Ctrl-C.
      pollfd pfd{stop != nullptr ? stop->wake_fd() : -1, POLLIN, 0};
      ::poll(&pfd, stop != nullptr ? 1 : 0, 200);
    }
    View(true);
  }

  // The live view: a block of lines redrawn in place on a terminal; plain
  // lines every line_interval otherwise.
  void View(bool final_draw) {
    const auto now = Clock::now();
    const bool live = self.options_.live_view;
    const auto interval = live ? std::chrono::milliseconds(500)
                               : std::chrono::duration_cast<std::chrono::milliseconds>(self.options_.line_interval);
    if (!final_draw && now - last_view < interval) return;
    if (final_draw && !live) return;
    last_view = now;
    const CampaignState& st = self.state_;
    std::size_t done = 0, failed = 0, waiting = 0;
    for (const auto& t : st.targets) {
      done += t.status == JobStatus::kDone;
      failed += t.status == JobStatus::kFailed;
      waiting += t.status == JobStatus::kWaiting;
    }
    std::uint64_t crashes = 0;
    for (const auto& t : st.targets) crashes += t.progress.crashes + t.progress.hangs;
    std::vector<std::string> lines;
    std::string head = fmt::format("campaign {} {}", st.mode, FormatClock(std::chrono::seconds(
                                                                   static_cast<long>(CampaignSeconds()))));
    if (const auto time = config.EffectiveTime()) {
      const long left = std::max(0L, time->count() - static_cast<long>(CampaignSeconds()));
      head += fmt::format(" ({} left)", FormatClock(std::chrono::seconds(left)));
    }
    head += fmt::format("  targets {} done, {} running, {} waiting{}  crashes/hangs seen {}", done, running.size(),
                        waiting, failed > 0 ? fmt::format(", {} failed", failed) : "", crashes);
    lines.push_back(head);
    for (const auto& j : running) {
      const TargetRecord& r = *j.record;
      const ProgressRecord& p = r.progress;
      std::string line = fmt::format("  {:<28} {}", r.planned.name,
                                     FormatClock(std::chrono::seconds(static_cast<long>(r.elapsed_seconds))));
      if (r.planned.budget) line += "/" + FormatClock(*r.planned.budget);
      line += fmt::format("  execs {} ({}/s)  edges {}  corpus {}  crashes {}", FormatCount(static_cast<double>(p.execs)),
                          FormatCount(p.execs_per_sec), p.edges, p.corpus, p.crashes + p.hangs);
      lines.push_back(line);
    }
    std::FILE* err = self.err_;
    if (live) {
      std::string block;
      if (view_lines > 0) block += fmt::format("\x1b[{}F", view_lines);  // back to the block's first line
      for (std::string& l : lines) {
        if (self.options_.width > 1 && l.size() >= self.options_.width) l.resize(self.options_.width - 1);
        block += l + "\x1b[K\n";
      }
      block += "\x1b[J";
      fmt::print(err, "{}", block);
      view_lines = lines.size();
    } else {
      for (const auto& l : lines) fmt::print(err, "iotfuzz: {}\n", l);
    }
    std::fflush(err);
  }

  void Merge(StopSignal* stop) {
    std::vector<TargetRecord> merge_records;
    for (const auto& t : self.state_.targets) {
      TargetRecord m;
      m.planned = t.planned;
      merge_records.push_back(m);
    }
    std::vector<TargetRecord*> ptrs;
    for (auto& m : merge_records) ptrs.push_back(&m);
    RunJobs(ptrs, stop, [&](TargetRecord& r) {
      return r.planned.kind == TargetKind::kHarness ? MakeMergeJob(context, r.planned.name)
                                                    : MakeNetMergeJob(context, r.planned.name);
    });
    for (const auto& m : merge_records) {
      TargetRecord* t = self.state_.Find(m.planned.name);
      if (t == nullptr) continue;
      if (m.status == JobStatus::kFailed) {
        self.state_.errors.push_back(fmt::format("{}: {}", m.planned.name, m.error));
      } else if (!m.detail.empty()) {
        t->detail += (t->detail.empty() ? "" : "; ") + m.detail;
      }
    }
  }

  // `iotfuzz triage` over the crash directories of the in-process harnesses.
  void Triage(StopSignal* stop) {
    std::vector<std::string> dirs;
    for (const auto& t : self.state_.targets) {
      if (t.planned.kind != TargetKind::kHarness) continue;
      const fs::path run = config.mode == CampaignMode::kRegression ? layout.Regression(t.planned.name)
                                                                    : layout.Run(t.planned.name);
      if (ListInputs({run / "crashes"}).empty()) continue;
      if (!fs::exists(run / "summary.json")) {
        self.state_.notes.push_back(fmt::format("{}: crash files without a run summary (the run did not end); "
                                                "triaged next time",
                                                t.planned.name));
        continue;
      }
      dirs.push_back(run.string());
    }
    const fs::path report = layout.Report();
    std::error_code ec;
    fs::remove(report / "triage.json", ec);
    if (dirs.empty()) return;
    std::vector<std::string> argv = {self.options_.iotfuzz.string(), "--build-dir", self.manifest_.build_dir.string(),
                                     "triage"};
    argv.insert(argv.end(), dirs.begin(), dirs.end());
    argv.insert(argv.end(), {"--out", report.string(), "--format", "json,sarif,junit,html", "--jobs",
                             std::to_string(std::max(1u, config.jobs))});
    ProcessSpec spec;
    spec.argv = argv;
    spec.env = context.env;
    spec.env.Set("CI", "true");
    spec.log_file = layout.out / "logs" / "triage.log";
    fmt::print(self.err_, "iotfuzz: triaging the crashes of {} harness{} ({})\n", dirs.size(),
               dirs.size() == 1 ? "" : "es", spec.log_file.string());
    std::fflush(self.err_);
    std::optional<Process> started;
    try {
      started.emplace(Process::Spawn(spec));
    } catch (const Error& e) {
      self.state_.errors.push_back(fmt::format("triage: {}", e.what()));
      return;
    }
    Process& p = *started;
    std::optional<ExitStatus> status;
    while (!(status = p.TryWait())) {
      if (stop != nullptr && stop->requested()) {
        p.SignalGroup(SIGINT);
        interrupted = true;
        status = p.Wait();
        break;
      }
      pollfd pfd{stop != nullptr ? stop->wake_fd() : -1, POLLIN, 0};
      ::poll(&pfd, stop != nullptr ? 1 : 0, 200);
    }
    if (interrupted) return;
    if (status->signaled || (status->code != 0 && status->code != 2)) {
      self.state_.errors.push_back(fmt::format("triage {} ({})", status->Describe(), spec.log_file.string()));
      return;
    }
    const fs::path triage_json = report / "triage.json";
    json j = json::parse(ReadFileOrEmpty(triage_json), nullptr, false);
    if (!j.is_object() || !j.contains("findings") || !j["findings"].is_array()) {
      self.state_.errors.push_back(fmt::format("triage wrote no readable report ({})", triage_json.string()));
      return;
    }
    self.state_.triage_report = triage_json.string();
    for (const json& f : j["findings"]) {
      CampaignFinding cf;
      cf.target = f.contains("harness") && f["harness"].is_string() ? f["harness"].get<std::string>() : "";
      cf.target_kind = TargetKind::kHarness;
      cf.kind = "crash";
      cf.crash_type = f.contains("crash_type") && f["crash_type"].is_string() ? f["crash_type"].get<std::string>() : "";
      cf.crash_type = cf.crash_type.substr(0, cf.crash_type.find('\n'));
      if (f.contains("signature") && f["signature"].is_object() && f["signature"]["bucket_key"].is_string()) {
        cf.signature = f["signature"]["bucket_key"].get<std::string>();
      }
      // Stacks triage merged into this finding: a baseline entry for any of them matches.
      if (f.contains("bucket_keys") && f["bucket_keys"].is_array()) {
        for (const json& k : f["bucket_keys"]) {
          if (k.is_string() && k.get<std::string>() != cf.signature) cf.aliases.push_back(k.get<std::string>());
        }
      }
      if (f.contains("location") && f["location"].is_object()) {
        const json& l = f["location"];
        auto text = [&](const char* key) {
          return l.contains(key) && l[key].is_string() ? l[key].get<std::string>() : std::string("?");
        };
        const int line = l.contains("line") && l["line"].is_number_integer() ? l["line"].get<int>() : 0;
        cf.location = fmt::format("{} {}:{}", text("function"), text("file"), line);
      }
      if (f.contains("reproduction") && f["reproduction"].is_object()) {
        const json& r = f["reproduction"];
        auto count = [&](const char* key) { return r.contains(key) && r[key].is_number_unsigned() ? r[key].get<std::uint64_t>() : 0; };
        cf.reproduction = fmt::format("{}/{}", count("reproduced"), count("attempts"));
      }
      if (f.contains("inputs") && f["inputs"].is_array()) cf.inputs = f["inputs"].size();
      std::string reproducer;
      if (f.contains("minimized") && f["minimized"].is_object() && f["minimized"].value("verified", false) &&
          f["minimized"]["file"].is_string()) {
        reproducer = f["minimized"]["file"].get<std::string>();
      } else if (f.contains("representative") && f["representative"].is_object() &&
                 f["representative"]["file"].is_string()) {
        reproducer = f["representative"]["file"].get<std::string>();
      }
      cf.reproducer = reproducer;
      if (f.contains("replay_command") && f["replay_command"].is_array()) {
        std::vector<std::string> argv;
        for (const json& a : f["replay_command"]) {
          if (a.is_string()) argv.push_back(a.get<std::string>());
        }
        cf.replay_command = fmt::format("{}", fmt::join(argv, " "));
      }
      if (cf.target.empty() || cf.signature.empty()) continue;
      self.state_.findings.push_back(std::move(cf));
    }
  }

  // Findings of the network targets, from the records `iotfuzz net` keeps:
  // one per signature.
  void CollectNetFindings() {
    for (const auto& t : self.state_.targets) {
      if (t.planned.kind != TargetKind::kNetwork) continue;
      const fs::path base =
          config.mode == CampaignMode::kRegression ? layout.Regression(t.planned.name) : layout.Net(t.planned.name);
      std::map<std::string, CampaignFinding> by_signature;
      for (const char* dir : {"crashes", "hangs", "accepted", "unreachable"}) {
        std::error_code ec;
        std::vector<fs::path> sigs;
        for (fs::directory_iterator it(base / dir, ec), end; !ec && it != end; it.increment(ec)) {
          if (it->path().extension() == ".sig") sigs.push_back(it->path());
        }
        std::sort(sigs.begin(), sigs.end());
        for (const fs::path& sig : sigs) {
          const std::string text = ReadFileOrEmpty(sig);
          const std::string key = NetFindingSignature(dir, text);
          fs::path session = sig;
          session.replace_extension();
          fs::path minimized = session;
          minimized += ".min";
          auto [it, inserted] = by_signature.try_emplace(key);
          CampaignFinding& f = it->second;
          ++f.inputs;
          if (!inserted) continue;
          f.target = t.planned.name;
          f.target_kind = TargetKind::kNetwork;
          f.signature = key;
          f.kind = std::string(dir) == "crashes"    ? "crash"
                   : std::string(dir) == "hangs"    ? "hang"
                   : std::string(dir) == "accepted" ? "invalid input accepted"
                                                    : "unreachable";
          std::string type = text;
          if (std::size_t colon = type.find(": "); colon != std::string::npos) type = type.substr(colon + 2);
          if (type.size() > 200) type = type.substr(0, 200) + "...";
          f.crash_type = type;
          f.reproducer = (fs::exists(minimized, ec) ? minimized : session).string();
          f.replay_command = fmt::format("iotfuzz replay {} {}", f.reproducer, t.planned.name);
        }
      }
      // Server crash reports are written unsymbolized (module+offset, which
      // moves with every rebuild); symbolized, they get triage's signature
      // (crash type and the functions of the top frames), stable across builds
      // and the same kind of key as the in-process findings'.
      std::map<std::string, CampaignFinding> merged;
      for (auto& [key, f] : by_signature) {
        if (f.kind == "crash") Symbolize(f);
        auto [it, inserted] = merged.try_emplace(f.signature, f);
        if (!inserted) {
          it->second.inputs += f.inputs;
          it->second.aliases.push_back(key);
        }
      }
      for (auto& [key, f] : merged) self.state_.findings.push_back(std::move(f));
    }
  }

  // Replaces a network crash's signature with one from its symbolized
  // sanitizer report, keeping the raw one as an alias; leaves findings
  // without a sanitizer report (a signal alone) as they are.
  void Symbolize(CampaignFinding& f) {
    fs::path log_file = f.reproducer;
    if (log_file.extension() == ".min") log_file.replace_extension();
    log_file += ".log";
    std::string log = ReadFileOrEmpty(log_file);
    if (log.empty()) return;
    triage::LogSymbolizer symbolizer;
    symbolizer.Add(log);
    if (symbolizer.Resolve(context.env)) log = symbolizer.Rewrite(log);
    const triage::CrashReport report = triage::SanitizerLogParser::Parse(log);
    if (report.crash_type.empty() || report.frames.empty()) return;
    const triage::CrashSignature signature = triage::CrashSignature::FromReport(report);
    f.aliases.push_back(f.signature);
    f.signature = "net-" + signature.BucketKey();
    f.crash_type = report.crash_type.substr(0, report.crash_type.find('\n'));
    if (const triage::StackFrame* own = triage::FirstOwnFrame(report)) {
      f.location = fmt::format("{} {}:{}", own->function.empty() ? "?" : own->function,
                               own->file.empty() ? own->module : triage::RelativeSourcePath(own->file, self.manifest_.source_dir), own->line);
    }
  }

  // Marks findings known from the baseline; keeps one reproducer per finding.
  void Compare() {
    for (CampaignFinding& f : self.state_.findings) {
      if (baseline) {
        for (const auto& e : baseline->entries()) {
          const bool alias = std::find(f.aliases.begin(), f.aliases.end(), e.signature) != f.aliases.end();
          if (e.target == f.target && (e.signature == f.signature || alias)) {
            f.known = true;
            f.baseline_note = e.comment;
          }
        }
      }
      if (f.reproducer.empty()) continue;
      std::error_code ec;
      const fs::path dir = layout.Reproducers(f.target);
      fs::create_directories(dir, ec);
      const fs::path dest = dir / f.signature;
      if (fs::exists(dest, ec)) continue;
      std::ifstream in(f.reproducer, std::ios::binary);
      if (!in) continue;
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      try {
        WriteFileAtomically(dest, bytes);
      } catch (const Error& e) {
        self.state_.errors.push_back(e.what());
      }
    }
  }

  void UpdateBaseline() {
    if (!self.options_.update_baseline) return;
    const fs::path path = config.baseline ? *config.baseline : layout.out / "baseline.txt";
    Baseline b = baseline ? *baseline : Baseline{};
    for (const CampaignFinding& f : self.state_.findings) {
      std::string note = f.kind == "crash" ? f.crash_type : f.kind;
      if (!f.location.empty()) note += " in " + f.location;
      b.Add({f.target, f.signature, note, 0});
    }
    std::error_code ec;
    if (!path.parent_path().empty()) fs::create_directories(path.parent_path(), ec);
    WriteFileAtomically(path, b.Format());
    for (CampaignFinding& f : self.state_.findings) f.known = true;
    self.state_.notes.push_back(fmt::format("baseline {} updated: {} finding(s)", path.string(), b.entries().size()));
    fmt::print(self.err_, "iotfuzz: wrote {} finding(s) to the baseline {}\n", b.entries().size(), path.string());
  }

  int Run(StopSignal* stop) {
    Prepare();
    CampaignState& st = self.state_;
    std::string budget = config.EffectiveTime() ? FormatDuration(*config.EffectiveTime())
                         : config.runs_per_target ? fmt::format("{} runs per target", *config.runs_per_target)
                                                  : std::string("every input once");
    fmt::print(self.err_, "iotfuzz: campaign {} (round {}{}), {} target{}, {} job{} at once, {} into {}\n", st.mode,
               st.round, st.resumes > 0 ? ", resumed" : "", st.targets.size(), st.targets.size() == 1 ? "" : "s",
               config.jobs, config.jobs == 1 ? "" : "s", budget, layout.out.string());
    if (!plan.targets.empty() && plan.targets.front().budget) {
      fmt::print(self.err_, "iotfuzz: {} per target, {} kept for triage\n", FormatDuration(*plan.targets.front().budget),
                 FormatDuration(plan.reserve));
    }
    for (const auto& n : plan.notes) fmt::print(self.err_, "iotfuzz: {}\n", n);
    std::fflush(self.err_);

    std::vector<TargetRecord*> records;
    for (auto& t : st.targets) records.push_back(&t);
    RunJobs(records, stop);
    if (!interrupted && config.mode == CampaignMode::kBatch) Merge(stop);
    if (!interrupted && config.mode != CampaignMode::kPrune) Triage(stop);
    if (interrupted) {
      st.result = "interrupted";
      st.exit_code = kCampaignError;
      Save();
      fmt::print(self.err_, "iotfuzz: campaign interrupted; run the same command again to resume it ({})\n",
                 layout.State().string());
      return kCampaignError;
    }
    // Prune only merges: findings are what the fuzzing modes report.
    if (config.mode != CampaignMode::kPrune) CollectNetFindings();
    Compare();
    UpdateBaseline();
    for (const auto& t : st.targets) {
      if (t.status == JobStatus::kFailed) st.errors.push_back(fmt::format("{}: {}", t.planned.name, t.error));
    }
    st.complete = true;
    st.finished_at = UtcTimestampNow();
    if (st.NewFindings() > 0) {
      st.result = "new findings";
      st.exit_code = kCampaignNewFindings;
    } else if (!st.errors.empty()) {
      st.result = "error";
      st.exit_code = kCampaignError;
    } else {
      st.result = "clean";
      st.exit_code = kCampaignClean;
    }
    Save();
    const fs::path html = layout.Report() / "campaign.html";
    WriteFileAtomically(html, CampaignHtml(st, layout.Report()));
    fmt::print(self.out_, "{}", CampaignText(st, layout));
    std::fflush(self.out_);
    return st.exit_code;
  }
};

CampaignRunner::CampaignRunner(BuildManifest manifest, CampaignOptions options, std::FILE* out, std::FILE* err)
    : manifest_(std::move(manifest)), options_(std::move(options)), out_(out), err_(err) {}

int CampaignRunner::Run(StopSignal* stop) {
  Impl impl(*this);
  return impl.Run(stop);
}

}  // namespace iotfuzz::campaign
