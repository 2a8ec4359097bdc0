#include "fuzzers/triage/provision_mapping.h"

#include <fmt/format.h>

namespace iotfuzz::triage {
namespace {

bool IsRead(const CrashReport& report, const Classification& c) {
  if (report.access == AccessKind::kRead) return true;
  return c.cwe.id == 125 || c.cwe.id == 127 || c.cwe.id == 457;
}

bool IsErrorHandling(const CrashReport& report, const Classification& c) {
  const std::string_view category = CrashCategory(report.crash_type);
  return c.cwe.id == 617 || c.cwe.id == 248 || category == "ASSERT" || category == "Abrt" ||
         category.find("CHECK failure") != std::string_view::npos ||
         category.find("exception") != std::string_view::npos;
}

}  // namespace

std::string_view ToString(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass: return "PASS";
    case Verdict::kFail: return "FAIL";
    case Verdict::kNotTested: break;
  }
  return "NOT TESTED";
}

ProvisionMapping MapFinding(const Classification& classification, const CrashReport& report,
                            const DeviceInterface* iface, bool reproducible) {
  ProvisionMapping m;
  const InterfaceKind kind = iface != nullptr ? iface->kind : InterfaceKind::kNetwork;
  const Authentication auth = iface != nullptr ? iface->authentication : Authentication::kMixed;
  m.v2 = {"5.13-1",
          "The consumer IoT device software shall validate data input via user interfaces or transferred "
          "via Application Programming Interfaces (APIs) or between networks in services and devices."};
  if (kind == InterfaceKind::kUser) {
    m.v3 = {"5.13-1A", "Data input via user interfaces shall be validated."};
  } else {
    m.v3 = {"5.13-1B",
            auth == Authentication::kRequired
                ? "Data input via network interfaces shall be validated."
                : "Data input via network interfaces shall be validated, including network APIs reachable "
                  "without prior authentication and APIs used for authentication."};
  }
  m.test_case_clause = "5.13-1-2 (a)";
  m.indication = reproducible;

  const AvailabilityImpact availability = classification.availability;
  if (availability != AvailabilityImpact::kNone) {
    m.related.push_back({"5.9", fmt::format("resilience to outages (informative): {}",
                                            DescribeAvailability(availability))});
  }
  if (IsRead(report, classification) && classification.security && auth != Authentication::kRequired) {
    m.related.push_back(
        {"5.6-2", auth == Authentication::kNone
                      ? "memory is read out of bounds while processing input received before authentication: "
                        "a possible unauthenticated disclosure of security-relevant information"
                      : "memory is read out of bounds on an interface that accepts some input before "
                        "authentication: check whether the path is reachable unauthenticated"});
  }
  if (iface != nullptr && !iface->documented) {
    m.related.push_back({"5.6-1", fmt::format("the interface '{}' is not documented by the manufacturer; "
                                              "5.13-1-2 (b)/(c) require every interface found to be documented",
                                              iface->name)});
  }

  m.cross_references.push_back({"EU CRA", {"Annex I part II (3)", "regular security testing: fuzzing evidence"}});
  if (classification.security) {
    m.cross_references.push_back({"EU CRA", {"Annex I part I (a)", "no known exploitable vulnerabilities"}});
    m.cross_references.push_back({"EU CRA", {"Annex I part I (k)", "exploitation mitigation"}});
  }
  if (availability != AvailabilityImpact::kNone) {
    m.cross_references.push_back({"EU CRA", {"Annex I part I (h)", "resilience against denial-of-service attacks"}});
  }
  m.cross_references.push_back({"EN 18031", {"GEC-6", "input validation (EN 18031-1/-2/-3)"}});
  if (availability != AvailabilityImpact::kNone) {
    m.cross_references.push_back({"EN 18031", {"RLM-1", "resilience (EN 18031-1)"}});
  }
  m.cross_references.push_back({"IEC 62443-4-2", {"CR 3.5", "input validation"}});
  if (IsErrorHandling(report, classification)) {
    m.cross_references.push_back({"IEC 62443-4-2", {"CR 3.7", "error handling"}});
  }
  if (availability == AvailabilityImpact::kCrash || availability == AvailabilityImpact::kHang) {
    m.cross_references.push_back({"IEC 62443-4-2", {"CR 7.1", "denial of service protection"}});
  }
  if (availability == AvailabilityImpact::kResourceExhaustion) {
    m.cross_references.push_back({"IEC 62443-4-2", {"CR 7.2", "resource management"}});
  }

  const std::string where = fmt::format("{}{}", Describe(kind),
                                        auth == Authentication::kNone       ? " reachable before authentication"
                                        : auth == Authentication::kRequired ? " behind authentication"
                                                                            : "");
  m.rationale = reproducible
                    ? fmt::format("{} on a {} shows that unexpected data input was processed ({}), an indication "
                                  "against {} / {}.",
                                  classification.finding.empty() ? report.crash_type : classification.finding, where,
                                  classification.cwe.id != 0 ? fmt::format("CWE-{}", classification.cwe.id) : "no CWE",
                                  m.v2.id, m.v3.id)
                    : fmt::format("{} on a {} was reported by the fuzzing engine but did not reproduce on replay; "
                                  "it is listed, not counted as an indication.",
                                  classification.finding.empty() ? report.crash_type : classification.finding, where);
  return m;
}

InterfaceVerdict DecideVerdict(const InterfaceEvidence& evidence) {
  InterfaceVerdict v;
  const DeviceInterface* iface = evidence.iface;
  v.interface_name = iface != nullptr ? iface->name : "";
  v.v2_provision = "5.13-1";
  v.v3_provision = iface != nullptr && iface->kind == InterfaceKind::kUser ? "5.13-1A" : "5.13-1B";
  v.findings = evidence.indications;
  v.unconfirmed = evidence.unconfirmed;
  const bool undocumented = iface != nullptr && !iface->documented;
  const std::string_view clause = iface != nullptr && iface->kind == InterfaceKind::kUser ? "(b)" : "(c)";
  if (!evidence.indications.empty()) {
    v.verdict = Verdict::kFail;
    v.statement = fmt::format(
        "FAIL: there is an indication that the input validation method does not prevent the processing of "
        "unexpected data input (test case 5.13-1-2 (a)): {} reproducible finding(s){}.",
        evidence.indications.size(),
        undocumented ? fmt::format("; the interface is not documented (5.13-1-2 {})", clause) : "");
  } else if (undocumented) {
    v.verdict = Verdict::kFail;
    v.statement = fmt::format("FAIL: the interface was found but is not documented (test case 5.13-1-2 {}).", clause);
  } else if (!evidence.tested) {
    v.verdict = Verdict::kNotTested;
    v.statement = "NOT TESTED: no campaign summary and no crash input for this interface's harnesses; no verdict.";
  } else {
    v.verdict = Verdict::kPass;
    v.statement = fmt::format(
        "PASS: no indication was found that the input validation fails to protect against unexpected data "
        "input (test case 5.13-1-2 (a)), within the campaign's extent: {}. Fuzzing gives indications, not proof "
        "of absence.",
        evidence.extent.empty() ? "extent not recorded (no run summary)" : evidence.extent);
    if (!evidence.unconfirmed.empty()) {
      v.statement += fmt::format(" {} engine-reported finding(s) did not reproduce on replay and are listed.",
                                 evidence.unconfirmed.size());
    }
  }
  return v;
}

nlohmann::json ToJson(const ProvisionMapping& m) {
  auto ref = [](const ProvisionReference& r) { return nlohmann::json{{"id", r.id}, {"text", r.text}}; };
  nlohmann::json related = nlohmann::json::array();
  for (const auto& r : m.related) related.push_back(ref(r));
  nlohmann::json cross = nlohmann::json::array();
  for (const auto& c : m.cross_references) {
    cross.push_back({{"regime", c.regime}, {"id", c.reference.id}, {"text", c.reference.text}});
  }
  return {{"en_303_645_v2_1_1", ref(m.v2)},
          {"en_303_645_v3_1_3", ref(m.v3)},
          {"ts_103_701_test_case", m.test_case_clause},
          {"indication", m.indication},
          {"related_provisions", std::move(related)},
          {"cross_references", std::move(cross)},
          {"rationale", m.rationale}};
}

nlohmann::json ToJson(const InterfaceVerdict& v) {
  return {{"interface", v.interface_name},
          {"test_case", kTestCase},
          {"verdict", ToString(v.verdict)},
          {"en_303_645_v2_1_1", v.v2_provision},
          {"en_303_645_v3_1_3", v.v3_provision},
          {"statement", v.statement},
          {"findings", v.findings},
          {"unconfirmed_findings", v.unconfirmed}};
}

}  // namespace iotfuzz::triage
