// The error type of iotfuzz: a problem the user can act on (bad input, a
// missing file, a binary that is not built).
#ifndef IOTFUZZ_FUZZERS_COMMON_ERROR_H_
#define IOTFUZZ_FUZZERS_COMMON_ERROR_H_

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace iotfuzz {

// Thrown by every iotfuzz library for a failure that is reported to the user
// rather than a bug. `what()` is always a single line (line breaks in the
// message become spaces), written to be printed after "iotfuzz: error: ".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);

  // Error(fmt::format(format, args...)).
  template <typename... Args>
  static Error Format(fmt::format_string<Args...> format, Args&&... args) {
    return Error(fmt::format(format, std::forward<Args>(args)...));
  }
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_ERROR_H_
