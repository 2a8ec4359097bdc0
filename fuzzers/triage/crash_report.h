// CrashReport: what one crash log says, in a tool-independent form. Produced by
// SanitizerLogParser, consumed by CrashSignature and CrashClassifier, and
// serialised to JSON with stable field names (see `ToJson`).

#ifndef IOTFUZZ_FUZZERS_TRIAGE_CRASH_REPORT_H_
#define IOTFUZZ_FUZZERS_TRIAGE_CRASH_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace iotfuzz::triage {

// The bug detector or engine whose report established the crash.
enum class CrashTool {
  kUnknown,
  kAddressSanitizer,
  kHwAddressSanitizer,
  kUndefinedBehaviorSanitizer,  // also control-flow-integrity diagnostics
  kLeakSanitizer,
  kMemorySanitizer,
  kThreadSanitizer,
  kLibFuzzer,
  kCentipede,
  kAflPlusPlus,
  kSystemSanitizer,  // "===BUG DETECTED: ...===" detectors (file open, DNS, command injection)
  kRuntime,          // libc / C++ runtime / logging library only (assert, CHECK, terminate)
};

enum class AccessKind { kUnknown, kRead, kWrite };

// How sure the parser is that the log shows a crash.
enum class ParseConfidence {
  kNone,      // no crash evidence at all
  kPartial,   // crash evidence, but no tool marker or no end marker after it
              // (truncated log, or an abort no sanitizer or engine reported)
  kComplete,  // a tool marker and an end marker (SUMMARY:, ABORTING, ...) both seen
};

// One line of a stack trace. Fields the line did not carry stay empty / unset.
struct StackFrame {
  int index = -1;                           // "#N"; -1 for formats without one
  std::optional<std::uint64_t> pc;          // absolute program counter
  std::string function;                     // as printed, e.g. "ns::Foo(int) const"
  std::string file;                         // source path as printed
  int line = 0;                             // 0 when unknown
  int column = 0;                           // 0 when unknown
  std::string module;                       // shared object or executable path
  std::optional<std::uint64_t> module_offset;

  bool operator==(const StackFrame&) const = default;
};

// A stack other than the crashing thread's, e.g. "freed by thread T0 here:".
struct AuxiliaryStack {
  std::string title;  // the line introducing the stack, trimmed
  std::vector<StackFrame> frames;

  bool operator==(const AuxiliaryStack&) const = default;
};

struct CrashReport {
  // ClusterFuzz-style crash type: "Heap-buffer-overflow\nREAD 4",
  // "Null-dereference READ", "UNKNOWN", "Timeout", "ASSERT", ... Empty when the
  // log shows no crash (or a suppressed one, see ParseOptions).
  std::string crash_type;
  std::string crash_address;               // "0x..." as the tool printed it, or empty
  AccessKind access = AccessKind::kUnknown;
  std::optional<std::uint64_t> access_size;  // bytes, from "READ of size N"
  CrashTool tool = CrashTool::kUnknown;
  std::string description;                 // the tool's own words, e.g. "heap-buffer-overflow"
  std::string message;                     // assertion / CHECK / exception text, if any
  std::string fatal_signal;                // "SEGV", "ABRT", ... when a signal was reported
  std::optional<std::uint64_t> allocation_size;  // OOM: the requested allocation in bytes
  bool security = false;                   // ClusterFuzz's security flag (see security_policy.h)

  std::vector<StackFrame> frames;          // the crashing thread, innermost first
  std::vector<AuxiliaryStack> auxiliary_stacks;  // allocated-by, freed-by, previous access, ...

  std::string dedup_token;                 // sanitizer DEDUP_TOKEN
  std::optional<int> scariness_score;      // sanitizer SCARINESS score
  std::string scariness_description;       // e.g. "4-byte-read-heap-buffer-overflow"
  std::string artifact_path;               // libFuzzer "Test unit written to PATH"
  std::string mutation_sequence;           // libFuzzer "MS: N <this>; base unit: ..."
  std::string base_unit;                   // libFuzzer base unit SHA-1

  // Evidence the security rules need beyond the type.
  bool pc_is_null = false;                 // the crash pc was 0 (a jump through a null pointer)
  bool self_raised_signal = false;         // ABRT/BUS/FPE/ILL/breakpoint reported, or a stack starting in gsignal

  ParseConfidence confidence = ParseConfidence::kNone;
  std::vector<std::string> parse_notes;    // what the parser could not parse or had to decide

  bool crashed() const { return !crash_type.empty(); }

  bool operator==(const CrashReport&) const = default;
};

// The crash type without its access suffix: "Heap-buffer-overflow\nREAD 4" ->
// "Heap-buffer-overflow", "Null-dereference READ" -> "Null-dereference".
std::string_view CrashCategory(std::string_view crash_type);

std::string_view ToString(CrashTool tool);
std::string_view ToString(AccessKind access);  // "READ", "WRITE" or "" for unknown
std::string_view ToString(ParseConfidence confidence);

// JSON with stable snake_case field names; format documented in crash_report.cc.
// Integers that are addresses (pc, module_offset) are hex strings.
nlohmann::json ToJson(const StackFrame& frame);
nlohmann::json ToJson(const CrashReport& report);
// Inverse of ToJson; throws nlohmann::json::exception on malformed input.
CrashReport CrashReportFromJson(const nlohmann::json& json);
// Serialised text; never throws (strings are kept valid UTF-8 by the parser).
std::string ToJsonString(const CrashReport& report, int indent = 2);

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_CRASH_REPORT_H_
