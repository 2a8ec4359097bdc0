// Report writers, the 5.13 mapping, device profiles, deduplication and the
// symbolizer's output parser, on hand-made results (no binaries needed).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "fuzzers/common/error.h"
#include "fuzzers/triage/crash_deduplicator.h"
#include "fuzzers/triage/device_profile.h"
#include "fuzzers/triage/log_symbolizer.h"
#include "fuzzers/triage/provision_mapping.h"
#include "fuzzers/triage/sanitizer_log_parser.h"
#include "fuzzers/triage/triage_reports.h"

namespace iotfuzz::triage {
namespace {

using nlohmann::json;

constexpr std::string_view kHostile = "<script>alert(\"x\")</script>' onload='evil()' &amp; ]]> \x01\xff\xfe";

std::string AsanLog(std::string_view function, std::string_view file_name) {
  return fmt::format(
      "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011 at pc 0x1 bp 0x2 sp 0x3\n"
      "READ of size 1 at 0x602000000011 thread T0\n"
      "    #0 0x55 in {} /src/{}:10:5\n"
      "    #1 0x56 in caller /src/dev.c:20:3\n"
      "    #2 0x57 in LLVMFuzzerTestOneInput /src/h_fuzzer.cc:9:3\n"
      "SUMMARY: AddressSanitizer: heap-buffer-overflow /src/x.c:10:5 in f\n==1==ABORTING\n",
      function, file_name);
}

// A result with one finding whose every text comes from hostile input.
TriageResult HostileResult() {
  TriageResult r;
  r.tool_version = "0.1.0";
  r.generated_at = "2024-01-01T00:00:00Z";
  r.source_dir = "/src";
  r.profile.device.model = std::string(kHostile);
  r.profile.device.firmware_version = "1.0\"><img src=x>";
  DeviceInterface iface;
  iface.name = "http";
  iface.harnesses = {"h_fuzzer"};
  iface.validation_method = "<b>schema</b>";
  r.profile.interfaces.push_back(iface);
  r.profile.credentials.push_back({"token<script>", "\"quoted\"", {"http"}});

  TriagedInput input;
  input.file = "/crashes/crash-<script>alert(1)</script>\"";
  input.harness = "h_fuzzer";
  input.engine_kind = "crash";
  input.reproduction = {1, 1};
  input.finding_id = "F01";
  r.inputs.push_back(input);

  Finding f;
  f.id = "F01";
  f.harness = "h_fuzzer";
  f.interface_name = "http";
  f.log = AsanLog("evil<script>alert(1)</script>", "a\"b'.c") + std::string(kHostile);
  f.report = SanitizerLogParser::Parse(f.log);
  f.report.message = std::string(kHostile);
  f.signature = CrashSignature::FromReport(f.report);
  f.classification = CrashClassifier().Classify(f.report);
  f.bucket_keys = {f.signature.BucketKey()};
  f.inputs = {0};
  f.representative_bytes = std::string(kHostile) + "<script>document.write(1)</script>";
  f.reproduction = {5, 3};
  f.replay_command = {"/bin/h_replay", "/crashes/crash-<script>\""};
  f.mapping = MapFinding(f.classification, f.report, &r.profile.interfaces[0], true);
  r.findings.push_back(f);

  InterfaceEvidence evidence;
  evidence.iface = &r.profile.interfaces[0];
  evidence.tested = true;
  evidence.indications = {"F01"};
  r.verdicts.push_back(DecideVerdict(evidence));
  r.notes.push_back("note with <script>");
  return r;
}

TEST_CASE("HtmlReportEscapesEveryHostileByte", "[triage][reports]") {
  const std::string html = ToHtml(HostileResult());
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("<b>schema") == std::string::npos);
  CHECK(html.find("onload='") == std::string::npos);
  CHECK(html.find("&lt;script&gt;") != std::string::npos);
  CHECK(html.find("1.0&quot;&gt;&lt;img") != std::string::npos);
  // No external references: the page is self-contained (the SVG namespace
  // name is an identifier, never fetched).
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  std::size_t http = 0, svg_namespace = 0;
  for (std::size_t p = html.find("://"); p != std::string::npos; p = html.find("://", p + 1)) ++http;
  for (std::size_t p = html.find("xmlns=\"http://www.w3.org/2000/svg\""); p != std::string::npos;
       p = html.find("xmlns=\"http://www.w3.org/2000/svg\"", p + 1)) {
    ++svg_namespace;
  }
  CHECK(http == svg_namespace);
  // Invalid UTF-8 and control bytes never reach the page.
  CHECK(html.find('\x01') == std::string::npos);
  CHECK(html.find('\xff') == std::string::npos);
  CHECK(html.find("flaky") != std::string::npos);
  CHECK(html.find("class=\"FAIL\"") != std::string::npos);
}

TEST_CASE("JUnitReportEscapesHostileInputAndCountsFailures", "[triage][reports]") {
  const std::string xml = ToJUnitXml(HostileResult());
  CHECK(xml.find("<script") == std::string::npos);
  CHECK(xml.find("<![CDATA[") == std::string::npos);
  CHECK(xml.find('\x01') == std::string::npos);
  // One interface test case (FAIL) and one finding test case (failure).
  CHECK(xml.find("tests=\"2\" failures=\"2\"") != std::string::npos);
  // Attribute values never contain a raw quote that would end them early.
  std::size_t pos = 0;
  while ((pos = xml.find("message=\"", pos)) != std::string::npos) {
    pos += 9;
    const std::size_t end = xml.find('"', pos);
    REQUIRE(end != std::string::npos);
    CHECK(xml.substr(pos, end - pos).find('<') == std::string::npos);
  }
}

TEST_CASE("EscapeXmlReplacesMarkupControlsAndInvalidUtf8", "[triage][reports]") {
  CHECK(EscapeXml("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
  CHECK(EscapeXml("\x01") == "\xEF\xBF\xBD");
  CHECK(EscapeXml("\xC3\xA9") == "\xC3\xA9");        // é stays
  CHECK(EscapeXml("\xC3") == "\xEF\xBF\xBD");        // truncated sequence
  CHECK(EscapeXml("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(EscapeXml("line\nnext\ttab") == "line\nnext\ttab");
}

// The required properties of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json)
// for every object the writer emits.
void CheckMessage(const json& m) {
  REQUIRE(m.is_object());
  CHECK((m.contains("text") || m.contains("id")));
  if (m.contains("text")) CHECK(m["text"].is_string());
}

void CheckPhysicalLocation(const json& p) {
  REQUIRE(p.is_object());
  CHECK((p.contains("artifactLocation") || p.contains("address")));
  if (p.contains("artifactLocation")) {
    CHECK(p["artifactLocation"]["uri"].is_string());
    if (p["artifactLocation"].contains("uriBaseId")) CHECK(p["artifactLocation"]["uriBaseId"].is_string());
  }
  if (p.contains("region")) {
    const json& region = p["region"];
    CHECK((region.contains("startLine") || region.contains("charOffset") || region.contains("byteOffset")));
    if (region.contains("startLine")) CHECK(region["startLine"].get<int>() >= 1);
    if (region.contains("startColumn")) CHECK(region["startColumn"].get<int>() >= 1);
  }
}

TEST_CASE("SarifReportHasEveryFieldTheSarif210SchemaRequires", "[triage][reports]") {
  const json log = json::parse(ToSarif(HostileResult()));
  CHECK(log["version"] == "2.1.0");
  CHECK(log["$schema"].get<std::string>().find("sarif-2.1.0") != std::string::npos);
  REQUIRE(log["runs"].is_array());
  REQUIRE(log["runs"].size() == 1);
  const json& run = log["runs"][0];
  REQUIRE(run["tool"]["driver"].is_object());
  CHECK(run["tool"]["driver"]["name"] == "iotfuzz");
  const json& rules = run["tool"]["driver"]["rules"];
  REQUIRE(rules.is_array());
  REQUIRE(rules.size() == 1);
  for (const json& rule : rules) {
    CHECK(rule["id"].is_string());
    CHECK(rule["shortDescription"]["text"].is_string());
    CHECK(rule["fullDescription"]["text"].is_string());
    CHECK(rule["properties"]["security-severity"] == "6.0");  // Medium: heap overflow READ
    bool has_cwe_tag = false;
    for (const json& tag : rule["properties"]["tags"]) has_cwe_tag = has_cwe_tag || tag == "external/cwe/cwe-122" ||
                                                                     tag == "external/cwe/cwe-125";
    CHECK(has_cwe_tag);
    CHECK((rule["defaultConfiguration"]["level"] == "error" || rule["defaultConfiguration"]["level"] == "warning"));
  }
  REQUIRE(run["results"].size() == 1);
  const json& result = run["results"][0];
  CheckMessage(result["message"]);
  CHECK(result["ruleId"] == rules[0]["id"]);
  CHECK(result["ruleIndex"] == 0);
  CHECK((result["level"] == "error" || result["level"] == "warning" || result["level"] == "note"));
  REQUIRE(result["locations"].size() == 1);
  // The location is the first frame in the component's own code, relative to SRCROOT.
  const json& physical = result["locations"][0]["physicalLocation"];
  CheckPhysicalLocation(physical);
  CHECK(physical["artifactLocation"]["uri"] == "a\"b'.c");
  CHECK(physical["artifactLocation"]["uriBaseId"] == "SRCROOT");
  CHECK(physical["region"]["startLine"] == 10);
  CHECK(run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file:///src/");
  for (const json& flow : result["codeFlows"]) {
    REQUIRE(flow["threadFlows"].is_array());
    for (const json& thread : flow["threadFlows"]) {
      REQUIRE(thread["locations"].is_array());
      for (const json& tfl : thread["locations"]) {
        if (tfl["location"].contains("physicalLocation")) CheckPhysicalLocation(tfl["location"]["physicalLocation"]);
        CheckMessage(tfl["location"]["message"]);
      }
    }
  }
}

TEST_CASE("SarifLocationSkipsSanitizerAndFuzzerRuntimeFrames", "[triage][reports]") {
  TriageResult r = HostileResult();
  Finding& f = r.findings[0];
  f.report = SanitizerLogParser::Parse(
      "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011 at pc 0x1 bp 0x2 sp 0x3\n"
      "READ of size 64 at 0x602000000011 thread T0\n"
      "    #0 0x55 in __asan_memcpy /llvm/compiler-rt/lib/asan/asan_interceptors_memintrinsics.cpp:22:3\n"
      "    #1 0x56 in http_parse_request /src/http_api.c:307:3\n"
      "    #2 0x57 in LLVMFuzzerTestOneInput /src/h_fuzzer.cc:27:3\n"
      "    #3 0x58 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) "
      "/llvm/compiler-rt/lib/fuzzer/FuzzerLoop.cpp:611:15\n"
      "SUMMARY: AddressSanitizer: heap-buffer-overflow in __asan_memcpy\n==1==ABORTING\n");
  const json log = json::parse(ToSarif(r));
  const json& physical = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
  CHECK(physical["artifactLocation"]["uri"] == "http_api.c");
  CHECK(physical["region"]["startLine"] == 307);
}

TEST_CASE("JsonReportCarriesSchemaVerdictsAndReproducer", "[triage][reports]") {
  const json j = ToJsonReport(HostileResult());
  CHECK(j["schema"] == kTriageReportSchema);
  CHECK(j["summary"]["findings"] == 1);
  CHECK(j["summary"]["flaky_findings"] == 1);
  CHECK(j["interfaces"][0]["verdict"] == "FAIL");
  CHECK(j["findings"][0]["reproduction"]["reproduced"] == 3);
  CHECK(j["findings"][0]["reproduction"]["flaky"] == true);
  CHECK(j["findings"][0]["reproducer"]["hex"].get<std::string>().rfind("3c736372697074", 0) == 0);
  CHECK(j["findings"][0]["mapping"]["en_303_645_v3_1_3"]["id"] == "5.13-1B");
}

TEST_CASE("FindingsMapToThe513ProvisionOfTheirInterfaceKind", "[triage][mapping]") {
  const CrashReport report = SanitizerLogParser::Parse(AsanLog("f", "x.c"));
  const Classification c = CrashClassifier().Classify(report);
  DeviceInterface user;
  user.name = "keypad";
  user.kind = InterfaceKind::kUser;
  user.authentication = Authentication::kRequired;
  ProvisionMapping m = MapFinding(c, report, &user, true);
  CHECK(m.v2.id == "5.13-1");
  CHECK(m.v3.id == "5.13-1A");
  CHECK(m.indication);
  bool has_62443 = false;
  for (const auto& x : m.cross_references) has_62443 = has_62443 || x.reference.id == "CR 3.5";
  CHECK(has_62443);
  for (const auto& r : m.related) CHECK(r.id != "5.6-2");  // behind authentication

  DeviceInterface api;
  api.name = "http";
  api.kind = InterfaceKind::kNetwork;
  api.authentication = Authentication::kNone;
  m = MapFinding(c, report, &api, true);
  CHECK(m.v3.id == "5.13-1B");
  bool has_562 = false, has_59 = false;
  for (const auto& r : m.related) {
    has_562 = has_562 || r.id == "5.6-2";
    has_59 = has_59 || r.id == "5.9";
  }
  CHECK(has_562);  // out-of-bounds read before authentication
  CHECK(has_59);   // the process crashes
  CHECK_FALSE(MapFinding(c, report, &api, false).indication);
}

TEST_CASE("InterfaceVerdictsUseTheTestSpecificationsWords", "[triage][mapping]") {
  DeviceInterface iface;
  iface.name = "coap";
  InterfaceEvidence e;
  e.iface = &iface;
  CHECK(DecideVerdict(e).verdict == Verdict::kNotTested);
  e.tested = true;
  e.extent = "60 s, 120000 executions";
  InterfaceVerdict v = DecideVerdict(e);
  CHECK(v.verdict == Verdict::kPass);
  CHECK(v.statement.find("no indication") != std::string::npos);
  CHECK(v.statement.find("60 s, 120000 executions") != std::string::npos);
  e.indications = {"F01"};
  CHECK(DecideVerdict(e).verdict == Verdict::kFail);
  e.indications.clear();
  iface.documented = false;
  CHECK(DecideVerdict(e).verdict == Verdict::kFail);
}

TEST_CASE("DeviceProfileErrorsNameTheFileAndTheField", "[triage][profile]") {
  const std::string good = R"({"schema": "iotfuzz.device_profile.v1",
    "device": {"model": "SL-100", "firmware_version": "1.4.2"},
    "interfaces": [{"name": "http", "kind": "network", "authentication": "mixed", "harnesses": ["h"]},
                   {"name": "keypad", "kind": "user", "authentication": "none", "harnesses": ["k"]}],
    "credentials": [{"name": "api token", "interfaces": ["http"]}]})";
  const DeviceProfile p = DeviceProfile::Parse(good, "p.json");
  REQUIRE(p.interfaces.size() == 2);
  CHECK(p.interfaces[1].kind == InterfaceKind::kUser);
  CHECK(p.InterfaceForHarness("k")->name == "keypad");
  CHECK(p.InterfaceForHarness("nope") == nullptr);

  auto error_of = [](const std::string& text) {
    try {
      DeviceProfile::Parse(text, "p.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("{\"device\": {}, \n \"interfaces\": [}").find("p.json:2:") != std::string::npos);
  CHECK(error_of(R"({"device": {}, "interfaces": [{"name": "a", "kind": "radio", "harnesses": ["h"]}]})")
            .find("interfaces[0].kind") != std::string::npos);
  CHECK(error_of(R"({"device": {}, "interfaces": [{"name": "a", "kind": "user"}]})")
            .find("interfaces[0].harnesses") != std::string::npos);
  CHECK(error_of(R"({"device": {"modle": "x"}, "interfaces": []})").find("device.modle") != std::string::npos);
  CHECK(error_of(R"({"device": {}, "interfaces": [{"name": "a", "kind": "user", "harnesses": ["h"]}],
                     "credentials": [{"name": "c", "interfaces": ["b"]}]})")
            .find("credentials[0].interfaces[0]") != std::string::npos);
}

TEST_CASE("DefaultProfileHasOneNetworkInterfacePerHarness", "[triage][profile]") {
  const DeviceProfile p = DeviceProfile::DefaultFor({{"a_http_fuzzer", "dev", "http"}, {"a_coap_fuzzer", "dev", "coap"}});
  REQUIRE(p.interfaces.size() == 2);
  CHECK(p.interfaces[0].name == "http");
  CHECK(p.interfaces[0].kind == InterfaceKind::kNetwork);
  CHECK_FALSE(p.interfaces[0].declared);
  CHECK(p.device.name == "dev");
}

CrashSignature SignatureOf(std::string_view type_line, std::string_view access, std::vector<std::string> frames) {
  std::string log = fmt::format("==1==ERROR: AddressSanitizer: {} on address 0x7ffc00000010 at pc 0x1 bp 0x2 sp 0x3\n"
                                "{} at 0x7ffc00000010 thread T0\n",
                                type_line, access);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    log += fmt::format("    #{} 0x{:x} in {} /src/f.c:{}:1\n", i, 0x100 + i, frames[i], 10 + i);
  }
  log += "SUMMARY: AddressSanitizer: x\n==1==ABORTING\n";
  return CrashSignature::FromReport(SanitizerLogParser::Parse(log));
}

TEST_CASE("DeduplicatorMergesSameSiteWithOtherAccessSizesAndKeepsOtherBugsApart", "[triage][dedup]") {
  const CrashSignature write9 = SignatureOf("stack-buffer-overflow", "WRITE of size 9", {"handle", "dispatch", "main_loop"});
  const CrashSignature write12 = SignatureOf("stack-buffer-overflow", "WRITE of size 12", {"handle", "dispatch", "main_loop"});
  const CrashSignature other = SignatureOf("stack-buffer-overflow", "WRITE of size 9", {"parse_option", "dispatch", "main_loop"});
  const CrashSignature read = SignatureOf("heap-buffer-overflow", "READ of size 4", {"handle", "dispatch", "main_loop"});
  REQUIRE(write9.BucketKey() != write12.BucketKey());
  CHECK(CrashTypeWithoutSize(write9.crash_type()) == CrashTypeWithoutSize(write12.crash_type()));

  CrashDeduplicator dedup;
  dedup.Add(0, write9, true);
  dedup.Add(1, write12, true);
  dedup.Add(2, write9, true);
  dedup.Add(3, other, true);
  dedup.Add(4, read, true);
  CHECK(dedup.bucket_count() == 4);
  const std::vector<CrashCluster> clusters = dedup.Clusters();
  REQUIRE(clusters.size() == 3);
  CHECK(clusters[0].members == std::vector<std::size_t>{0, 2, 1});
  CHECK(clusters[0].bucket_keys.size() == 2);
  CHECK(clusters[1].members == std::vector<std::size_t>{3});
  CHECK(clusters[2].members == std::vector<std::size_t>{4});
}

TEST_CASE("DeduplicatorNeverMergesDifferentSecurityFlags", "[triage][dedup]") {
  const CrashSignature s = SignatureOf("heap-buffer-overflow", "READ of size 4", {"a", "b", "c"});
  CrashDeduplicator dedup;
  dedup.Add(0, s, true);
  dedup.Add(1, s, false);
  CHECK(dedup.Clusters().size() == 2);
}

TEST_CASE("SymbolizerOutputParsesInlinedFramesAndUnknowns", "[triage][symbolizer]") {
  const auto blocks = LogSymbolizer::ParseSymbolizerOutput(
      "att_read\n/src/gatt_server.c:431:3\nsl_att_handle_pdu\n/src/gatt_server.c:589:36\n\n"
      "??\n??:0:0\n\n"
      "main\n/src/a:b.c:7:1\n\n",
      3);
  REQUIRE(blocks.size() == 3);
  REQUIRE(blocks[0].size() == 2);
  CHECK(blocks[0][1].function == "sl_att_handle_pdu");
  CHECK(blocks[0][1].line == 589);
  CHECK(blocks[1][0].function == "??");
  CHECK(blocks[1][0].file.empty());
  CHECK(blocks[2][0].file == "/src/a:b.c");
  CHECK(blocks[2][0].line == 7);
  // Truncated output never reads past the end.
  CHECK(LogSymbolizer::ParseSymbolizerOutput("f\n", 2).size() == 2);
}

TEST_CASE("SymbolizerLeavesLogsWithoutUnsymbolisedFramesUnchanged", "[triage][symbolizer]") {
  LogSymbolizer s;
  const std::string log = AsanLog("f", "x.c");
  s.Add(log);
  CHECK(s.Resolve(Environment()));
  CHECK(s.Rewrite(log) == log);
  const std::string garbage = "#1 0x12 (\n#2 0xzz (m+0x)\n\xff\xfe#3";
  s.Add(garbage);
  CHECK(s.Rewrite(garbage) == garbage);
}

TEST_CASE("HexDumpAndPrintableShowEveryByteAndCutLongInputs", "[triage][reports]") {
  CHECK(HexDump("AB\n", 16) == "0000  41 42 0a                                          |AB.|\n");
  CHECK(PrintableBytes(std::string("a\0\n\\\xff", 5), 16) == "a\\x00\\n\\\\\\xff");
  CHECK(PrintableBytes("abcdef", 2) == "ab... (4 more bytes)");
}

}  // namespace
}  // namespace iotfuzz::triage
