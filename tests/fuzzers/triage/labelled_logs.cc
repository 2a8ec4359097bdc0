#include "labelled_logs.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace iotfuzz::triage::testing {

namespace fs = std::filesystem;

namespace {

bool HasLabels(const fs::path& directory) {
  std::error_code ec;
  return fs::is_regular_file(directory / "labels.json", ec);
}

// "os.environ['NAME'] = 'VALUE'" or "environment.set_value('NAME', VALUE)".
bool ParseSetting(const std::string& line, std::string& name, std::string& value) {
  auto quoted = [&line](std::size_t from, std::string& out) -> std::size_t {
    const std::size_t open = line.find('\'', from);
    if (open == std::string::npos) return std::string::npos;
    const std::size_t close = line.find('\'', open + 1);
    if (close == std::string::npos) return std::string::npos;
    out = line.substr(open + 1, close - open - 1);
    return close + 1;
  };
  if (line.rfind("os.environ[", 0) == 0) {
    const std::size_t after = quoted(0, name);
    return after != std::string::npos && quoted(after, value) != std::string::npos;
  }
  if (line.rfind("environment.set_value(", 0) == 0) {
    const std::size_t after = quoted(0, name);
    if (after == std::string::npos) return false;
    const std::size_t comma = line.find(',', after);
    const std::size_t close = line.rfind(')');
    if (comma == std::string::npos || close == std::string::npos || close < comma) return false;
    value = line.substr(comma + 1, close - comma - 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (!value.empty() && value.front() == '\'') value = value.substr(1, value.size() - 2);
    return true;
  }
  return false;
}

}  // namespace

std::optional<LabelledLogs> FindLabelledLogs() {
  if (const char* env = std::getenv("IOTFUZZ_SANITIZER_LOGS"); env != nullptr && *env != '\0') {
    if (!HasLabels(env)) {
      throw std::runtime_error(fmt::format("IOTFUZZ_SANITIZER_LOGS={} holds no labels.json", env));
    }
    return LabelledLogs{env, "$IOTFUZZ_SANITIZER_LOGS"};
  }
  if (HasLabels(IOTFUZZ_SHARED_SANITIZER_LOGS_DIR)) {
    return LabelledLogs{IOTFUZZ_SHARED_SANITIZER_LOGS_DIR, "shared data set"};
  }
  if (HasLabels(IOTFUZZ_TRIAGE_TEST_DATA_DIR)) {
    return LabelledLogs{IOTFUZZ_TRIAGE_TEST_DATA_DIR, "copy in tests/fuzzers/triage/data"};
  }
  return std::nullopt;
}

void SkipTest(const std::string& reason) {
  std::fprintf(stderr, "SKIPPED: %s\n", reason.c_str());
  std::fflush(stderr);
  std::exit(kSkipExitCode);
}

LabelledLogs RequireLabelledLogs() {
  auto logs = FindLabelledLogs();
  if (!logs) {
    SkipTest(fmt::format("no labelled sanitizer logs: set IOTFUZZ_SANITIZER_LOGS, or provide {} or {}",
                         IOTFUZZ_SHARED_SANITIZER_LOGS_DIR, IOTFUZZ_TRIAGE_TEST_DATA_DIR));
  }
  return *logs;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<LabelledEntry> LoadLabels(const LabelledLogs& logs) {
  const auto json = nlohmann::json::parse(ReadFile(logs.directory / "labels.json"));
  std::vector<LabelledEntry> entries;
  for (const auto& item : json) {
    LabelledEntry entry;
    entry.file = item.at("file").get<std::string>();
    entry.test = item.at("test").get<std::string>();
    entry.crash_type = item.value("crash_type", "");
    entry.crash_address = item.value("crash_address", "");
    entry.crash_state = item.value("crash_state", "");
    entry.security = item.value("security", false);
    entry.env = item.value("env", std::vector<std::string>{});
    entries.push_back(std::move(entry));
  }
  return entries;
}

Emulation EmulateSettings(const LabelledEntry& entry) {
  Emulation emulation;
  bool report_ooms = false;
  bool force = false;
  int redzone = 0;
  for (const auto& line : entry.env) {
    if (line.find("centipede.trim_logs") != std::string::npos) continue;
    std::string name;
    std::string value;
    if (!ParseSetting(line, name, value)) {
      if (emulation.unsupported.empty()) emulation.unsupported = line.substr(0, line.find('\n'));
      continue;
    }
    if (name == "ASSERTS_HAVE_SECURITY_IMPLICATION") {
      emulation.parse.security.asserts_have_security_implication = value == "True";
    } else if (name == "CHECKS_HAVE_SECURITY_IMPLICATION") {
      emulation.parse.security.checks_have_security_implication = value == "True";
    } else if (name == "REPORT_OOMS_AND_HANGS") {
      report_ooms = true;
      force = value == "FORCE";
    } else if (name == "REDZONE") {
      redzone = std::atoi(value.c_str());
    } else if (name == "FUZZ_TARGET") {
      emulation.signature.fallback_state = value;
    } else if (emulation.unsupported.empty()) {
      emulation.unsupported = line;
    }
  }
  emulation.parse.report_ooms_and_hangs = report_ooms && (force || redzone <= 64);
  return emulation;
}

std::string OutOfScopeReason(const LabelledEntry& entry, const Emulation& emulation) {
  const std::string category = entry.crash_type.substr(0, entry.crash_type.find('\n'));
  for (const char* message_type :
       {"ASSERT", "CHECK failure", "DCHECK failure", "Security DCHECK failure", "Security CHECK failure",
        "Fatal error"}) {
    if (category == message_type) {
      return fmt::format("type '{}' comes from the program's own assertion/log message", category);
    }
  }
  if (!emulation.unsupported.empty()) {
    return fmt::format("setting cannot be emulated: {}", emulation.unsupported);
  }
  return {};
}

std::vector<std::string> ExpectedStateLines(const LabelledEntry& entry) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < entry.crash_state.size()) {
    std::size_t end = entry.crash_state.find('\n', start);
    if (end == std::string::npos) end = entry.crash_state.size();
    if (end > start) lines.push_back(entry.crash_state.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() == 1 && lines[0] == "NULL") lines.clear();
  return lines;
}

}  // namespace iotfuzz::triage::testing
