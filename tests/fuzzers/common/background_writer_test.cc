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
  writer.Write(dir / "ok", "data");
  CHECK_THROWS_AS(writer.Flush(), Error);
  CHECK(ReadFileText(dir / "ok") == "data");
  writer.Flush();  // reported once
}

}  // namespace
}  // namespace iotfuzz
