#include "fuzzers/engine/sanitizer_options.h"

#include <catch2/catch.hpp>

namespace iotfuzz {
namespace {

TEST_CASE("Sanitizer options round-trip in order") {
  CHECK(SanitizerOptions::Parse("a=1:b=2").ToString() == "a=1:b=2");
  CHECK(SanitizerOptions::Parse("").ToString().empty());
  CHECK(SanitizerOptions::Parse("a=1 b=2\tc").ToString() == "a=1:b=2:c");
}

TEST_CASE("A sanitizer option given twice keeps its last value in its first place") {
  const auto options = SanitizerOptions::Parse("a=1:b=2:a=3");
  CHECK(options.Get("a") == "3");
  CHECK(options.ToString() == "a=3:b=2");
}

TEST_CASE("Defaults never override the user's sanitizer options, Set does") {
  auto options = SanitizerOptions::Parse("symbolize=0:detect_leaks=1");
  options.SetDefault("symbolize", "1");
  options.SetDefault("dedup_token_length", "3");
  options.Set("detect_leaks", "0");
  CHECK(options.ToString() == "symbolize=0:detect_leaks=0:dedup_token_length=3");
}

TEST_CASE("Empty keys in sanitizer options are dropped") {
  CHECK(SanitizerOptions::Parse("::=5:a=1:").ToString() == "a=1");
}

}  // namespace
}  // namespace iotfuzz
