#include "fuzzers/common/background_writer.h"

#include <catch2/catch.hpp>

#include "fuzzers/common/error.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileText;
using testing::TempDir;

TEST_CASE("The background writer writes every queued file, in order, by Flush") {
  TempDir dir;
  BackgroundWriter writer;
  for (int i = 0; i < 50; ++i) writer.Write(dir / ("f" + std::to_string(i)), std::string(i, 'x'));
  writer.Write(dir / "f7", "last");  // a later write of the same path wins
  writer.Flush();
  CHECK(writer.pending() == 0);
  for (int i = 0; i < 50; ++i) {
    if (i == 7) continue;
    CHECK(ReadFileText(dir / ("f" + std::to_string(i))) == std::string(i, 'x'));
  }
  CHECK(ReadFileText(dir / "f7") == "last");
}

TEST_CASE("The background writer writes a batch spread over several directories") {
  TempDir dir;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  BackgroundWriter writer;
  for (int i = 0; i < 40; ++i) {
    writer.Write(dir / (i % 2 == 0 ? "a" : "b") / std::to_string(i), std::to_string(i * i));
  }
  writer.Flush();
  for (int i = 0; i < 40; ++i) {
    CHECK(ReadFileText(dir / (i % 2 == 0 ? "a" : "b") / std::to_string(i)) == std::to_string(i * i));
  }
  // No temporary file is left behind.
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path())) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 40);
}

TEST_CASE("The background writer finishes its queue when destroyed") {
  TempDir dir;
  {
    BackgroundWriter writer;
    for (int i = 0; i < 20; ++i) writer.Write(dir / ("g" + std::to_string(i)), "data");
  }
  for (int i = 0; i < 20; ++i) CHECK(ReadFileText(dir / ("g" + std::to_string(i))) == "data");
}

TEST_CASE("The background writer reports a failed write on Flush") {
  TempDir dir;
  BackgroundWriter writer;
  writer.Write(dir / "missing-directory" / "f", "data");
  CHECK_THROWS_AS(writer.Flush(), Error);
  writer.Write(dir / "ok", "data");
  writer.Flush();  // reported once
  CHECK(ReadFileText(dir / "ok") == "data");
}

TEST_CASE("The background writer reports a failed write once, on the next Write or on Flush") {
  TempDir dir;
  BackgroundWriter writer;
  writer.Write(dir / "missing-directory" / "f", "data");
  // The failure is seen by whichever call comes after it: the next Write
  // (which then queues nothing) or Flush.
  size_t reported = 0;
  bool queued = false;
  try {
    writer.Write(dir / "ok", "data");
    queued = true;
  } catch (const Error&) {
    ++reported;
  }
  try {
    writer.Flush();
  } catch (const Error&) {
    ++reported;
  }
  CHECK(reported == 1);
  writer.Flush();
  CHECK(fs::exists(dir / "ok") == queued);
}

}  // namespace
}  // namespace iotfuzz
