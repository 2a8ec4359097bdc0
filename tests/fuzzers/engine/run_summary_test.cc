#include "fuzzers/engine/run_summary.h"

#include <catch2/catch.hpp>

namespace iotfuzz {
namespace {

RunConfig Config() {
  RunConfig config;
  config.harness.name = "demo_device_coap_fuzzer";
  config.harness.target = "demo_device";
  config.harness.protocol = "coap";
  config.harness.binaries.libfuzzer = "/b/bin/demo_device_coap_fuzzer";
  config.harness.binaries.replay = "/b/bin/demo_device_coap_fuzzer_replay";
  config.out_dir = "/o";
  config.seed = 1;
  config.budget.runs = 1000;
  return config;
}

RunOutcome CrashOutcome() {
  RunOutcome outcome;
  outcome.exits.push_back(ExitStatus{false, 1, 0});
  outcome.stats.execs = 1000;
  outcome.stats.execs_per_sec = 500;
  outcome.stats.edges = 45;
  outcome.stats.corpus_count = 12;
  outcome.stats.crashes = 1;
  outcome.elapsed = std::chrono::milliseconds(2000);
  Finding crash;
  crash.file = "/o/crashes/crash-abc";
  crash.kind = FindingKind::kCrash;
  crash.crash_type = "heap-buffer-overflow";
  crash.size_bytes = 7;
  outcome.findings.push_back(crash);
  return outcome;
}

const RunSummary::BuildInfo kBuild{"0.1.0", "libfuzzer-asan", "/b"};

TEST_CASE("The exit code is 2 with failures, 1 on an engine error, else 0") {
  const RunConfig config = Config();
  RunOutcome outcome = CrashOutcome();
  CHECK(RunSummary(config, outcome, kBuild, "t").exit_code() == kExitFindings);
  outcome.findings[0].kind = FindingKind::kSlowUnit;
  CHECK(RunSummary(config, outcome, kBuild, "t").exit_code() == kExitClean);
  outcome.engine_error = "libFuzzer exited with status 1";
  CHECK(RunSummary(config, outcome, kBuild, "t").exit_code() == kExitError);
  outcome.findings.clear();
  outcome.engine_error.clear();
  CHECK(RunSummary(config, outcome, kBuild, "t").exit_code() == kExitClean);
}

TEST_CASE("summary.json records the run, its stats and every finding with its replay command") {
  const RunConfig config = Config();
  const RunOutcome outcome = CrashOutcome();
  const nlohmann::json j = RunSummary(config, outcome, kBuild, "2024-01-01T00:00:00Z").ToJson();
  CHECK(j["harness"] == "demo_device_coap_fuzzer");
  CHECK(j["engine"] == "libfuzzer");
  CHECK(j["seed"] == 1);
  CHECK(j["budget"]["runs"] == 1000);
  CHECK(j["budget"]["time_seconds"].is_null());
  CHECK(j["stop_reason"] == "finished");
  CHECK(j["elapsed_seconds"] == 2.0);
  CHECK(j["stats"]["execs"] == 1000);
  CHECK(j["stats"]["edges"] == 45);
  CHECK(j["result"] == "findings");
  CHECK(j["exit_code"] == 2);
  CHECK(j["engine_exits"][0] == "exited with status 1");
  REQUIRE(j["findings"].size() == 1);
  CHECK(j["findings"][0]["type"] == "heap-buffer-overflow");
  CHECK(j["findings"][0]["kind"] == "crash");
  CHECK(j["findings"][0]["replay_command"][0] == "/b/bin/demo_device_coap_fuzzer_replay");
  CHECK(j["corpus"]["dir"] == "/o/corpus");
}

TEST_CASE("The text summary names the crash, its type and how to replay it") {
  const RunConfig config = Config();
  const RunOutcome outcome = CrashOutcome();
  const std::string text = RunSummary(config, outcome, kBuild, "t").ToText();
  CHECK_THAT(text, Catch::StartsWith("== demo_device_coap_fuzzer (libfuzzer) stopped at the first "
                                     "crash"));
  CHECK_THAT(text, Catch::Contains("executions   1000 (500/s)"));
  CHECK_THAT(text, Catch::Contains("edges        45"));
  CHECK_THAT(text, Catch::Contains("crash  heap-buffer-overflow  /o/crashes/crash-abc"));
  CHECK_THAT(text,
             Catch::Contains("replay: /b/bin/demo_device_coap_fuzzer_replay /o/crashes/crash-abc"));
  CHECK_THAT(text, Catch::EndsWith("summary      /o/summary.json\n"));
}

TEST_CASE("A finding without a known type says how to see it") {
  const RunConfig config = Config();
  RunOutcome outcome = CrashOutcome();
  outcome.findings[0].crash_type.clear();
  CHECK_THAT(RunSummary(config, outcome, kBuild, "t").ToText(),
             Catch::Contains("type unknown, replay to see the report"));
}

TEST_CASE("An interrupted run says so") {
  const RunConfig config = Config();
  RunOutcome outcome = CrashOutcome();
  outcome.stop_reason = StopReason::kInterrupted;
  CHECK_THAT(RunSummary(config, outcome, kBuild, "t").ToText(),
             Catch::StartsWith("== demo_device_coap_fuzzer (libfuzzer) interrupted after 2.0s"));
  CHECK(RunSummary(config, outcome, kBuild, "t").ToJson()["stop_reason"] == "interrupted");
}

}  // namespace
}  // namespace iotfuzz
