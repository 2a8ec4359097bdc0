// SARIF 2.1.0 writer (https://docs.oasis-open.org/sarif/sarif/v2.1.0/).
#include <fmt/format.h>

#include <map>

#include "fuzzers/triage/triage_reports.h"

namespace iotfuzz::triage {
namespace {

using nlohmann::json;

constexpr std::string_view kSarifSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

// "Heap-buffer-overflow\nREAD {*}" -> "heap-buffer-overflow-read".
std::string RuleId(const CrashReport& report) {
  std::string id;
  for (char c : CrashCategory(report.crash_type)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      id += c;
    } else if (c >= 'A' && c <= 'Z') {
      id += static_cast<char>(c - 'A' + 'a');
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  if (id.empty()) id = "crash";
  if (report.access == AccessKind::kRead) id += "-read";
  if (report.access == AccessKind::kWrite) id += "-write";
  return id;
}

std::string_view SecuritySeverityScore(SecuritySeverity severity) {
  switch (severity) {
    case SecuritySeverity::kHigh: return "8.0";
    case SecuritySeverity::kMedium: return "6.0";
    case SecuritySeverity::kLow: return "3.0";
    case SecuritySeverity::kNone: break;
  }
  return "1.0";
}

std::string_view Level(const Finding& f) {
  if (!f.reproduction.reproducible()) return "note";
  switch (f.classification.severity) {
    case SecuritySeverity::kHigh:
    case SecuritySeverity::kMedium: return "error";
    default: return "warning";
  }
}

json PhysicalLocation(const StackFrame& frame, const std::filesystem::path& source_dir) {
  const std::string relative = RelativeSourcePath(frame.file, source_dir);
  json artifact = {{"uri", relative}};
  if (relative != frame.file) artifact["uriBaseId"] = "SRCROOT";
  json location = {{"artifactLocation", std::move(artifact)}};
  if (frame.line > 0) {
    json region = {{"startLine", frame.line}};
    if (frame.column > 0) region["startColumn"] = frame.column;
    location["region"] = std::move(region);
  }
  return location;
}

}  // namespace

std::string ToSarif(const TriageResult& result) {
  struct RuleInfo {
    std::size_t index;
    const Finding* first;
    SecuritySeverity severity;
  };
  std::map<std::string, RuleInfo> rules_by_id;
  std::vector<std::string> rule_order;
  for (const auto& f : result.findings) {
    const std::string id = RuleId(f.report);
    auto [it, inserted] = rules_by_id.try_emplace(id, RuleInfo{rule_order.size(), &f, f.classification.severity});
    if (inserted) {
      rule_order.push_back(id);
    } else if (f.classification.severity > it->second.severity) {
      it->second.severity = f.classification.severity;
    }
  }

  json rules = json::array();
  for (const auto& id : rule_order) {
    const RuleInfo& info = rules_by_id.at(id);
    const Finding& f = *info.first;
    const Cwe& cwe = f.classification.cwe;
    json tags = json::array({f.classification.security ? "security" : "reliability", "input-validation",
                             "etsi-en-303-645-5.13"});
    if (cwe.id != 0) tags.push_back(fmt::format("external/cwe/cwe-{}", cwe.id));
    json rule = {
        {"id", id},
        {"name", std::string(CrashCategory(f.report.crash_type))},
        {"shortDescription",
         {{"text", fmt::format("{} ({})", CrashCategory(f.report.crash_type),
                               f.classification.finding.empty() ? "crash" : f.classification.finding)}}},
        {"fullDescription",
         {{"text", fmt::format("Fuzzing input makes the component crash with {}{}. Input validation (ETSI EN "
                               "303 645 provision 5.13) did not stop it.",
                               CrashCategory(f.report.crash_type),
                               cwe.id != 0 ? fmt::format(" (CWE-{}: {})", cwe.id, cwe.name) : "")}}},
        {"defaultConfiguration", {{"level", info.severity >= SecuritySeverity::kMedium ? "error" : "warning"}}},
        {"properties",
         {{"tags", std::move(tags)},
          {"security-severity", SecuritySeverityScore(info.severity)},
          {"precision", "high"},
          {"cwe", cwe.id != 0 ? json(fmt::format("CWE-{}", cwe.id)) : json(nullptr)}}}};
    if (cwe.id != 0) rule["helpUri"] = fmt::format("https://cwe.mitre.org/data/definitions/{}.html", cwe.id);
    rules.push_back(std::move(rule));
  }

  json results = json::array();
  for (const auto& f : result.findings) {
    const std::string id = RuleId(f.report);
    const StackFrame* own = FirstOwnFrame(f.report);
    json r = {
        {"ruleId", id},
        {"ruleIndex", rules_by_id.at(id).index},
        {"level", Level(f)},
        {"message",
         {{"text", fmt::format("{} {} on interface '{}' (harness {}), reproduced {}/{}{}; severity {}, {}; "
                               "{} / {}. Replay: {}",
                               f.id, CrashCategory(f.report.crash_type), f.interface_name, f.harness,
                               f.reproduction.reproduced, f.reproduction.attempts,
                               f.reproduction.flaky() ? " (flaky)" : "", ToString(f.classification.severity),
                               f.classification.cwe.id != 0 ? fmt::format("CWE-{}", f.classification.cwe.id)
                                                             : "no CWE",
                               f.mapping.v2.id, f.mapping.v3.id, fmt::join(f.replay_command, " "))}}},
        {"partialFingerprints", {{"iotfuzzBucket/v1", f.bucket_keys.empty() ? "" : f.bucket_keys.front()}}},
        {"properties",
         {{"finding", f.id},
          {"interface", f.interface_name},
          {"harness", f.harness},
          {"crashType", f.report.crash_type},
          {"severity", ToString(f.classification.severity)},
          {"availability", ToString(f.classification.availability)},
          {"reproduced", f.reproduction.reproduced},
          {"attempts", f.reproduction.attempts},
          {"flaky", f.reproduction.flaky()},
          {"reproducerSha256", Sha256Hex(f.ReproducerBytes())},
          {"en303645", json::array({f.mapping.v2.id, f.mapping.v3.id})},
          {"ts103701", f.mapping.test_case_clause}}}};
    if (own != nullptr) {
      json location = {{"physicalLocation", PhysicalLocation(*own, result.source_dir)}};
      if (!own->function.empty()) {
        location["logicalLocations"] = json::array({{{"name", own->function}, {"kind", "function"}}});
      }
      r["locations"] = json::array({std::move(location)});
    }
    json flow_locations = json::array();
    for (const StackFrame& frame : f.report.frames) {
      json tfl = json::object();
      json loc = json::object();
      if (!frame.file.empty()) loc["physicalLocation"] = PhysicalLocation(frame, result.source_dir);
      loc["message"] = {{"text", frame.function.empty() ? (frame.module.empty() ? "?" : frame.module)
                                                        : frame.function}};
      tfl["location"] = std::move(loc);
      flow_locations.push_back(std::move(tfl));
    }
    if (!flow_locations.empty()) {
      r["codeFlows"] = json::array(
          {{{"message", {{"text", "crashing stack, innermost frame first"}}},
            {"threadFlows", json::array({{{"locations", std::move(flow_locations)}}})}}});
    }
    results.push_back(std::move(r));
  }

  json run = {{"tool",
               {{"driver",
                 {{"name", "iotfuzz"},
                  {"version", result.tool_version.empty() ? "0" : result.tool_version},
                  {"informationUri", "https://www.etsi.org/deliver/etsi_en/303600_303699/303645/"},
                  {"rules", std::move(rules)}}}}},
              {"results", std::move(results)},
              {"columnKind", "unicodeCodePoints"}};
  if (!result.source_dir.empty()) {
    std::string uri = "file://" + result.source_dir.lexically_normal().string();
    if (uri.back() != '/') uri += '/';
    run["originalUriBaseIds"] = {{"SRCROOT", {{"uri", uri}}}};
  }
  json log = {{"$schema", kSarifSchemaUri}, {"version", "2.1.0"}, {"runs", json::array({std::move(run)})}};
  return log.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace iotfuzz::triage
