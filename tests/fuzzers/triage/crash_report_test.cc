#include <string>

#include <catch2/catch.hpp>

#include "fuzzers/triage/crash_report.h"
#include "fuzzers/triage/sanitizer_log_parser.h"

namespace iotfuzz::triage {
namespace {

CrashReport FullReport() {
  CrashReport report;
  report.crash_type = "Heap-buffer-overflow\nREAD 4";
  report.crash_address = "0x602000000014";
  report.access = AccessKind::kRead;
  report.access_size = 4;
  report.tool = CrashTool::kAddressSanitizer;
  report.description = "heap-buffer-overflow on address 0x602000000014";
  report.security = true;
  StackFrame frame;
  frame.index = 0;
  frame.pc = 0xffffffffffffff00ull;
  frame.function = "parse";
  frame.file = "/src/a.c";
  frame.line = 3;
  frame.column = 9;
  frame.module = "/out/fw";
  frame.module_offset = 0x1234;
  report.frames = {frame, StackFrame{}};
  report.auxiliary_stacks = {{"allocated by thread T0 here:", {frame}}};
  report.dedup_token = "parse";
  report.scariness_score = 17;
  report.scariness_description = "4-byte-read-heap-buffer-overflow";
  report.artifact_path = "./crash-1";
  report.mutation_sequence = "ChangeByte-";
  report.base_unit = "abc";
  report.allocation_size = 99;
  report.confidence = ParseConfidence::kComplete;
  report.parse_notes = {"a note"};
  return report;
}

TEST_CASE("Crash report JSON uses stable field names", "[report][json]") {
  const auto json = ToJson(FullReport());
  CHECK(json.at("format") == "iotfuzz.crash_report.v1");
  CHECK(json.at("crash_type") == "Heap-buffer-overflow\nREAD 4");
  CHECK(json.at("crash_category") == "Heap-buffer-overflow");
  CHECK(json.at("access") == "READ");
  CHECK(json.at("access_size") == 4);
  CHECK(json.at("tool") == "AddressSanitizer");
  CHECK(json.at("confidence") == "complete");
  CHECK(json.at("scariness").at("score") == 17);
  const auto& frame = json.at("frames").at(0);
  CHECK(frame.at("pc") == "0xffffffffffffff00");
  CHECK(frame.at("module_offset") == "0x1234");
  CHECK(frame.at("line") == 3);
  const auto& empty = json.at("frames").at(1);
  CHECK(empty.at("index").is_null());
  CHECK(empty.at("pc").is_null());
  CHECK(empty.at("line").is_null());
  for (const char* field :
       {"crash_address", "description", "message", "fatal_signal", "allocation_size", "security", "auxiliary_stacks",
        "dedup_token", "artifact_path", "mutation_sequence", "base_unit", "pc_is_null", "self_raised_signal",
        "parse_notes"}) {
    CHECK(json.contains(field));
  }
}

TEST_CASE("Crash report survives a JSON round trip", "[report][json]") {
  const CrashReport report = FullReport();
  CHECK(CrashReportFromJson(nlohmann::json::parse(ToJsonString(report))) == report);
  CHECK(CrashReportFromJson(ToJson(CrashReport{})) == CrashReport{});
}

TEST_CASE("Crash report JSON of an unknown format is rejected", "[report][json]") {
  auto json = ToJson(FullReport());
  json["format"] = "something.else";
  CHECK_THROWS(CrashReportFromJson(json));
}

TEST_CASE("Crash category drops the access suffix", "[report]") {
  CHECK(CrashCategory("Heap-buffer-overflow\nREAD 4") == "Heap-buffer-overflow");
  CHECK(CrashCategory("Null-dereference WRITE") == "Null-dereference");
  CHECK(CrashCategory("UNKNOWN READ") == "UNKNOWN");
  CHECK(CrashCategory("Data race\nWRITE 4") == "Data race");
  CHECK(CrashCategory("ASSERT") == "ASSERT");
}

}  // namespace
}  // namespace iotfuzz::triage
