#include "fuzzers/common/harness_options.h"

#include <fstream>
#include <iterator>

#include "fuzzers/common/error.h"

namespace iotfuzz {
namespace {

std::string_view Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

}  // namespace

HarnessOptions HarnessOptions::Load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error::Format("cannot read options file {}", file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return Parse(text, file.string());
}

HarnessOptions HarnessOptions::Parse(std::string_view text, const std::string& origin) {
  HarnessOptions options;
  std::size_t line_number = 0;
  std::size_t pos = 0;
  constexpr std::size_t kNoSection = static_cast<std::size_t>(-1);
  std::size_t current = kNoSection;
  while (pos <= text.size()) {
    const auto end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = Trim(text.substr(pos, end - pos));
    ++line_number;
    pos = end + 1;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) {
        throw Error::Format("{}:{}: expected a section header like '[libfuzzer]'", origin,
                            line_number);
      }
      const std::string name(Trim(line.substr(1, line.size() - 2)));
      current = options.sections_.size();
      for (std::size_t i = 0; i < options.sections_.size(); ++i) {
        if (options.sections_[i].first == name) current = i;  // a repeated section continues
      }
      if (current == options.sections_.size()) options.sections_.emplace_back(name, Entries{});
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || Trim(line.substr(0, eq)).empty()) {
      throw Error::Format("{}:{}: expected 'key = value', found '{}'", origin, line_number, line);
    }
    if (current == kNoSection) {
      throw Error::Format("{}:{}: '{}' comes before any [section]", origin, line_number, line);
    }
    options.sections_[current].second.emplace_back(std::string(Trim(line.substr(0, eq))),
                                                   std::string(Trim(line.substr(eq + 1))));
  }
  return options;
}

const HarnessOptions::Entries& HarnessOptions::Section(std::string_view section) const {
  static const Entries kEmpty;
  for (const auto& [name, entries] : sections_) {
    if (name == section) return entries;
  }
  return kEmpty;
}

}  // namespace iotfuzz
