// JUnit XML writer (the Ant/Jenkins schema that CI test views read).
#include <fmt/format.h>

#include "fuzzers/triage/triage_reports.h"

namespace iotfuzz::triage {
namespace {

std::string Attr(std::string_view text) { return EscapeXml(text); }

std::string FindingName(const Finding& f) {
  const StackFrame* own = FirstOwnFrame(f.report);
  return fmt::format("{} {}{}", f.id, CrashCategory(f.report.crash_type),
                     own != nullptr && !own->function.empty() ? " in " + own->function : "");
}

}  // namespace

std::string ToJUnitXml(const TriageResult& result) {
  std::string suites;
  std::size_t total = 0, failures = 0, skipped = 0;
  for (const InterfaceVerdict& v : result.verdicts) {
    std::string cases;
    std::size_t tests = 0, failed = 0, skips = 0;
    const std::string classname = "iotfuzz.en303645.5_13." + v.interface_name;

    ++tests;
    cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n", Attr(classname),
                         Attr(fmt::format("TS 103 701 {} {} / {}", kTestCase, v.v2_provision, v.v3_provision)));
    if (v.verdict == Verdict::kFail) {
      ++failed;
      cases += fmt::format("      <failure type=\"FAIL\" message=\"{}\">{}</failure>\n", Attr(v.statement),
                           Attr(v.statement));
    } else if (v.verdict == Verdict::kNotTested) {
      ++skips;
      cases += fmt::format("      <skipped message=\"{}\"/>\n", Attr(v.statement));
    } else {
      cases += fmt::format("      <system-out>{}</system-out>\n", Attr(v.statement));
    }
    cases += "    </testcase>\n";

    for (const Finding& f : result.findings) {
      if (f.interface_name != v.interface_name) continue;
      ++tests;
      cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n", Attr(classname), Attr(FindingName(f)));
      const std::string details = fmt::format(
          "{}\nseverity: {}; availability: {}; CWE: {}\nreproduced {}/{}{}\nsignature: {}\nreplay: {}\n"
          "mapping: {} (V2.1.1), {} (V3.1.3), TS 103 701 {}\n\n{}",
          f.report.crash_type, ToString(f.classification.severity), ToString(f.classification.availability),
          f.classification.cwe.id != 0 ? fmt::format("CWE-{} {}", f.classification.cwe.id, f.classification.cwe.name)
                                       : "none",
          f.reproduction.reproduced, f.reproduction.attempts, f.reproduction.flaky() ? " (flaky)" : "",
          f.bucket_keys.empty() ? "" : f.bucket_keys.front(), fmt::join(f.replay_command, " "), f.mapping.v2.id,
          f.mapping.v3.id, f.mapping.test_case_clause, f.log);
      if (f.reproduction.reproducible()) {
        ++failed;
        cases += fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                             Attr(CrashCategory(f.report.crash_type)), Attr(f.mapping.rationale), Attr(details));
      } else {
        ++skips;
        cases += fmt::format("      <skipped message=\"{}\"/>\n      <system-out>{}</system-out>\n",
                             Attr("reported by the engine, did not reproduce on replay"), Attr(details));
      }
      cases += "    </testcase>\n";
    }
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n{}"
                          "  </testsuite>\n",
                          Attr("interface " + v.interface_name), tests, failed, skips, cases);
    total += tests;
    failures += failed;
    skipped += skips;
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<testsuites name=\"iotfuzz triage (EN 303 645 5.13)\" tests=\"{}\" failures=\"{}\" "
                     "errors=\"0\" skipped=\"{}\">\n{}</testsuites>\n",
                     total, failures, skipped, suites);
}

}  // namespace iotfuzz::triage
