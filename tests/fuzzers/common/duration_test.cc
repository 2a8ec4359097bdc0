#include "fuzzers/common/duration.h"

#include <catch2/catch.hpp>

#include "fuzzers/common/error.h"

namespace iotfuzz {
namespace {

using std::chrono::seconds;

TEST_CASE("A bare number is read as seconds") {
  CHECK(ParseDuration("90") == seconds(90));
  CHECK(ParseDuration("0") == seconds(0));
}

TEST_CASE("Units h, m and s combine in that order") {
  CHECK(ParseDuration("60s") == seconds(60));
  CHECK(ParseDuration("5m") == seconds(300));
  CHECK(ParseDuration("2h") == seconds(7200));
  CHECK(ParseDuration("1h30m") == seconds(5400));
  CHECK(ParseDuration("1h0m5s") == seconds(3605));
  CHECK(ParseDuration("90m") == seconds(5400));
}

TEST_CASE("Malformed durations are rejected with a message quoting the input") {
  for (const char* bad :
       {"", "abc", "5x", "-5", "+5", "1.5h", "5m1h", "1h1h", "1h30", "m", "1 h", "60S", "1d"}) {
    INFO("input: '" << bad << "'");
    try {
      ParseDuration(bad);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::Contains("invalid duration '" + std::string(bad) + "'"));
    }
  }
}

TEST_CASE("The message says what is wrong with a duration") {
  CHECK_THROWS_WITH(ParseDuration("5x"), Catch::Contains("unknown unit 'x'"));
  CHECK_THROWS_WITH(ParseDuration("5m1h"), Catch::Contains("out of order"));
  CHECK_THROWS_WITH(ParseDuration("1h30"), Catch::Contains("no unit"));
  CHECK_THROWS_WITH(ParseDuration(""), Catch::Contains("empty"));
}

TEST_CASE("Durations longer than ten years are rejected instead of overflowing") {
  CHECK_THROWS_AS(ParseDuration("99999999999999999999999"), Error);
  CHECK_THROWS_AS(ParseDuration("100000h"), Error);
  CHECK(ParseDuration("87600h") == seconds(87600LL * 3600));
}

TEST_CASE("FormatDuration writes the shortest form ParseDuration reads back") {
  CHECK(FormatDuration(seconds(0)) == "0s");
  CHECK(FormatDuration(seconds(45)) == "45s");
  CHECK(FormatDuration(seconds(300)) == "5m");
  CHECK(FormatDuration(seconds(5400)) == "1h30m");
  CHECK(FormatDuration(seconds(7205)) == "2h0m5s");
  CHECK(FormatDuration(seconds(-3)) == "0s");
  for (long long s : {0LL, 1LL, 59LL, 60LL, 61LL, 3599LL, 3600LL, 3601LL, 86399LL, 90061LL}) {
    CHECK(ParseDuration(FormatDuration(seconds(s))) == seconds(s));
  }
}

TEST_CASE("FormatClock shows hours beyond a day without wrapping") {
  CHECK(FormatClock(seconds(65)) == "00:01:05");
  CHECK(FormatClock(seconds(27 * 3600)) == "27:00:00");
  CHECK(FormatClock(seconds(-1)) == "00:00:00");
}

}  // namespace
}  // namespace iotfuzz
