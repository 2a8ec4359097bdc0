#include "fuzzers/triage/triage_pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/error.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/triage/crash_classifier.h"
#include "fuzzers/triage/crash_deduplicator.h"
#include "fuzzers/triage/crash_input_collector.h"
#include "fuzzers/triage/log_symbolizer.h"
#include "fuzzers/triage/sanitizer_log_parser.h"

namespace iotfuzz::triage {
namespace {

namespace fs = std::filesystem;

// Runs fn(i) for i in [0, n) on `jobs` threads; the first exception is rethrown.
template <typename Fn>
void ParallelFor(std::size_t n, unsigned jobs, Fn fn) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = n;
      }
    }
  };
  const unsigned threads = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, jobs), n));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

std::string ReadBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error::Format("cannot read {}", file.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A replay turned into a report: symbolised log, parsed.
struct ParsedReplay {
  std::string log;
  CrashReport report;
  CrashSignature signature;
};

// Shared, locked symbolizer + parser for replays.
class ReplayInterpreter {
 public:
  ReplayInterpreter(const Environment& env, std::vector<std::string>& notes) : env_(env), notes_(notes) {}

  // Symbolises and parses a batch of outputs at once.
  std::vector<ParsedReplay> Interpret(const std::vector<const ReplayOutput*>& outputs, const std::string& harness,
                                      double timeout_seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const ReplayOutput* o : outputs) {
      if (!o->exited_cleanly) symbolizer_.Add(o->log);
    }
    std::string error;
    if (!symbolizer_.Resolve(env_, &error) && !warned_) {
      warned_ = true;
      notes_.push_back(error);
    }
    SignatureOptions options;
    options.fallback_state = harness;
    std::vector<ParsedReplay> parsed;
    parsed.reserve(outputs.size());
    for (const ReplayOutput* o : outputs) {
      ParsedReplay p;
      if (o->exited_cleanly) {
        parsed.push_back(std::move(p));
        continue;
      }
      p.log = symbolizer_.Rewrite(o->log);
      p.report = SanitizerLogParser::Parse(p.log);
      if (!p.report.crashed() && o->timed_out) {
        p.report.crash_type = "Timeout";
        p.report.confidence = ParseConfidence::kPartial;
        p.report.parse_notes.push_back(
            fmt::format("replay killed after {:.0f} s without a report; no stack at the alarm", timeout_seconds));
      }
      if (o->truncated) p.report.parse_notes.push_back("replay output cut at 1 MiB");
      if (p.report.crashed()) p.signature = CrashSignature::FromReport(p.report, options);
      parsed.push_back(std::move(p));
    }
    return parsed;
  }

 private:
  std::mutex mutex_;
  const Environment& env_;
  std::vector<std::string>& notes_;
  LogSymbolizer symbolizer_;
  bool warned_ = false;
};

struct InputState {
  std::vector<ReplayOutput> outputs;
  std::optional<ParsedReplay> crash;  // first crashing replay
  int attempts = 0;
  int crashed = 0;
};

int SeverityRank(const Finding& f) { return static_cast<int>(f.classification.severity); }

}  // namespace

TriagePipeline::TriagePipeline(BuildManifest manifest, Environment env)
    : manifest_(std::move(manifest)), env_(std::move(env)) {
  factory_ = [this](const HarnessEntry& harness, const TriageSettings& settings) -> std::unique_ptr<CrashReproducer> {
    return std::make_unique<HarnessReplayReproducer>(
        harness, env_, std::chrono::milliseconds(static_cast<long long>(settings.replay_timeout_seconds * 1000)));
  };
}

TriageResult TriagePipeline::Run(const TriageRequest& request) const {
  const TriageSettings& settings = request.settings;
  if (settings.reproduce_attempts < 1) throw Error("--reproduce must be at least 1");
  TriageResult result;
  result.tool_version = request.tool_version;
  result.generated_at = request.generated_at;
  result.input_dirs = request.dirs;
  result.settings = settings;
  result.source_dir = manifest_.source_dir;

  // 1. Collect.
  CollectedInputs collected = CollectCrashInputs(request.dirs, request.harness);
  result.inputs = std::move(collected.inputs);
  result.campaigns = std::move(collected.campaigns);
  result.notes = std::move(collected.notes);

  std::map<std::string, const HarnessEntry*> harnesses;
  for (const auto& in : result.inputs) harnesses[in.harness] = nullptr;
  for (const auto& c : result.campaigns) harnesses[c.harness] = nullptr;
  for (auto& [name, entry] : harnesses) {
    entry = manifest_.Find(name);
    if (entry == nullptr) {
      throw Error::Format("harness {} is not in the build manifest {} (harnesses: {})", name, manifest_.file.string(),
                          fmt::join(manifest_.HarnessNames(), ", "));
    }
  }

  if (request.profile_file) {
    result.profile = DeviceProfile::Load(*request.profile_file);
  } else {
    std::set<std::string> targets;
    for (const auto& [name, entry] : harnesses) targets.insert(entry->target);
    std::vector<HarnessSummary> summaries;
    for (const auto& h : manifest_.harnesses) {
      if (targets.contains(h.target)) summaries.push_back({h.name, h.target, h.protocol});
    }
    result.profile = DeviceProfile::DefaultFor(summaries);
  }
  for (const auto& [name, entry] : harnesses) {
    if (result.profile.InterfaceForHarness(name) != nullptr) continue;
    DeviceInterface iface;
    iface.name = name;
    iface.protocol = entry->protocol;
    iface.harnesses = {name};
    iface.description = "exercised by a harness the device profile does not list";
    iface.declared = false;
    result.profile.interfaces.push_back(iface);
    result.notes.push_back(fmt::format(
        "harness {} is not listed in the device profile; it is reported as an undeclared network interface", name));
  }

  std::map<std::string, std::unique_ptr<CrashReproducer>> reproducers;
  for (const auto& [name, entry] : harnesses) {
    bool has_inputs = false;
    for (const auto& in : result.inputs) has_inputs = has_inputs || in.harness == name;
    if (has_inputs) reproducers[name] = factory_(*entry, settings);
  }

  std::error_code ec;
  fs::create_directories(request.output_dir, ec);
  if (ec) throw Error::Format("cannot create {}: {}", request.output_dir.string(), ec.message());

  ReplayInterpreter interpreter(env_, result.notes);
  const int n_attempts = settings.reproduce_attempts;
  std::vector<InputState> states(result.inputs.size());

  // 2. Replay: every input once (or N times), then N-1 more for inputs that did not crash.
  auto replay_inputs = [&](const std::vector<std::size_t>& which, int times, std::string_view phase) {
    std::vector<std::pair<std::size_t, int>> tasks;
    for (std::size_t i : which) {
      for (int t = 0; t < times; ++t) tasks.push_back({i, t});
    }
    std::vector<ReplayOutput> outputs(tasks.size());
    std::atomic<std::size_t> done{0};
    ParallelFor(tasks.size(), request.jobs, [&](std::size_t k) {
      const TriagedInput& in = result.inputs[tasks[k].first];
      outputs[k] = reproducers.at(in.harness)->Replay(in.file, in.engine_kind);
      const std::size_t d = ++done;
      if (progress_ && (d % 25 == 0 || d == tasks.size())) progress_(phase, d, tasks.size());
    });
    for (std::size_t k = 0; k < tasks.size(); ++k) states[tasks[k].first].outputs.push_back(std::move(outputs[k]));
    // Interpret per harness (signature fallback is the harness name).
    std::map<std::string, std::vector<std::size_t>> by_harness;
    for (std::size_t i : which) by_harness[result.inputs[i].harness].push_back(i);
    for (const auto& [harness, indices] : by_harness) {
      std::vector<const ReplayOutput*> batch;
      std::vector<std::size_t> owner;
      for (std::size_t i : indices) {
        auto& outs = states[i].outputs;
        for (std::size_t o = outs.size() - static_cast<std::size_t>(times); o < outs.size(); ++o) {
          batch.push_back(&outs[o]);
          owner.push_back(i);
        }
      }
      std::vector<ParsedReplay> parsed = interpreter.Interpret(batch, harness, settings.replay_timeout_seconds);
      for (std::size_t k = 0; k < parsed.size(); ++k) {
        InputState& s = states[owner[k]];
        ++s.attempts;
        if (parsed[k].report.crashed()) {
          ++s.crashed;
          if (!s.crash) s.crash = std::move(parsed[k]);
        }
      }
    }
    for (std::size_t i : which) states[i].outputs.clear();
  };

  std::vector<std::size_t> all(result.inputs.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  replay_inputs(all, settings.reproduce_every_input ? n_attempts : 1, "replay");
  if (!settings.reproduce_every_input && n_attempts > 1) {
    std::vector<std::size_t> silent;
    for (std::size_t i : all) {
      if (!states[i].crash) silent.push_back(i);
    }
    if (!silent.empty()) replay_inputs(silent, n_attempts - 1, "retry");
  }
  for (std::size_t i : all) {
    TriagedInput& in = result.inputs[i];
    in.reproduction = {states[i].attempts, states[i].crashed};
    if (states[i].crash) {
      in.crash_type = states[i].crash->report.crash_type;
      in.bucket_key = states[i].crash->signature.BucketKey();
    }
  }

  // 3. Deduplicate per harness.
  std::vector<Finding> findings;
  CrashDeduplicator::Options dedup_options;
  dedup_options.similarity_threshold = settings.similarity_threshold;
  for (const auto& [harness, entry] : harnesses) {
    CrashDeduplicator dedup(dedup_options);
    for (std::size_t i : all) {
      if (result.inputs[i].harness == harness && states[i].crash) {
        dedup.Add(i, states[i].crash->signature, states[i].crash->report.security);
      }
    }
    for (CrashCluster& cluster : dedup.Clusters()) {
      Finding f;
      f.harness = harness;
      const DeviceInterface* iface = result.profile.InterfaceForHarness(harness);
      f.interface_name = iface != nullptr ? iface->name : harness;
      f.bucket_keys = cluster.bucket_keys;
      f.lowest_similarity = cluster.lowest_similarity;
      f.inputs = cluster.members;
      std::sort(f.inputs.begin(), f.inputs.end());
      // Representative: smallest input of the founding bucket.
      std::size_t best = cluster.members.front();
      for (std::size_t i : cluster.members) {
        if (states[i].crash->signature.BucketKey() != cluster.bucket_keys.front()) continue;
        const auto& a = result.inputs[i];
        const auto& b = result.inputs[best];
        if (a.size < b.size || (a.size == b.size && a.file < b.file)) best = i;
      }
      f.representative = best;
      findings.push_back(std::move(f));
    }
  }

  // 4. Reproduce each representative to N replays in all.
  auto matches = [&](const Finding& f, const ParsedReplay& p) {
    if (!p.report.crashed()) return false;
    const ParsedReplay& rep = *states[f.representative].crash;
    const std::string key = p.signature.BucketKey();
    if (std::find(f.bucket_keys.begin(), f.bucket_keys.end(), key) != f.bucket_keys.end()) return true;
    return p.report.security == rep.report.security &&
           ClusteringSimilarity(p.signature, rep.signature) >= settings.similarity_threshold;
  };
  {
    std::vector<std::pair<std::size_t, int>> tasks;
    for (std::size_t fi = 0; fi < findings.size(); ++fi) {
      const InputState& s = states[findings[fi].representative];
      for (int t = s.attempts; t < n_attempts; ++t) tasks.push_back({fi, t});
    }
    std::vector<ReplayOutput> outputs(tasks.size());
    std::atomic<std::size_t> done{0};
    ParallelFor(tasks.size(), request.jobs, [&](std::size_t k) {
      const TriagedInput& in = result.inputs[findings[tasks[k].first].representative];
      outputs[k] = reproducers.at(in.harness)->Replay(in.file, in.engine_kind);
      const std::size_t d = ++done;
      if (progress_ && (d % 10 == 0 || d == tasks.size())) progress_("reproduce", d, tasks.size());
    });
    std::vector<int> extra_attempts(findings.size(), 0), extra_hits(findings.size(), 0);
    for (std::size_t k = 0; k < tasks.size(); ++k) {
      const Finding& f = findings[tasks[k].first];
      ParsedReplay p = std::move(interpreter.Interpret({&outputs[k]}, f.harness, settings.replay_timeout_seconds)[0]);
      ++extra_attempts[tasks[k].first];
      extra_hits[tasks[k].first] += matches(f, p) ? 1 : 0;
    }
    for (std::size_t fi = 0; fi < findings.size(); ++fi) {
      const InputState& s = states[findings[fi].representative];
      findings[fi].reproduction = {s.attempts + extra_attempts[fi], s.crashed + extra_hits[fi]};
    }
  }

  // Classify (step 6) before ordering: the order uses severity.
  CrashClassifier classifier;
  for (Finding& f : findings) {
    const ParsedReplay& rep = *states[f.representative].crash;
    f.report = rep.report;
    f.signature = rep.signature;
    f.log = rep.log;
    f.classification = classifier.Classify(f.report);
  }
  // Order: reproducible first, then severity, then size of the cluster.
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.reproduction.reproducible() != b.reproduction.reproducible()) return a.reproduction.reproducible();
    if (SeverityRank(a) != SeverityRank(b)) return SeverityRank(a) > SeverityRank(b);
    if (a.inputs.size() != b.inputs.size()) return a.inputs.size() > b.inputs.size();
    return a.harness < b.harness;
  });
  const int width = findings.size() >= 100 ? 3 : 2;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    Finding& f = findings[i];
    f.id = fmt::format("F{:0{}}", i + 1, width);
    for (std::size_t in : f.inputs) result.inputs[in].finding_id = f.id;
    f.representative_bytes = ReadBytes(result.inputs[f.representative].file);
  }

  // 5. Minimize representatives.
  const fs::path logs_dir = request.output_dir / "logs";
  const fs::path reproducers_dir = request.output_dir / "reproducers";
  const fs::path work_root = request.output_dir / "minimize";
  fs::create_directories(logs_dir, ec);
  if (ec) throw Error::Format("cannot create {}: {}", logs_dir.string(), ec.message());
  std::map<std::string, std::shared_ptr<grammar::LoadedGrammar>> grammars;
  if (settings.minimize) {
    for (const Finding& f : findings) {
      const HarnessEntry& h = *harnesses.at(f.harness);
      if (h.grammar.empty() || grammars.contains(f.harness)) continue;
      try {
        grammars[f.harness] = std::make_shared<grammar::LoadedGrammar>(grammar::LoadGrammarFile(h.grammar.string()));
      } catch (const Error& e) {
        result.notes.push_back(fmt::format("grammar of {} not used for minimization: {}", f.harness, e.what()));
        grammars[f.harness] = nullptr;
      }
    }
    std::atomic<std::size_t> done{0};
    ParallelFor(findings.size(), request.jobs, [&](std::size_t fi) {
      Finding& f = findings[fi];
      if (!f.reproduction.reproducible()) return;
      const HarnessEntry& h = *harnesses.at(f.harness);
      const CrashReproducer& reproducer = *reproducers.at(f.harness);
      const std::string kind = result.inputs[f.representative].engine_kind;
      const std::string target_key = f.signature.BucketKey();
      const fs::path work = work_root / f.id;
      fs::create_directories(work);
      std::size_t counter = 0;
      CrashMinimizer::Oracle oracle = [&](const std::string& candidate) {
        const fs::path file = work / fmt::format("candidate-{:04}", counter++);
        WriteFileAtomically(file, candidate);
        ReplayOutput out = reproducer.Replay(file, kind);
        ParsedReplay p = std::move(interpreter.Interpret({&out}, f.harness, settings.replay_timeout_seconds)[0]);
        fs::remove(file);
        return p.report.crashed() && p.signature.BucketKey() == target_key;
      };
      CrashMinimizer minimizer(oracle, request.minimize);
      f.minimized.attempted = true;
      std::string bytes = f.representative_bytes;
      auto grammar_it = grammars.find(f.harness);
      if (grammar_it != grammars.end() && grammar_it->second) {
        MinimizeOutcome o = minimizer.MinimizeWithGrammar(grammar_it->second->grammar, bytes);
        bytes = o.bytes;
        f.minimized.steps.insert(f.minimized.steps.end(), o.steps.begin(), o.steps.end());
      }
      {
        MinimizeOutcome o = minimizer.TrimToShortestPrefix(bytes);
        bytes = o.bytes;
        f.minimized.steps.insert(f.minimized.steps.end(), o.steps.begin(), o.steps.end());
      }
      std::error_code e;
      if (!h.binaries.libfuzzer.empty() && fs::exists(h.binaries.libfuzzer, e)) {
        const auto* r = dynamic_cast<const HarnessReplayReproducer*>(&reproducer);
        MinimizeOutcome o = minimizer.MinimizeWithLibFuzzer(h.binaries.libfuzzer, bytes, work / "libfuzzer",
                                                            r != nullptr ? r->replay_environment() : env_);
        bytes = o.bytes;
        f.minimized.steps.insert(f.minimized.steps.end(), o.steps.begin(), o.steps.end());
      } else {
        f.minimized.steps.push_back("libFuzzer: no libFuzzer binary in this build; pass skipped");
      }
      if (bytes.size() < f.representative_bytes.size()) {
        f.minimized.verified = true;  // every accepted step passed the oracle
        f.minimized.bytes = bytes;
        f.minimized.sha256 = Sha256Hex(bytes);
      }
      const std::size_t d = ++done;
      if (progress_) progress_("minimize", d, findings.size());
    });
    fs::remove_all(work_root, ec);
  }

  // Files, mapping, replay commands.
  for (Finding& f : findings) {
    const CrashReproducer& reproducer = *reproducers.at(f.harness);
    fs::path reproducer_file = result.inputs[f.representative].file;
    if (f.minimized.verified) {
      fs::create_directories(reproducers_dir, ec);
      f.minimized.file = reproducers_dir / fmt::format("{}-{}", f.id, f.minimized.sha256.substr(0, 16));
      WriteFileAtomically(f.minimized.file, f.minimized.bytes);
      reproducer_file = f.minimized.file;
    }
    f.replay_command = reproducer.ReplayCommand(reproducer_file);
    f.log_file = logs_dir / (f.id + ".log");
    WriteFileAtomically(f.log_file, f.log);
    f.mapping = MapFinding(f.classification, f.report, result.profile.InterfaceForHarness(f.harness),
                           f.reproduction.reproducible());
  }
  result.findings = std::move(findings);

  // Verdicts per interface.
  for (const DeviceInterface& iface : result.profile.interfaces) {
    InterfaceEvidence evidence;
    evidence.iface = &iface;
    std::vector<std::string> extents;
    for (const std::string& h : iface.harnesses) {
      for (const auto& in : result.inputs) {
        if (in.harness != h) continue;
        evidence.tested = true;
        if (in.finding_id.empty()) evidence.unconfirmed.push_back(in.file.string());
      }
      for (const auto& c : result.campaigns) evidence.tested = evidence.tested || c.harness == h;
      const std::string e = DescribeExtent(result.campaigns, h);
      if (!e.empty()) extents.push_back(iface.harnesses.size() > 1 ? h + ": " + e : e);
    }
    for (const Finding& f : result.findings) {
      if (f.interface_name == iface.name && f.reproduction.reproducible()) evidence.indications.push_back(f.id);
    }
    evidence.extent = fmt::format("{}", fmt::join(extents, "; "));
    result.verdicts.push_back(DecideVerdict(evidence));
  }
  return result;
}

}  // namespace iotfuzz::triage
