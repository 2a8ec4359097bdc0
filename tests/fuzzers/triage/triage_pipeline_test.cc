// The triage pipeline on the demo device's planted bugs, with this build's
// replay and libFuzzer binaries: deduplication of known duplicates and
// distinct bugs, reproduction rates, minimization that keeps the signature,
// inputs that do not crash. Deterministic: fixed inputs, fixed libFuzzer seed
// and run counts, no wall-clock limit decides a result.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "demo_crash_variants.h"
#include "fuzzers/common/build_manifest.h"
#include "fuzzers/common/environment.h"
#include "fuzzers/triage/sanitizer_log_parser.h"
#include "fuzzers/triage/log_symbolizer.h"
#include "fuzzers/triage/triage_pipeline.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz::triage {
namespace {

namespace fs = std::filesystem;
using iotfuzz::testing::TempDir;

const fs::path kReproducers = fs::path(IOTFUZZ_SOURCE_DIR) / "targets/demo_device/reproducers";

TriagePipeline MakePipeline() {
  return TriagePipeline(BuildManifest::Load(IOTFUZZ_BUILD_MANIFEST), Environment::Current());
}

// The bug id an input file was generated for: "GATT-1-0003" -> "GATT-1".
std::string BugOf(const fs::path& file) { return file.filename().string().substr(0, 6); }

TEST_CASE("DeduplicatesDemoDeviceCrashesIntoOneFindingPerBug", "[triage][pipeline]") {
  TempDir dir;
  iotfuzz::testing::WriteDemoCrashVariants(kReproducers, dir.path() / "inputs", 6);
  std::map<std::string, std::set<std::string>> bugs_per_finding;
  std::map<std::string, std::set<std::string>> findings_per_bug;
  std::size_t findings = 0;
  for (const char* h : {"demo_device_http_fuzzer", "demo_device_mqtt_fuzzer", "demo_device_coap_fuzzer",
                        "demo_device_gatt_fuzzer"}) {
    TriageRequest r;
    r.dirs = {dir.path() / "inputs" / h};
    r.harness = h;
    r.settings.reproduce_attempts = 2;
    r.settings.minimize = false;
    r.output_dir = dir.path() / "out" / h;
    const TriageResult result = MakePipeline().Run(r);
    REQUIRE(result.inputs.size() == 12);
    findings += result.findings.size();
    for (const auto& in : result.inputs) {
      INFO(in.file.string());
      REQUIRE_FALSE(in.finding_id.empty());  // every variant crashes
      bugs_per_finding[h + in.finding_id].insert(BugOf(in.file));
      findings_per_bug[BugOf(in.file)].insert(h + in.finding_id);
    }
    for (const auto& f : result.findings) {
      CHECK(f.reproduction.attempts == 2);
      CHECK(f.reproduction.reproduced == 2);
      CHECK(f.inputs.size() == 6);
    }
  }
  CHECK(findings == 8);
  for (const auto& [finding, bugs] : bugs_per_finding) {
    INFO(finding);
    CHECK(bugs.size() == 1);
  }
  CHECK(findings_per_bug.size() == 8);
  for (const auto& [bug, ids] : findings_per_bug) {
    INFO(bug);
    CHECK(ids.size() == 1);
  }
}

// Replays `file` with `harness` and returns its bucket key.
std::string BucketKeyOf(const HarnessEntry& harness, const fs::path& file) {
  HarnessReplayReproducer reproducer(harness, Environment::Current(), std::chrono::seconds(30));
  const ReplayOutput out = reproducer.Replay(file, "crash");
  LogSymbolizer symbolizer;
  symbolizer.Add(out.log);
  symbolizer.Resolve(Environment::Current());
  SignatureOptions options;
  options.fallback_state = harness.name;
  return CrashSignature::FromReport(SanitizerLogParser::Parse(symbolizer.Rewrite(out.log)), options).BucketKey();
}

TEST_CASE("MinimizedReproducersKeepTheSignature", "[triage][pipeline][minimize]") {
  const BuildManifest manifest = BuildManifest::Load(IOTFUZZ_BUILD_MANIFEST);
  struct Case {
    const char* harness;
    const char* reproducer;
    bool grammar;
  };
  // COAP-1 goes through the grammar pass, MQTT-2 and GATT-2 through libFuzzer's.
  for (const Case& c : {Case{"demo_device_coap_fuzzer", "COAP-1_token_length_9.bin", true},
                        Case{"demo_device_mqtt_fuzzer", "MQTT-2_schedule_count_wraps_table_size.bin", false},
                        Case{"demo_device_gatt_fuzzer", "GATT-2_prepare_write_past_maximum.bin", false}}) {
    INFO(c.reproducer);
    TempDir dir;
    fs::create_directories(dir / "in");
    // A padded variant gives the minimizer something certain to remove.
    const std::string original = iotfuzz::testing::ReadFileText(kReproducers / c.reproducer);
    std::string padded = original;
    if (std::string(c.harness) == "demo_device_coap_fuzzer") {
      padded = original + original.substr(0, 2) + std::string(original.size() - 2, '\0');
      padded[original.size()] = static_cast<char>(original.size() - 2);
      padded[original.size() + 1] = 0;
    } else if (std::string(c.harness) == "demo_device_mqtt_fuzzer") {
      for (int i = 0; i < 20; ++i) padded += std::string("\xd0\x00", 2);  // PINGRESPs, never reached
    } else {
      padded = original + std::string("\x05\x00\x0a\x03\x00\x00\x00", 7);
    }
    iotfuzz::testing::WriteFileText(dir / "in" / "crash-padded", padded);
    TriageRequest r;
    r.dirs = {dir / "in"};
    r.harness = c.harness;
    r.settings.reproduce_attempts = 1;
    r.minimize.libfuzzer_runs = 2000;
    r.minimize.max_libfuzzer_steps = 8;
    r.output_dir = dir / "out";
    const TriageResult result = MakePipeline().Run(r);
    REQUIRE(result.findings.size() == 1);
    const Finding& f = result.findings[0];
    REQUIRE(f.minimized.attempted);
    REQUIRE(f.minimized.verified);
    CHECK(f.minimized.bytes.size() < padded.size());
    if (c.grammar) CHECK(f.minimized.steps.front().rfind("grammar:", 0) == 0);
    // Independently replayed, the written reproducer crashes with the same signature.
    REQUIRE(fs::exists(f.minimized.file));
    CHECK(iotfuzz::testing::ReadFileText(f.minimized.file) == f.minimized.bytes);
    CHECK(BucketKeyOf(*manifest.Find(c.harness), f.minimized.file) == f.bucket_keys.front());
  }
}

TEST_CASE("InputsThatDoNotCrashAreReplayedNTimesAndListed", "[triage][pipeline]") {
  TempDir dir;
  fs::create_directories(dir / "in");
  iotfuzz::testing::WriteFileText(dir / "in" / "crash-harmless", std::string("\x03\x00\x0a\x03\x00", 5));
  iotfuzz::testing::WriteFileText(dir / "in" / "crash-gatt1",
                              iotfuzz::testing::ReadFileText(kReproducers / "GATT-1_read_handle_one_past_database.bin"));
  TriageRequest r;
  r.dirs = {dir / "in"};
  r.harness = "demo_device_gatt_fuzzer";
  r.settings.reproduce_attempts = 3;
  r.settings.minimize = false;
  r.output_dir = dir / "out";
  const TriageResult result = MakePipeline().Run(r);
  REQUIRE(result.inputs.size() == 2);
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].reproduction.reproduced == 3);
  CHECK(result.findings[0].reproduction.attempts == 3);
  const TriagedInput& harmless = result.inputs[1];  // inputs are in name order
  REQUIRE(harmless.file.filename() == "crash-harmless");
  CHECK(harmless.finding_id.empty());
  CHECK(harmless.reproduction.attempts == 3);
  CHECK(harmless.reproduction.reproduced == 0);
  // The interface fails on the reproducible finding and lists the unconfirmed input.
  bool found = false;
  for (const auto& v : result.verdicts) {
    if (v.interface_name != "ble-att") continue;
    found = true;
    CHECK(v.verdict == Verdict::kFail);
    CHECK(v.unconfirmed.size() == 1);
  }
  CHECK(found);
  CHECK(fs::exists(dir / "out" / "logs" / "F01.log"));
}

}  // namespace
}  // namespace iotfuzz::triage
