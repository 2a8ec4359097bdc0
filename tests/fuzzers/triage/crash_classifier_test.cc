#include <string>

#include <catch2/catch.hpp>

#include "fuzzers/triage/crash_classifier.h"
#include "fuzzers/triage/security_policy.h"

namespace iotfuzz::triage {
namespace {

CrashReport Report(std::string type, AccessKind access = AccessKind::kUnknown, std::string address = "") {
  CrashReport report;
  report.crash_type = std::move(type);
  report.access = access;
  report.crash_address = std::move(address);
  report.security = IsSecurityIssue(report);
  return report;
}

Classification Classify(const CrashReport& report) { return CrashClassifier().Classify(report); }

TEST_CASE("Classifier rates a heap overflow read Medium and maps it to CWE-125", "[classifier]") {
  const auto c = Classify(Report("Heap-buffer-overflow\nREAD 4", AccessKind::kRead));
  CHECK(c.security);
  CHECK(c.severity == SecuritySeverity::kMedium);
  CHECK(c.cwe == Cwe{125, "Out-of-bounds Read"});
  CHECK(c.availability == AvailabilityImpact::kCrash);
  CHECK(c.finding == "out-of-bounds read");
}

TEST_CASE("Classifier raises a write one step and maps heap and stack overflows to 122 and 121", "[classifier]") {
  const auto heap = Classify(Report("Heap-buffer-overflow\nWRITE 8", AccessKind::kWrite));
  CHECK(heap.severity == SecuritySeverity::kHigh);
  CHECK(heap.cwe.id == 122);
  REQUIRE(heap.related.size() == 1);
  CHECK(heap.related[0].id == 787);
  const auto stack = Classify(Report("Stack-buffer-overflow\nWRITE 1", AccessKind::kWrite));
  CHECK(stack.cwe == Cwe{121, "Stack-based Buffer Overflow"});
  CHECK(stack.severity == SecuritySeverity::kHigh);
  const auto global = Classify(Report("Global-buffer-overflow\nWRITE 4", AccessKind::kWrite));
  CHECK(global.cwe == Cwe{787, "Out-of-bounds Write"});
}

TEST_CASE("Classifier caps severity at High", "[classifier]") {
  const auto c = Classify(Report("Heap-use-after-free\nWRITE 8", AccessKind::kWrite));
  CHECK(c.severity == SecuritySeverity::kHigh);
  CHECK(c.cwe == Cwe{416, "Use After Free"});
}

TEST_CASE("Classifier maps double free, null dereference and integer overflow", "[classifier]") {
  CHECK(Classify(Report("Heap-double-free", AccessKind::kUnknown, "0x602000000010")).cwe.id == 415);
  const auto null = Classify(Report("Null-dereference READ", AccessKind::kRead, "0x000000000008"));
  CHECK(null.cwe == Cwe{476, "NULL Pointer Dereference"});
  CHECK_FALSE(null.security);
  CHECK(null.severity == SecuritySeverity::kNone);
  CHECK(null.availability == AvailabilityImpact::kCrash);
  const auto overflow = Classify(Report("Integer-overflow"));
  CHECK(overflow.cwe == Cwe{190, "Integer Overflow or Wraparound"});
  CHECK(overflow.availability == AvailabilityImpact::kNone);
  CHECK(Classify(Report("Divide-by-zero")).cwe.id == 369);
}

TEST_CASE("Classifier maps assertions, exceptions and aborts", "[classifier]") {
  CHECK(Classify(Report("ASSERT")).cwe == Cwe{617, "Reachable Assertion"});
  CHECK(Classify(Report("CHECK failure")).cwe.id == 617);
  CHECK(Classify(Report("Uncaught exception")).cwe == Cwe{248, "Uncaught Exception"});
  CrashReport abort_from_throw = Report("Abrt");
  abort_from_throw.frames = {StackFrame{}, StackFrame{}};
  abort_from_throw.frames[1].function = "__cxa_throw";
  CHECK(Classify(abort_from_throw).cwe.id == 248);
  CHECK(Classify(Report("Abrt")).cwe.id == 617);
}

TEST_CASE("Classifier treats hangs, exhaustion and leaks as availability findings, not security", "[classifier]") {
  const auto hang = Classify(Report("Timeout"));
  CHECK(hang.cwe == Cwe{835, "Loop with Unreachable Exit Condition ('Infinite Loop')"});
  CHECK(hang.availability == AvailabilityImpact::kHang);
  CHECK(hang.severity == SecuritySeverity::kNone);

  CrashReport huge = Report("Out-of-memory");
  huge.allocation_size = 1ull << 32;
  CHECK(Classify(huge).cwe == Cwe{789, "Memory Allocation with Excessive Size Value"});
  const auto rss = Classify(Report("Out-of-memory"));
  CHECK(rss.cwe == Cwe{770, "Allocation of Resources Without Limits or Throttling"});
  CHECK(rss.availability == AvailabilityImpact::kResourceExhaustion);

  const auto leak = Classify(Report("Direct-leak"));
  CHECK(leak.cwe == Cwe{401, "Missing Release of Memory after Effective Lifetime"});
  CHECK(leak.availability == AvailabilityImpact::kResourceExhaustion);
  CHECK_FALSE(leak.security);
  CHECK(Classify(Report("Stack-overflow")).cwe.id == 674);
}

TEST_CASE("Classifier rates a security assertion Low and a wild write High", "[classifier]") {
  CHECK(Classify(Report("ASSERT")).severity == SecuritySeverity::kLow);
  const auto wild = Classify(Report("UNKNOWN WRITE", AccessKind::kWrite, "0x41414141"));
  CHECK(wild.security);
  CHECK(wild.severity == SecuritySeverity::kHigh);
  CHECK(wild.cwe.id == 787);
}

TEST_CASE("Classifier falls back to CWE-20 for crash types without a narrower weakness", "[classifier]") {
  const auto c = Classify(Report("Unexpected-exit"));
  CHECK(c.cwe == Cwe{20, "Improper Input Validation"});
  CHECK_FALSE(c.rationale.empty());
}

TEST_CASE("Classifier gives nothing for a report without a crash", "[classifier]") {
  const auto c = Classify(CrashReport{});
  CHECK(c.cwe.id == 0);
  CHECK(c.severity == SecuritySeverity::kNone);
  CHECK(c.availability == AvailabilityImpact::kNone);
}

TEST_CASE("Every CWE the classifier assigns has its name", "[classifier]") {
  for (const char* type :
       {"Heap-buffer-overflow\nREAD 1", "Heap-buffer-overflow\nWRITE 1", "Stack-buffer-underflow\nWRITE 1",
        "Index-out-of-bounds", "UNKNOWN", "Heap-use-after-free\nREAD 1", "Stack-use-after-return\nREAD 1",
        "Heap-double-free", "Invalid-free", "Alloc-dealloc-mismatch", "Null-dereference", "Stack-overflow",
        "Integer-overflow", "Implicit-conversion", "Pointer-overflow", "Undefined-shift", "Divide-by-zero",
        "ASSERT", "Uncaught exception", "Abrt", "Timeout", "Out-of-memory", "Direct-leak",
        "Use-of-uninitialized-value", "Data race", "Lock-order-inversion", "Bad-cast", "Memcpy-param-overlap",
        "Command injection", "Arbitrary file open", "Arbitrary DNS resolution", "Misaligned-address",
        "Fatal-signal"}) {
    const auto c = Classify(Report(type, AccessKind::kRead));
    INFO(type);
    CHECK(c.cwe.id != 0);
    CHECK_FALSE(c.cwe.name.empty());
    for (const auto& related : c.related) CHECK_FALSE(related.name.empty());
  }
}

TEST_CASE("Security flag follows ClusterFuzz's rules", "[classifier][security]") {
  CHECK(IsSecurityIssue(Report("UNKNOWN READ", AccessKind::kRead, "0x7df7ff9da4bf")));
  CHECK_FALSE(IsSecurityIssue(Report("UNKNOWN READ", AccessKind::kRead, "0x000000000fff")));
  CHECK_FALSE(IsSecurityIssue(Report("UNKNOWN", AccessKind::kUnknown, "0x00009f7537dd")));
  CHECK_FALSE(IsSecurityIssue(Report("Stack-overflow")));
  CHECK_FALSE(IsSecurityIssue(Report("Data race\nWRITE 4")));
  CHECK(IsSecurityIssue(Report("Bad-cast")));
  CHECK(IsSecurityIssue(Report("Container-overflow\nREAD 4")));
  CHECK_FALSE(IsSecurityIssue(Report("Unsigned-integer-overflow")));
  CHECK_FALSE(IsSecurityIssue(Report("CHECK failure")));
  SecurityPolicy checks;
  checks.checks_have_security_implication = true;
  CHECK(IsSecurityIssue(Report("CHECK failure"), checks));
  CrashReport raised = Report("UNKNOWN", AccessKind::kUnknown, "0x5668a000177a5");
  CHECK(IsSecurityIssue(raised));
  raised.self_raised_signal = true;
  CHECK_FALSE(IsSecurityIssue(raised));
  CHECK_FALSE(IsSecurityIssue(CrashReport{}));
}

TEST_CASE("Classification serialises to JSON with the CWE and severity", "[classifier]") {
  const auto json = ToJson(Classify(Report("Heap-buffer-overflow\nWRITE 8", AccessKind::kWrite)));
  CHECK(json.at("severity") == "High");
  CHECK(json.at("cwe").at("id") == 122);
  CHECK(json.at("availability") == "crash");
  CHECK(json.at("related_cwes").size() == 1);
}

}  // namespace
}  // namespace iotfuzz::triage
