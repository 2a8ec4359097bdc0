// The "key=value:key=value" strings of ASAN_OPTIONS, UBSAN_OPTIONS and the
// other sanitizer variables.
#ifndef IOTFUZZ_FUZZERS_ENGINE_SANITIZER_OPTIONS_H_
#define IOTFUZZ_FUZZERS_ENGINE_SANITIZER_OPTIONS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzzers/common/environment.h"

namespace iotfuzz {

class SanitizerOptions {
 public:
  // Splits on ':' and whitespace, as the sanitizers do; an entry without
  // '=' is kept with an empty value. A key given twice keeps its last value.
  static SanitizerOptions Parse(std::string_view text);

  std::optional<std::string> Get(std::string_view key) const;
  // Sets `key`, replacing any value it had.
  void Set(std::string_view key, std::string_view value);
  // Sets `key` only when it has no value yet: the user's choice wins.
  void SetDefault(std::string_view key, std::string_view value);

  // Keys in first-seen order, joined with ':'.
  std::string ToString() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// The ASAN_OPTIONS and UBSAN_OPTIONS under which a harness writes reports a
// person (and CrashTypeFromLine) can read: the user's settings from
// `user_env`, plus symbolize=1:dedup_token_length=3:print_scariness=1 and
// print_stacktrace=1:halt_on_error=1 for keys the user has not set.
Environment ReportingSanitizerEnvironment(const Environment& user_env);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_SANITIZER_OPTIONS_H_
