#include "fuzzers/engine/findings_collector.h"

#include <catch2/catch.hpp>
#include <thread>

#include "fuzzers/common/content_hash.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFileText;

std::vector<std::string> Names(const std::vector<Finding>& findings) {
  std::vector<std::string> names;
  for (const Finding& f : findings) names.push_back(f.file.filename().string());
  return names;
}

TEST_CASE("libFuzzer artifact names map to finding kinds") {
  CHECK(FindingsCollector::KindOfArtifactName("crash-abc") == FindingKind::kCrash);
  CHECK(FindingsCollector::KindOfArtifactName("leak-abc") == FindingKind::kLeak);
  CHECK(FindingsCollector::KindOfArtifactName("timeout-abc") == FindingKind::kTimeout);
  CHECK(FindingsCollector::KindOfArtifactName("oom-abc") == FindingKind::kOutOfMemory);
  CHECK(FindingsCollector::KindOfArtifactName("slow-unit-abc") == FindingKind::kSlowUnit);
  CHECK_FALSE(FindingsCollector::KindOfArtifactName("crash-").has_value());
  CHECK_FALSE(FindingsCollector::KindOfArtifactName("minimized-from-abc").has_value());
  CHECK_FALSE(FindingsCollector::KindOfArtifactName("README.txt").has_value());
}

TEST_CASE("Only artifacts written since the snapshot are new findings") {
  TempDir dir;
  WriteFileText(dir / "crash-old", "old");
  WriteFileText(dir / "crash-rewritten", "same input found again");
  FindingsCollector collector(dir.path());
  collector.Snapshot();

  WriteFileText(dir / "crash-new", "new!");
  WriteFileText(dir / "timeout-new", "t");
  WriteFileText(dir / "notes.txt", "not an artifact");
  // libFuzzer rewrites an artifact it finds again; a new modification time marks it.
  fs::last_write_time(dir / "crash-rewritten",
                      fs::last_write_time(dir / "crash-rewritten") + std::chrono::seconds(2));

  const auto findings = collector.NewLibFuzzerArtifacts();
  CHECK(Names(findings) == std::vector<std::string>{"crash-new", "crash-rewritten", "timeout-new"});
  CHECK(findings[0].kind == FindingKind::kCrash);
  CHECK(findings[0].size_bytes == 4);
  CHECK(findings[2].kind == FindingKind::kTimeout);
}

TEST_CASE("A missing crashes directory has no findings") {
  FindingsCollector collector("/nonexistent/crashes");
  collector.Snapshot();
  CHECK(collector.NewLibFuzzerArtifacts().empty());
}

TEST_CASE("AFL++ crashes and hangs are copied in under content names, once per content") {
  TempDir dir;
  const fs::path afl = dir / "afl";
  WriteFileText(afl / "main" / "crashes" / "README.txt", "afl notes");
  WriteFileText(afl / "main" / "crashes" / "id:000000,sig:06,src:000003,op:havoc", "boom");
  WriteFileText(afl / "s1" / "crashes" / "id:000000,sig:06,src:000001,op:flip1", "boom");
  WriteFileText(afl / "s1" / "hangs" / "id:000000,src:000001,op:havoc", "slow");
  WriteFileText(afl / "s1" / "queue" / "id:000000,orig:seed", "seed");
  FindingsCollector collector(dir / "crashes");

  const auto findings = collector.ImportAflFindings(afl);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].file == dir / "crashes" / ("crash-" + ContentHashHex("boom")));
  CHECK(findings[0].kind == FindingKind::kCrash);
  CHECK(testing::ReadFileText(findings[0].file) == "boom");
  CHECK(findings[0].engine_file.parent_path().filename() == "crashes");
  CHECK(findings[1].file == dir / "crashes" / ("timeout-" + ContentHashHex("slow")));
  CHECK(findings[1].kind == FindingKind::kTimeout);
}

TEST_CASE("Slow units are findings but not failures") {
  Finding slow;
  slow.kind = FindingKind::kSlowUnit;
  CHECK_FALSE(slow.is_failure());
  Finding leak;
  leak.kind = FindingKind::kLeak;
  CHECK(leak.is_failure());
}

}  // namespace
}  // namespace iotfuzz
