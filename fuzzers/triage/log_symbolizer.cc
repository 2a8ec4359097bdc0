#include "fuzzers/triage/log_symbolizer.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <system_error>

#include "fuzzers/common/error.h"
#include "fuzzers/triage/crash_reproducer.h"

namespace iotfuzz::triage {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kAddressesPerRun = 400;

struct FrameLine {
  std::size_t indent = 0;          // leading spaces
  std::string pc;                  // "0x..." as printed
  std::string module;
  std::uint64_t offset = 0;
};

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Recognises "   #3 0x55e8d34b4178  (/path/module+0xee178) (BuildId: ...)".
std::optional<FrameLine> ParseUnsymbolisedFrame(std::string_view line) {
  FrameLine f;
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  f.indent = i;
  if (i >= line.size() || line[i] != '#') return std::nullopt;
  ++i;
  const std::size_t digits = i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == digits || i >= line.size() || line[i] != ' ') return std::nullopt;
  ++i;
  if (line.substr(i, 2) != "0x") return std::nullopt;
  const std::size_t pc_start = i;
  i += 2;
  while (i < line.size() && IsHex(line[i])) ++i;
  f.pc = std::string(line.substr(pc_start, i - pc_start));
  while (i < line.size() && line[i] == ' ') ++i;
  if (i >= line.size() || line[i] != '(') return std::nullopt;
  const std::size_t close = line.find(')', i);
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view inside = line.substr(i + 1, close - i - 1);
  const std::size_t plus = inside.rfind("+0x");
  if (plus == std::string_view::npos || plus == 0) return std::nullopt;
  const std::string_view hex = inside.substr(plus + 3);
  if (hex.empty() || hex.size() > 16) return std::nullopt;
  std::uint64_t offset = 0;
  for (char c : hex) {
    if (!IsHex(c)) return std::nullopt;
    offset = offset * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  f.module = std::string(inside.substr(0, plus));
  f.offset = offset;
  return f;
}

// "#N" at the start of a (trimmed) line: the frame number, else -1.
int FrameNumber(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i >= line.size() || line[i] != '#') return -1;
  int n = 0;
  std::size_t start = ++i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9' && i - start < 6) n = n * 10 + (line[i++] - '0');
  return i == start || i >= line.size() || line[i] != ' ' ? -1 : n;
}

}  // namespace

void LogSymbolizer::Add(std::string_view log) {
  std::size_t start = 0;
  while (start < log.size()) {
    std::size_t end = log.find('\n', start);
    if (end == std::string_view::npos) end = log.size();
    std::string_view line = log.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (auto f = ParseUnsymbolisedFrame(line)) {
      Key key{f->module, f->offset};
      if (!resolved_.contains(key)) pending_.insert(std::move(key));
    }
    start = end + 1;
  }
}

std::string LogSymbolizer::FindSymbolizer(const Environment& env) {
  std::error_code ec;
  if (auto path = env.Get("ASAN_SYMBOLIZER_PATH"); path && !path->empty() && fs::exists(*path, ec)) return *path;
  const std::string search = env.Get("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  for (std::string_view name : {"llvm-symbolizer", "llvm-symbolizer-14", "llvm-symbolizer-15", "llvm-symbolizer-13"}) {
    std::size_t start = 0;
    while (start <= search.size()) {
      std::size_t end = search.find(':', start);
      if (end == std::string::npos) end = search.size();
      const fs::path candidate = fs::path(search.substr(start, end - start)) / name;
      if (end > start && fs::exists(candidate, ec)) return candidate.string();
      start = end + 1;
    }
  }
  return "";
}

std::vector<std::vector<LogSymbolizer::Location>> LogSymbolizer::ParseSymbolizerOutput(std::string_view output,
                                                                                        std::size_t count) {
  std::vector<std::vector<Location>> blocks(count);
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    lines.push_back(output.substr(start, end - start));
    start = end + 1;
  }
  std::size_t block = 0, i = 0;
  while (i < lines.size() && block < count) {
    if (lines[i].empty()) {
      ++block;
      ++i;
      continue;
    }
    Location loc;
    loc.function = std::string(lines[i]);
    if (i + 1 < lines.size() && !lines[i + 1].empty()) {
      std::string_view where = lines[i + 1];
      // file:line:column, where the file may itself contain ':'.
      std::size_t c2 = where.rfind(':');
      std::size_t c1 = c2 == std::string_view::npos || c2 == 0 ? std::string_view::npos : where.rfind(':', c2 - 1);
      auto number = [](std::string_view s) {
        int n = 0;
        for (char c : s) {
          if (c < '0' || c > '9' || n > 100'000'000) return -1;
          n = n * 10 + (c - '0');
        }
        return s.empty() ? -1 : n;
      };
      if (c1 != std::string_view::npos && number(where.substr(c1 + 1, c2 - c1 - 1)) >= 0 &&
          number(where.substr(c2 + 1)) >= 0) {
        loc.file = std::string(where.substr(0, c1));
        loc.line = number(where.substr(c1 + 1, c2 - c1 - 1));
        loc.column = number(where.substr(c2 + 1));
      } else if (c2 != std::string_view::npos && number(where.substr(c2 + 1)) >= 0) {
        loc.file = std::string(where.substr(0, c2));
        loc.line = number(where.substr(c2 + 1));
      }
      i += 2;
    } else {
      i += 1;
    }
    if (loc.file == "??") loc.file.clear();
    blocks[block].push_back(std::move(loc));
  }
  return blocks;
}

bool LogSymbolizer::Resolve(const Environment& env, std::string* error) {
  if (pending_.empty()) return true;
  const std::string symbolizer = FindSymbolizer(env);
  if (symbolizer.empty()) {
    if (error != nullptr) *error = "llvm-symbolizer not found (set ASAN_SYMBOLIZER_PATH); stacks stay unsymbolised";
    pending_.clear();
    return false;
  }
  std::map<std::string, std::vector<std::uint64_t>> by_module;
  for (const auto& [module, offset] : pending_) by_module[module].push_back(offset);
  pending_.clear();
  bool ok = true;
  for (const auto& [module, offsets] : by_module) {
    for (std::size_t first = 0; first < offsets.size(); first += kAddressesPerRun) {
      const std::size_t n = std::min(kAddressesPerRun, offsets.size() - first);
      std::vector<std::string> argv = {symbolizer, "--inlining", "--demangle", "--output-style=LLVM",
                                       "--obj=" + module};
      for (std::size_t k = 0; k < n; ++k) argv.push_back(fmt::format("0x{:x}", offsets[first + k]));
      ReplayOutput out;
      try {
        out = RunCaptured(argv, env, std::chrono::seconds(60));
      } catch (const Error& e) {
        if (error != nullptr) *error = e.what();
        return false;
      }
      if (out.timed_out) {
        ok = false;
        if (error != nullptr) *error = fmt::format("{} timed out on {}", symbolizer, module);
        continue;
      }
      auto blocks = ParseSymbolizerOutput(out.log, n);
      for (std::size_t k = 0; k < n; ++k) {
        std::vector<Location> frames;
        for (auto& loc : blocks[k]) {
          if (!loc.function.empty() && loc.function != "??") frames.push_back(std::move(loc));
        }
        resolved_[{module, offsets[first + k]}] = std::move(frames);
      }
    }
  }
  return ok;
}

std::string LogSymbolizer::Rewrite(std::string_view log) const {
  std::string out;
  out.reserve(log.size() + log.size() / 4);
  int next_number = 0;  // renumbering within the current stack
  int shift = 0;        // frames added by inlining so far in this stack
  std::size_t start = 0;
  while (start < log.size()) {
    std::size_t end = log.find('\n', start);
    const bool has_newline = end != std::string_view::npos;
    if (!has_newline) end = log.size();
    std::string_view line = log.substr(start, end - start);
    const int number = FrameNumber(line);
    if (number == 0) shift = 0;
    if (number >= 0) next_number = number + shift;
    std::optional<FrameLine> frame = number >= 0 ? ParseUnsymbolisedFrame(line) : std::nullopt;
    const std::vector<Location>* locations = nullptr;
    if (frame) {
      auto it = resolved_.find({frame->module, frame->offset});
      if (it != resolved_.end() && !it->second.empty()) locations = &it->second;
    }
    if (locations == nullptr) {
      if (number >= 0 && shift != 0) {
        // Keep the line, renumbered to follow the inlined frames before it.
        const std::size_t hash = line.find('#');
        std::size_t digits_end = hash + 1;
        while (digits_end < line.size() && line[digits_end] >= '0' && line[digits_end] <= '9') ++digits_end;
        out.append(line.substr(0, hash));
        out += fmt::format("#{}", next_number);
        out.append(line.substr(digits_end));
      } else {
        out.append(line);
      }
    } else {
      const std::string indent(frame->indent, ' ');
      for (std::size_t k = 0; k < locations->size(); ++k) {
        const Location& loc = (*locations)[k];
        out += fmt::format("{}#{} {} in {}", indent, next_number + static_cast<int>(k), frame->pc, loc.function);
        if (!loc.file.empty()) {
          out += " " + loc.file;
          if (loc.line > 0) out += fmt::format(":{}", loc.line);
          if (loc.line > 0 && loc.column > 0) out += fmt::format(":{}", loc.column);
        } else {
          out += fmt::format(" ({}+0x{:x})", frame->module, frame->offset);
        }
        if (k + 1 < locations->size()) out += '\n';
      }
      shift += static_cast<int>(locations->size()) - 1;
    }
    if (has_newline) out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace iotfuzz::triage
