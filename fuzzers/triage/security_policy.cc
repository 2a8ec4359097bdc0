#include "fuzzers/triage/security_policy.h"

#include <algorithm>
#include <array>
#include <string>

#include "fuzzers/triage/internal/text.h"

namespace iotfuzz::triage {

namespace {

constexpr std::array<std::string_view, 26> kNeverSecurity = {
    "Stack-overflow", "Fatal-signal", "Unexpected-exit", "Overwrites-const-input",
    "Missing-library", "Timeout", "Out-of-memory", "Data race", "Lock-order-inversion",
    "Floating-point-exception", "ASSERT_NOT_REACHED", "Uncaught exception",
    "Sanitizer CHECK failure",
    // UndefinedBehaviorSanitizer checks without security impact.
    "Divide-by-zero", "Float-cast-overflow", "Integer-overflow", "Invalid-bool-value",
    "Invalid-builtin-use", "Invalid-enum-value", "Invalid-null-argument", "Invalid-null-return",
    "Misaligned-address", "No-return-value", "Pointer-overflow", "Undefined-shift",
    "Unsigned-integer-overflow"};

constexpr std::array<std::string_view, 4> kNeverSecurityMore = {
    "Unreachable code", "Implicit-conversion", "Assumption-violation", "Potential-null-reference"};

constexpr std::array<std::string_view, 8> kAlwaysSecurity = {
    "Bad-cast", "Index-out-of-bounds", "Incorrect-function-pointer-type",
    "Non-positive-vla-bound-value", "Object-size", "Command injection", "Arbitrary file open",
    "Arbitrary DNS resolution"};

// Values sanitizers use for the pc of an abort; a crash there is an assertion,
// not a wild access.
constexpr std::array<std::uint64_t, 5> kAssertCrashAddresses = {
    0x0000bbadbeef, 0x0000fbadbeef, 0x00001f75b7dd, 0x0000977537dd, 0x00009f7537dd};

template <std::size_t N>
bool In(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

bool IsSecurityIssue(const CrashReport& report, const SecurityPolicy& policy) {
  if (!report.crashed()) return false;
  if (report.pc_is_null) return true;

  const std::string_view type = report.crash_type;
  const std::string_view category = CrashCategory(type);

  if (category == "CHECK failure") return policy.checks_have_security_implication;
  if (category == "DCHECK failure" || category == "Security DCHECK failure") return true;
  if (EndsWith(category, "CHECK failure") || category == "Fatal error" ||
      EndsWith(category, "Exception")) {
    return false;
  }
  if (In(kNeverSecurity, category) || In(kNeverSecurityMore, category)) return false;
  if (internal::Contains(category, "-leak")) return false;
  if (In(kAlwaysSecurity, category)) return true;
  if (category == "ASSERT") return policy.asserts_have_security_implication;
  if (report.self_raised_signal) return false;

  const bool generic = category == "UNKNOWN" || category == "Null-dereference";
  if (!generic) return true;

  const std::uint64_t address = internal::ParseHex(report.crash_address).value_or(0);
  if (std::find(kAssertCrashAddresses.begin(), kAssertCrashAddresses.end(), address) !=
      kAssertCrashAddresses.end()) {
    return false;
  }
  return address >= kNullDereferenceBoundary;
}

}  // namespace iotfuzz::triage
