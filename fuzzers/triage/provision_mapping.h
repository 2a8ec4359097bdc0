// ProvisionMapping: what a finding means for ETSI EN 303 645 provision 5.13
// ("validate input data") and the regimes that cite it, and the verdict of
// TS 103 701 test case 5.13-1-2 per device interface.
//
// Facts used (shared/reference/etsi-5.13.md):
//  - EN 303 645 V2.1.1: 5.13-1 covers every interface. V3.1.3: 5.13-1A for
//    user interfaces, 5.13-1B for network interfaces (its note includes APIs
//    reachable without prior authentication and APIs used for
//    authentication). Every finding is mapped to both versions.
//  - TS 103 701 V1.1.1 test case 5.13-1-2 (functional): (a) each validation
//    method prevents the processing of unexpected data input; (b) every user
//    interface and (c) every remotely accessible API found is documented.
//    PASS when there is no indication that input validation fails to protect
//    against unexpected input (and (b), (c) hold); FAIL otherwise. A
//    reproducible crash, hang or resource exhaustion is such an indication.
//    A PASS states the campaign's extent; fuzzing never proves absence.
//  - Related provisions: 5.9 (resilience) for findings that stop or exhaust
//    the device (informative); 5.6-2 for out-of-bounds or uninitialised reads
//    on input processed before authentication (possible unauthenticated
//    disclosure); 5.6-1 and 5.13-1-2 (b)/(c) for an interface that is
//    exercised but not documented.
//  - Cross-references: EU CRA Annex I part I (a) for security findings, (h)
//    for availability impact, part II (3) always (security testing evidence);
//    EN 18031-1/-2/-3 GEC-6 (input validation), RLM-1 for availability impact;
//    IEC 62443-4-2 CR 3.5 (input validation) always, CR 3.7 (error handling)
//    for assertions, aborts and uncaught exceptions, CR 7.1 (denial of service
//    protection) for crashes and hangs, CR 7.2 (resource management) for
//    resource exhaustion.
#ifndef IOTFUZZ_FUZZERS_TRIAGE_PROVISION_MAPPING_H_
#define IOTFUZZ_FUZZERS_TRIAGE_PROVISION_MAPPING_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzzers/triage/crash_classifier.h"
#include "fuzzers/triage/crash_report.h"
#include "fuzzers/triage/device_profile.h"

namespace iotfuzz::triage {

inline constexpr std::string_view kEn303645V2 = "ETSI EN 303 645 V2.1.1 (2020-06)";
inline constexpr std::string_view kEn303645V3 = "ETSI EN 303 645 V3.1.3 (2024-09)";
inline constexpr std::string_view kTs103701 = "ETSI TS 103 701 V1.1.1 (2021-08)";
inline constexpr std::string_view kTestCase = "5.13-1-2";

struct ProvisionReference {
  std::string id;    // "5.13-1B", "CR 3.5", "Annex I part I (h)"
  std::string text;  // what it asks, or why it applies here

  bool operator==(const ProvisionReference&) const = default;
};

struct CrossReference {
  std::string regime;  // "EU CRA", "EN 18031", "IEC 62443-4-2"
  ProvisionReference reference;
};

struct ProvisionMapping {
  ProvisionReference v2;                    // 5.13-1
  ProvisionReference v3;                    // 5.13-1A or 5.13-1B
  std::string test_case_clause;             // "5.13-1-2 (a)"
  bool indication = false;                  // counts against the interface's verdict
  std::vector<ProvisionReference> related;  // 5.9, 5.6-2, 5.6-1
  std::vector<CrossReference> cross_references;
  std::string rationale;                    // one sentence
};

// Maps a finding of `classification` (from `report`) on `iface` (nullptr:
// an interface the profile does not declare, treated as a network interface
// with unknown authentication). `reproducible`: it reproduced at least once
// on replay; only then is it an indication against 5.13-1-2 (a).
ProvisionMapping MapFinding(const Classification& classification, const CrashReport& report,
                            const DeviceInterface* iface, bool reproducible);

enum class Verdict { kPass, kFail, kNotTested };
std::string_view ToString(Verdict verdict);  // "PASS", "FAIL", "NOT TESTED"

// What one interface's evidence shows.
struct InterfaceEvidence {
  const DeviceInterface* iface = nullptr;
  bool tested = false;                   // crash inputs or a campaign summary exist for it
  std::vector<std::string> indications;  // ids of reproducible findings on it
  std::vector<std::string> unconfirmed;  // ids of findings that never reproduced
  std::string extent;                    // the campaign's extent in words ("" when unknown)
};

struct InterfaceVerdict {
  std::string interface_name;
  Verdict verdict = Verdict::kNotTested;
  std::string v2_provision;  // "5.13-1"
  std::string v3_provision;  // "5.13-1A" / "5.13-1B"
  std::string statement;     // in the words of TS 103 701
  std::vector<std::string> findings;
  std::vector<std::string> unconfirmed;
};

InterfaceVerdict DecideVerdict(const InterfaceEvidence& evidence);

nlohmann::json ToJson(const ProvisionMapping& mapping);
nlohmann::json ToJson(const InterfaceVerdict& verdict);

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_PROVISION_MAPPING_H_
