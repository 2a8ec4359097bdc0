#include "fuzzers/engine/afl_runner.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "fuzzers/common/content_hash.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileText;
using testing::TempDir;
using testing::WriteFileText;

RunConfig BaseConfig(const TempDir& dir) {
  RunConfig config;
  config.engine = EngineKind::kAfl;
  config.harness.name = "demo_fuzzer";
  config.engine_binary = "/build/bin/demo_fuzzer_afl";
  config.out_dir = dir / "out";
  config.seed = 5;
  return config;
}

TEST_CASE("A single AFL++ instance gets iotfuzz's flags, the corpus and the harness after --") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  WriteFileText(dir / "h.dict", "\"x\"\n");
  config.harness.dict = dir / "h.dict";
  config.budget.time = std::chrono::seconds(60);
  config.harness_options = HarnessOptions::Parse("[libfuzzer]\nmax_len = 300\n", "h.options");
  const auto commands = AflRunner(config).BuildCommands();
  REQUIRE(commands.size() == 1);
  const std::vector<std::string> expected = {"afl-fuzz",
                                             "-i",
                                             (dir / "out" / "corpus").string(),
                                             "-o",
                                             (dir / "out" / "afl").string(),
                                             "-x",
                                             (dir / "h.dict").string(),
                                             "-m",
                                             "none",
                                             "-t",
                                             "1000+",
                                             "-s",
                                             "5",
                                             "-V",
                                             "60",
                                             "-G",
                                             "300",
                                             "--",
                                             "/build/bin/demo_fuzzer_afl"};
  CHECK(commands[0].argv == expected);
  CHECK(commands[0].label == "afl-default");
}

TEST_CASE("Several AFL++ jobs are one main and secondaries, sharing the execution budget") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.jobs = 3;
  config.budget.runs = 1000;
  const auto commands = AflRunner(config).BuildCommands();
  REQUIRE(commands.size() == 3);
  CHECK(commands[0].FlagValue("-M") == "main");
  CHECK(commands[1].FlagValue("-S") == "s1");
  CHECK(commands[2].FlagValue("-S") == "s2");
  CHECK(commands[0].FlagValue("-s") == "5");
  CHECK(commands[2].FlagValue("-s") == "7");
  for (const auto& cmd : commands) CHECK(cmd.FlagValue("-E") == "334");
  CHECK(AflRunner(config).InstanceNames() == std::vector<std::string>{"main", "s1", "s2"});
}

TEST_CASE("AFL++ gets its environment, keeping the user's settings but forcing what it needs") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  CommandLine cmd = AflRunner(config).BuildCommands()[0];
  for (const char* name : {"AFL_SKIP_CPUFREQ", "AFL_NO_UI", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES",
                           "AFL_NO_AFFINITY"}) {
    CHECK(cmd.env_changes.Get(name) == "1");
  }
  CHECK_THAT(*cmd.env_changes.Get("ASAN_OPTIONS"),
             Catch::StartsWith("abort_on_error=1:symbolize=0:detect_leaks=0"));
  config.user_env.Set("AFL_NO_UI", "0");
  config.user_env.Set("ASAN_OPTIONS", "symbolize=1:detect_leaks=1");
  config.user_env.Set("UBSAN_OPTIONS", "print_stacktrace=1");
  cmd = AflRunner(config).BuildCommands()[0];
  CHECK_FALSE(cmd.env_changes.Has("AFL_NO_UI"));
  const std::string asan = *cmd.env_changes.Get("ASAN_OPTIONS");
  CHECK_THAT(asan, Catch::StartsWith("symbolize=0:detect_leaks=1:abort_on_error=1"));
  CHECK(*cmd.env_changes.Get("UBSAN_OPTIONS") ==
        "print_stacktrace=1:halt_on_error=1:abort_on_error=1:symbolize=0");
}

TEST_CASE("Harvesting copies only new, distinct queue entries into the corpus") {
  TempDir dir;
  WriteFileText(dir / "corpus" / "seed", "known");
  WriteFileText(dir / "afl" / "main" / "queue" / "id:000000,time:0,execs:0,orig:seed", "known");
  WriteFileText(dir / "afl" / "main" / "queue" / "id:000001,src:000000,op:havoc", "found");
  WriteFileText(dir / "afl" / "s1" / "queue" / "id:000003,sync:main,src:000001", "found");
  WriteFileText(dir / "afl" / "s1" / "queue" / "id:000004,src:000000,op:flip1", "known");
  WriteFileText(dir / "afl" / "s1" / "queue" / ".state", "ignored");
  CHECK(AflRunner::HarvestQueue(dir / "afl", dir / "corpus") == 1);
  CHECK(ReadFileText(dir / "corpus" / ("afl-" + ContentHashHex("found"))) == "found");
  CHECK(AflRunner::HarvestQueue(dir / "afl", dir / "corpus") == 0);
}

// A stand-in for afl-fuzz: checks its input directory like afl-fuzz does,
// then writes what an instance leaves behind.
fs::path FakeAflFuzz(const TempDir& dir, const std::string& extra) {
  const fs::path script = dir / "fake-afl-fuzz";
  WriteFileText(script, R"SH(#!/bin/sh
name=default
while [ $# -gt 0 ]; do
  case "$1" in
    -i) in="$2"; shift ;;
    -o) out="$2"; shift ;;
    -M|-S) name="$2"; shift ;;
    --) break ;;
  esac
  shift
done
if [ -z "$(ls "$in")" ]; then echo '[-] PROGRAM ABORT : No usable test cases'; exit 1; fi
d="$out/$name"
mkdir -p "$d/queue" "$d/crashes" "$d/hangs"
printf '[*] Fuzzing test case #0 (3 total, 1 crashes saved, perf_score=100)...\n'
printf 'execs_done : 500\nexecs_per_sec : 250.0\ncorpus_count : 3\nsaved_crashes : 1\nsaved_hangs : 0\nedges_found : 17\ntotal_edges : 65536\n' > "$d/fuzzer_stats"
printf "$name-new" > "$d/queue/id:000001,src:000000,op:havoc"
printf 'boom' > "$d/crashes/id:000000,sig:06,src:000000,op:havoc"
)SH" + extra);
  ::chmod(script.c_str(), 0755);
  return script;
}

TEST_CASE("An AFL++ run seeds the corpus, then collects stats, findings and new inputs") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.jobs = 2;
  WriteFileText(dir / "seeds" / "get.bin", "GET");
  config.harness.seed_corpus = dir / "seeds";
  config.afl_fuzz_program = FakeAflFuzz(dir, "").string();
  NullRunObserver observer;
  const RunOutcome outcome = AflRunner(config).Run(observer, nullptr);
  CHECK(outcome.engine_error.empty());
  CHECK(outcome.stop_reason == StopReason::kFinished);
  CHECK(outcome.stats.execs == 1000);
  CHECK(outcome.stats.edges == 17);
  CHECK(outcome.stats.crashes == 2);
  REQUIRE(outcome.findings.size() == 1);  // both instances found the same bytes
  CHECK(outcome.findings[0].file == dir / "out" / "crashes" / ("crash-" + ContentHashHex("boom")));
  CHECK(ReadFileText(dir / "out" / "corpus" / "get.bin") == "GET");
  CHECK(fs::exists(dir / "out" / "corpus" / ("afl-" + ContentHashHex("main-new"))));
  CHECK(fs::exists(dir / "out" / "corpus" / ("afl-" + ContentHashHex("s1-new"))));
  CHECK(outcome.corpus_files == 3);
  CHECK(outcome.logs.size() == 2);
  CHECK(fs::exists(dir / "out" / "logs" / "afl-main.log"));
  // The committed seed corpus is read, never written.
  CHECK(std::distance(fs::directory_iterator(dir / "seeds"), fs::directory_iterator()) == 1);
}

TEST_CASE("Without any seed AFL++ starts from a one-byte input") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  config.afl_fuzz_program = FakeAflFuzz(dir, "").string();
  NullRunObserver observer;
  const RunOutcome outcome = AflRunner(config).Run(observer, nullptr);
  CHECK(outcome.engine_error.empty());
  CHECK(ReadFileText(dir / "out" / "corpus" / "seed-newline") == "\n");
}

TEST_CASE("An earlier AFL++ output directory is harvested and replaced") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  WriteFileText(dir / "out" / "afl" / "default" / "queue" / "id:000007,src:000001", "old-find");
  WriteFileText(dir / "out" / "afl" / "default" / "crashes" / "id:000002,sig:11", "old-crash");
  config.afl_fuzz_program = FakeAflFuzz(dir, "").string();
  NullRunObserver observer;
  const RunOutcome outcome = AflRunner(config).Run(observer, nullptr);
  CHECK(fs::exists(dir / "out" / "corpus" / ("afl-" + ContentHashHex("old-find"))));
  CHECK(fs::exists(dir / "out" / "crashes" / ("crash-" + ContentHashHex("old-crash"))));
  CHECK_FALSE(fs::exists(dir / "out" / "afl" / "default" / "queue" / "id:000007,src:000001"));
  // The old crash is kept but is not a finding of this run.
  REQUIRE(outcome.findings.size() == 1);
  CHECK(outcome.findings[0].file.filename() == "crash-" + ContentHashHex("boom"));
}

TEST_CASE("afl-fuzz failing is reported with its abort message") {
  TempDir dir;
  RunConfig config = BaseConfig(dir);
  const fs::path script = dir / "failing-afl-fuzz";
  WriteFileText(script,
                "#!/bin/sh\nprintf '\\033[1;91m[-] PROGRAM ABORT : \\033[0mSuboptimal CPU "
                "scaling governor\\n'\nexit 1\n");
  ::chmod(script.c_str(), 0755);
  config.afl_fuzz_program = script.string();
  NullRunObserver observer;
  const RunOutcome outcome = AflRunner(config).Run(observer, nullptr);
  CHECK_THAT(outcome.engine_error, Catch::Contains("afl-fuzz (default) exited with status 1") &&
                                       Catch::Contains("Suboptimal CPU scaling governor"));
}

}  // namespace
}  // namespace iotfuzz
