// A process environment as a value, so code that derives a child's
// environment from the user's can be tested without touching the real one.
#ifndef IOTFUZZ_FUZZERS_COMMON_ENVIRONMENT_H_
#define IOTFUZZ_FUZZERS_COMMON_ENVIRONMENT_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iotfuzz {

class Environment {
 public:
  Environment() = default;

  // A copy of this process's environment (`environ`).
  static Environment Current();

  std::optional<std::string> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // True when `name` is set to "1", "true", "yes" or "on" (any case).
  bool IsTrue(std::string_view name) const;

  void Set(std::string name, std::string value);
  void Unset(std::string_view name);
  // Sets every variable of `changes`, overriding what is here.
  void Apply(const Environment& changes);

  // "NAME=value" strings in name order, for execve-style calls.
  std::vector<std::string> ToStrings() const;

 private:
  std::map<std::string, std::string, std::less<>> variables_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_ENVIRONMENT_H_
