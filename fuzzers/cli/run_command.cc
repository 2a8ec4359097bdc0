// iotfuzz run <harness>: one fuzzing campaign with libFuzzer or AFL++, a live
// status line, and a summary (text on stdout, summary.json in the output
// directory). See fuzzers/engine/run_config.h for the output layout.
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <random>
#include <string>
#include <system_error>

#include "fuzzers/cli/subcommands.h"
#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"
#include "fuzzers/engine/fuzzer_runner.h"
#include "fuzzers/engine/progress_file.h"
#include "fuzzers/engine/run_summary.h"
#include "fuzzers/engine/status_printer.h"
#include "fuzzers/engine/stop_signal.h"

namespace iotfuzz::cli {
namespace {

namespace fs = std::filesystem;

bool Exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string KnownHarnesses(const BuildManifest& manifest) {
  const auto names = manifest.HarnessNames();
  if (names.empty()) return "this build has no harnesses";
  return fmt::format("known harnesses: {}", fmt::join(names, ", "));
}

// The harness binary for `engine`, or an Error saying how to build it.
fs::path EngineBinary(const BuildManifest& manifest, const HarnessEntry& h, EngineKind engine) {
  const std::string build = manifest.build_dir.string();
  if (engine == EngineKind::kLibFuzzer) {
    if (h.binaries.libfuzzer.empty()) {
      throw Error::Format(
          "{} has no libFuzzer binary in {}: it is a '{}' build; libFuzzer binaries come from "
          "the libfuzzer-asan preset (cmake --preset libfuzzer-asan && cmake --build --preset "
          "libfuzzer-asan), or use --engine afl",
          h.name, build, manifest.variant);
    }
    if (!Exists(h.binaries.libfuzzer)) {
      throw Error::Format(
          "{} is not built yet ({} is missing); build it with: cmake --build {} "
          "--target {}",
          h.name, h.binaries.libfuzzer.string(), build, h.name);
    }
    return h.binaries.libfuzzer;
  }
  if (h.binaries.afl.empty()) {
    if (manifest.variant == "libfuzzer-asan") {
      throw Error::Format(
          "{} has no AFL++ binary in {}: afl-clang-fast++ was not found when the tree was "
          "configured; install afl++ (scripts/setup) and reconfigure with cmake --preset "
          "libfuzzer-asan, or build the afl preset (cmake --preset afl && cmake --build --preset "
          "afl)",
          h.name, build);
    }
    throw Error::Format(
        "{} has no AFL++ binary in {}: it is a '{}' build; build the afl preset (cmake --preset "
        "afl && cmake --build --preset afl) or the libfuzzer-asan preset with afl++ installed",
        h.name, build, manifest.variant);
  }
  if (!Exists(h.binaries.afl)) {
    throw Error::Format(
        "the AFL++ binary of {} is not built yet ({} is missing); build it with: "
        "cmake --build {}",
        h.name, h.binaries.afl.string(), build);
  }
  return h.binaries.afl;
}

std::uint64_t ParseRuns(const std::string& text) {
  std::uint64_t runs = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), runs);
  if (ec != std::errc() || end != text.data() + text.size() || runs == 0) {
    throw Error::Format("--runs expects a positive whole number, got '{}'", text);
  }
  return runs;
}

std::size_t TerminalWidth(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 0;
}

class RunCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand("run", "Fuzz one harness with libFuzzer or AFL++");
    sub->add_option("harness", harness_, "Harness name (see 'iotfuzz list')")->required();
    sub->add_option("--engine", engine_, "Fuzzing engine")
        ->check(CLI::IsMember({"libfuzzer", "afl"}))
        ->capture_default_str();
    time_option_ = sub->add_option("--time", time_, "Stop after this long: 90, 60s, 5m, 1h30m")
                       ->type_name("DURATION");
    runs_option_ = sub->add_option("--runs", runs_, "Stop after this many executions")
                       ->type_name("N")
                       ->excludes(time_option_);
    sub->add_option("--jobs", jobs_,
                    "Parallel engine processes (libFuzzer -fork=N, AFL++ -M/-S instances)")
        ->type_name("N")
        ->check(CLI::Range(1u, 256u))
        ->capture_default_str();
    corpus_option_ =
        sub->add_option("--corpus", corpus_,
                        "Working corpus directory (default: <out>/corpus); the harness's seed "
                        "corpus is read as well")
            ->type_name("DIR");
    out_option_ =
        sub->add_option("--out", out_, "Output directory (default: iotfuzz-out/<harness>/<engine>)")
            ->type_name("DIR");
    seed_option_ =
        sub->add_option("--seed", seed_, "Random seed (default: random, recorded in summary.json)")
            ->type_name("N");
    sub->add_flag("--no-grammar", no_grammar_,
                  "Byte-level mutation only, even when the harness has a grammar (for comparison)");
    sub->add_flag("--keep-going", keep_going_,
                  "Go on after crashes (libFuzzer fork mode); AFL++ always does");
    sub->add_option("--progress-file", progress_file_,
                    "Also write the run's figures to this JSON file about once a second "
                    "(replaced atomically; read by iotfuzz campaign)")
        ->type_name("FILE");
    sub->footer(
        "Arguments after '--' go to the engine (libFuzzer: -flag=value overrides iotfuzz's).\n"
        "Exit status: 0 no finding, 2 findings, 1 error.");
    return sub;
  }

  bool AcceptsPassthroughArgs() const override { return true; }

  int Run(CliContext& context) override {
    RunConfig config;
    if (time_option_->count() > 0) {
      config.budget.time = ParseDuration(time_);
      if (config.budget.time->count() == 0) throw Error("--time must be longer than 0s");
    }
    if (runs_option_->count() > 0) config.budget.runs = ParseRuns(runs_);
    if (out_option_->count() > 0 && out_.empty()) throw Error("--out needs a directory");
    if (corpus_option_->count() > 0 && corpus_.empty()) throw Error("--corpus needs a directory");

    const BuildManifest manifest = context.LoadManifest();
    const HarnessEntry* harness = manifest.Find(harness_);
    if (harness == nullptr) {
      throw Error::Format("unknown harness '{}'; {}", harness_, KnownHarnesses(manifest));
    }
    config.harness = *harness;
    config.engine = *EngineFromName(engine_);
    config.engine_binary = EngineBinary(manifest, *harness, config.engine);
    if (!harness->options.empty() && Exists(harness->options)) {
      config.harness_options = HarnessOptions::Load(harness->options);
    }
    config.jobs = jobs_;
    config.keep_going = keep_going_;
    if (!no_grammar_ && !harness->grammar.empty()) {
      if (!Exists(harness->grammar)) throw Error::Format("grammar {} of {} does not exist", harness->grammar.string(), harness->name);
      config.grammar = harness->grammar;
      config.afl_mutator_library = manifest.build_dir / "lib" / "libiotfuzz_afl_mutator.so";
      if (config.engine == EngineKind::kAfl && !Exists(config.afl_mutator_library)) {
        throw Error::Format("{} is not built (cmake --build --preset libfuzzer-asan)",
                            config.afl_mutator_library.string());
      }
    }
    config.seed = seed_option_->count() > 0 ? seed_ : std::random_device{}();
    std::error_code ec;
    const fs::path out =
        out_.empty() ? fs::current_path(ec) / "iotfuzz-out" / harness_ / engine_ : fs::path(out_);
    config.out_dir = fs::absolute(out, ec).lexically_normal();
    if (!corpus_.empty()) config.corpus_dir = fs::absolute(corpus_, ec).lexically_normal();
    config.extra_args = context.passthrough_args;
    config.user_env = context.env;

    std::unique_ptr<FuzzerRunner> runner = MakeFuzzerRunner(config);
    std::string budget = "no limit, Ctrl-C stops";
    if (config.budget.time) budget = FormatDuration(*config.budget.time);
    if (config.budget.runs) budget = fmt::format("{} runs", *config.budget.runs);
    fmt::print(context.err, "iotfuzz: fuzzing {} with {} ({}, seed {}, {} job{}, {}) into {}\n",
               harness->name, engine_, budget, config.seed, config.jobs,
               config.jobs == 1 ? "" : "s",
               config.grammar.empty() ? std::string("byte-level mutation")
                                      : "grammar " + config.grammar.filename().string(),
               config.out_dir.string());
    for (const CommandLine& cmd : runner->BuildCommands()) {
      fmt::print(context.err, "iotfuzz: $ {}\n", cmd.ToShellString());
    }
    std::fflush(context.err);

    const int status_fd = ::fileno(context.err);
    StatusPrinter printer(context.err, ChooseStatusStyle(status_fd, context.env),
                          std::chrono::seconds(10), TerminalWidth(status_fd));
    const std::string started_at = UtcTimestampNow();
    RunOutcome outcome;
    {
      StopSignal stop;
      if (progress_file_.empty()) {
        outcome = runner->Run(printer, &stop);
      } else {
        ProgressFileWriter progress(progress_file_, &printer);
        outcome = runner->Run(progress, &stop);
      }
    }

    RunSummary summary(config, outcome, {context.version, manifest.variant, manifest.build_dir},
                       started_at);
    WriteFileAtomically(config.SummaryFile(), summary.ToJson().dump(2) + "\n");
    fmt::print(context.out, "{}", summary.ToText());
    std::fflush(context.out);
    if (!outcome.engine_error.empty() && summary.exit_code() == kExitError) {
      throw Error(outcome.engine_error);
    }
    return summary.exit_code();
  }

 private:
  std::string harness_;
  std::string engine_ = "libfuzzer";
  std::string time_;
  CLI::Option* time_option_ = nullptr;
  std::string runs_;
  CLI::Option* runs_option_ = nullptr;
  unsigned jobs_ = 1;
  std::string corpus_;
  CLI::Option* corpus_option_ = nullptr;
  std::string out_;
  CLI::Option* out_option_ = nullptr;
  std::uint32_t seed_ = 0;
  CLI::Option* seed_option_ = nullptr;
  bool keep_going_ = false;
  bool no_grammar_ = false;
  std::string progress_file_;
};

}  // namespace

std::unique_ptr<Subcommand> MakeRunCommand() { return std::make_unique<RunCommand>(); }

}  // namespace iotfuzz::cli
