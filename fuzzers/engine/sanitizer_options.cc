#include "fuzzers/engine/sanitizer_options.h"

#include <algorithm>

namespace iotfuzz {

SanitizerOptions SanitizerOptions::Parse(std::string_view text) {
  SanitizerOptions options;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = std::min(text.find_first_of(": \t\n", pos), text.size());
    const std::string_view entry = text.substr(pos, end - pos);
    pos = end + 1;
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    if (eq == 0) continue;
    if (eq == std::string_view::npos) {
      options.Set(entry, "");
    } else {
      options.Set(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return options;
}

std::optional<std::string> SanitizerOptions::Get(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

void SanitizerOptions::Set(std::string_view key, std::string_view value) {
  for (auto& [k, v] : entries_) {
    if (k == key) {
      v = value;
      return;
    }
  }
  entries_.emplace_back(std::string(key), std::string(value));
}

void SanitizerOptions::SetDefault(std::string_view key, std::string_view value) {
  if (!Get(key)) Set(key, value);
}

std::string SanitizerOptions::ToString() const {
  std::string out;
  for (const auto& [k, v] : entries_) {
    if (!out.empty()) out += ':';
    out += k;
    if (!v.empty()) out += "=" + v;
  }
  return out;
}

Environment ReportingSanitizerEnvironment(const Environment& user_env) {
  SanitizerOptions asan = SanitizerOptions::Parse(user_env.Get("ASAN_OPTIONS").value_or(""));
  asan.SetDefault("symbolize", "1");
  asan.SetDefault("dedup_token_length", "3");
  asan.SetDefault("print_scariness", "1");
  SanitizerOptions ubsan = SanitizerOptions::Parse(user_env.Get("UBSAN_OPTIONS").value_or(""));
  ubsan.SetDefault("print_stacktrace", "1");
  ubsan.SetDefault("halt_on_error", "1");
  Environment env;
  env.Set("ASAN_OPTIONS", asan.ToString());
  env.Set("UBSAN_OPTIONS", ubsan.ToString());
  return env;
}

}  // namespace iotfuzz
