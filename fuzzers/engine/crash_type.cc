#include "fuzzers/engine/crash_type.h"

#include <algorithm>
#include <cctype>

namespace iotfuzz {
namespace {

constexpr std::size_t kMaxTypeLength = 120;

std::string Clip(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text.substr(0, kMaxTypeLength));
}

std::string Kebab(std::string_view phrase) {
  std::string out = Clip(phrase);
  std::replace(out.begin(), out.end(), ' ', '-');
  return out;
}

// Text after "<Tool>Sanitizer: " in an ERROR line.
std::string SanitizerType(std::string_view tool, std::string_view rest) {
  if (tool == "LeakSanitizer") return "memory-leak";
  if (rest.starts_with("attempting ")) {
    rest.remove_prefix(std::string_view("attempting ").size());
    if (rest.starts_with("double-free")) return "double-free";
    if (rest.starts_with("free on address which was not malloc")) return "bad-free";
  }
  if (rest.starts_with("requested allocation size")) return "allocation-size-too-big";
  if (rest.starts_with("out of memory")) return "out-of-memory";
  if (rest.starts_with("allocator is out of memory")) return "out-of-memory";
  const auto end = rest.find_first_of(" :(");
  return Clip(rest.substr(0, end));
}

// Text after "libFuzzer: " in an ERROR line.
std::string LibFuzzerType(std::string_view rest) {
  for (std::string_view stop : {" after ", " (", ";"}) {
    const auto at = rest.find(stop);
    if (at != std::string_view::npos) rest = rest.substr(0, at);
  }
  return Kebab(rest);
}

}  // namespace

std::optional<std::string> CrashTypeFromLine(std::string_view line) {
  const auto error = line.find("ERROR: ");
  if (error != std::string_view::npos) {
    std::string_view rest = line.substr(error + std::string_view("ERROR: ").size());
    if (rest.starts_with("libFuzzer: ")) {
      std::string type = LibFuzzerType(rest.substr(std::string_view("libFuzzer: ").size()));
      if (!type.empty()) return type;
      return std::nullopt;
    }
    const auto colon = rest.find(": ");
    if (colon != std::string_view::npos && colon > 0) {
      const std::string_view tool = rest.substr(0, colon);
      if (tool.ends_with("Sanitizer") && tool.find(' ') == std::string_view::npos) {
        std::string type = SanitizerType(tool, rest.substr(colon + 2));
        if (!type.empty()) return type;
      }
    }
  }
  const auto runtime = line.find("runtime error: ");
  // UBSan writes "file:line:col: runtime error: ..." (or the bare message
  // when it has no location).
  if (runtime != std::string_view::npos &&
      (runtime == 0 || (runtime >= 2 && line.substr(runtime - 2, 2) == ": "))) {
    std::string_view what = line.substr(runtime + std::string_view("runtime error: ").size());
    const auto colon = what.find(':');
    if (colon != std::string_view::npos) what = what.substr(0, colon);
    if (!what.empty()) return Clip("runtime-error: " + std::string(what));
  }
  return std::nullopt;
}

}  // namespace iotfuzz
