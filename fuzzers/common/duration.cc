#include "fuzzers/common/duration.h"

#include <fmt/format.h>

#include <cstdint>

#include "fuzzers/common/error.h"

namespace iotfuzz {
namespace {

constexpr std::uint64_t kMaxSeconds = 10ull * 366 * 24 * 3600;

[[noreturn]] void Reject(std::string_view text, std::string_view why) {
  throw Error::Format(
      "invalid duration '{}': {} (expected seconds like '90' or units h/m/s like '60s', '5m', "
      "'1h30m')",
      text, why);
}

}  // namespace

std::chrono::seconds ParseDuration(std::string_view text) {
  if (text.empty()) Reject(text, "it is empty");

  struct Unit {
    char symbol;
    std::uint64_t seconds;
  };
  static constexpr Unit kUnits[] = {{'h', 3600}, {'m', 60}, {'s', 1}};

  std::uint64_t total = 0;
  std::size_t next_unit = 0;  // units must come in kUnits order
  std::size_t pos = 0;
  bool saw_unit = false;
  while (pos < text.size()) {
    if (text[pos] < '0' || text[pos] > '9') {
      if (text[pos] == '-' || text[pos] == '+') Reject(text, "a sign is not allowed");
      Reject(text, fmt::format("expected a digit at '{}'", text.substr(pos)));
    }
    std::uint64_t number = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      number = number * 10 + static_cast<std::uint64_t>(text[pos] - '0');
      if (number > kMaxSeconds) Reject(text, "it is longer than ten years");
      ++pos;
    }
    if (pos == text.size()) {
      if (saw_unit) Reject(text, "the last number has no unit");
      total = number;
      break;
    }
    const char symbol = text[pos];
    if (symbol == '.' || symbol == ',') Reject(text, "fractions are not allowed");
    std::size_t unit = 0;
    while (unit < std::size(kUnits) && kUnits[unit].symbol != symbol) ++unit;
    if (unit == std::size(kUnits)) {
      Reject(text, fmt::format("unknown unit '{}' (use h, m or s)", symbol));
    }
    if (unit < next_unit) {
      Reject(text,
             fmt::format("unit '{}' is repeated or out of order (use h, then m, then s)", symbol));
    }
    next_unit = unit + 1;
    saw_unit = true;
    total += number * kUnits[unit].seconds;
    if (total > kMaxSeconds) Reject(text, "it is longer than ten years");
    ++pos;
  }
  return std::chrono::seconds(static_cast<std::int64_t>(total));
}

std::string FormatDuration(std::chrono::seconds duration) {
  const std::int64_t total = duration.count() < 0 ? 0 : duration.count();
  const std::int64_t hours = total / 3600;
  const std::int64_t minutes = total / 60 % 60;
  const std::int64_t seconds = total % 60;
  std::string out;
  if (hours > 0) out += fmt::format("{}h", hours);
  if (minutes > 0 || (hours > 0 && seconds > 0)) out += fmt::format("{}m", minutes);
  if (seconds > 0 || out.empty()) out += fmt::format("{}s", seconds);
  return out;
}

std::string FormatClock(std::chrono::seconds duration) {
  const std::int64_t total = duration.count() < 0 ? 0 : duration.count();
  return fmt::format("{:02}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
}

}  // namespace iotfuzz
