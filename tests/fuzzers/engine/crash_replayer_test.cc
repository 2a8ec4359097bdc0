#include "fuzzers/engine/crash_replayer.h"

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

// A harness whose replay binary is a script: crash-asan fails like
// AddressSanitizer, crash-clean runs cleanly, crash-hang never ends.
HarnessEntry FakeHarness(const TempDir& dir) {
  const fs::path script = dir / "fake_replay";
  WriteFileText(script, R"SH(#!/bin/sh
case "$1" in
  *crash-asan) echo 'Running: x'; echo '==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x1'; exit 1 ;;
  *crash-clean) echo 'Executed x in 0 ms'; exit 0 ;;
  *crash-hang) sleep 60 ;;
esac
)SH");
  ::chmod(script.c_str(), 0755);
  HarnessEntry harness;
  harness.name = "fake";
  harness.binaries.replay = script;
  return harness;
}

Finding CrashFile(const TempDir& dir, const std::string& name) {
  Finding finding;
  finding.file = dir / name;
  WriteFileText(finding.file, "input");
  return finding;
}

TEST_CASE("The replay command prefers the _replay binary and falls back to the others") {
  HarnessEntry h;
  h.binaries.libfuzzer = "/b/h";
  h.binaries.replay = "/b/h_replay";
  h.binaries.afl = "/b/h_afl";
  CHECK(ReplayCommandFor(h, "/o/crash-1") == std::vector<std::string>{"/b/h_replay", "/o/crash-1"});
  h.binaries.replay.clear();
  CHECK(ReplayCommandFor(h, "/o/crash-1")[0] == "/b/h");
  h.binaries.libfuzzer.clear();
  CHECK(ReplayCommandFor(h, "/o/crash-1")[0] == "/b/h_afl");
}

TEST_CASE("Replaying a crash of unknown type names it from the sanitizer report") {
  TempDir dir;
  std::vector<Finding> findings = {CrashFile(dir, "crash-asan"), CrashFile(dir, "crash-clean")};
  CrashReplayer(FakeHarness(dir), Environment::Current(), dir.path())
      .FillMissingTypes(findings, nullptr);
  CHECK(findings[0].crash_type == "heap-use-after-free");
  CHECK(findings[1].crash_type == "did-not-reproduce");
  CHECK_THAT(testing::ReadFileText(dir / "replay-crash-asan.log"),
             Catch::Contains("heap-use-after-free"));
}

TEST_CASE("A replay that hangs is stopped at its time limit") {
  TempDir dir;
  std::vector<Finding> findings = {CrashFile(dir, "crash-hang")};
  CrashReplayer::Limits limits;
  limits.timeout = std::chrono::seconds(1);
  CrashReplayer(FakeHarness(dir), Environment::Current(), dir.path(), limits)
      .FillMissingTypes(findings, nullptr);
  CHECK(findings[0].crash_type == "replay-timeout");
}

TEST_CASE("Known types, timeouts and findings past the limit are not replayed") {
  TempDir dir;
  std::vector<Finding> findings = {CrashFile(dir, "crash-asan"), CrashFile(dir, "crash-asan"),
                                   CrashFile(dir, "crash-asan")};
  findings[0].crash_type = "SEGV";
  findings[1].kind = FindingKind::kTimeout;
  CrashReplayer::Limits limits;
  limits.max_replays = 0;
  CrashReplayer(FakeHarness(dir), Environment::Current(), dir.path(), limits)
      .FillMissingTypes(findings, nullptr);
  CHECK(findings[0].crash_type == "SEGV");
  CHECK(findings[1].crash_type.empty());
  CHECK(findings[2].crash_type.empty());
}

TEST_CASE("Nothing is replayed after Ctrl-C") {
  TempDir dir;
  std::vector<Finding> findings = {CrashFile(dir, "crash-asan")};
  StopSignal stop;
  stop.Request(SIGINT);
  CrashReplayer(FakeHarness(dir), Environment::Current(), dir.path())
      .FillMissingTypes(findings, &stop);
  CHECK(findings[0].crash_type.empty());
  CHECK_FALSE(fs::exists(dir / "replay-crash-asan.log"));
}

TEST_CASE("A harness without any binary leaves the type unknown") {
  TempDir dir;
  std::vector<Finding> findings = {CrashFile(dir, "crash-asan")};
  CrashReplayer(HarnessEntry{}, Environment::Current(), dir.path())
      .FillMissingTypes(findings, nullptr);
  CHECK(findings[0].crash_type.empty());
}

}  // namespace
}  // namespace iotfuzz
