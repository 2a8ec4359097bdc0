#include "fuzzers/common/atomic_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "fuzzers/common/error.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileText;
using testing::TempDir;

std::size_t CountEntries(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST_CASE("Writing atomically creates a file with exactly the given bytes") {
  TempDir dir;
  const std::string bytes("a\0b\nc", 5);
  WriteFileAtomically(dir / "out.json", bytes);
  CHECK(ReadFileText(dir / "out.json") == bytes);
}

TEST_CASE("Writing atomically replaces an existing file and leaves no temporary file") {
  TempDir dir;
  testing::WriteFileText(dir / "summary.json", "old contents that are longer");
  WriteFileAtomically(dir / "summary.json", "new");
  CHECK(ReadFileText(dir / "summary.json") == "new");
  CHECK(CountEntries(dir.path()) == 1);
}

TEST_CASE("An atomically written file gets the mode a plain create would give") {
  TempDir dir;
  const mode_t old_mask = ::umask(022);
  WriteFileAtomically(dir / "f", "x");
  ::umask(old_mask);
  struct stat st {};
  REQUIRE(::stat((dir / "f").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
}

TEST_CASE("Writing into a missing directory fails with an error naming the file") {
  TempDir dir;
  const fs::path target = dir / "missing" / "summary.json";
  CHECK_THROWS_WITH(WriteFileAtomically(target, "x"), Catch::Contains(target.string()));
  CHECK_FALSE(fs::exists(dir / "missing"));
}

TEST_CASE("A failed replacement keeps the old file and cleans up the temporary file") {
  TempDir dir;
  // A directory where the file should go makes the final rename fail.
  fs::create_directory(dir / "taken");
  testing::WriteFileText(dir / "taken" / "inside", "keep");
  CHECK_THROWS_AS(WriteFileAtomically(dir / "taken", "x"), Error);
  CHECK(ReadFileText(dir / "taken" / "inside") == "keep");
  CHECK(CountEntries(dir.path()) == 1);
}

}  // namespace
}  // namespace iotfuzz

TEST_CASE("A directory swap replaces the directory, and one cut between its renames is repaired") {
  iotfuzz::testing::TempDir dir;
  const auto corpus = dir / "corpus";
  iotfuzz::testing::WriteFileText(corpus / "old", "0");
  iotfuzz::testing::WriteFileText(iotfuzz::MergeDirectoryOf(corpus) / "new", "1");
  std::string error;
  REQUIRE(iotfuzz::SwapInDirectory(corpus, error));
  CHECK(error.empty());
  CHECK(iotfuzz::testing::ReadFileText(corpus / "new") == "1");
  CHECK_FALSE(std::filesystem::exists(corpus / "old"));
  CHECK_FALSE(std::filesystem::exists(dir / "corpus.pre-merge"));
  CHECK_FALSE(std::filesystem::exists(dir / "corpus.merge"));
  // Killed after the first rename: the old directory comes back.
  std::filesystem::rename(corpus, dir / "corpus.pre-merge");
  iotfuzz::testing::WriteFileText(dir / "corpus.merge" / "b", "2");
  iotfuzz::RecoverDirectorySwap(corpus);
  CHECK(iotfuzz::testing::ReadFileText(corpus / "new") == "1");
  CHECK_FALSE(std::filesystem::exists(dir / "corpus.pre-merge"));
  CHECK_FALSE(std::filesystem::exists(dir / "corpus.merge"));
  iotfuzz::RecoverDirectorySwap(corpus);  // nothing to do
  CHECK(std::filesystem::exists(corpus / "new"));
  // Nothing to swap in: an error, the directory as it was.
  CHECK_FALSE(iotfuzz::SwapInDirectory(corpus, error));
  CHECK_THAT(error, Catch::Contains("cannot swap the merged directory into"));
  CHECK(std::filesystem::exists(corpus / "new"));
}
