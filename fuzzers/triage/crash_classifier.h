// CrashClassifier: what a crash means for a device. From a CrashReport it
// derives
//   - the security severity, following ClusterFuzz's sanitizer analyzer:
//     High for use-after-free, double free, bad cast, use-after-poison and
//     stack use-after-return/scope; Medium for buffer overflows (heap, stack,
//     global, container), index out of bounds, object size, wild accesses
//     (UNKNOWN), use of uninitialised memory, HWASan tag mismatch, memcpy
//     overlap and injected behaviour (command injection, file open, DNS);
//     a WRITE access raises the severity one step (at most High). Other
//     security findings (e.g. ASSERT under the default policy) are Low, where
//     ClusterFuzz leaves them unrated, so every security finding has a
//     severity. Non-security findings (CrashReport::security false) are None.
//   - the availability impact on the device: a process crash (the service or
//     the device restarts: denial of service), a hang (the interface stops
//     answering until a watchdog fires), resource exhaustion (memory runs out,
//     now or over time), or none (undefined behaviour and races that do not
//     stop an uninstrumented build).
//   - the CWE at base level where one fits (the finding-type table of
//     EN 303 645 provision 5.13 in shared/reference/etsi-5.13.md), with the
//     parent out-of-bounds write/read CWE listed as related, and CWE-20
//     (Improper Input Validation) as the fallback for crashes no narrower
//     weakness describes.

#ifndef IOTFUZZ_FUZZERS_TRIAGE_CRASH_CLASSIFIER_H_
#define IOTFUZZ_FUZZERS_TRIAGE_CRASH_CLASSIFIER_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzzers/triage/crash_report.h"

namespace iotfuzz::triage {

enum class SecuritySeverity { kNone, kLow, kMedium, kHigh };

enum class AvailabilityImpact {
  kNone,                // no outage expected from the finding itself
  kCrash,               // the process dies: restart or reboot, denial of service
  kHang,                // the process stops responding
  kResourceExhaustion,  // memory exhaustion or a leak that accumulates
};

struct Cwe {
  int id = 0;
  std::string_view name;

  bool operator==(const Cwe&) const = default;
};

struct Classification {
  bool security = false;
  SecuritySeverity severity = SecuritySeverity::kNone;
  AvailabilityImpact availability = AvailabilityImpact::kNone;
  std::string finding;       // the finding kind in the words of the 5.13 mapping table
  Cwe cwe;                   // id 0 when the report shows no crash
  std::vector<Cwe> related;  // broader or sibling CWEs worth listing
  std::string rationale;     // one sentence: why this CWE and severity
};

class CrashClassifier {
 public:
  // Classifies `report`; a report without a crash gets a default Classification.
  Classification Classify(const CrashReport& report) const;
};

// The CWE's official name, or "" for ids this library does not use.
std::string_view CweName(int id);

std::string_view ToString(SecuritySeverity severity);      // "None", "Low", "Medium", "High"
std::string_view ToString(AvailabilityImpact impact);      // "none", "crash", "hang", "resource-exhaustion"
std::string_view DescribeAvailability(AvailabilityImpact impact);  // a sentence for reports

nlohmann::json ToJson(const Classification& classification);

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_CRASH_CLASSIFIER_H_
