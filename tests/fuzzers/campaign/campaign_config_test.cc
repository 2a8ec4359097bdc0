#include <catch2/catch.hpp>

#include "fuzzers/campaign/baseline.h"
#include "fuzzers/campaign/campaign_config.h"
#include "fuzzers/campaign/campaign_plan.h"
#include "fuzzers/common/error.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz::campaign {
namespace {

using iotfuzz::testing::TempDir;
using iotfuzz::testing::WriteFileText;

CampaignConfig Parse(std::string_view yaml) { return ParseCampaignYaml(yaml, "c.yaml", "/repo", CampaignConfig{}); }

std::string ErrorOf(std::string_view yaml) {
  try {
    Parse(yaml);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_CASE("A campaign file sets every setting, relative paths taken from its directory") {
  const CampaignConfig c = Parse(
      "mode: batch\n"
      "time: 1h30m\n"
      "jobs: 4\n"
      "jobs_per_target: 2\n"
      "engine: afl\n"
      "harnesses: [demo_device_http_fuzzer, demo_device_mqtt_fuzzer]\n"
      "network: none\n"
      "network_reset: forkserver\n"
      "seed: 7\n"
      "out: out/campaign\n"
      "baseline: /etc/iotfuzz/baseline.txt\n"
      "grammar: false\n");
  CHECK(c.mode == CampaignMode::kBatch);
  CHECK(c.time == std::chrono::seconds(5400));
  CHECK(c.jobs == 4);
  CHECK(c.jobs_per_target == 2);
  CHECK(c.engine == EngineKind::kAfl);
  CHECK(c.harnesses == TargetSelection{false, {"demo_device_http_fuzzer", "demo_device_mqtt_fuzzer"}});
  CHECK(c.network == TargetSelection::None());
  CHECK(c.network_reset == "forkserver");
  CHECK(c.seed == 7);
  CHECK(c.out_dir == "/repo/out/campaign");
  CHECK(c.baseline == std::filesystem::path("/etc/iotfuzz/baseline.txt"));
  CHECK_FALSE(c.use_grammar);
  CHECK(c.EffectiveTime() == std::chrono::seconds(5400));
}

TEST_CASE("Each mode has its default budget and runs per target replace time") {
  CampaignConfig c;
  CHECK(c.EffectiveTime() == std::chrono::seconds(600));  // code-change
  c.mode = CampaignMode::kBatch;
  CHECK(c.EffectiveTime() == std::chrono::seconds(3600));
  c.runs_per_target = 1000;
  CHECK_FALSE(c.EffectiveTime().has_value());
  c.mode = CampaignMode::kRegression;
  c.runs_per_target.reset();
  CHECK_FALSE(c.EffectiveTime().has_value());
  CHECK(Parse("").mode == CampaignMode::kCodeChange);  // an empty file changes nothing
}

TEST_CASE("Campaign file errors name the file, line and column, what was expected and what was found") {
  CHECK_THAT(ErrorOf("mode: nightly\n"),
             Catch::StartsWith("c.yaml:1:7: 'mode': expected regression, code-change, batch or prune, found 'nightly'"));
  CHECK_THAT(ErrorOf("mode: batch\ntime: soon\n"), Catch::StartsWith("c.yaml:2:7: 'time': "));
  CHECK_THAT(ErrorOf("jobs: 0\n"), Catch::StartsWith("c.yaml:1:7: 'jobs': expected a whole number from 1 to 256, found '0'"));
  CHECK_THAT(ErrorOf("mode: batch\n  jobs: 2\n"), Catch::StartsWith("c.yaml:2:7: not valid YAML"));
  CHECK_THAT(ErrorOf("modes: batch\n"), Catch::StartsWith("c.yaml:1:1: unknown setting 'modes'; expected one of: mode,"));
  CHECK_THAT(ErrorOf("harnesses: some\n"),
             Catch::StartsWith("c.yaml:1:12: 'harnesses': expected all, none or a list of names, found 'some'"));
  CHECK_THAT(ErrorOf("harnesses: [a, [b]]\n"), Catch::StartsWith("c.yaml:1:16: 'harnesses': expected a target name, found a list"));
  CHECK_THAT(ErrorOf("- mode\n"), Catch::StartsWith("c.yaml:1:1: expected a mapping of campaign settings"));
  CHECK_THAT(ErrorOf("grammar: maybe\n"), Catch::StartsWith("c.yaml:1:10: 'grammar': expected true or false, found 'maybe'"));
  CHECK_THAT(ErrorOf("time: 0s\n"), Catch::StartsWith("c.yaml:1:7: 'time': expected a duration longer than 0s"));
  CHECK(ErrorOf("jobs: many\n") == "c.yaml:1:7: 'jobs': expected a whole number from 1 to 256, found 'many'");
}

TEST_CASE("A campaign file that cannot be read is named") {
  TempDir dir;
  CHECK_THROWS_WITH(LoadCampaignFile(dir / "missing.yaml", {}), Catch::Contains("missing.yaml"));
  CHECK_THROWS_WITH(LoadCampaignFile(dir.path(), {}), Catch::EndsWith("is a directory; expected a campaign YAML file"));
  WriteFileText(dir / "sub" / "c.yaml", "out: results\n");
  CHECK(LoadCampaignFile(dir / "sub" / "c.yaml", {}).out_dir == (dir / "sub" / "results").lexically_normal());
}

TEST_CASE("A baseline lists targets and signatures with comments and bad lines are named") {
  const Baseline b = Baseline::Parse(
      "# known findings\n"
      "\n"
      "demo_device_http_fuzzer  heap-buffer-overflow-0123456789abcdef  # HTTP-1\n"
      "  demo_device_mqtt_server\tnet-crash-00000000000000ff\n",
      "base.txt");
  REQUIRE(b.entries().size() == 2);
  CHECK(b.Contains("demo_device_http_fuzzer", "heap-buffer-overflow-0123456789abcdef"));
  CHECK(b.Contains("demo_device_mqtt_server", "net-crash-00000000000000ff"));
  CHECK_FALSE(b.Contains("demo_device_mqtt_server", "heap-buffer-overflow-0123456789abcdef"));
  CHECK(b.entries()[0].comment == "HTTP-1");
  CHECK(b.entries()[1].line == 4);
  CHECK_THROWS_WITH(Baseline::Parse("a b\nonly-one-field\n", "base.txt"),
                    Catch::StartsWith("base.txt:2: expected '<target> <signature>' (two fields"));
  CHECK_THROWS_WITH(Baseline::Parse("a b c\n", "base.txt"), Catch::Contains("found 3 fields"));
  CHECK_THROWS_WITH(Baseline::Parse("a b/c\n", "base.txt"), Catch::StartsWith("base.txt:1: 'b/c' has the character '/'"));
  TempDir dir;
  CHECK_THROWS_WITH(Baseline::Load(dir / "none.txt"), Catch::Contains("does not exist"));
}

TEST_CASE("A baseline written back reads the same, sorted, comments kept") {
  Baseline b;
  b.Add({"z_target", "sig-2", "second", 0});
  b.Add({"a_target", "sig-1", "", 0});
  b.Add({"a_target", "sig-1", "duplicate", 0});  // already there: not added twice
  const std::string text = b.Format();
  const Baseline again = Baseline::Parse(text, "b.txt");
  REQUIRE(again.entries().size() == 2);
  CHECK(again.entries()[0].target == "a_target");
  CHECK(again.entries()[1].comment == "second");
  CHECK(text.find("# iotfuzz campaign baseline") == 0);
}

// A build with two harnesses (one without binaries) and one network target.
BuildManifest FakeBuild(const TempDir& dir) {
  BuildManifest m;
  m.build_dir = dir.path();
  for (const char* f : {"a_fuzzer", "a_fuzzer_replay", "server_afl"}) WriteFileText(dir / f, "");
  HarnessEntry a;
  a.name = "a_fuzzer";
  a.binaries.libfuzzer = dir / "a_fuzzer";
  a.binaries.replay = dir / "a_fuzzer_replay";
  HarnessEntry b;
  b.name = "b_fuzzer";  // nothing built
  m.harnesses = {a, b};
  ServerEntry s;
  s.name = "a_server";
  s.afl_binary = dir / "server_afl";
  m.servers = {s};
  return m;
}

TEST_CASE("A plan takes the built targets, splits the time in waves and keeps a share for triage") {
  TempDir dir;
  const BuildManifest m = FakeBuild(dir);
  CampaignConfig c;
  c.time = std::chrono::seconds(300);
  c.jobs = 1;
  c.seed = 10;
  CampaignPlan p = MakePlan(c, m);
  REQUIRE(p.targets.size() == 2);
  CHECK(p.targets[0].name == "a_fuzzer");
  CHECK(p.targets[0].kind == TargetKind::kHarness);
  CHECK(p.targets[1].name == "a_server");
  CHECK(p.targets[1].kind == TargetKind::kNetwork);
  CHECK(p.targets[0].seed == 10);
  CHECK(p.targets[1].seed == 11);
  CHECK(p.reserve == std::chrono::seconds(30));
  CHECK(p.fuzz_time == std::chrono::seconds(270));
  CHECK(p.targets[0].budget == std::chrono::seconds(135));  // two waves of one
  REQUIRE(p.notes.size() == 1);
  CHECK(p.notes[0] == "b_fuzzer: left out (no libfuzzer binary built)");

  c.jobs = 2;  // one wave of two
  CHECK(MakePlan(c, m).targets[1].budget == std::chrono::seconds(270));

  c.time = std::chrono::seconds(8);
  CHECK_THROWS_WITH(MakePlan(c, m), Catch::StartsWith("--time 8s is too short for 2 targets with 2 jobs"));
  c.time.reset();
  c.runs_per_target = 500;
  p = MakePlan(c, m);
  CHECK_FALSE(p.targets[0].budget.has_value());
  CHECK(p.targets[0].runs == std::uint64_t{500});
}

TEST_CASE("A plan names unknown or unbuilt targets, and refuses to run nothing") {
  TempDir dir;
  const BuildManifest m = FakeBuild(dir);
  CampaignConfig c;
  c.harnesses = {false, {"nope"}};
  CHECK_THROWS_WITH(MakePlan(c, m), "unknown harness 'nope'; known harnesses: a_fuzzer, b_fuzzer");
  c.harnesses = {false, {"b_fuzzer"}};
  CHECK_THROWS_WITH(MakePlan(c, m), Catch::StartsWith("harness b_fuzzer cannot run: no libfuzzer binary built"));
  c.harnesses = TargetSelection::None();
  c.network = {false, {"x_server"}};
  CHECK_THROWS_WITH(MakePlan(c, m), "unknown network target 'x_server'; known network targets: a_server");
  c.network = TargetSelection::None();
  CHECK_THROWS_WITH(MakePlan(c, m), Catch::StartsWith("nothing to run"));
  // Regression needs only the replay binary; prune merges network targets too.
  c.mode = CampaignMode::kRegression;
  c.harnesses = TargetSelection::All();
  CHECK(MakePlan(c, m).targets.size() == 1);
  c.mode = CampaignMode::kPrune;
  c.network = TargetSelection::All();
  const CampaignPlan p = MakePlan(c, m);
  REQUIRE(p.targets.size() == 2);
  CHECK(p.targets[0].name == "a_fuzzer");
  CHECK(p.targets[1].name == "a_server");
  CHECK(p.targets[1].kind == TargetKind::kNetwork);
  CHECK_FALSE(p.targets[0].runs.has_value());
}

}  // namespace
}  // namespace iotfuzz::campaign
