// A command an engine runner wants started.
#ifndef IOTFUZZ_FUZZERS_ENGINE_COMMAND_LINE_H_
#define IOTFUZZ_FUZZERS_ENGINE_COMMAND_LINE_H_

#include <filesystem>
#include <string>
#include <vector>

#include "fuzzers/common/environment.h"

namespace iotfuzz {

struct CommandLine {
  std::vector<std::string> argv;      // argv[0] is a path or a name looked up in PATH
  Environment env_changes;            // variables set on top of the user's environment
  std::filesystem::path working_dir;  // empty: the current directory
  std::string label;                  // names the process in logs ("libfuzzer", "afl-main")

  // The value of flag `-name=value` (libFuzzer style) or `name` followed by
  // a value (`-o dir`, AFL++ style), or "" when absent. For tests and logs.
  std::string FlagValue(const std::string& name) const;
  bool HasArg(const std::string& arg) const;

  // A line a user can paste into a POSIX shell: "VAR=value ... argv...",
  // with arguments quoted where the shell would split or expand them.
  std::string ToShellString() const;
};

// Quotes `word` for a POSIX shell when it needs it; plain words stay as they are.
std::string ShellQuote(const std::string& word);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_COMMAND_LINE_H_
