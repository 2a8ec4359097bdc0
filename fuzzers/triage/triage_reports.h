// The report writers of a triage: JSON (schema "iotfuzz.triage_report.v1",
// documented in docs/triage-report.md), SARIF 2.1.0 for code scanning, JUnit
// XML for CI test views and a self-contained HTML evidence report.
//
// Contracts shared by all writers:
//  - every byte that comes from an input or a log is escaped for the output
//    format (JSON string escaping, XML/HTML entity escaping, CDATA never
//    used), and invalid UTF-8 is replaced, so hostile inputs cannot change
//    the structure of a report;
//  - output depends only on the TriageResult (no clock, no environment), so
//    the same result gives byte-identical reports.
#ifndef IOTFUZZ_FUZZERS_TRIAGE_TRIAGE_REPORTS_H_
#define IOTFUZZ_FUZZERS_TRIAGE_TRIAGE_REPORTS_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzzers/triage/finding.h"

namespace iotfuzz::triage {

inline constexpr std::string_view kTriageReportSchema = "iotfuzz.triage_report.v1";

// The whole result as JSON.
nlohmann::json ToJsonReport(const TriageResult& result);

// SARIF 2.1.0: one run, tool "iotfuzz", one rule per crash type (id is the
// crash type's slug, with its CWE as a relationship and a tag,
// properties.security-severity 8.0/6.0/3.0 for High/Medium/Low, 1.0 for
// non-security findings), one result per finding located at FirstOwnFrame
// (relative to %SRCROOT% when below the source directory), with the whole
// crashing stack as a code flow.
std::string ToSarif(const TriageResult& result);

// JUnit XML: one <testsuite> per interface, one <testcase> "5.13-1-2" per
// interface carrying the verdict, and one <testcase> per finding on it
// (failure when reproducible, skipped when it never reproduced).
std::string ToJUnitXml(const TriageResult& result);

// One HTML page with inline CSS and SVG and no external reference.
std::string ToHtml(const TriageResult& result);

// Text escaping used by the writers, exposed for tests.
std::string EscapeXml(std::string_view text);  // & < > " ' as entities; invalid UTF-8 and controls replaced
std::string HexDump(std::string_view bytes, std::size_t max_bytes);  // "0000  50 4f ...  |PO..|" lines
std::string PrintableBytes(std::string_view bytes, std::size_t max_bytes);  // C-style escapes for non-printables

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_TRIAGE_REPORTS_H_
