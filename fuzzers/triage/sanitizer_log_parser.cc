#include "fuzzers/triage/sanitizer_log_parser.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "fuzzers/triage/internal/text.h"

namespace iotfuzz::triage {

namespace {

using internal::Contains;
using internal::FindIgnoreCase;
using internal::IsAsciiDigit;
using internal::IsSpace;
using internal::ParseDecimal;
using internal::ParseHex;
using internal::Trim;

constexpr std::size_t npos = std::string_view::npos;
constexpr std::size_t kMaxFieldBytes = 4096;
constexpr std::size_t kMaxTitleBytes = 256;
constexpr std::size_t kMaxPrefixBytes = 64;

// Ranking of findings; see the header comment.
enum class FindingClass { kFatalSignal, kMessage, kResourceLimit, kMemoryError };

// One report header seen in the log and what followed it.
struct Finding {
  FindingClass cls = FindingClass::kFatalSignal;
  bool placeholder = false;  // DEADLYSIGNAL / ALARM line: replaced by the next header
  std::string category;      // "Heap-buffer-overflow", "UNKNOWN", "ASSERT", ...
  std::string fixed_suffix;  // " READ" for UBSan null loads, ...
  bool segv_like = false;    // address may turn UNKNOWN into Null-dereference
  CrashTool tool = CrashTool::kUnknown;
  std::string description;
  std::string message;
  std::string address;
  std::string signal;
  bool self_raised = false;
  bool pc_null = false;
  int pid = -1;

  AccessKind access = AccessKind::kUnknown;  // from "READ of size N"
  std::optional<std::uint64_t> access_size;
  bool access_line_seen = false;
  AccessKind signal_access = AccessKind::kUnknown;  // "The signal is caused by a READ ..."
  std::optional<std::uint64_t> allocation_size;

  std::vector<StackFrame> frames;
  bool primary_started = false;
  std::vector<AuxiliaryStack> auxiliary;

  std::string dedup_token;
  std::optional<int> scariness_score;
  std::string scariness_description;
  bool ended = false;

  bool bad_cast_source_pending = false;  // a "note: object is of type X" line may follow
  bool leak_report = false;
  bool direct_leak_seen = false;

  // UBSan "file:line:col: runtime error:" location, for logs without a stack.
  std::string location_file;
  int location_line = 0;
  int location_column = 0;
};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string Field(std::string_view text) { return internal::ToPrintableUtf8(Trim(text), kMaxFieldBytes); }

// "0x..." hex token at the start of `text` (the "0x" included), or empty.
std::string_view HexToken(std::string_view text) {
  if (text.size() < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return {};
  const std::size_t digits = internal::HexPrefixLength(text.substr(2));
  if (digits == 0) return {};
  return text.substr(0, 2 + digits);
}

// The hex address that follows the first occurrence of `marker` in `text`.
std::string AddressAfter(std::string_view text, std::string_view marker) {
  const std::size_t pos = text.find(marker);
  if (pos == npos) return {};
  return std::string(HexToken(text.substr(pos + marker.size())));
}

// Removes one level of surrounding quotes (`' " and backtick).
std::string_view StripQuotes(std::string_view text) {
  auto is_quote = [](char c) { return c == '`' || c == '\'' || c == '"'; };
  while (!text.empty() && is_quote(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_quote(text.back())) text.remove_suffix(1);
  return text;
}

// ClusterFuzz's cleanup of a CHECK message: drops "(a vs. b)" operand dumps and
// trailing punctuation.
std::string_view CleanCheckMessage(std::string_view text) {
  text = Trim(text);
  const std::size_t vs = text.find(" vs. ");
  if (vs != npos) {
    const std::size_t open = text.rfind(" (", vs);
    if (open != npos) text = text.substr(0, open);
  }
  while (!text.empty() && (text.back() == '.' || text.back() == ' ' || text.back() == '\'' ||
                           text.back() == '"' || text.back() == ']' || text.back() == '[')) {
    text.remove_suffix(1);
  }
  return text;
}

// Capitalised sanitizer bug name: "heap-buffer-overflow" -> "Heap-buffer-overflow".
std::string NormaliseBugName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '_') c = '-';
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out.push_back(c);
  }
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  if (out == "Int-divide-by-zero") out = "Divide-by-zero";
  return out;
}

// "file:line[:col]" or a bare source file name; fills the out-params.
bool ParseFileLocation(std::string_view token, std::string& file, int& line, int& column) {
  if (token.empty()) return false;
  std::string_view path = token;
  int parsed_line = 0;
  int parsed_column = 0;
  std::size_t colon = path.rfind(':');
  if (colon != npos && colon + 1 < path.size()) {
    auto last = ParseDecimal(path.substr(colon + 1));
    if (last) {
      path = path.substr(0, colon);
      std::size_t colon2 = path.rfind(':');
      auto middle = colon2 == npos ? std::nullopt : ParseDecimal(path.substr(colon2 + 1));
      if (middle && colon2 + 1 < path.size()) {
        parsed_line = static_cast<int>(std::min<std::uint64_t>(*middle, 1u << 30));
        parsed_column = static_cast<int>(std::min<std::uint64_t>(*last, 1u << 30));
        path = path.substr(0, colon2);
      } else {
        parsed_line = static_cast<int>(std::min<std::uint64_t>(*last, 1u << 30));
      }
      if (path.empty()) return false;
      if (path == "??") path = {};
      file = std::string(path);
      line = parsed_line;
      column = parsed_column;
      return true;
    }
  }
  // A bare source file ("setup-isolate-deserialize.cc").
  static constexpr std::array<std::string_view, 14> kSourceExtensions = {
      ".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx", ".inc", ".inl", ".S", ".s", ".rs", ".go"};
  for (std::string_view ext : kSourceExtensions) {
    if (EndsWith(token, ext) && token.size() > ext.size() && !Contains(token, "(")) {
      file = std::string(token);
      line = 0;
      column = 0;
      return true;
    }
  }
  return false;
}

bool LooksLikeModuleReference(std::string_view text) {
  if (text.empty() || Contains(text, "(") || Contains(text, ")")) return false;
  if (text == "<unknown module>") return true;
  if (Contains(text, " ")) return false;
  return Contains(text, "+0x") || text[0] == '/' || text[0] == '<' || Contains(text, ".so") ||
         StartsWith(text, "./");
}

// A function position that is really a shared object ("in libc.so.6").
bool LooksLikeSharedObject(std::string_view text) {
  return Contains(text, ".so") && !Contains(text, "::") && !Contains(text, "(") && !Contains(text, " ");
}

void SplitModuleOffset(std::string_view text, StackFrame& frame) {
  const std::size_t plus = text.rfind("+0x");
  if (plus != npos) {
    frame.module = internal::ToPrintableUtf8(text.substr(0, plus), kMaxFieldBytes);
    frame.module_offset = ParseHex(text.substr(plus + 1));
  } else {
    frame.module = internal::ToPrintableUtf8(text, kMaxFieldBytes);
  }
}

// Parses what follows "#N 0xPC" in a sanitizer frame line.
void ParseSanitizerFrameRest(std::string_view rest, StackFrame& frame) {
  rest = Trim(rest);
  // Trailing "(BuildId: ...)".
  const std::size_t build_id = rest.rfind("(BuildId:");
  if (build_id != npos && EndsWith(rest, ")")) rest = Trim(rest.substr(0, build_id));
  // Trailing "(module+0xoffset)".
  if (EndsWith(rest, ")")) {
    int depth = 0;
    std::size_t open = npos;
    for (std::size_t i = rest.size(); i-- > 0;) {
      if (rest[i] == ')') ++depth;
      if (rest[i] == '(' && --depth == 0) {
        open = i;
        break;
      }
    }
    if (open != npos && (open == 0 || IsSpace(rest[open - 1]))) {
      const std::string_view inner = rest.substr(open + 1, rest.size() - open - 2);
      if (LooksLikeModuleReference(inner)) {
        SplitModuleOffset(inner, frame);
        rest = Trim(rest.substr(0, open));
      }
    }
  }
  if (StartsWith(rest, "in ")) {
    rest = Trim(rest.substr(3));
    const std::size_t space = rest.rfind(' ');
    if (space != npos &&
        ParseFileLocation(rest.substr(space + 1), frame.file, frame.line, frame.column)) {
      frame.file = internal::ToPrintableUtf8(frame.file, kMaxFieldBytes);
      rest = Trim(rest.substr(0, space));
    }
  }
  if (rest.empty() || rest == "??") return;
  if (frame.module.empty() && LooksLikeSharedObject(rest)) {
    frame.module = internal::ToPrintableUtf8(rest, kMaxFieldBytes);
    return;
  }
  frame.function = internal::ToPrintableUtf8(rest, kMaxFieldBytes);
}

// "#N 0xPC ..." (sanitizers, Chromium). nullopt when the line is not a frame;
// a frame with `index` -2 when it starts like one but is malformed.
std::optional<StackFrame> ParseHashFrame(std::string_view t) {
  if (t.size() < 2 || t[0] != '#' || !IsAsciiDigit(t[1])) return std::nullopt;
  std::size_t i = 1;
  while (i < t.size() && IsAsciiDigit(t[i])) ++i;
  if (i >= t.size() || !IsSpace(t[i])) return std::nullopt;
  const auto index = ParseDecimal(t.substr(1, i - 1));
  while (i < t.size() && IsSpace(t[i])) ++i;
  std::string_view rest = t.substr(i);
  if (!StartsWith(rest, "0x") && !StartsWith(rest, "0X")) return std::nullopt;
  std::size_t end = 2;
  while (end < rest.size() && !IsSpace(rest[end])) ++end;
  StackFrame frame;
  auto pc = ParseHex(rest.substr(0, end));
  if (!pc || !index || *index > 100000) {
    frame.index = -2;
    return frame;
  }
  frame.index = static_cast<int>(*index);
  frame.pc = pc;
  ParseSanitizerFrameRest(rest.substr(end), frame);
  if (frame.function == "<unknown>") frame.function.clear();
  return frame;
}

// absl / glog "@     0xPC  function".
std::optional<StackFrame> ParseAtFrame(std::string_view t) {
  if (t.size() < 4 || t[0] != '@' || !IsSpace(t[1])) return std::nullopt;
  std::string_view rest = Trim(t.substr(1));
  const std::string_view pc_text = HexToken(rest);
  if (pc_text.empty()) return std::nullopt;
  StackFrame frame;
  frame.pc = ParseHex(pc_text);
  rest = Trim(rest.substr(pc_text.size()));
  if (!rest.empty() && rest != "(unknown)") frame.function = internal::ToPrintableUtf8(rest, kMaxFieldBytes);
  return frame;
}

// glibc backtrace_symbols: "module(function+0xoff) [0xpc]" or "module(+0xoff) [0xpc]".
std::optional<StackFrame> ParseBacktraceSymbolsFrame(std::string_view t) {
  if (!EndsWith(t, "]")) return std::nullopt;
  const std::size_t bracket = t.rfind(" [0x");
  if (bracket == npos || bracket == 0) return std::nullopt;
  auto pc = ParseHex(t.substr(bracket + 2, t.size() - bracket - 3));
  if (!pc) return std::nullopt;
  std::string_view symbol = t.substr(0, bracket);
  if (!EndsWith(symbol, ")")) return std::nullopt;
  const std::size_t open = symbol.find('(');
  if (open == npos || open == 0 || Contains(symbol.substr(0, open), " ")) return std::nullopt;
  StackFrame frame;
  frame.pc = pc;
  frame.module = internal::ToPrintableUtf8(symbol.substr(0, open), kMaxFieldBytes);
  std::string_view inner = symbol.substr(open + 1, symbol.size() - open - 2);
  const std::size_t plus = inner.rfind("+0x");
  if (plus != npos) {
    if (plus == 0) {
      frame.module_offset = ParseHex(inner.substr(1));
    } else {
      frame.function = internal::ToPrintableUtf8(inner.substr(0, plus), kMaxFieldBytes);
    }
  } else if (!inner.empty()) {
    frame.function = internal::ToPrintableUtf8(inner, kMaxFieldBytes);
  }
  return frame;
}

bool IsUsableFrame(const StackFrame& frame) {
  return (!frame.function.empty() && frame.function != "<unknown>") || !frame.module.empty() ||
         !frame.file.empty();
}

bool HasUsableFrames(const std::vector<StackFrame>& frames) {
  return std::any_of(frames.begin(), frames.end(), IsUsableFrame);
}

// "==1234==" at the start of `text`: the pid, and the length of the marker.
std::optional<std::pair<int, std::size_t>> PidMarker(std::string_view text) {
  if (!StartsWith(text, "==")) return std::nullopt;
  std::size_t i = 2;
  while (i < text.size() && IsAsciiDigit(text[i])) ++i;
  if (i == 2 || i > 12 || text.substr(i, 2) != "==") return std::nullopt;
  const auto pid = ParseDecimal(text.substr(2, i - 2));
  return std::make_pair(static_cast<int>(*pid), i + 2);
}

struct ToolName {
  std::string_view name;
  CrashTool tool;
};

constexpr std::array<ToolName, 7> kReportingTools = {{
    {"HWAddressSanitizer", CrashTool::kHwAddressSanitizer},
    {"AddressSanitizer", CrashTool::kAddressSanitizer},
    {"MemorySanitizer", CrashTool::kMemorySanitizer},
    {"ThreadSanitizer", CrashTool::kThreadSanitizer},
    {"LeakSanitizer", CrashTool::kLeakSanitizer},
    {"UndefinedBehaviorSanitizer", CrashTool::kUndefinedBehaviorSanitizer},
    {"libFuzzer", CrashTool::kLibFuzzer},
}};

struct UbsanCheck {
  std::string_view needle;
  std::string_view category;
  std::string_view suffix;
};

// Matched in order against the text after "runtime error: "; more specific
// checks first, the catch-alls (enum value, integer overflow) last.
constexpr std::array<UbsanCheck, 28> kUbsanChecks = {{
    {"division by zero", "Divide-by-zero", ""},
    {"outside the range of representable values", "Float-cast-overflow", ""},
    {"implicit conversion from type", "Implicit-conversion", ""},
    {"through pointer to incorrect function type", "Incorrect-function-pointer-type", ""},
    {"out of bounds for type", "Index-out-of-bounds", ""},
    {"not a valid value for type 'bool'", "Invalid-bool-value", ""},
    {"not a valid value for type 'BOOL'", "Invalid-bool-value", ""},
    {", which is not a valid argument", "Invalid-builtin-use", ""},
    {"misaligned address", "Misaligned-address", ""},
    {"reached the end of a value-returning function", "No-return-value", ""},
    {"declared to never be null", "Invalid-null-argument", ""},
    {"load of null pointer", "Null-dereference", " READ"},
    {"binding to null pointer", "Null-dereference", ""},
    {"access within null pointer", "Null-dereference", ""},
    {"call on null pointer", "Null-dereference", ""},
    {"store to null pointer", "Null-dereference", " WRITE"},
    {"with insufficient space for an object of type", "Object-size", ""},
    {"unsigned offset", "Pointer-overflow", ""},
    {"pointer index expression with base", "Pointer-overflow", ""},
    {"applying non-zero offset", "Pointer-overflow", ""},
    {"applying zero offset to null pointer", "Pointer-overflow", ""},
    {"null pointer returned from function declared to never return null", "Invalid-null-return", ""},
    {"unsigned integer overflow", "Unsigned-integer-overflow", ""},
    {"execution reached an unreachable program point", "Unreachable code", ""},
    {"variable length array bound evaluates to non-positive value", "Non-positive-vla-bound-value", ""},
    {"assumption is violated", "Assumption-violation", ""},
    {"shift", "Undefined-shift", ""},
    {"not a valid value for type", "Invalid-enum-value", ""},
}};

}  // namespace

class SanitizerLogParser::State {
 public:
  explicit State(ParseOptions options) : options_(std::move(options)) {}

  void Feed(std::string_view chunk) {
    while (!chunk.empty()) {
      if (pending_cr_) {
        pending_cr_ = false;
        if (chunk.front() == '\n') {
          chunk.remove_prefix(1);
          continue;
        }
      }
      const std::size_t end = chunk.find_first_of("\r\n");
      const std::string_view piece = chunk.substr(0, end);
      const std::size_t room = options_.max_line_bytes > line_.size() ? options_.max_line_bytes - line_.size() : 0;
      if (piece.size() > room) line_overflow_ = true;
      line_.append(piece.substr(0, std::min(room, piece.size())));
      if (end == npos) break;
      pending_cr_ = chunk[end] == '\r';
      EndLine();
      chunk.remove_prefix(end + 1);
    }
  }

  CrashReport Finish() {
    if (!line_.empty() || line_overflow_) EndLine();
    CloseStack();
    return BuildReport();
  }

 private:
  // ---------------------------------------------------------------- lines

  void EndLine() {
    ++line_number_;
    if (line_overflow_) {
      Note(fmt::format("line {} longer than {} bytes was cut", line_number_, options_.max_line_bytes));
    }
    line_overflow_ = false;
    clean_.clear();
    internal::AppendWithoutAnsi(line_, clean_);
    line_.clear();
    std::string_view view = clean_;
    if (!line_prefix_.empty() && StartsWith(view, line_prefix_)) view.remove_prefix(line_prefix_.size());
    // Split "...textAddressSanitizer:DEADLYSIGNAL" into its two lines.
    while (!view.empty()) {
      const std::size_t marker = FindDeadlySignalMarker(view);
      if (marker == npos) {
        ProcessLine(view);
        return;
      }
      const std::size_t marker_end = view.find("DEADLYSIGNAL", marker) + std::string_view("DEADLYSIGNAL").size();
      if (marker > 0 && !Trim(view.substr(0, marker)).empty()) {
        ProcessLine(view.substr(0, marker));
        Note("a DEADLYSIGNAL marker glued to the end of another line was split off");
      }
      ProcessLine(view.substr(marker, marker_end - marker));
      view.remove_prefix(marker_end);
    }
  }

  // Start of "<Tool>Sanitizer:DEADLYSIGNAL" / "ASAN:DEADLYSIGNAL" in `view`.
  static std::size_t FindDeadlySignalMarker(std::string_view view) {
    static constexpr std::array<std::string_view, 7> kTools = {
        "HWAddressSanitizer", "AddressSanitizer", "LeakSanitizer", "MemorySanitizer",
        "UndefinedBehaviorSanitizer", "ThreadSanitizer", "ASAN"};
    std::size_t pos = view.find(":DEADLYSIGNAL");
    while (pos != npos) {
      for (std::string_view tool : kTools) {
        if (pos >= tool.size() && view.substr(pos - tool.size(), tool.size()) == tool) return pos - tool.size();
      }
      pos = view.find(":DEADLYSIGNAL", pos + 1);
    }
    return npos;
  }

  void ProcessLine(std::string_view line) {
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty()) {
      CloseStack();
      return;
    }
    if (TryFrame(trimmed)) return;
    if (StartsWith(trimmed, "(BuildId:")) return;  // wrapped end of the previous frame
    const auto pid = PidMarker(trimmed);
    const bool runtime_warning = pid && StartsWith(trimmed.substr(pid->second), "WARNING:");
    if (!runtime_warning) CloseStack();
    ScanMarkers(line, trimmed);
    last_text_ = internal::ToPrintableUtf8(trimmed, kMaxTitleBytes);
  }

  // ---------------------------------------------------------------- frames

  bool TryFrame(std::string_view trimmed) {
    std::optional<StackFrame> frame;
    const char first = trimmed.front();
    if (first == '#') {
      frame = ParseHashFrame(trimmed);
    } else if (first == '@') {
      frame = ParseAtFrame(trimmed);
    } else if (trimmed.back() == ']') {
      frame = ParseBacktraceSymbolsFrame(trimmed);
    }
    if (!frame) return false;
    if (frame->index == -2) {
      Note(fmt::format("malformed frame line {} ignored", line_number_));
      return true;
    }
    AddFrame(std::move(*frame));
    return true;
  }

  void AddFrame(StackFrame frame) {
    // Stacks are separated by a title or blank line, so a frame that does not
    // continue the open stack's numbering comes from another process.
    if (stack_open_ && frame.index >= 0 && frame.index <= last_frame_index_) {
      Note(fmt::format("frame #{} on line {} does not continue the current stack (interleaved output?); ignored",
                       frame.index, line_number_));
      return;
    }
    if (!stack_open_) OpenStack();
    if (frame.index >= 0) last_frame_index_ = frame.index;
    std::vector<StackFrame>* target = StackTarget();
    if (target == nullptr) return;
    if (target->size() >= options_.max_frames_per_stack) {
      Note(fmt::format("stack cut after {} frames", options_.max_frames_per_stack));
      return;
    }
    target->push_back(std::move(frame));
  }

  void OpenStack() {
    stack_open_ = true;
    last_frame_index_ = -1;
    stack_target_ = StackTargetKind::kNone;
    Finding* finding = Current();
    if (finding == nullptr) {
      if (orphan_frames_.empty() && !orphan_taken_) {
        stack_target_ = StackTargetKind::kOrphan;
      } else {
        ++ignored_orphan_stacks_;
      }
      return;
    }
    if (!finding->primary_started) {
      finding->primary_started = true;
      stack_target_ = StackTargetKind::kPrimary;
      return;
    }
    if (finding->auxiliary.size() >= options_.max_auxiliary_stacks) {
      Note(fmt::format("more than {} auxiliary stacks; later ones dropped", options_.max_auxiliary_stacks));
      return;
    }
    finding->auxiliary.push_back({last_text_, {}});
    stack_target_ = StackTargetKind::kAuxiliary;
  }

  std::vector<StackFrame>* StackTarget() {
    switch (stack_target_) {
      case StackTargetKind::kPrimary:
        return Current() ? &Current()->frames : nullptr;
      case StackTargetKind::kAuxiliary:
        return Current() && !Current()->auxiliary.empty() ? &Current()->auxiliary.back().frames : nullptr;
      case StackTargetKind::kOrphan:
        return &orphan_frames_;
      case StackTargetKind::kNone:
        break;
    }
    return nullptr;
  }

  void CloseStack() {
    if (!stack_open_) return;
    stack_open_ = false;
    stack_target_ = StackTargetKind::kNone;
  }

  // ---------------------------------------------------------------- markers

  void ScanMarkers(std::string_view line, std::string_view t) {
    if (Contains(t, "Sanitizer") || Contains(t, "ASAN:") || Contains(t, "ERROR: libFuzzer") ||
        Contains(t, "runtime error:") || Contains(t, "CFI: Most likely")) {
      saw_tool_marker_ = true;
    }
    const bool summary = Contains(t, "SUMMARY: ");
    if (summary) {
      HandleSummary(t);
      MarkEnded();
      return;
    }
    if (EndsWith(t, "ABORTING") && (t == "ABORTING" || PidMarker(t))) {
      MarkEnded();
      return;
    }
    if (FindDeadlySignalMarker(t) == 0 || StartsWith(t, "ASAN:SIG")) {
      AddPlaceholder(t);
      return;
    }
    if (HandleSanitizerHeader(line, t)) return;
    if (HandleUbsanRuntimeError(t)) return;
    if (HandleEngineLine(t)) return;
    if (HandleFindingDetail(t)) return;
    HandleMessage(t);
  }

  void MarkEnded() {
    for (auto& finding : findings_) finding.ended = true;
    current_ = -1;
  }

  // "SUMMARY: AddressSanitizer: heap-buffer-overflow ..." also stands in for a
  // report header lost at the start of a truncated log.
  void HandleSummary(std::string_view t) {
    if (!findings_.empty()) return;
    const std::size_t pos = t.find("SUMMARY: ");
    std::string_view rest = t.substr(pos + 9);
    for (const auto& tool : kReportingTools) {
      if (!StartsWith(rest, tool.name) || rest.substr(tool.name.size(), 1) != ":") continue;
      std::string_view description = Trim(rest.substr(tool.name.size() + 1));
      Finding finding;
      if (tool.tool == CrashTool::kLibFuzzer) {
        if (!FillLibFuzzerFinding(description, finding)) return;
      } else if (StartsWith(description, "undefined-behavior")) {
        finding.cls = FindingClass::kMemoryError;
        finding.category = "UNKNOWN";
        finding.tool = CrashTool::kUndefinedBehaviorSanitizer;
      } else if (Contains(description, "leaked in")) {
        finding.cls = FindingClass::kMemoryError;
        finding.category = "Direct-leak";
        finding.tool = CrashTool::kLeakSanitizer;
      } else {
        // The summary names the bug, then a location: keep the name only.
        std::string_view name = description.substr(0, description.find(' '));
        if (StartsWith(description, "data race")) name = "data race";
        FillSanitizerFinding(tool.tool, name, finding);
      }
      if (!orphan_frames_.empty()) {
        finding.frames = std::move(orphan_frames_);
        finding.primary_started = true;
        orphan_frames_.clear();
        orphan_taken_ = true;
      }
      Note("the report header is missing (truncated log?); the crash type is taken from the SUMMARY line");
      AddFinding(std::move(finding));
      return;
    }
  }

  void AddPlaceholder(std::string_view t) {
    Finding finding;
    finding.placeholder = true;
    finding.cls = FindingClass::kFatalSignal;
    finding.category = "Fatal-signal";
    finding.tool = StartsWith(t, "HWAddressSanitizer")          ? CrashTool::kHwAddressSanitizer
                   : StartsWith(t, "AddressSanitizer") || StartsWith(t, "ASAN") ? CrashTool::kAddressSanitizer
                   : StartsWith(t, "UndefinedBehaviorSanitizer") ? CrashTool::kUndefinedBehaviorSanitizer
                   : StartsWith(t, "MemorySanitizer")            ? CrashTool::kMemorySanitizer
                   : StartsWith(t, "ThreadSanitizer")            ? CrashTool::kThreadSanitizer
                   : StartsWith(t, "LeakSanitizer")              ? CrashTool::kLeakSanitizer
                                                                 : CrashTool::kUnknown;
    finding.description = "deadly signal";
    AddFinding(std::move(finding));
  }

  // "==PID==ERROR: AddressSanitizer: ...", "WARNING: ThreadSanitizer: ...",
  // "==PID== ERROR: libFuzzer: ...".
  bool HandleSanitizerHeader(std::string_view line, std::string_view t) {
    if (Contains(t, "Sanitizer failed to allocate") && Contains(t, "ERROR: ")) {
      // "==PID==ERROR: AddressSanitizer failed to allocate 0x... bytes of ..."
      Finding finding;
      finding.tool = Contains(t, "MemorySanitizer") ? CrashTool::kMemorySanitizer : CrashTool::kAddressSanitizer;
      finding.description = Field(t.substr(t.find("ERROR: ") + 7));
      SetOom(finding, t, "allocate ");
      RecordPidAndPrefix(line, t, t.find("ERROR: "), finding);
      AddFinding(std::move(finding));
      return true;
    }
    for (std::string_view kind : {std::string_view("ERROR: "), std::string_view("WARNING: ")}) {
      std::size_t at = t.find(kind);
      while (at != npos) {
        const std::string_view after = t.substr(at + kind.size());
        for (const auto& tool : kReportingTools) {
          if (!StartsWith(after, tool.name) || after.substr(tool.name.size(), 1) != ":") continue;
          if (kind == "WARNING: " && tool.tool != CrashTool::kThreadSanitizer &&
              tool.tool != CrashTool::kMemorySanitizer) {
            continue;
          }
          const std::string_view description = Trim(after.substr(tool.name.size() + 1));
          Finding finding;
          finding.tool = tool.tool;
          if (tool.tool == CrashTool::kLibFuzzer) {
            if (!FillLibFuzzerFinding(description, finding)) {
              Note(fmt::format("unrecognised libFuzzer error on line {}", line_number_));
              return true;
            }
          } else {
            FillSanitizerFinding(tool.tool, description, finding);
          }
          RecordPidAndPrefix(line, t, at, finding);
          AddFinding(std::move(finding));
          return true;
        }
        at = t.find(kind, at + 1);
      }
    }
    return false;
  }

  void RecordPidAndPrefix(std::string_view line, std::string_view t, std::size_t marker_at, Finding& finding) {
    const std::size_t eq = t.rfind("==", marker_at);
    if (eq != npos) {
      const std::size_t start = t.rfind("==", eq == 0 ? 0 : eq - 1);
      if (start != npos && start < eq) {
        if (auto pid = PidMarker(t.substr(start))) finding.pid = pid->first;
      }
    }
    if (!line_prefix_.empty() || prefix_decided_) return;
    prefix_decided_ = true;
    // Text before "==PID==" that is neither indentation nor '=' rules, e.g.
    // "CRASH LOG: ", is a per-line prefix of the rest of the report.
    const std::size_t pid_at = line.find("==");
    if (pid_at == npos || pid_at == 0 || pid_at > kMaxPrefixBytes) return;
    const std::string_view prefix = line.substr(0, pid_at);
    if (Trim(prefix).empty() || prefix.find_first_not_of("= \t") == npos) return;
    if (!PidMarker(line.substr(pid_at))) return;
    line_prefix_ = std::string(prefix);
    Note(fmt::format("lines are prefixed with \"{}\"; the prefix is stripped", internal::ToPrintableUtf8(prefix)));
  }

  static void ParsePc(std::string_view description, Finding& finding) {
    if (Contains(description, "pc (nil)")) {
      finding.pc_null = true;
      return;
    }
    std::size_t at = description.find("pc 0x");
    if (at == npos) return;
    auto pc = ParseHex(HexToken(description.substr(at + 3)));
    if (pc && *pc == 0) finding.pc_null = true;
  }

  static void SetOom(Finding& finding, std::string_view description, std::string_view size_marker) {
    finding.cls = FindingClass::kResourceLimit;
    finding.category = "Out-of-memory";
    if (!size_marker.empty()) {
      const std::string address = AddressAfter(description, size_marker);
      if (!address.empty()) finding.allocation_size = ParseHex(address);
    }
  }

  static void FillSanitizerFinding(CrashTool tool, std::string_view d, Finding& finding) {
    finding.tool = tool;
    finding.description = Field(d);
    finding.cls = FindingClass::kMemoryError;
    ParsePc(d, finding);
    struct Signal {
      std::string_view prefix;
      std::string_view category;
      FindingClass cls;
      bool self_raised;
    };
    static constexpr std::array<Signal, 8> kSignals = {{
        {"SEGV on", "UNKNOWN", FindingClass::kMemoryError, false},
        {"access-violation on", "UNKNOWN", FindingClass::kMemoryError, false},
        {"BUS on", "Bus", FindingClass::kMemoryError, true},
        {"FPE on", "Floating-point-exception", FindingClass::kMemoryError, true},
        {"ABRT on", "Abrt", FindingClass::kFatalSignal, true},
        {"ILL on", "Ill", FindingClass::kFatalSignal, true},
        {"TRAP on", "Trap", FindingClass::kFatalSignal, true},
        {"breakpoint on", "Breakpoint", FindingClass::kFatalSignal, true},
    }};
    for (const auto& signal : kSignals) {
      if (!StartsWith(d, signal.prefix)) continue;
      finding.category = std::string(signal.category);
      finding.cls = signal.cls;
      finding.self_raised = signal.self_raised;
      finding.signal = std::string(signal.prefix.substr(0, signal.prefix.find(' ')));
      finding.segv_like = finding.category == "UNKNOWN";
      finding.address = AddressAfter(d, " address ");
      return;
    }
    if (StartsWith(d, "detected memory leaks")) {
      finding.leak_report = true;
      finding.category = "Direct-leak";
      finding.tool = CrashTool::kLeakSanitizer;
      return;
    }
    if (StartsWith(d, "attempting double-free")) {
      finding.category = "Heap-double-free";
      finding.address = AddressAfter(d, " on ");
      return;
    }
    if (StartsWith(d, "attempting free on address which was not malloc")) {
      finding.category = "Invalid-free";
      finding.address = AddressAfter(d, "-ed: ");
      return;
    }
    if (StartsWith(d, "requested allocation size")) {
      SetOom(finding, d, "requested allocation size ");
      return;
    }
    if (StartsWith(d, "out of memory") || StartsWith(d, "allocator is out of memory")) {
      SetOom(finding, d, "allocate ");
      return;
    }
    if (StartsWith(d, "calloc parameters overflow") || StartsWith(d, "calloc-overflow") ||
        StartsWith(d, "pvalloc parameters overflow") || StartsWith(d, "allocation-size-too-big") ||
        StartsWith(d, "failed to allocate") || Contains(d, "rss limit exhausted")) {
      SetOom(finding, d, "");
      return;
    }
    if (StartsWith(d, "allocation-tail-overwritten")) {
      finding.category = "Allocation-tail-overwritten";
      finding.address = AddressAfter(d, "heap object [");
      return;
    }
    // Generic "<bug-name> on address 0x... at pc ..." / "<bug-name> (pid=N)".
    std::size_t end = d.size();
    for (std::string_view stop : {std::string_view(" on "), std::string_view(" ("), std::string_view(";"),
                                  std::string_view(":"), std::string_view(",")}) {
      end = std::min(end, d.find(stop));
    }
    const std::string_view name = Trim(d.substr(0, end));
    finding.category = name.empty() ? "UNKNOWN" : internal::ToPrintableUtf8(NormaliseBugName(name), 80);
    if (finding.category == "Unknown-crash") {
      finding.category = "UNKNOWN";
      finding.segv_like = true;
    }
    if (finding.category == "Stack-overflow") finding.signal = "SEGV";
    finding.address = AddressAfter(d, " address ");
    if (finding.address.empty()) finding.address = AddressAfter(d, " on ");
  }

  static bool FillLibFuzzerFinding(std::string_view d, Finding& finding) {
    finding.tool = CrashTool::kLibFuzzer;
    finding.description = Field(d);
    if (StartsWith(d, "deadly signal")) {
      finding.cls = FindingClass::kFatalSignal;
      finding.category = "Fatal-signal";
    } else if (StartsWith(d, "timeout")) {
      finding.cls = FindingClass::kResourceLimit;
      finding.category = "Timeout";
    } else if (StartsWith(d, "out-of-memory")) {
      SetOom(finding, d, "");
      const std::size_t malloc_at = d.find("(malloc(");
      if (malloc_at != npos) {
        const std::string_view digits = d.substr(malloc_at + 8);
        std::size_t n = 0;
        while (n < digits.size() && IsAsciiDigit(digits[n])) ++n;
        finding.allocation_size = ParseDecimal(digits.substr(0, n));
      }
    } else if (StartsWith(d, "fuzz target exited")) {
      finding.cls = FindingClass::kFatalSignal;
      finding.category = "Unexpected-exit";
    } else if (StartsWith(d, "fuzz target overwrites its const input")) {
      finding.cls = FindingClass::kFatalSignal;
      finding.category = "Overwrites-const-input";
    } else {
      return false;
    }
    return true;
  }

  // "<location>: runtime error: <message>" from UndefinedBehaviorSanitizer.
  bool HandleUbsanRuntimeError(std::string_view t) {
    const std::size_t pos = t.find(": runtime error: ");
    if (pos == npos) return false;
    const std::string_view location = Trim(t.substr(0, pos));
    const std::string_view message = t.substr(pos + 17);
    Finding finding;
    finding.cls = FindingClass::kMemoryError;
    finding.tool = CrashTool::kUndefinedBehaviorSanitizer;
    finding.description = Field(message);
    if (StartsWith(message, "control flow integrity check for type ")) {
      finding.category = "Bad-cast";
      finding.address = AddressAfter(message, "vtable address ");
      std::string_view target = message.substr(38);
      const std::size_t failed = target.rfind(" failed during ");
      finding.message = "Bad-cast to " + Field(StripQuotes(target.substr(0, failed)));
      finding.bad_cast_source_pending = Contains(message, "vtable address");
    } else if ((StartsWith(message, "member access within address ") ||
                StartsWith(message, "member call on address ") || StartsWith(message, "downcast of address ")) &&
               Contains(message, "which does not point to an object of type")) {
      finding.category = "Bad-cast";
      finding.address = AddressAfter(message, "address ");
      const std::size_t type_at = message.find("object of type ");
      finding.message = "Bad-cast to " + Field(StripQuotes(message.substr(type_at + 15)));
      finding.bad_cast_source_pending = true;
    } else {
      finding.category = "UNKNOWN";
      for (const auto& check : kUbsanChecks) {
        if (!Contains(message, check.needle)) continue;
        finding.category = std::string(check.category);
        finding.fixed_suffix = std::string(check.suffix);
        break;
      }
      if (finding.category == "Integer-overflow" || finding.category == "UNKNOWN") {
        if (Contains(message, "integer overflow") ||
            ((StartsWith(message, "negation of") || StartsWith(message, "division of")) &&
             Contains(message, "cannot be represented in type"))) {
          finding.category = "Integer-overflow";
        }
      }
      if (finding.category == "UNKNOWN") {
        Note(fmt::format("unrecognised UBSan check \"{}\"", internal::ToPrintableUtf8(message, 120)));
      }
    }
    ParseFileLocation(location, finding.location_file, finding.location_line, finding.location_column);
    finding.location_file = internal::ToPrintableUtf8(finding.location_file, kMaxFieldBytes);
    AddFinding(std::move(finding));
    return true;
  }

  // Centipede, AFL++, SystemSan and libFuzzer's ALARM lines.
  bool HandleEngineLine(std::string_view t) {
    if (StartsWith(t, "=========")) {
      struct Limit {
        std::string_view needle;
        std::string_view category;
      };
      static constexpr std::array<Limit, 4> kLimits = {{
          {"Per-input timeout exceeded", "Timeout"},
          {"Batch timeout exceeded", "Timeout"},
          {"RSS limit exceeded", "Out-of-memory"},
          {"Stack limit exceeded", "Stack-overflow"},
      }};
      for (const auto& limit : kLimits) {
        if (!Contains(t, limit.needle)) continue;
        Finding finding;
        finding.cls = FindingClass::kResourceLimit;
        finding.category = std::string(limit.category);
        finding.tool = CrashTool::kCentipede;
        finding.description = Field(Trim(t.substr(t.find_first_not_of('='))));
        saw_tool_marker_ = true;
        AddFinding(std::move(finding));
        return true;
      }
      return false;
    }
    if (StartsWith(t, "+++ Program ")) {
      Finding finding;
      finding.tool = CrashTool::kAflPlusPlus;
      finding.description = Field(t);
      if (StartsWith(t, "+++ Program timed off")) {
        finding.cls = FindingClass::kResourceLimit;
        finding.category = "Timeout";
      } else if (StartsWith(t, "+++ Program killed by signal ")) {
        const std::string_view digits = t.substr(29);
        std::size_t n = 0;
        while (n < digits.size() && IsAsciiDigit(digits[n])) ++n;
        const auto signal = ParseDecimal(digits.substr(0, n)).value_or(0);
        FillFromSignalNumber(signal, finding);
      } else {
        return false;
      }
      saw_tool_marker_ = true;
      AddFinding(std::move(finding));
      MarkEnded();
      return true;
    }
    if (StartsWith(t, "===BUG DETECTED: ")) {
      std::string_view what = t.substr(17);
      if (EndsWith(what, "===")) what.remove_suffix(3);
      Finding finding;
      finding.cls = FindingClass::kMessage;
      finding.tool = CrashTool::kSystemSanitizer;
      finding.description = Field(what);
      if (StartsWith(what, "Shell injection") || StartsWith(what, "Shell corruption")) {
        finding.category = "Command injection";
      } else if (StartsWith(what, "Arbitrary domain name resolution")) {
        finding.category = "Arbitrary DNS resolution";
      } else {
        finding.category = std::string(Trim(what.substr(0, what.find(':'))));
        if (finding.category.empty()) finding.category = "UNKNOWN";
        finding.category = internal::ToPrintableUtf8(finding.category, 80);
      }
      saw_tool_marker_ = true;
      AddFinding(std::move(finding));
      return true;
    }
    if (StartsWith(t, "ALARM: working on the last Unit for ")) {
      Finding finding;
      finding.placeholder = true;
      finding.cls = FindingClass::kResourceLimit;
      finding.category = "Timeout";
      finding.tool = CrashTool::kLibFuzzer;
      finding.description = Field(t);
      AddFinding(std::move(finding));
      return true;
    }
    return false;
  }

  static void FillFromSignalNumber(std::uint64_t signal, Finding& finding) {
    finding.cls = FindingClass::kFatalSignal;
    finding.self_raised = true;
    switch (signal) {
      case 11:
        finding.category = "UNKNOWN";
        finding.signal = "SEGV";
        finding.cls = FindingClass::kMemoryError;
        finding.self_raised = false;
        finding.segv_like = true;
        break;
      case 6:
        finding.category = "Abrt";
        finding.signal = "ABRT";
        break;
      case 4:
        finding.category = "Ill";
        finding.signal = "ILL";
        break;
      case 5:
        finding.category = "Trap";
        finding.signal = "TRAP";
        break;
      case 7:
        finding.category = "Bus";
        finding.signal = "BUS";
        finding.cls = FindingClass::kMemoryError;
        break;
      case 8:
        finding.category = "Floating-point-exception";
        finding.signal = "FPE";
        finding.cls = FindingClass::kMemoryError;
        break;
      default:
        finding.category = "Fatal-signal";
        finding.signal = fmt::format("{}", signal);
        finding.self_raised = false;
        break;
    }
  }

  // Lines that add detail to the finding being read.
  bool HandleFindingDetail(std::string_view t) {
    if (StartsWith(t, "MS: ")) {
      const std::size_t semicolon = t.find(';');
      std::string_view sequence = t.substr(4, semicolon == npos ? npos : semicolon - 4);
      const std::size_t space = sequence.find(' ');
      if (space != npos) sequence = sequence.substr(space + 1);
      mutation_sequence_ = Field(sequence);
      const std::size_t base = t.find("base unit: ");
      if (base != npos) base_unit_ = Field(t.substr(base + 11));
      return true;
    }
    const std::size_t written = t.find("Test unit written to ");
    if (written != npos) {
      artifact_path_ = Field(t.substr(written + 21));
      return true;
    }
    if (StartsWith(t, "DEDUP_TOKEN: ")) {
      for (auto it = findings_.rbegin(); it != findings_.rend(); ++it) {
        if (it->dedup_token.empty()) {
          it->dedup_token = Field(t.substr(13));
          break;
        }
      }
      return true;
    }
    Finding* finding = Current();
    if (finding == nullptr) return false;
    if (StartsWith(t, "SCARINESS: ")) {
      const std::string_view rest = t.substr(11);
      std::size_t n = 0;
      while (n < rest.size() && IsAsciiDigit(rest[n])) ++n;
      const auto score = ParseDecimal(rest.substr(0, n));
      if (!score || *score >= 1000) return true;  // not ASan's "SCARINESS: N (what)"
      finding->scariness_score = static_cast<int>(*score);
      const std::size_t open = rest.find('(');
      const std::size_t close = rest.rfind(')');
      if (open != npos && close != npos && close > open) {
        finding->scariness_description = Field(rest.substr(open + 1, close - open - 1));
      }
      return true;
    }
    const auto pid = PidMarker(t);
    const std::string_view body = pid ? t.substr(pid->second) : t;
    if (StartsWith(body, "The signal is caused by a ")) {
      if (Contains(body, "READ memory access")) finding->signal_access = AccessKind::kRead;
      if (Contains(body, "WRITE memory access")) finding->signal_access = AccessKind::kWrite;
      return true;
    }
    if (finding->leak_report && (StartsWith(t, "Direct leak of ") || StartsWith(t, "Indirect leak of "))) {
      const bool direct = StartsWith(t, "Direct");
      if (direct && !finding->direct_leak_seen) {
        finding->direct_leak_seen = true;
        finding->category = "Direct-leak";
        if (finding->primary_started && !finding->frames.empty()) {
          // An indirect leak came first; the first direct leak's stack is the one to report.
          finding->auxiliary.insert(finding->auxiliary.begin(), {"Indirect leak", std::move(finding->frames)});
          finding->frames.clear();
          finding->primary_started = false;
        }
      } else if (!direct && !finding->direct_leak_seen) {
        finding->category = "Indirect-leak";
      }
      return false;  // keep the line as the title of the stack that follows
    }
    if (!finding->access_line_seen && !finding->primary_started) {
      if (ParseAccessLine(t, *finding)) return true;
    }
    if (finding->bad_cast_source_pending) {
      // UBSan "note: object is of type A" / CFI "note: vtable is of type 'A'" / "note: invalid vtable".
      for (std::string_view marker : {std::string_view("note: object is of type "),
                                      std::string_view("note: vtable is of type ")}) {
        const std::size_t at = t.find(marker);
        if (at == npos) continue;
        finding->message += " from " + Field(StripQuotes(t.substr(at + marker.size())));
        finding->bad_cast_source_pending = false;
        return true;
      }
      if (Contains(t, "note: invalid vtable") || Contains(t, "note: object has invalid vptr")) {
        finding->message += " from invalid vptr";
        finding->bad_cast_source_pending = false;
        return true;
      }
    }
    if (finding->category == "Uncaught exception" && StartsWith(t, "what():")) {
      finding->message = Field(fmt::format("{}: {}", finding->message, Trim(t.substr(7))));
      return true;
    }
    return false;
  }

  // "READ of size 4 at 0x... thread T0", TSan "Write of size 4 at 0x... by thread T1",
  // "Atomic write of size ...".
  static bool ParseAccessLine(std::string_view t, Finding& finding) {
    std::string_view rest = t;
    if (StartsWith(rest, "Atomic ")) rest.remove_prefix(7);
    AccessKind access = AccessKind::kUnknown;
    if (StartsWith(rest, "READ ") || StartsWith(rest, "Read ") || StartsWith(rest, "read ")) {
      access = AccessKind::kRead;
    } else if (StartsWith(rest, "WRITE ") || StartsWith(rest, "Write ") || StartsWith(rest, "write ")) {
      access = AccessKind::kWrite;
    } else {
      return false;
    }
    const std::size_t of_size = rest.find(" of size ");
    if (of_size == npos || of_size > 6) return false;
    std::string_view digits = rest.substr(of_size + 9);
    std::size_t n = 0;
    while (n < digits.size() && IsAsciiDigit(digits[n])) ++n;
    finding.access = access;
    finding.access_size = ParseDecimal(digits.substr(0, n));
    finding.access_line_seen = true;
    if (finding.address.empty()) finding.address = AddressAfter(rest, " at ");
    return true;
  }

  // Assertion, CHECK, uncaught exception and fatal-log messages.
  void HandleMessage(std::string_view t) {
    Finding finding;
    finding.cls = FindingClass::kMessage;
    finding.tool = CrashTool::kRuntime;
    if (!MatchMessage(t, finding)) return;
    finding.description = Field(t);
    AddFinding(std::move(finding));
  }

  static bool MatchMessage(std::string_view t, Finding& finding) {
    struct Check {
      std::string_view marker;
      std::string_view category;
    };
    static constexpr std::array<Check, 7> kChecks = {{
        {"Sanitizer CHECK failed: ", "Sanitizer CHECK failure"},
        {"Security DCHECK failed: ", "Security DCHECK failure"},
        {"Security CHECK failed: ", "Security CHECK failure"},
        {"DCHECK failed: ", "DCHECK failure"},
        {"Debug check failed: ", "DCHECK failure"},
        {"Check failed: ", "CHECK failure"},
        {"NOTREACHED hit. ", "CHECK failure"},
    }};
    for (const auto& check : kChecks) {
      const std::size_t pos = t.find(check.marker);
      if (pos == npos) continue;
      finding.category = std::string(check.category);
      std::string_view message = t.substr(pos + check.marker.size());
      if (check.category == "Sanitizer CHECK failure") {
        const std::size_t space = message.find(' ');
        if (space != npos) message = message.substr(space + 1);
      }
      finding.message = Field(CleanCheckMessage(message));
      return true;
    }
    if (MatchAssertion(t, finding)) return true;
    if (MatchUncaughtException(t, finding)) return true;
    // V8: "# Fatal process out of memory: ..." (an out-of-memory, not a crash site).
    if (StartsWith(t, "# Fatal process out of memory") || StartsWith(t, "# Fatal JavaScript out of memory")) {
      finding.cls = FindingClass::kResourceLimit;
      finding.category = "Out-of-memory";
      finding.message = Field(t.substr(2));
      return true;
    }
    // V8: "# Fatal error in FILE, line N" / glog: "F0812 20:32:32.874783 47273 file.h:195] text".
    if (StartsWith(t, "# Fatal error")) {
      finding.category = "Fatal error";
      finding.message = Field(t.substr(2));
      return true;
    }
    if (t.size() > 6 && t[0] == 'F' && IsAsciiDigit(t[1]) && IsAsciiDigit(t[2]) && IsAsciiDigit(t[3]) &&
        IsAsciiDigit(t[4]) && t[5] == ' ') {
      const std::size_t bracket = t.find("] ");
      if (bracket == npos) return false;
      finding.category = "Fatal error";
      finding.message = Field(t.substr(bracket + 2));
      return true;
    }
    return false;
  }

  static bool MatchAssertion(std::string_view t, Finding& finding) {
    // "ASSERTION FAILED: x", "assertion failed: (x)", "Assertion failed: x (file: func: line)",
    // "assert.h assertion failed at FILE in FUNC: x", "assert failure: x".
    for (std::string_view marker : {std::string_view("assertion failed"), std::string_view("assertion failure"),
                                    std::string_view("assert failed"), std::string_view("assert failure")}) {
      const std::size_t pos = FindIgnoreCase(t, marker);
      if (pos == npos) continue;
      std::string_view rest = t.substr(pos + marker.size());
      if (StartsWith(rest, " at ")) {
        const std::size_t in = rest.find(" in ");
        const std::size_t colon = rest.find(": ", in == npos ? 0 : in);
        if (colon == npos) continue;
        rest = rest.substr(colon + 2);
      } else if (StartsWith(rest, ": ")) {
        rest = rest.substr(2);
      } else {
        continue;
      }
      finding.category = "ASSERT";
      finding.message = Field(rest);
      return true;
    }
    // glibc "prog: file.c:12: func: Assertion `x' failed.", GLib "func: assertion 'x' failed",
    // libc++ "file:12: assertion x failed: reason" (the reason is the message).
    const std::size_t last_failed = t.rfind(" failed");
    std::size_t pos = last_failed == npos ? npos : FindIgnoreCase(t, "assertion ");
    while (pos != npos && pos + 10 <= last_failed) {
      std::size_t before = pos;
      while (before > 0 && IsSpace(t[before - 1])) --before;
      if (before > 0 && t[before - 1] == ':') {
        std::string_view message = StripQuotes(Trim(t.substr(pos + 10, last_failed - pos - 10)));
        const std::string_view tail = t.substr(last_failed + 7);
        if (StartsWith(tail, ":") && !Trim(tail.substr(1)).empty()) message = Trim(tail.substr(1));
        finding.category = "ASSERT";
        finding.message = Field(message);
        return true;
      }
      pos = FindIgnoreCase(t, "assertion ", pos + 1);
    }
    // Envoy "[...] source/file.cc:259] panic: not reached".
    const std::size_t panic = t.find("panic: ");
    if (panic != npos && panic >= 2 && (t[panic - 2] == ']' || t[panic - 2] == ':')) {
      const std::string_view before = t.substr(0, panic);
      for (std::string_view ext : {".c:", ".cc:", ".cpp:", ".cxx:", ".h:", ".hpp:"}) {
        if (!Contains(before, ext)) continue;
        finding.category = "ASSERT";
        finding.message = Field(t.substr(panic + 7));
        return true;
      }
    }
    return false;
  }

  static bool MatchUncaughtException(std::string_view t, Finding& finding) {
    std::string_view type_and_message;
    bool found = false;
    for (std::string_view marker : {std::string_view("terminate called after throwing an instance of "),
                                    std::string_view("terminating due to uncaught exception of type "),
                                    std::string_view("terminating with uncaught exception of type ")}) {
      const std::size_t pos = t.find(marker);
      if (pos == npos) continue;
      type_and_message = StripQuotes(Trim(t.substr(pos + marker.size())));
      found = true;
      break;
    }
    if (!found) {
      if (!Contains(t, "terminate called without an active exception")) return false;
      type_and_message = "std::terminate without an active exception";
    }
    if (StartsWith(type_and_message, "std::bad_alloc")) {
      finding.cls = FindingClass::kResourceLimit;
      finding.category = "Out-of-memory";
    } else {
      finding.category = "Uncaught exception";
    }
    finding.message = Field(type_and_message);
    return true;
  }

  // ---------------------------------------------------------------- findings

  Finding* Current() { return current_ >= 0 ? &findings_[static_cast<std::size_t>(current_)] : nullptr; }

  void AddFinding(Finding finding) {
    CloseStack();
    if (!findings_.empty() && findings_.back().placeholder && !findings_.back().primary_started) {
      // The header the DEADLYSIGNAL/ALARM line announced.
      Finding& placeholder = findings_.back();
      if (finding.tool == CrashTool::kUnknown) finding.tool = placeholder.tool;
      placeholder = std::move(finding);
      current_ = static_cast<int>(findings_.size()) - 1;
      return;
    }
    if (findings_.size() >= options_.max_findings) {
      Note(fmt::format("more than {} report headers; later ones ignored", options_.max_findings));
      current_ = -1;
      return;
    }
    if (finding.pid >= 0) {
      for (const auto& earlier : findings_) {
        if (earlier.pid >= 0 && earlier.pid != finding.pid) {
          Note(fmt::format("reports of processes {} and {} are interleaved", earlier.pid, finding.pid));
          break;
        }
      }
    }
    findings_.push_back(std::move(finding));
    current_ = static_cast<int>(findings_.size()) - 1;
  }

  // True when `later` should replace `winner` as the reported crash.
  static bool Replaces(const Finding& later, const Finding& winner) {
    if (winner.placeholder) return true;
    switch (later.cls) {
      case FindingClass::kMemoryError:
        if (winner.cls == FindingClass::kFatalSignal) return true;
        if (winner.cls == FindingClass::kMessage) {
          static constexpr std::array<std::uint64_t, 5> kAssertAddresses = {
              0x0000bbadbeef, 0x0000fbadbeef, 0x00001f75b7dd, 0x0000977537dd, 0x00009f7537dd};
          const auto address = ParseHex(later.address).value_or(0);
          return !(later.segv_like &&
                   std::find(kAssertAddresses.begin(), kAssertAddresses.end(), address) != kAssertAddresses.end());
        }
        return false;
      case FindingClass::kResourceLimit:
        return winner.cls == FindingClass::kFatalSignal || winner.cls == FindingClass::kMessage;
      case FindingClass::kMessage:
        return winner.cls == FindingClass::kMessage && winner.category == "Fatal error" &&
               later.category != "Fatal error";
      case FindingClass::kFatalSignal:
        break;
    }
    return false;
  }

  std::string ComposeType(const Finding& finding) const {
    std::string type = finding.category;
    if (finding.segv_like || type == "UNKNOWN") {
      const auto address = ParseHex(finding.address);
      if (address && *address < kNullDereferenceBoundary) type = "Null-dereference";
      if (finding.segv_like && finding.signal_access != AccessKind::kUnknown) {
        type += ' ';
        type += ToString(finding.signal_access);
      }
      return type;
    }
    if (!finding.fixed_suffix.empty()) return type + finding.fixed_suffix;
    if (finding.access_line_seen && finding.access != AccessKind::kUnknown && finding.access_size) {
      const std::uint64_t size = *finding.access_size;
      const std::string size_text = size > 16 ? std::string("{*}") : fmt::format("{}", size);
      type += fmt::format("\n{} {}", ToString(finding.access), size_text);
    }
    return type;
  }

  CrashReport BuildReport() {
    CrashReport report;
    report.artifact_path = artifact_path_;
    report.mutation_sequence = mutation_sequence_;
    report.base_unit = base_unit_;
    if (ignored_orphan_stacks_ > 0 || (!orphan_frames_.empty() && !orphan_taken_)) {
      Note("stack frames outside any crash report were ignored");
    }

    std::optional<std::size_t> winner;
    for (std::size_t i = 0; i < findings_.size(); ++i) {
      if (!winner) {
        winner = i;
      } else if (Replaces(findings_[i], findings_[*winner])) {
        Note(fmt::format("{} reported after {}: {} is used", findings_[i].category, findings_[*winner].category,
                         findings_[i].category));
        winner = i;
      }
    }
    if (!winner) {
      report.confidence = ParseConfidence::kNone;
      if (saw_tool_marker_) Note("a sanitizer or engine was mentioned, but no crash report was found");
      report.parse_notes = std::move(notes_);
      return report;
    }
    const Finding& primary = findings_[*winner];

    // The stack: the winner's, or the next finding's when the winner has none.
    const Finding* frames_from = &primary;
    if (!HasUsableFrames(primary.frames)) {
      for (std::size_t i = *winner + 1; i < findings_.size(); ++i) {
        if (HasUsableFrames(findings_[i].frames)) {
          frames_from = &findings_[i];
          Note(fmt::format("the stack of the {} that followed the {} is used", findings_[i].category,
                           primary.category));
          break;
        }
      }
    }

    report.crash_type = ComposeType(primary);
    report.crash_address = primary.cls == FindingClass::kMessage ? std::string() : primary.address;
    if (report.crash_address.size() == 18 && StartsWith(report.crash_address, "0x0000")) {
      report.crash_address = "0x" + report.crash_address.substr(6);
    }
    report.access = primary.access != AccessKind::kUnknown ? primary.access : primary.signal_access;
    report.access_size = primary.access_size;
    report.tool = primary.tool;
    if ((report.tool == CrashTool::kRuntime || report.tool == CrashTool::kUnknown) && frames_from != &primary) {
      report.tool = frames_from->tool;
    }
    report.description = primary.description;
    report.message = primary.message;
    report.fatal_signal = !primary.signal.empty() ? primary.signal : frames_from->signal;
    report.allocation_size = primary.allocation_size;
    report.frames = frames_from->frames;
    report.auxiliary_stacks = primary.auxiliary;
    if (frames_from != &primary) {
      report.auxiliary_stacks.insert(report.auxiliary_stacks.end(), frames_from->auxiliary.begin(),
                                     frames_from->auxiliary.end());
    }
    report.dedup_token = !primary.dedup_token.empty() ? primary.dedup_token : frames_from->dedup_token;
    report.scariness_score = primary.scariness_score;
    report.scariness_description = primary.scariness_description;
    report.pc_is_null = primary.pc_null;
    report.self_raised_signal = primary.self_raised || (frames_from != &primary && frames_from->self_raised) ||
                                (!report.frames.empty() && report.frames.front().function == "gsignal");

    if (report.frames.empty() && primary.tool == CrashTool::kUndefinedBehaviorSanitizer &&
        !primary.location_file.empty()) {
      StackFrame location;
      location.index = 0;
      location.file = primary.location_file;
      location.line = primary.location_line;
      location.column = primary.location_column;
      report.frames.push_back(std::move(location));
      Note("no stack trace (UBSAN_OPTIONS=print_stacktrace=1 missing?); the runtime error location is used");
    }

    const bool ended = primary.ended || frames_from->ended;
    report.confidence = saw_tool_marker_ && ended ? ParseConfidence::kComplete : ParseConfidence::kPartial;
    if (!ended) Note("no end marker (SUMMARY:, ABORTING) after the report: the log may be truncated");
    if (!saw_tool_marker_) Note("no sanitizer or fuzzing engine reported this crash");

    if (!options_.report_ooms_and_hangs) {
      const std::string_view category = CrashCategory(report.crash_type);
      if (category == "Out-of-memory" || category == "Timeout") {
        Note(fmt::format("{} not reported: report_ooms_and_hangs is off", category));
        report.crash_type.clear();
      }
    }
    report.security = IsSecurityIssue(report, options_.security);
    report.parse_notes = std::move(notes_);
    EnsurePrintable(report);
    return report;
  }

  // The report's strings are valid UTF-8 without control characters, whatever
  // the log held; fields are normalised where they are read, this is the
  // final guarantee.
  static void EnsurePrintable(CrashReport& report) {
    auto fix = [](std::string& text) { text = internal::ToPrintableUtf8(text, kMaxFieldBytes); };
    auto fix_frames = [&fix](std::vector<StackFrame>& frames) {
      for (auto& frame : frames) {
        fix(frame.function);
        fix(frame.file);
        fix(frame.module);
      }
    };
    for (std::string* text : {&report.crash_address, &report.description, &report.message, &report.fatal_signal,
                              &report.dedup_token, &report.scariness_description, &report.artifact_path,
                              &report.mutation_sequence, &report.base_unit}) {
      fix(*text);
    }
    // The crash type keeps its '\n' separator.
    const std::size_t newline = report.crash_type.find('\n');
    if (newline == std::string::npos) {
      fix(report.crash_type);
    } else {
      std::string head = report.crash_type.substr(0, newline);
      std::string tail = report.crash_type.substr(newline + 1);
      fix(head);
      fix(tail);
      report.crash_type = head + '\n' + tail;
    }
    fix_frames(report.frames);
    for (auto& stack : report.auxiliary_stacks) {
      fix(stack.title);
      fix_frames(stack.frames);
    }
  }

  void Note(std::string note) {
    if (std::find(notes_.begin(), notes_.end(), note) != notes_.end()) return;
    if (notes_.size() >= options_.max_notes) return;
    notes_.push_back(internal::ToPrintableUtf8(note, 512));
  }

  enum class StackTargetKind { kNone, kPrimary, kAuxiliary, kOrphan };

  const ParseOptions options_;

  std::string line_;
  std::string clean_;
  bool line_overflow_ = false;
  bool pending_cr_ = false;
  std::size_t line_number_ = 0;
  std::string line_prefix_;
  bool prefix_decided_ = false;
  std::string last_text_;

  std::vector<Finding> findings_;
  int current_ = -1;
  bool stack_open_ = false;
  StackTargetKind stack_target_ = StackTargetKind::kNone;
  int last_frame_index_ = -1;
  std::vector<StackFrame> orphan_frames_;
  bool orphan_taken_ = false;
  std::size_t ignored_orphan_stacks_ = 0;

  bool saw_tool_marker_ = false;
  std::string artifact_path_;
  std::string mutation_sequence_;
  std::string base_unit_;
  std::vector<std::string> notes_;
};

SanitizerLogParser::SanitizerLogParser(ParseOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>(options_)) {}

SanitizerLogParser::~SanitizerLogParser() = default;
SanitizerLogParser::SanitizerLogParser(SanitizerLogParser&&) noexcept = default;
SanitizerLogParser& SanitizerLogParser::operator=(SanitizerLogParser&&) noexcept = default;

void SanitizerLogParser::Feed(std::string_view chunk) { state_->Feed(chunk); }

CrashReport SanitizerLogParser::Finish() {
  CrashReport report = state_->Finish();
  state_ = std::make_unique<State>(options_);
  return report;
}

CrashReport SanitizerLogParser::Parse(std::string_view log, const ParseOptions& options) {
  SanitizerLogParser parser(options);
  parser.Feed(log);
  return parser.Finish();
}

}  // namespace iotfuzz::triage
