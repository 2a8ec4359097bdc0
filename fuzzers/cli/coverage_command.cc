// iotfuzz coverage <harness> --corpus DIR [--out DIR] [--coverage-build DIR]
//                  [--timeout SECONDS] [--no-build]
//
// Source-based coverage of a corpus: runs every input through the harness's
// <h>_cov binary (coverage variant, replay main) with LLVM_PROFILE_FILE set,
// merges the raw profiles with llvm-profdata, writes llvm-cov's HTML report
// and prints a per-file summary (lines, functions, regions, branches) from
// `llvm-cov export -summary-only`.
//
// Out directory (default iotfuzz-out/<harness>/coverage): profraw/,
// coverage.profdata, html/index.html, summary.json (llvm-cov's export),
// logs/replay.log.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "fuzzers/cli/subcommands.h"
#include "fuzzers/common/error.h"
#include "fuzzers/engine/process.h"

namespace iotfuzz::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool IsExecutableFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// The first of `names` found as an executable in $PATH.
std::optional<fs::path> FindProgram(const Environment& env, const std::vector<std::string>& names) {
  const std::string path = env.Get("PATH").value_or("");
  for (const std::string& name : names) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;
      const fs::path candidate = fs::path(dir) / name;
      if (IsExecutableFile(candidate)) return candidate;
    }
  }
  return std::nullopt;
}

fs::path RequireProgram(const Environment& env, const std::vector<std::string>& names) {
  if (auto found = FindProgram(env, names)) return *found;
  throw Error::Format("{} not found in PATH; install llvm-14 (scripts/setup)", fmt::join(names, " or "));
}

struct RunResult {
  ExitStatus status;
  bool timed_out = false;
};

// Runs `argv` with `env`, its output in `log` (truncated), killed after
// `timeout`.
RunResult RunWithTimeout(std::vector<std::string> argv, const Environment& env, const fs::path& log,
                         std::chrono::seconds timeout) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = env;
  spec.log_file = log;
  Process process = Process::Spawn(spec);
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (auto status = process.TryWait()) return {*status, false};
    if (Clock::now() >= deadline) {
      process.SignalGroup(SIGKILL);
      return {process.Wait(), true};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TailOf(const fs::path& log, size_t lines) {
  const std::string text = ReadText(log);
  size_t pos = text.size();
  size_t seen = 0;
  while (pos > 0 && seen <= lines) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      pos = 0;
      break;
    }
    ++seen;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::vector<fs::path> CorpusFiles(const fs::path& corpus) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_regular_file(corpus, ec)) return {corpus};
  if (!fs::is_directory(corpus, ec)) throw Error::Format("corpus {} does not exist", corpus.string());
  for (const auto& entry : fs::directory_iterator(corpus, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  if (ec) throw Error::Format("cannot list corpus {}: {}", corpus.string(), ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

// One row of the summary: covered/count per kind.
struct Counts {
  uint64_t covered = 0;
  uint64_t count = 0;
};
struct FileSummary {
  std::string file;
  Counts lines, functions, regions, branches;
};

Counts ReadCounts(const nlohmann::json& summary, const char* kind, const std::string& where) {
  const auto it = summary.find(kind);
  if (it == summary.end() || !it->is_object() || !it->contains("count") || !it->contains("covered")) {
    throw Error::Format("llvm-cov export: {} has no {} counts", where, kind);
  }
  return {it->at("covered").get<uint64_t>(), it->at("count").get<uint64_t>()};
}

FileSummary ReadSummary(const nlohmann::json& summary, std::string file, const std::string& where) {
  if (!summary.is_object()) throw Error::Format("llvm-cov export: {} has no summary", where);
  return {std::move(file), ReadCounts(summary, "lines", where), ReadCounts(summary, "functions", where),
          ReadCounts(summary, "regions", where), ReadCounts(summary, "branches", where)};
}

std::string Cell(const Counts& c) {
  if (c.count == 0) return "-";
  return fmt::format("{}/{} {:.1f}%", c.covered, c.count, 100.0 * static_cast<double>(c.covered) / c.count);
}

// `path` relative to the source tree when below it, else as it is
// (component sources fetched elsewhere, headers linked into a build tree).
std::string Display(const fs::path& path, const fs::path& source_dir) {
  if (source_dir.empty()) return path.string();
  const fs::path rel = path.lexically_relative(source_dir);
  if (!rel.empty() && *rel.begin() != "..") return rel.string();
  return path.string();
}

class CoverageCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand(
        "coverage", "Source-based coverage of a corpus: HTML report and per-file summary (llvm-cov)");
    sub->add_option("harness", harness_, "Harness name (see 'iotfuzz list')")->required();
    sub->add_option("--corpus", corpus_, "Corpus directory (or one input file)")->required();
    sub->add_option("--out", out_, "Output directory (default iotfuzz-out/<harness>/coverage)");
    sub->add_option("--coverage-build", coverage_build_,
                    "Coverage build tree (default: $IOTFUZZ_COVERAGE_BUILD_DIR, else <source>/build/coverage)");
    sub->add_option("--timeout", timeout_s_, "Seconds per input before it is given up")->capture_default_str();
    sub->add_flag("--no-build", no_build_, "Do not build the <harness>_cov binary, only use it");
    return sub;
  }

  int Run(CliContext& context) override {
    if (timeout_s_ <= 0) throw Error("--timeout must be a positive number of seconds");
    const BuildManifest manifest = context.LoadManifest();
    if (!manifest.Find(harness_)) {
      const auto names = manifest.HarnessNames();
      throw Error::Format("unknown harness '{}'; {}", harness_,
                          names.empty() ? std::string("this build has no harnesses")
                                        : fmt::format("known harnesses: {}", fmt::join(names, ", ")));
    }
    const std::vector<fs::path> inputs = CorpusFiles(corpus_);
    if (inputs.empty()) throw Error::Format("corpus {} holds no input files", corpus_.string());

    // Tools first: nothing runs when one is missing.
    const fs::path profdata = RequireProgram(context.env, {"llvm-profdata-14", "llvm-profdata"});
    const fs::path llvm_cov = RequireProgram(context.env, {"llvm-cov-14", "llvm-cov"});

    const BuildManifest cov_manifest = CoverageManifest(context, manifest);
    const HarnessEntry* harness = cov_manifest.Find(harness_);
    if (!harness || harness->binaries.coverage.empty()) {
      throw Error::Format("the coverage build {} has no harness '{}' (configured without its component?)",
                          cov_manifest.build_dir.string(), harness_);
    }
    const fs::path binary = harness->binaries.coverage;
    EnsureBuilt(context, cov_manifest, binary);

    const fs::path out = out_.empty() ? fs::path("iotfuzz-out") / harness_ / "coverage" : out_;
    const fs::path profraw = out / "profraw";
    std::error_code ec;
    fs::remove_all(profraw, ec);
    fs::create_directories(profraw, ec);
    fs::create_directories(out / "logs", ec);
    if (ec) throw Error::Format("cannot create {}: {}", profraw.string(), ec.message());

    fmt::print(context.err, "coverage: {} inputs of {} through {}\n", inputs.size(), corpus_.string(),
               binary.string());
    const std::vector<fs::path> failed = RunCorpus(context, binary, inputs, profraw, out / "logs");

    std::vector<std::string> merge = {profdata.string(), "merge", "-sparse", "-o",
                                      (out / "coverage.profdata").string()};
    size_t raw_count = 0;
    for (const auto& entry : fs::directory_iterator(profraw, ec)) {
      if (entry.path().extension() == ".profraw") {
        merge.push_back(entry.path().string());
        ++raw_count;
      }
    }
    if (raw_count == 0) {
      throw Error::Format("no input of {} completed, so there is no profile (see {})", corpus_.string(),
                          (out / "logs").string());
    }
    Tool(context, merge, out / "logs" / "llvm-profdata.log");

    const std::vector<std::string> report_args = {
        binary.string(), "-instr-profile=" + (out / "coverage.profdata").string(),
        // System headers and the replay driver are not the harness's code.
        "-ignore-filename-regex=^/usr/", "-ignore-filename-regex=fuzzers/engine/replay_main\\.cc$"};
    std::vector<std::string> show = {llvm_cov.string(), "show", "-format=html",
                                     "-output-dir=" + (out / "html").string(), "-show-branches=count",
                                     "-show-line-counts-or-regions"};
    show.insert(show.end(), report_args.begin(), report_args.end());
    Tool(context, show, out / "logs" / "llvm-cov-show.log");

    std::vector<std::string> export_args = {llvm_cov.string(), "export", "-summary-only"};
    export_args.insert(export_args.end(), report_args.begin(), report_args.end());
    Tool(context, export_args, out / "summary.json");

    PrintSummary(context, ReadExport(out / "summary.json"), cov_manifest);
    fmt::print(context.out, "\n{} of {} inputs ran to the end", inputs.size() - failed.size(), inputs.size());
    if (!failed.empty()) fmt::print(context.out, " ({} crashed or timed out: their coverage is not counted)", failed.size());
    fmt::print(context.out, "\nreport: {}\n", (out / "html" / "index.html").string());
    return 0;
  }

 private:
  // The manifest of the coverage build tree to use.
  BuildManifest CoverageManifest(CliContext& context, const BuildManifest& manifest) {
    if (manifest.variant == "coverage") return manifest;
    fs::path dir = coverage_build_;
    if (dir.empty()) {
      if (auto env = context.env.Get("IOTFUZZ_COVERAGE_BUILD_DIR"); env && !env->empty()) dir = *env;
    }
    if (dir.empty()) dir = manifest.source_dir / "build" / "coverage";
    const fs::path file = dir / BuildManifest::kFileName;
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      throw Error::Format(
          "no coverage build at {}; configure and build it with: cmake --preset coverage -S {} && "
          "cmake --build --preset coverage --target {}_cov (or point --coverage-build at one)",
          dir.string(), manifest.source_dir.string(), harness_);
    }
    BuildManifest cov = BuildManifest::Load(file);
    if (cov.variant != "coverage") {
      throw Error::Format("{} is a '{}' build, not a coverage build (cmake --preset coverage)", dir.string(),
                          cov.variant);
    }
    return cov;
  }

  // Builds (or brings up to date) the _cov binary unless --no-build.
  void EnsureBuilt(CliContext& context, const BuildManifest& cov, const fs::path& binary) {
    const std::string target = harness_ + "_cov";
    if (no_build_) {
      if (!IsExecutableFile(binary)) {
        throw Error::Format("{} is not built; build it with: cmake --build {} --target {}", binary.string(),
                            cov.build_dir.string(), target);
      }
      return;
    }
    const fs::path cmake = RequireCmake(context);
    fmt::print(context.err, "coverage: building {} in {}\n", target, cov.build_dir.string());
    const fs::path log = cov.build_dir / "iotfuzz-coverage-build.log";
    const RunResult r = RunWithTimeout({cmake.string(), "--build", cov.build_dir.string(), "--target", target},
                                       context.env, log, std::chrono::hours(1));
    if (!r.status.success() || !IsExecutableFile(binary)) {
      fmt::print(context.err, "{}", TailOf(log, 20));
      throw Error::Format("building {} failed ({}; log: {})", target, r.status.Describe(), log.string());
    }
  }

  static fs::path RequireCmake(CliContext& context) {
    if (auto found = FindProgram(context.env, {"cmake"})) return *found;
    throw Error("cmake not found in PATH; it is needed to build the coverage binary (or pass --no-build)");
  }

  // Runs the whole corpus in one process; when that process does not end
  // cleanly (a crashing or hanging input), every input on its own, so one bad
  // input costs only its own profile. Returns the inputs that failed alone.
  std::vector<fs::path> RunCorpus(CliContext& context, const fs::path& binary, const std::vector<fs::path>& inputs,
                                  const fs::path& profraw, const fs::path& logs) {
    Environment env = context.env;
    env.Set("LLVM_PROFILE_FILE", (profraw / "all-%p.profraw").string());
    const fs::path log = logs / "replay.log";
    const std::vector<std::string> argv = {binary.string(), corpus_.string()};
    const auto whole = std::chrono::seconds(timeout_s_ * static_cast<long>(inputs.size()));
    const RunResult all = RunWithTimeout(argv, env, log, whole);
    if (all.status.success() && !all.timed_out) return {};

    fmt::print(context.err, "coverage: the corpus run {}; running each input alone\n",
               all.timed_out ? "timed out" : all.status.Describe());
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(profraw, ec)) fs::remove(entry.path(), ec);
    std::vector<fs::path> failed;
    size_t index = 0;
    for (const fs::path& input : inputs) {
      env.Set("LLVM_PROFILE_FILE", (profraw / fmt::format("input-{}.profraw", index++)).string());
      const fs::path one_log = logs / "replay-one.log";
      const RunResult r = RunWithTimeout({binary.string(), input.string()}, env, one_log,
                                         std::chrono::seconds(timeout_s_));
      if (!r.status.success() || r.timed_out) {
        failed.push_back(input);
        fmt::print(context.err, "coverage: {} {}\n", input.string(),
                   r.timed_out ? fmt::format("timed out after {} s", timeout_s_) : r.status.Describe());
        fs::copy_file(one_log, logs / fmt::format("failed-{}.log", input.filename().string()),
                      fs::copy_options::overwrite_existing, ec);
      }
    }
    return failed;
  }

  // Runs an LLVM tool; its output goes to `log`. Throws with the log's tail
  // when it fails.
  static void Tool(CliContext& context, const std::vector<std::string>& argv, const fs::path& log) {
    const RunResult r = RunWithTimeout(argv, context.env, log, std::chrono::minutes(30));
    if (!r.status.success() || r.timed_out) {
      fmt::print(context.err, "{}", TailOf(log, 20));
      throw Error::Format("{} {} failed ({})", fs::path(argv[0]).filename().string(), argv[1],
                          r.timed_out ? "timed out" : r.status.Describe());
    }
  }

  static nlohmann::json ReadExport(const fs::path& file) {
    try {
      return nlohmann::json::parse(ReadText(file));
    } catch (const nlohmann::json::exception& e) {
      throw Error::Format("llvm-cov export wrote no JSON to {}: {}", file.string(), e.what());
    }
  }

  void PrintSummary(CliContext& context, const nlohmann::json& doc, const BuildManifest& cov) {
    if (!doc.contains("data") || !doc["data"].is_array() || doc["data"].empty()) {
      throw Error("llvm-cov export: no data in its JSON");
    }
    const nlohmann::json& data = doc["data"][0];
    std::vector<FileSummary> rows;
    try {
      for (const auto& f : data.value("files", nlohmann::json::array())) {
        const std::string name = f.at("filename").get<std::string>();
        rows.push_back(ReadSummary(f.at("summary"), Display(name, cov.source_dir), name));
      }
      std::sort(rows.begin(), rows.end(), [](const FileSummary& a, const FileSummary& b) { return a.file < b.file; });
      rows.push_back(ReadSummary(data.at("totals"), "TOTAL", "totals"));
    } catch (const nlohmann::json::exception& e) {
      throw Error::Format("llvm-cov export: unexpected JSON: {}", e.what());
    }

    std::vector<std::vector<std::string>> table;
    table.push_back({"FILE", "LINES", "FUNCTIONS", "REGIONS", "BRANCHES"});
    for (const FileSummary& r : rows) {
      table.push_back({r.file, Cell(r.lines), Cell(r.functions), Cell(r.regions), Cell(r.branches)});
    }
    std::vector<size_t> widths(table.front().size(), 0);
    for (const auto& row : table) {
      for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    }
    for (size_t i = 0; i < table.size(); ++i) {
      const auto& row = table[i];
      std::string line = fmt::format("{:<{}}", row[0], widths[0]);
      for (size_t c = 1; c < row.size(); ++c) line += fmt::format("  {:>{}}", row[c], widths[c]);
      if (i + 1 == table.size()) {
        fmt::print(context.out, "{}\n", std::string(line.size(), '-'));
      }
      fmt::print(context.out, "{}\n", line);
    }
  }

  std::string harness_;
  fs::path corpus_;
  fs::path out_;
  fs::path coverage_build_;
  long timeout_s_ = 10;
  bool no_build_ = false;
};

}  // namespace

std::unique_ptr<Subcommand> MakeCoverageCommand() { return std::make_unique<CoverageCommand>(); }

}  // namespace iotfuzz::cli
