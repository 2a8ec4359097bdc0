// iotfuzz triage: reproduce, deduplicate, minimize and classify crash inputs,
// map them to ETSI EN 303 645 provision 5.13 and write the evidence reports.
//   triage DIR... [--harness NAME] [--reproduce N] [--reproduce-every-input]
//                 [--no-minimize] [--minimize-runs N] [--profile FILE]
//                 [--out DIR] [--format json,sarif,junit,html] [--jobs N]
//                 [--timeout DURATION] [--similarity X]
//   triage explain LOG [--json] [--no-symbolize]
// Exit status: 0 no finding, 2 findings, 1 error (as iotfuzz run).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

#include "fuzzers/cli/subcommands.h"
#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"
#include "fuzzers/engine/run_summary.h"
#include "fuzzers/triage/crash_classifier.h"
#include "fuzzers/triage/crash_signature.h"
#include "fuzzers/triage/log_symbolizer.h"
#include "fuzzers/triage/provision_mapping.h"
#include "fuzzers/triage/sanitizer_log_parser.h"
#include "fuzzers/triage/triage_pipeline.h"
#include "fuzzers/triage/triage_reports.h"

namespace iotfuzz::cli {
namespace {

namespace fs = std::filesystem;
using namespace iotfuzz::triage;

constexpr std::size_t kMaxLogBytes = 64 << 20;

std::string ReadLog(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error::Format("{}: is a directory; expected a log file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::Format("cannot open log {}", path);
  std::string text;
  text.resize(kMaxLogBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw Error::Format("cannot read log {}", path);
  return text;
}

std::set<std::string> ParseFormats(const std::string& text) {
  std::set<std::string> formats;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string f = text.substr(start, end - start);
    if (f == "json" || f == "sarif" || f == "junit" || f == "html") {
      formats.insert(f);
    } else {
      throw Error::Format("--format: unknown format '{}'; expected a comma-separated list of json, sarif, junit, html",
                          f);
    }
    start = end + 1;
  }
  return formats;
}

std::string FrameText(const StackFrame& f) {
  std::string where = !f.file.empty() ? f.file : f.module;
  if (!f.file.empty() && f.line > 0) where += fmt::format(":{}", f.line);
  if (!f.file.empty() && f.column > 0) where += fmt::format(":{}", f.column);
  if (f.file.empty() && f.module_offset) where += fmt::format("+0x{:x}", *f.module_offset);
  return fmt::format("#{} {} {}", f.index, f.function.empty() ? "?" : f.function, where);
}

class TriageCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand(
        "triage", "Reproduce, deduplicate, minimize and classify crash inputs; write 5.13 evidence reports");
    sub->add_option("dirs", dirs_,
                    "iotfuzz run output directories, libFuzzer artifact directories, AFL++ output directories or "
                    "input files");
    sub->add_option("--harness", harness_, "Harness of the inputs (default: from the run's summary.json)");
    sub->add_option("--reproduce", reproduce_, "Replays per finding for the reproduction rate k/N")
        ->capture_default_str();
    sub->add_flag("--reproduce-every-input", reproduce_every_,
                  "Replay every input N times, not just each finding's representative (N times slower)");
    sub->add_flag("--no-minimize", no_minimize_, "Do not minimize the findings' reproducers");
    sub->add_option("--minimize-runs", minimize_runs_, "libFuzzer mutations per byte-level minimization step")
        ->capture_default_str();
    sub->add_option("--profile", profile_, "Device profile (JSON, see docs/triage-report.md)");
    sub->add_option("--out", out_, "Report directory (default: <first DIR>/triage, or iotfuzz-out/triage)");
    sub->add_option("--format", format_, "Reports to write: json,sarif,junit,html")->capture_default_str();
    sub->add_option("--jobs", jobs_, "Replays run at the same time (default: number of cores)");
    sub->add_option("--timeout", timeout_, "Time limit per replay (e.g. 10s, 1m)")->capture_default_str();
    sub->add_option("--similarity", similarity_, "Similarity at which two crash stacks are one bug (0..1)")
        ->capture_default_str();
    sub->footer("Exit status: 0 no finding, 2 findings, 1 error.");

    explain_ = sub->add_subcommand("explain", "Parse one sanitizer/libFuzzer log and explain it");
    explain_->add_option("log", log_, "Log file")->required();
    explain_->add_flag("--json", json_, "Print the explanation as JSON");
    explain_->add_flag("--no-symbolize", no_symbolize_,
                       "Do not symbolise unsymbolised frames with llvm-symbolizer");
    return sub;
  }

  int Run(CliContext& context) override {
    if (explain_->parsed()) return Explain(context);
    return Triage(context);
  }

 private:
  int Explain(CliContext& context) {
    std::string log = ReadLog(log_);
    const bool cut = log.size() > kMaxLogBytes;
    if (cut) log.resize(kMaxLogBytes);
    bool symbolised = false;
    if (!no_symbolize_) {
      LogSymbolizer symbolizer;
      symbolizer.Add(log);
      std::string error;
      if (symbolizer.Resolve(context.env, &error)) {
        std::string rewritten = symbolizer.Rewrite(log);
        symbolised = rewritten != log;
        log = std::move(rewritten);
      }
    }
    CrashReport report = SanitizerLogParser::Parse(log);
    if (cut) report.parse_notes.push_back(fmt::format("log cut at {} MiB", kMaxLogBytes >> 20));
    SignatureOptions options;
    options.fallback_state = fs::path(log_).filename().string();
    const CrashSignature signature = CrashSignature::FromReport(report, options);
    const Classification classification = CrashClassifier().Classify(report);
    const ProvisionMapping mapping = MapFinding(classification, report, nullptr, report.crashed());

    if (json_) {
      nlohmann::json j = {{"log", log_},
                          {"symbolised", symbolised},
                          {"crash", ToJson(report)},
                          {"signature", report.crashed() ? ToJson(signature) : nlohmann::json(nullptr)},
                          {"bucket_key", report.crashed() ? nlohmann::json(signature.BucketKey()) : nlohmann::json(nullptr)},
                          {"classification", ToJson(classification)},
                          {"mapping", report.crashed() ? ToJson(mapping) : nlohmann::json(nullptr)}};
      fmt::print(context.out, "{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      return 0;
    }
    auto line = [&](std::string_view key, std::string_view value) {
      fmt::print(context.out, "{:<14} {}\n", key, value.empty() ? "-" : value);
    };
    line("log", log_);
    if (!report.crashed()) {
      fmt::print(context.out, "no crash found in {} (confidence: {})\n", log_, ToString(report.confidence));
    } else {
      std::string type = report.crash_type;
      for (char& c : type) c = c == '\n' ? ' ' : c;
      line("crash type", type);
      line("tool", ToString(report.tool));
      line("address", report.crash_address);
      line("access", report.access_size ? fmt::format("{} of {} bytes", ToString(report.access), *report.access_size)
                                        : std::string(ToString(report.access)));
      line("security", report.security ? "yes (ClusterFuzz rules)" : "no (ClusterFuzz rules)");
      line("confidence", ToString(report.confidence));
      if (!report.message.empty()) line("message", report.message);
      fmt::print(context.out, "frames         ({}{})\n", report.frames.size(),
                 symbolised ? ", symbolised with llvm-symbolizer" : "");
      for (std::size_t i = 0; i < report.frames.size() && i < 32; ++i) {
        fmt::print(context.out, "  {}\n", FrameText(report.frames[i]));
      }
      if (report.frames.size() > 32) fmt::print(context.out, "  ... {} more\n", report.frames.size() - 32);
      line("signature", signature.BucketKey());
      for (const auto& s : signature.state()) fmt::print(context.out, "  {}\n", s);
      line("severity", ToString(classification.severity));
      line("availability", DescribeAvailability(classification.availability));
      line("CWE", classification.cwe.id != 0
                      ? fmt::format("CWE-{} {}", classification.cwe.id, classification.cwe.name)
                      : "");
      std::string related;
      for (const auto& c : classification.related) related += fmt::format("{}CWE-{}", related.empty() ? "" : ", ", c.id);
      line("related CWEs", related);
      line("finding", classification.finding);
      line("EN 303 645", fmt::format("{} (V2.1.1), {} (V3.1.3, assuming a network interface)", mapping.v2.id,
                                     mapping.v3.id));
      line("TS 103 701", mapping.test_case_clause + ": FAIL if it reproduces");
      std::string rel;
      for (const auto& r : mapping.related) rel += (rel.empty() ? "" : ", ") + r.id;
      line("related", rel);
      std::string cross;
      for (const auto& c : mapping.cross_references) {
        cross += fmt::format("{}{} {}", cross.empty() ? "" : "; ", c.regime, c.reference.id);
      }
      line("cross-refs", cross);
    }
    if (report.parse_notes.empty() && !report.crashed()) {
      fmt::print(context.out, "parse notes    no sanitizer, libFuzzer, AFL++ or runtime error report was recognised "
                              "in the log\n");
    } else if (report.parse_notes.empty()) {
      fmt::print(context.out, "parse notes    none: the report was parsed completely\n");
    } else {
      fmt::print(context.out, "parse notes    what the parser could not parse or had to decide:\n");
      for (const auto& n : report.parse_notes) fmt::print(context.out, "  - {}\n", n);
    }
    return 0;
  }

  int Triage(CliContext& context) {
    if (dirs_.empty()) throw Error("triage needs at least one directory (or use 'iotfuzz triage explain LOG')");
    const std::set<std::string> formats = ParseFormats(format_);
    if (reproduce_ < 1 || reproduce_ > 1000) throw Error("--reproduce must be between 1 and 1000");
    if (similarity_ <= 0 || similarity_ > 1) throw Error("--similarity must be in (0, 1]");
    if (minimize_runs_ < 1) throw Error("--minimize-runs must be at least 1");
    const auto timeout = ParseDuration(timeout_);
    if (timeout.count() < 1) throw Error("--timeout must be at least 1s");

    TriageRequest request;
    std::error_code ec;
    for (const auto& d : dirs_) request.dirs.push_back(fs::absolute(d, ec).lexically_normal());
    if (!harness_.empty()) request.harness = harness_;
    if (!profile_.empty()) request.profile_file = fs::absolute(profile_, ec);
    request.settings.reproduce_attempts = reproduce_;
    request.settings.reproduce_every_input = reproduce_every_;
    request.settings.minimize = !no_minimize_;
    request.settings.replay_timeout_seconds = static_cast<double>(timeout.count());
    request.settings.similarity_threshold = similarity_;
    request.minimize.libfuzzer_runs = minimize_runs_;
    request.minimize.timeout_seconds = static_cast<int>(timeout.count());
    request.jobs = jobs_ > 0 ? jobs_ : std::max(1u, std::thread::hardware_concurrency());
    if (!out_.empty()) {
      request.output_dir = fs::absolute(out_, ec).lexically_normal();
    } else if (fs::is_directory(request.dirs.front(), ec)) {
      request.output_dir = request.dirs.front() / "triage";
    } else {
      request.output_dir = fs::current_path(ec) / "iotfuzz-out" / "triage";
    }
    request.tool_version = context.version;
    request.generated_at = UtcTimestampNow();

    TriagePipeline pipeline(context.LoadManifest(), context.env);
    pipeline.set_progress([&](std::string_view phase, std::size_t done, std::size_t total) {
      fmt::print(context.err, "iotfuzz: triage: {} {}/{}\n", phase, done, total);
      std::fflush(context.err);
    });
    const TriageResult result = pipeline.Run(request);

    std::vector<std::string> written;
    auto write = [&](const std::string& name, const std::string& text) {
      const fs::path file = request.output_dir / name;
      WriteFileAtomically(file, text);
      written.push_back(file.string());
    };
    if (formats.contains("json")) {
      write("triage.json", ToJsonReport(result).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
    if (formats.contains("sarif")) write("triage.sarif", ToSarif(result));
    if (formats.contains("junit")) write("triage.junit.xml", ToJUnitXml(result));
    if (formats.contains("html")) write("triage.html", ToHtml(result));

    PrintSummary(context, result);
    for (const auto& w : written) fmt::print(context.out, "report: {}\n", w);
    return result.findings.empty() ? kExitClean : kExitFindings;
  }

  void PrintSummary(CliContext& context, const TriageResult& result) {
    std::size_t not_crashing = 0;
    for (const auto& in : result.inputs) not_crashing += in.finding_id.empty() ? 1 : 0;
    fmt::print(context.out, "{} input(s) -> {} finding(s); {} input(s) did not crash on replay\n",
               result.inputs.size(), result.findings.size(), not_crashing);
    if (!result.findings.empty()) {
      fmt::print(context.out, "{:<4} {:<10} {:<28} {:<7} {:<9} {:>6} {:>6}  {}\n", "id", "interface", "crash type",
                 "severity", "CWE", "k/N", "inputs", "location");
    }
    for (const triage::Finding& f : result.findings) {
      const StackFrame* own = FirstOwnFrame(f.report);
      std::string type(CrashCategory(f.report.crash_type));
      if (f.report.access != AccessKind::kUnknown) type += fmt::format(" {}", ToString(f.report.access));
      fmt::print(context.out, "{:<4} {:<10} {:<28} {:<7}  {:<9} {:>6} {:>6}  {}{}\n", f.id, f.interface_name, type,
                 ToString(f.classification.severity),
                 f.classification.cwe.id != 0 ? fmt::format("CWE-{}", f.classification.cwe.id) : "-",
                 fmt::format("{}/{}", f.reproduction.reproduced, f.reproduction.attempts), f.inputs.size(),
                 own != nullptr ? fmt::format("{} {}:{}", own->function,
                                              RelativeSourcePath(own->file, result.source_dir), own->line)
                                : "-",
                 f.reproduction.flaky() ? " (flaky)" : "");
      fmt::print(context.out, "     replay: {}\n", fmt::join(f.replay_command, " "));
    }
    for (const InterfaceVerdict& v : result.verdicts) {
      fmt::print(context.out, "{} {:<10} {}: {}\n", kTestCase, v.interface_name, v.v3_provision, v.statement);
    }
    for (const auto& n : result.notes) fmt::print(context.err, "iotfuzz: note: {}\n", n);
  }

  std::vector<std::string> dirs_;
  std::string harness_;
  int reproduce_ = 5;
  bool reproduce_every_ = false;
  bool no_minimize_ = false;
  std::size_t minimize_runs_ = 1000;
  std::string profile_;
  std::string out_;
  std::string format_ = "json,sarif,junit,html";
  unsigned jobs_ = 0;
  std::string timeout_ = "10s";
  double similarity_ = kLikelySameBugSimilarity;

  CLI::App* explain_ = nullptr;
  std::string log_;
  bool json_ = false;
  bool no_symbolize_ = false;
};

}  // namespace

std::unique_ptr<Subcommand> MakeTriageCommand() { return std::make_unique<TriageCommand>(); }

}  // namespace iotfuzz::cli
