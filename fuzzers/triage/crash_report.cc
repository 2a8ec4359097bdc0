// JSON format of a CrashReport ("format": "iotfuzz.crash_report.v1"). Every
// field is always present; absent values are "" for strings, null for numbers:
//
//   format, crash_type, crash_category, crash_address,
//   access ("READ" | "WRITE" | null), access_size, tool, description, message,
//   fatal_signal, allocation_size, security,
//   frames: [{index, pc, function, file, line, column, module, module_offset}],
//   auxiliary_stacks: [{title, frames}],
//   dedup_token, scariness ({score (number | null), description} | null), artifact_path,
//   mutation_sequence, base_unit, pc_is_null, self_raised_signal,
//   confidence ("none" | "partial" | "complete"), parse_notes: [string]
//
// pc and module_offset are "0x..." strings (64-bit values do not survive every
// JSON reader as numbers); index, line and column are numbers or null.

#include "fuzzers/triage/crash_report.h"

#include <array>
#include <utility>

#include "fuzzers/triage/internal/text.h"

namespace iotfuzz::triage {

namespace {

constexpr std::string_view kFormat = "iotfuzz.crash_report.v1";

constexpr std::array<std::pair<CrashTool, std::string_view>, 12> kToolNames = {{
    {CrashTool::kUnknown, "unknown"},
    {CrashTool::kAddressSanitizer, "AddressSanitizer"},
    {CrashTool::kHwAddressSanitizer, "HWAddressSanitizer"},
    {CrashTool::kUndefinedBehaviorSanitizer, "UndefinedBehaviorSanitizer"},
    {CrashTool::kLeakSanitizer, "LeakSanitizer"},
    {CrashTool::kMemorySanitizer, "MemorySanitizer"},
    {CrashTool::kThreadSanitizer, "ThreadSanitizer"},
    {CrashTool::kLibFuzzer, "libFuzzer"},
    {CrashTool::kCentipede, "Centipede"},
    {CrashTool::kAflPlusPlus, "AFL++"},
    {CrashTool::kSystemSanitizer, "SystemSanitizer"},
    {CrashTool::kRuntime, "runtime"},
}};

nlohmann::json HexOrNull(const std::optional<std::uint64_t>& value) {
  if (!value) return nullptr;
  return internal::HexString(*value);
}

std::optional<std::uint64_t> HexFromJson(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  auto parsed = internal::ParseHex(value.get<std::string>());
  if (!parsed) throw nlohmann::json::other_error::create(501, "not a hex number: " + value.get<std::string>(), &value);
  return parsed;
}

template <typename T>
nlohmann::json NumberOrNull(const std::optional<T>& value) {
  if (!value) return nullptr;
  return *value;
}

template <typename T>
std::optional<T> NumberFromJson(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  return value.get<T>();
}

StackFrame FrameFromJson(const nlohmann::json& json) {
  StackFrame frame;
  frame.index = json.at("index").is_null() ? -1 : json.at("index").get<int>();
  frame.pc = HexFromJson(json.at("pc"));
  frame.function = json.at("function").get<std::string>();
  frame.file = json.at("file").get<std::string>();
  frame.line = json.at("line").is_null() ? 0 : json.at("line").get<int>();
  frame.column = json.at("column").is_null() ? 0 : json.at("column").get<int>();
  frame.module = json.at("module").get<std::string>();
  frame.module_offset = HexFromJson(json.at("module_offset"));
  return frame;
}

nlohmann::json FramesToJson(const std::vector<StackFrame>& frames) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& frame : frames) out.push_back(ToJson(frame));
  return out;
}

std::vector<StackFrame> FramesFromJson(const nlohmann::json& json) {
  std::vector<StackFrame> frames;
  for (const auto& item : json) frames.push_back(FrameFromJson(item));
  return frames;
}

}  // namespace

std::string_view CrashCategory(std::string_view crash_type) {
  const std::size_t newline = crash_type.find('\n');
  if (newline != std::string_view::npos) crash_type = crash_type.substr(0, newline);
  for (std::string_view suffix : {std::string_view(" READ"), std::string_view(" WRITE")}) {
    if (crash_type.size() > suffix.size() &&
        crash_type.substr(crash_type.size() - suffix.size()) == suffix) {
      crash_type.remove_suffix(suffix.size());
      break;
    }
  }
  return crash_type;
}

std::string_view ToString(CrashTool tool) {
  for (const auto& [value, name] : kToolNames) {
    if (value == tool) return name;
  }
  return "unknown";
}

std::string_view ToString(AccessKind access) {
  switch (access) {
    case AccessKind::kRead:
      return "READ";
    case AccessKind::kWrite:
      return "WRITE";
    case AccessKind::kUnknown:
      break;
  }
  return "";
}

std::string_view ToString(ParseConfidence confidence) {
  switch (confidence) {
    case ParseConfidence::kPartial:
      return "partial";
    case ParseConfidence::kComplete:
      return "complete";
    case ParseConfidence::kNone:
      break;
  }
  return "none";
}

nlohmann::json ToJson(const StackFrame& frame) {
  return {
      {"index", frame.index < 0 ? nlohmann::json(nullptr) : nlohmann::json(frame.index)},
      {"pc", HexOrNull(frame.pc)},
      {"function", frame.function},
      {"file", frame.file},
      {"line", frame.line <= 0 ? nlohmann::json(nullptr) : nlohmann::json(frame.line)},
      {"column", frame.column <= 0 ? nlohmann::json(nullptr) : nlohmann::json(frame.column)},
      {"module", frame.module},
      {"module_offset", HexOrNull(frame.module_offset)},
  };
}

nlohmann::json ToJson(const CrashReport& report) {
  nlohmann::json stacks = nlohmann::json::array();
  for (const auto& stack : report.auxiliary_stacks) {
    stacks.push_back({{"title", stack.title}, {"frames", FramesToJson(stack.frames)}});
  }
  nlohmann::json scariness = nullptr;
  if (report.scariness_score || !report.scariness_description.empty()) {
    scariness = {{"score", NumberOrNull(report.scariness_score)}, {"description", report.scariness_description}};
  }
  const std::string_view access = ToString(report.access);
  return {
      {"format", kFormat},
      {"crash_type", report.crash_type},
      {"crash_category", std::string(CrashCategory(report.crash_type))},
      {"crash_address", report.crash_address},
      {"access", access.empty() ? nlohmann::json(nullptr) : nlohmann::json(access)},
      {"access_size", NumberOrNull(report.access_size)},
      {"tool", ToString(report.tool)},
      {"description", report.description},
      {"message", report.message},
      {"fatal_signal", report.fatal_signal},
      {"allocation_size", NumberOrNull(report.allocation_size)},
      {"security", report.security},
      {"frames", FramesToJson(report.frames)},
      {"auxiliary_stacks", std::move(stacks)},
      {"dedup_token", report.dedup_token},
      {"scariness", std::move(scariness)},
      {"artifact_path", report.artifact_path},
      {"mutation_sequence", report.mutation_sequence},
      {"base_unit", report.base_unit},
      {"pc_is_null", report.pc_is_null},
      {"self_raised_signal", report.self_raised_signal},
      {"confidence", ToString(report.confidence)},
      {"parse_notes", report.parse_notes},
  };
}

CrashReport CrashReportFromJson(const nlohmann::json& json) {
  if (json.at("format").get<std::string>() != kFormat) {
    throw nlohmann::json::other_error::create(501, "unsupported crash report format", &json);
  }
  CrashReport report;
  report.crash_type = json.at("crash_type").get<std::string>();
  report.crash_address = json.at("crash_address").get<std::string>();
  const auto& access = json.at("access");
  if (!access.is_null()) {
    const auto text = access.get<std::string>();
    report.access = text == "READ" ? AccessKind::kRead : text == "WRITE" ? AccessKind::kWrite : AccessKind::kUnknown;
  }
  report.access_size = NumberFromJson<std::uint64_t>(json.at("access_size"));
  const auto tool = json.at("tool").get<std::string>();
  for (const auto& [value, name] : kToolNames) {
    if (name == tool) report.tool = value;
  }
  report.description = json.at("description").get<std::string>();
  report.message = json.at("message").get<std::string>();
  report.fatal_signal = json.at("fatal_signal").get<std::string>();
  report.allocation_size = NumberFromJson<std::uint64_t>(json.at("allocation_size"));
  report.security = json.at("security").get<bool>();
  report.frames = FramesFromJson(json.at("frames"));
  for (const auto& stack : json.at("auxiliary_stacks")) {
    report.auxiliary_stacks.push_back(
        {stack.at("title").get<std::string>(), FramesFromJson(stack.at("frames"))});
  }
  report.dedup_token = json.at("dedup_token").get<std::string>();
  const auto& scariness = json.at("scariness");
  if (!scariness.is_null()) {
    report.scariness_score = NumberFromJson<int>(scariness.at("score"));
    report.scariness_description = scariness.at("description").get<std::string>();
  }
  report.artifact_path = json.at("artifact_path").get<std::string>();
  report.mutation_sequence = json.at("mutation_sequence").get<std::string>();
  report.base_unit = json.at("base_unit").get<std::string>();
  report.pc_is_null = json.at("pc_is_null").get<bool>();
  report.self_raised_signal = json.at("self_raised_signal").get<bool>();
  const auto confidence = json.at("confidence").get<std::string>();
  report.confidence = confidence == "complete" ? ParseConfidence::kComplete
                      : confidence == "partial" ? ParseConfidence::kPartial
                                                : ParseConfidence::kNone;
  report.parse_notes = json.at("parse_notes").get<std::vector<std::string>>();
  return report;
}

std::string ToJsonString(const CrashReport& report, int indent) {
  return ToJson(report).dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace iotfuzz::triage
