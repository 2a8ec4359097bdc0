#include "fuzzers/triage/crash_classifier.h"

#include <algorithm>
#include <array>
#include <utility>

#include "fuzzers/triage/internal/text.h"

namespace iotfuzz::triage {

namespace {

struct CweNameEntry {
  int id;
  std::string_view name;
};

constexpr std::array<CweNameEntry, 38> kCweNames = {{
    {20, "Improper Input Validation"},
    {73, "External Control of File Name or Path"},
    {78, "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"},
    {119, "Improper Restriction of Operations within the Bounds of a Memory Buffer"},
    {121, "Stack-based Buffer Overflow"},
    {122, "Heap-based Buffer Overflow"},
    {124, "Buffer Underwrite ('Buffer Underflow')"},
    {125, "Out-of-bounds Read"},
    {127, "Buffer Under-read"},
    {129, "Improper Validation of Array Index"},
    {190, "Integer Overflow or Wraparound"},
    {248, "Uncaught Exception"},
    {362, "Concurrent Execution using Shared Resource with Improper Synchronization ('Race Condition')"},
    {369, "Divide By Zero"},
    {400, "Uncontrolled Resource Consumption"},
    {401, "Missing Release of Memory after Effective Lifetime"},
    {415, "Double Free"},
    {416, "Use After Free"},
    {457, "Use of Uninitialized Variable"},
    {475, "Undefined Behavior for Input to API"},
    {476, "NULL Pointer Dereference"},
    {562, "Return of Stack Variable Address"},
    {617, "Reachable Assertion"},
    {674, "Uncontrolled Recursion"},
    {681, "Incorrect Conversion between Numeric Types"},
    {758, "Reliance on Undefined, Unspecified, or Implementation-Defined Behavior"},
    {762, "Mismatched Memory Management Routines"},
    {763, "Release of Invalid Pointer or Reference"},
    {770, "Allocation of Resources Without Limits or Throttling"},
    {787, "Out-of-bounds Write"},
    {789, "Memory Allocation with Excessive Size Value"},
    {823, "Use of Out-of-range Pointer Offset"},
    {833, "Deadlock"},
    {835, "Loop with Unreachable Exit Condition ('Infinite Loop')"},
    {843, "Access of Resource Using Incompatible Type ('Type Confusion')"},
    {918, "Server-Side Request Forgery (SSRF)"},
    {1284, "Improper Validation of Specified Quantity in Input"},
    {1335, "Incorrect Bitwise Shift of Integer"},
}};

Cwe MakeCwe(int id) { return {id, CweName(id)}; }

constexpr std::array<std::string_view, 7> kHighSeverity = {
    "Heap-use-after-free", "Heap-double-free", "Bad-cast", "Use-after-poison", "Stack-use-after-return",
    "Stack-use-after-scope", "Security DCHECK failure"};

constexpr std::array<std::string_view, 20> kMediumSeverity = {
    "Heap-buffer-overflow", "Stack-buffer-overflow", "Stack-buffer-underflow", "Global-buffer-overflow",
    "Dynamic-stack-buffer-overflow", "Container-overflow", "Intra-object-overflow", "Index-out-of-bounds",
    "Object-size", "Memcpy-param-overlap", "Incorrect-function-pointer-type", "Non-positive-vla-bound-value",
    "UNKNOWN", "Use-of-uninitialized-value", "Tag-mismatch", "Allocation-tail-overwritten", "Command injection",
    "Arbitrary file open", "Arbitrary DNS resolution", "Heap-buffer-underflow"};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

SecuritySeverity Raise(SecuritySeverity severity) {
  switch (severity) {
    case SecuritySeverity::kLow:
      return SecuritySeverity::kMedium;
    case SecuritySeverity::kMedium:
    case SecuritySeverity::kHigh:
      return SecuritySeverity::kHigh;
    case SecuritySeverity::kNone:
      break;
  }
  return SecuritySeverity::kNone;
}

bool StackHasFunction(const CrashReport& report, std::initializer_list<std::string_view> names) {
  for (const auto& frame : report.frames) {
    for (std::string_view name : names) {
      if (internal::Contains(frame.function, name)) return true;
    }
  }
  return false;
}

// The out-of-bounds CWE for an access: write -> `write_cwe` (related 787),
// read -> `read_cwe` (related 125), unknown -> 119.
void OutOfBounds(const CrashReport& report, int write_cwe, int read_cwe, Classification& out) {
  if (report.access == AccessKind::kWrite) {
    out.finding = "out-of-bounds write";
    out.cwe = MakeCwe(write_cwe);
    if (write_cwe != 787) out.related.push_back(MakeCwe(787));
  } else if (report.access == AccessKind::kRead) {
    out.finding = "out-of-bounds read";
    out.cwe = MakeCwe(read_cwe);
    if (read_cwe != 125) out.related.push_back(MakeCwe(125));
  } else {
    out.finding = "out-of-bounds access";
    out.cwe = MakeCwe(119);
    out.related = {MakeCwe(787), MakeCwe(125)};
  }
}

void AssignWeakness(const CrashReport& report, std::string_view category, Classification& out) {
  auto set = [&out](std::string_view finding, int cwe, std::vector<int> related = {}) {
    out.finding = std::string(finding);
    out.cwe = MakeCwe(cwe);
    for (int id : related) out.related.push_back(MakeCwe(id));
  };

  if (category == "Heap-buffer-overflow" || category == "Allocation-tail-overwritten") {
    OutOfBounds(report, 122, 125, out);
  } else if (category == "Stack-buffer-overflow" || category == "Dynamic-stack-buffer-overflow") {
    OutOfBounds(report, 121, 125, out);
  } else if (category == "Stack-buffer-underflow" || category == "Heap-buffer-underflow") {
    OutOfBounds(report, 124, 127, out);
  } else if (category == "Global-buffer-overflow" || category == "Container-overflow" ||
             category == "Intra-object-overflow" || category == "Tag-mismatch" || category == "Object-size") {
    OutOfBounds(report, 787, 125, out);
  } else if (category == "Index-out-of-bounds") {
    set("out-of-bounds access (array index)", 129, {787, 125});
  } else if (category == "UNKNOWN") {
    if (report.access == AccessKind::kUnknown) {
      set("invalid memory access", 119, {787, 125});
    } else {
      OutOfBounds(report, 787, 125, out);
      out.finding = report.access == AccessKind::kWrite ? "wild memory write" : "wild memory read";
    }
  } else if (category == "Heap-use-after-free" || category == "Use-after-poison" ||
             category == "Stack-use-after-scope") {
    set("use-after-free", 416);
  } else if (category == "Stack-use-after-return") {
    set("use-after-free (stack)", 562, {416});
  } else if (category == "Heap-double-free") {
    set("double free", 415, {416});
  } else if (category == "Invalid-free" || category == "Bad-free") {
    set("invalid free", 763);
  } else if (category == "Alloc-dealloc-mismatch" || category == "New-delete-type-mismatch") {
    set("mismatched allocation and release", 762);
  } else if (category == "Null-dereference" || category == "Invalid-null-argument" ||
             category == "Invalid-null-return") {
    set("null dereference", 476);
  } else if (category == "Stack-overflow") {
    set("uncontrolled recursion (stack exhaustion)", 674, {400});
  } else if (category == "Integer-overflow" || category == "Unsigned-integer-overflow") {
    set("integer overflow", 190, {1284});
  } else if (category == "Implicit-conversion" || category == "Float-cast-overflow") {
    set("integer conversion error", 681, {190});
  } else if (category == "Pointer-overflow") {
    set("pointer arithmetic overflow", 823, {190});
  } else if (category == "Undefined-shift") {
    set("invalid shift", 1335);
  } else if (category == "Divide-by-zero" || category == "Floating-point-exception") {
    set("divide by zero", 369);
  } else if (category == "ASSERT" || category == "CHECK failure" || category == "DCHECK failure" ||
             category == "Security DCHECK failure" || category == "Security CHECK failure" ||
             category == "Fatal error") {
    set("assertion", 617);
  } else if (category == "Uncaught exception") {
    set("uncaught exception", 248);
  } else if (category == "Abrt" || category == "Ill" || category == "Trap" || category == "Breakpoint") {
    if (StackHasFunction(report, {"__cxa_throw", "__cxa_rethrow", "std::terminate", "__terminate"})) {
      set("uncaught exception", 248);
    } else {
      set("abort", 617);
      out.rationale = "the program terminated itself (abort, trap or illegal instruction from a check)";
    }
  } else if (category == "Timeout") {
    set("hang", 835, {400});
  } else if (category == "Out-of-memory") {
    if (report.allocation_size) {
      set("excessive allocation", 789, {770, 400});
    } else {
      set("memory exhaustion", 770, {400});
    }
  } else if (category == "Direct-leak" || category == "Indirect-leak") {
    set("memory leak", 401, {400});
  } else if (category == "Use-of-uninitialized-value") {
    set("use of uninitialised memory", 457);
  } else if (category == "Data race") {
    set("data race", 362);
  } else if (category == "Lock-order-inversion") {
    set("potential deadlock", 833);
  } else if (category == "Bad-cast" || category == "Incorrect-function-pointer-type") {
    set("type confusion", 843);
  } else if (category == "Memcpy-param-overlap") {
    set("overlapping copy", 475);
  } else if (category == "Command injection") {
    set("command injection", 78);
  } else if (category == "Arbitrary file open") {
    set("arbitrary file open", 73);
  } else if (category == "Arbitrary DNS resolution") {
    set("arbitrary network request", 918);
  } else if (category == "Misaligned-address" || category == "Invalid-bool-value" ||
             category == "Invalid-enum-value" || category == "No-return-value" || category == "Unreachable code" ||
             category == "Assumption-violation" || category == "Invalid-builtin-use" ||
             category == "Non-positive-vla-bound-value") {
    set("undefined behaviour", 758);
  } else {
    set("crash on unexpected input", 20);
    out.rationale = "no narrower weakness describes this crash type; CWE-20 is the fallback";
  }
}

AvailabilityImpact ImpactOf(std::string_view category) {
  if (category == "Timeout" || category == "Lock-order-inversion") return AvailabilityImpact::kHang;
  if (category == "Out-of-memory" || category == "Direct-leak" || category == "Indirect-leak") {
    return AvailabilityImpact::kResourceExhaustion;
  }
  static constexpr std::array<std::string_view, 16> kNoOutage = {
      "Data race", "Integer-overflow", "Unsigned-integer-overflow", "Implicit-conversion", "Float-cast-overflow",
      "Pointer-overflow", "Undefined-shift", "Misaligned-address", "Invalid-bool-value", "Invalid-enum-value",
      "No-return-value", "Assumption-violation", "Invalid-builtin-use", "Invalid-null-return",
      "Use-of-uninitialized-value", "Non-positive-vla-bound-value"};
  if (In(kNoOutage, category)) return AvailabilityImpact::kNone;
  return AvailabilityImpact::kCrash;
}

}  // namespace

std::string_view CweName(int id) {
  for (const auto& entry : kCweNames) {
    if (entry.id == id) return entry.name;
  }
  return "";
}

Classification CrashClassifier::Classify(const CrashReport& report) const {
  Classification out;
  if (!report.crashed()) return out;
  const std::string_view category = CrashCategory(report.crash_type);

  out.security = report.security;
  if (report.security) {
    if (In(kHighSeverity, category)) {
      out.severity = SecuritySeverity::kHigh;
    } else if (In(kMediumSeverity, category)) {
      out.severity = SecuritySeverity::kMedium;
    } else {
      out.severity = SecuritySeverity::kLow;
    }
    if (report.access == AccessKind::kWrite || internal::Contains(report.crash_type, "WRITE")) {
      out.severity = Raise(out.severity);
    }
  }

  out.availability = ImpactOf(category);
  AssignWeakness(report, category, out);
  if (out.rationale.empty()) {
    out.rationale = std::string(report.security ? "security bug: " : "not a security bug: ") + out.finding +
                    " (" + std::string(category) + ")";
  }
  return out;
}

std::string_view ToString(SecuritySeverity severity) {
  switch (severity) {
    case SecuritySeverity::kLow:
      return "Low";
    case SecuritySeverity::kMedium:
      return "Medium";
    case SecuritySeverity::kHigh:
      return "High";
    case SecuritySeverity::kNone:
      break;
  }
  return "None";
}

std::string_view ToString(AvailabilityImpact impact) {
  switch (impact) {
    case AvailabilityImpact::kCrash:
      return "crash";
    case AvailabilityImpact::kHang:
      return "hang";
    case AvailabilityImpact::kResourceExhaustion:
      return "resource-exhaustion";
    case AvailabilityImpact::kNone:
      break;
  }
  return "none";
}

std::string_view DescribeAvailability(AvailabilityImpact impact) {
  switch (impact) {
    case AvailabilityImpact::kCrash:
      return "the process crashes: the service or the device restarts (denial of service)";
    case AvailabilityImpact::kHang:
      return "the process stops responding on this interface until a watchdog restarts it (denial of service)";
    case AvailabilityImpact::kResourceExhaustion:
      return "memory is exhausted, at once or as the input repeats, until the device fails (denial of service)";
    case AvailabilityImpact::kNone:
      break;
  }
  return "no outage in an uninstrumented build is expected from the finding itself";
}

nlohmann::json ToJson(const Classification& classification) {
  nlohmann::json related = nlohmann::json::array();
  for (const auto& cwe : classification.related) related.push_back({{"id", cwe.id}, {"name", cwe.name}});
  return {
      {"security", classification.security},
      {"severity", ToString(classification.severity)},
      {"availability", ToString(classification.availability)},
      {"availability_description", DescribeAvailability(classification.availability)},
      {"finding", classification.finding},
      {"cwe", classification.cwe.id == 0 ? nlohmann::json(nullptr)
                                         : nlohmann::json{{"id", classification.cwe.id},
                                                          {"name", classification.cwe.name}}},
      {"related_cwes", std::move(related)},
      {"rationale", classification.rationale},
  };
}

}  // namespace iotfuzz::triage
