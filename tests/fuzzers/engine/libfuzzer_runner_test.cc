#include "fuzzers/engine/libfuzzer_runner.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "fuzzers/engine/stop_signal.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFileText;

RunConfig BaseConfig(const TempDir& dir) {
  RunConfig config;
  config.harness.name = "demo_fuzzer";
  config.harness.target = "demo";
  config.harness.protocol = "coap";
  config.engine_binary = "/build/bin/demo_fuzzer";
  config.out_dir = dir / "out";
  config.seed = 7;
  return config;
}

std::vector<std::string> Flags(const CommandLine& cmd) {
  std::vector<std::string> flags;
  for (std::size_t i = 1; i < cmd.argv.size(); ++i) {
    if (cmd.argv[i].starts_with("-")) flags.push_back(cmd.argv[i]);
  }
  return flags;
}

TEST_CASE("A libFuzzer command line has iotfuzz's defaults and the run's corpus and crash dirs") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.budget.runs = 1000;
  const auto commands = LibFuzzerRunner(config).BuildCommands();
  REQUIRE(commands.size() == 1);
  const CommandLine& cmd = commands[0];
  CHECK(cmd.argv.front() == "/build/bin/demo_fuzzer");
  CHECK(Flags(cmd) ==
        std::vector<std::string>{"-rss_limit_mb=2048", "-timeout=10",
                                 "-artifact_prefix=" + (dir / "out" / "crashes").string() + "/",
                                 "-print_final_stats=1", "-seed=7", "-runs=1000"});
  CHECK(cmd.argv.back() == (dir / "out" / "corpus").string());
  CHECK(cmd.working_dir == dir / "out");
}

TEST_CASE("A time budget becomes -max_total_time") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.budget.time = std::chrono::seconds(90);
  const CommandLine cmd = LibFuzzerRunner(config).BuildCommands()[0];
  CHECK(cmd.FlagValue("-max_total_time") == "90");
  CHECK(cmd.FlagValue("-runs").empty());
}

TEST_CASE("The manifest dictionary, the .options file and the seed corpus are used") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  WriteFileText(dir / "src" / "demo_fuzzer.dict", "\"GET\"\n");
  WriteFileText(dir / "src" / "seeds" / "a.bin", "x");
  config.harness.dict = dir / "src" / "demo_fuzzer.dict";
  config.harness.seed_corpus = dir / "src" / "seeds";
  config.harness.options = dir / "src" / "demo_fuzzer.options";
  config.harness_options = HarnessOptions::Parse(
      "[libfuzzer]\nmax_len = 512\ntimeout = 25\ndict = other.dict\n", "demo_fuzzer.options");
  const CommandLine cmd = LibFuzzerRunner(config).BuildCommands()[0];
  CHECK(cmd.FlagValue("-max_len") == "512");
  CHECK(cmd.FlagValue("-timeout") == "25");
  // A relative dict in .options is relative to the .options file.
  CHECK(cmd.FlagValue("-dict") == (dir / "src" / "other.dict").string());
  const std::size_t n = cmd.argv.size();
  CHECK(cmd.argv[n - 2] == (dir / "out" / "corpus").string());
  CHECK(cmd.argv[n - 1] == (dir / "src" / "seeds").string());
}

TEST_CASE("A dictionary or seed corpus that does not exist is left out") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.harness.dict = dir / "missing.dict";
  config.harness.seed_corpus = dir / "missing-seeds";
  const CommandLine cmd = LibFuzzerRunner(config).BuildCommands()[0];
  CHECK(cmd.FlagValue("-dict").empty());
  CHECK(cmd.argv.back() == (dir / "out" / "corpus").string());
}

TEST_CASE("An explicit corpus directory replaces the default working corpus") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.corpus_dir = dir / "mine";
  CHECK(LibFuzzerRunner(config).BuildCommands()[0].argv.back() == (dir / "mine").string());
}

TEST_CASE("Several jobs or --keep-going switch libFuzzer to fork mode that survives crashes") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  CHECK(LibFuzzerRunner(config).BuildCommands()[0].FlagValue("-fork").empty());
  config.jobs = 3;
  CommandLine cmd = LibFuzzerRunner(config).BuildCommands()[0];
  CHECK(cmd.FlagValue("-fork") == "3");
  CHECK(cmd.FlagValue("-ignore_crashes") == "1");
  CHECK(cmd.FlagValue("-ignore_timeouts") == "1");
  CHECK(cmd.FlagValue("-ignore_ooms") == "1");
  config.jobs = 1;
  config.keep_going = true;
  CHECK(LibFuzzerRunner(config).BuildCommands()[0].FlagValue("-fork") == "1");
}

TEST_CASE("Extra engine arguments override flags and add words after them") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.extra_args = {"-timeout=3", "-only_ascii=1", "-close_fd_mask", "extra-dir"};
  const CommandLine cmd = LibFuzzerRunner(config).BuildCommands()[0];
  CHECK(cmd.FlagValue("-timeout") == "3");
  CHECK(cmd.FlagValue("-only_ascii") == "1");
  CHECK(std::count_if(cmd.argv.begin(), cmd.argv.end(),
                      [](const std::string& a) { return a.starts_with("-timeout="); }) == 1);
  CHECK(cmd.HasArg("-close_fd_mask"));
  CHECK(cmd.argv.back() == "extra-dir");
}

TEST_CASE("Sanitizer options get iotfuzz's defaults without overriding the user's") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  CommandLine cmd = LibFuzzerRunner(config).BuildCommands()[0];
  CHECK(cmd.env_changes.Get("ASAN_OPTIONS") ==
        "symbolize=1:dedup_token_length=3:print_scariness=1");
  CHECK(cmd.env_changes.Get("UBSAN_OPTIONS") == "print_stacktrace=1:halt_on_error=1");
  config.user_env.Set("ASAN_OPTIONS", "symbolize=0:detect_leaks=0");
  config.user_env.Set("UBSAN_OPTIONS", "halt_on_error=0");
  cmd = LibFuzzerRunner(config).BuildCommands()[0];
  CHECK(cmd.env_changes.Get("ASAN_OPTIONS") ==
        "symbolize=0:detect_leaks=0:dedup_token_length=3:print_scariness=1");
  CHECK(cmd.env_changes.Get("UBSAN_OPTIONS") == "halt_on_error=0:print_stacktrace=1");
}

// A stand-in for a libFuzzer binary: a shell script that prints what
// libFuzzer prints and writes artifacts where -artifact_prefix says.
fs::path FakeEngine(const TempDir& dir, const std::string& body) {
  const fs::path script = dir / "fake_fuzzer";
  WriteFileText(script,
                "#!/bin/sh\n"
                "for a in \"$@\"; do case \"$a\" in -artifact_prefix=*) "
                "prefix=\"${a#-artifact_prefix=}\";; esac; done\n" +
                    body);
  ::chmod(script.c_str(), 0755);
  return script;
}

TEST_CASE("A run that crashes reports the crash with its type and no engine error") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.budget.runs = 100;
  config.engine_binary = FakeEngine(dir, R"SH(
printf '#2\tINITED cov: 2 ft: 2 corp: 1/1b exec/s: 0 rss: 32Mb\n'
printf '#9\tNEW    cov: 4 ft: 4 corp: 2/4b lim: 4 exec/s: 0 rss: 32Mb L: 3/3 MS: 1 ChangeByte-\n'
echo '==42==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1 at pc 0x2'
printf 'CoA' > "${prefix}crash-abc"
echo "artifact_prefix='$prefix'; Test unit written to ${prefix}crash-abc"
echo 'stat::number_of_executed_units: 9'
exit 1
)SH");
  NullRunObserver observer;
  const RunOutcome outcome = LibFuzzerRunner(config).Run(observer, nullptr);
  CHECK(outcome.stop_reason == StopReason::kFinished);
  CHECK(outcome.exits.at(0).code == 1);
  CHECK(outcome.engine_error.empty());
  CHECK(outcome.stats.execs == 9);
  CHECK(outcome.stats.edges == 4);
  REQUIRE(outcome.findings.size() == 1);
  CHECK(outcome.findings[0].file == dir / "out" / "crashes" / "crash-abc");
  CHECK(outcome.findings[0].crash_type == "heap-buffer-overflow");
  CHECK(outcome.has_failures());
  CHECK(fs::exists(dir / "out" / "logs" / "libfuzzer.log"));
  CHECK(fs::is_directory(dir / "out" / "corpus"));
}

TEST_CASE("Artifacts left by an earlier run are not reported again") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  WriteFileText(dir / "out" / "crashes" / "crash-old", "x");
  config.engine_binary = FakeEngine(dir, "echo 'Done 10 runs in 1 second(s)'\n");
  NullRunObserver observer;
  const RunOutcome outcome = LibFuzzerRunner(config).Run(observer, nullptr);
  CHECK(outcome.findings.empty());
  CHECK(outcome.engine_error.empty());
  CHECK(outcome.stats.engine_done);
}

TEST_CASE("An engine that fails without a finding is reported with its last words") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.engine_binary =
      FakeEngine(dir, "echo 'ERROR: The required directory \"x\" does not exist'\nexit 1\n");
  NullRunObserver observer;
  const RunOutcome outcome = LibFuzzerRunner(config).Run(observer, nullptr);
  CHECK_THAT(outcome.engine_error,
             Catch::Contains("exited with status 1") && Catch::Contains("The required directory"));
  CHECK_FALSE(outcome.has_failures());
}

TEST_CASE("A stop request interrupts the engine and the run still has an outcome") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.engine_binary =
      FakeEngine(dir,
                 "printf '#5\\tpulse  cov: 3 ft: 3 corp: 1/1b lim: 4 exec/s: 5 rss: 30Mb\\n'\n"
                 "trap 'echo interrupted; exit 72' INT\nsleep 60 & wait\n");
  StopSignal stop;
  struct StopOnFirstProgress : RunObserver {
    StopSignal* stop;
    int calls = 0;
    void OnProgress(const RunProgress&) override {
      if (++calls == 2) stop->Request(SIGINT);
    }
    void OnFinish() override {}
  } observer;
  observer.stop = &stop;
  const RunOutcome outcome = LibFuzzerRunner(config).Run(observer, &stop);
  CHECK(outcome.stop_reason == StopReason::kInterrupted);
  CHECK(outcome.engine_error.empty());
  CHECK(outcome.stats.edges == 3);
}

TEST_CASE("Crash types come from the report naming the artifact or, in fork mode, the only type") {
  LibFuzzerLogParser parser;
  parser.Feed(
      "INFO: -fork=2: fuzzing in separate process(s)\n"
      "==1==ERROR: AddressSanitizer: SEGV on unknown address 0x0\n"
      "#10: cov: 1 ft: 1 corp: 1 exec/s 0 oom/timeout/crash: 0/0/1 time: 1s job: 1\n"
      "==2==ERROR: AddressSanitizer: SEGV on unknown address 0x0\n");
  parser.Finish();
  std::vector<Finding> findings(3);
  findings[0].file = "/o/crashes/crash-1";
  findings[1].file = "/o/crashes/timeout-2";
  findings[1].kind = FindingKind::kTimeout;
  findings[2].file = "/o/crashes/leak-3";
  findings[2].kind = FindingKind::kLeak;
  LibFuzzerRunner::AssignCrashTypes(parser, findings);
  CHECK(findings[0].crash_type == "SEGV");
  CHECK(findings[1].crash_type == "timeout");
  CHECK(findings[2].crash_type == "memory-leak");

  LibFuzzerLogParser mixed;
  mixed.Feed(
      "INFO: -fork=2: fuzzing in separate process(s)\n"
      "==1==ERROR: AddressSanitizer: SEGV on unknown address 0x0\n"
      "#10: cov: 1 ft: 1 corp: 1 exec/s 0 oom/timeout/crash: 0/0/1 time: 1s job: 1\n"
      "==2==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n");
  std::vector<Finding> ambiguous(1);
  ambiguous[0].file = "/o/crashes/crash-1";
  LibFuzzerRunner::AssignCrashTypes(mixed, ambiguous);
  CHECK(ambiguous[0].crash_type.empty());
}

}  // namespace
}  // namespace iotfuzz
