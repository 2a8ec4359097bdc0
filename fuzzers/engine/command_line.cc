#include "fuzzers/engine/command_line.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace iotfuzz {

std::string CommandLine::FlagValue(const std::string& name) const {
  const std::string prefix = name + "=";
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i].starts_with(prefix)) return argv[i].substr(prefix.size());
    if (argv[i] == name && i + 1 < argv.size()) return argv[i + 1];
  }
  return "";
}

bool CommandLine::HasArg(const std::string& arg) const {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

std::string ShellQuote(const std::string& word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return std::isalnum(c) || std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
      })) {
    return word;
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::string CommandLine::ToShellString() const {
  std::string out;
  for (const std::string& assignment : env_changes.ToStrings()) {
    const auto eq = assignment.find('=');
    out += assignment.substr(0, eq + 1) + ShellQuote(assignment.substr(eq + 1)) + " ";
  }
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += ' ';
    out += ShellQuote(argv[i]);
  }
  return out;
}

}  // namespace iotfuzz
