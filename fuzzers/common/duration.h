// Durations as users type them on the command line.
#ifndef IOTFUZZ_FUZZERS_COMMON_DURATION_H_
#define IOTFUZZ_FUZZERS_COMMON_DURATION_H_

#include <chrono>
#include <string>
#include <string_view>

namespace iotfuzz {

// Parses a duration: a bare number of seconds ("90"), or numbers with units
// h, m and s, each unit at most once and in that order ("60s", "5m",
// "1h30m", "1h0m5s"). Throws Error quoting `text` and saying what was
// expected on empty input, a sign, a fraction, an unknown or repeated unit,
// units out of order, or a total above ten years.
std::chrono::seconds ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back to `duration`: "0s", "45s",
// "5m", "1h30m", "2h0m5s". Negative durations format as "0s".
std::string FormatDuration(std::chrono::seconds duration);

// Clock form for status lines: "00:01:05", "27:00:00" (hours are not
// wrapped into days). Negative durations format as "00:00:00".
std::string FormatClock(std::chrono::seconds duration);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_DURATION_H_
