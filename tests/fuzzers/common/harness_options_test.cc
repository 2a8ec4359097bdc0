#include "fuzzers/common/harness_options.h"

#include <catch2/catch.hpp>

#include "fuzzers/common/error.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

using Entries = HarnessOptions::Entries;

TEST_CASE("An options file gives the pairs of each section in order") {
  const HarnessOptions options = HarnessOptions::Parse(
      "# OSS-Fuzz style\n[libfuzzer]\nmax_len = 1024\n  only_ascii=1  \n\n; comment\n[afl]\n"
      "x = y\n",
      "h.options");
  CHECK(options.Section("libfuzzer") == Entries{{"max_len", "1024"}, {"only_ascii", "1"}});
  CHECK(options.Section("afl") == Entries{{"x", "y"}});
  CHECK(options.Section("honggfuzz").empty());
}

TEST_CASE("A repeated section continues the first one") {
  const HarnessOptions options =
      HarnessOptions::Parse("[libfuzzer]\na=1\n[afl]\nb=2\n[libfuzzer]\na=3\n", "h.options");
  CHECK(options.Section("libfuzzer") == Entries{{"a", "1"}, {"a", "3"}});
}

TEST_CASE("Options file errors name the file and line") {
  CHECK_THROWS_WITH(HarnessOptions::Parse("[libfuzzer]\nmax_len 10\n", "h.options"),
                    Catch::StartsWith("h.options:2: expected 'key = value'"));
  CHECK_THROWS_WITH(HarnessOptions::Parse("max_len = 10\n", "h.options"),
                    Catch::StartsWith("h.options:1:") && Catch::Contains("before any [section]"));
  CHECK_THROWS_WITH(HarnessOptions::Parse("\n\n[libfuzzer\n", "h.options"),
                    Catch::StartsWith("h.options:3: expected a section header"));
}

TEST_CASE("Loading an options file that does not exist fails naming it") {
  CHECK_THROWS_WITH(HarnessOptions::Load("/nonexistent/h.options"),
                    Catch::Contains("/nonexistent/h.options"));
}

TEST_CASE("Options files load from disk with CRLF line ends") {
  testing::TempDir dir;
  testing::WriteFileText(dir / "h.options", "[libfuzzer]\r\nmax_len = 64\r\n");
  CHECK(HarnessOptions::Load(dir / "h.options").Section("libfuzzer") == Entries{{"max_len", "64"}});
}

}  // namespace
}  // namespace iotfuzz
