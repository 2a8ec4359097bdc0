// The security flag of a crash, following ClusterFuzz's rules: memory-safety
// errors are security bugs; null dereferences (address below one page), stack
// overflows, timeouts, out-of-memory, leaks, data races, signals the program
// raised itself (abort, trap, illegal instruction, FPE, bus error) and most
// UndefinedBehaviorSanitizer checks are not. The rules in order:
//
//   1. a crash at pc 0 (call through a null function pointer) is security;
//   2. "CHECK failure" is security only if `checks_have_security_implication`;
//      "DCHECK failure" and "Security DCHECK failure" are security; "Security
//      CHECK failure", other "... CHECK failure", "Fatal error", exceptions,
//      "Unreachable code" are not;
//   3. types that are never security: Stack-overflow, Fatal-signal,
//      Unexpected-exit, Overwrites-const-input, Timeout, Out-of-memory, leaks,
//      Data race, Lock-order-inversion, Floating-point-exception, and the
//      non-security UBSan checks (Integer-overflow, Divide-by-zero,
//      Pointer-overflow, Implicit-conversion, Undefined-shift, ...);
//   4. UBSan checks that are security: Bad-cast, Index-out-of-bounds,
//      Incorrect-function-pointer-type, Non-positive-vla-bound-value,
//      Object-size; detectors of injected behaviour (command injection,
//      arbitrary file open, arbitrary DNS resolution) are security;
//   5. "ASSERT" is security only if `asserts_have_security_implication`;
//   6. a crash the program raised itself (CrashReport::self_raised_signal) is
//      not security;
//   7. any other specific type (buffer overflows, use-after-free, double free,
//      use of uninitialised memory, tag mismatch, ...) is security;
//   8. the generic types UNKNOWN / Null-dereference (with READ/WRITE) are
//      security when the address is at or above 0x1000.

#ifndef IOTFUZZ_FUZZERS_TRIAGE_SECURITY_POLICY_H_
#define IOTFUZZ_FUZZERS_TRIAGE_SECURITY_POLICY_H_

#include <cstdint>
#include <string_view>

#include "fuzzers/triage/crash_report.h"

namespace iotfuzz::triage {

struct SecurityPolicy {
  // ClusterFuzz's defaults: an assertion may guard memory safety, a release
  // CHECK stops the program before harm.
  bool asserts_have_security_implication = true;
  bool checks_have_security_implication = false;
};

// Addresses below this are treated as null-pointer dereferences.
inline constexpr std::uint64_t kNullDereferenceBoundary = 0x1000;

// The security flag for `report` (its crash_type, crash_address and evidence
// flags) under `policy`. False when the report shows no crash.
bool IsSecurityIssue(const CrashReport& report, const SecurityPolicy& policy = {});

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_SECURITY_POLICY_H_
