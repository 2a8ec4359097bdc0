#include "fuzzers/common/environment.h"

#include <algorithm>
#include <cctype>

extern char** environ;

namespace iotfuzz {

Environment Environment::Current() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env.variables_.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

std::optional<std::string> Environment::Get(std::string_view name) const {
  const auto it = variables_.find(name);
  if (it == variables_.end()) return std::nullopt;
  return it->second;
}

bool Environment::IsTrue(std::string_view name) const {
  auto value = Get(name);
  if (!value) return false;
  std::string lower = *value;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "1" || lower == "true" || lower == "yes" || lower == "on";
}

void Environment::Set(std::string name, std::string value) {
  variables_.insert_or_assign(std::move(name), std::move(value));
}

void Environment::Unset(std::string_view name) {
  const auto it = variables_.find(name);
  if (it != variables_.end()) variables_.erase(it);
}

void Environment::Apply(const Environment& changes) {
  for (const auto& [name, value] : changes.variables_) variables_[name] = value;
}

std::vector<std::string> Environment::ToStrings() const {
  std::vector<std::string> out;
  out.reserve(variables_.size());
  for (const auto& [name, value] : variables_) out.push_back(name + "=" + value);
  return out;
}

}  // namespace iotfuzz
