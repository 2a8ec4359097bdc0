// Fuzz target for the triage parser: any bytes as a crash log. Beyond "does
// not crash", it checks the properties the rest of iotfuzz relies on:
//   - feeding the log in two chunks gives the report of feeding it whole;
//   - every report serialises to JSON and parses back to itself;
//   - signatures and classification accept every report, and a signature is
//     fully similar to itself.
// The first input byte also picks small parser limits, so the paths that cut
// long lines, deep stacks and many notes are fuzzed too.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzzers/triage/crash_classifier.h"
#include "fuzzers/triage/crash_signature.h"
#include "fuzzers/triage/sanitizer_log_parser.h"

namespace {

using namespace iotfuzz::triage;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view log(reinterpret_cast<const char*>(data), size);

  ParseOptions options;
  if (size > 0 && (data[0] & 1) != 0) {
    options.max_line_bytes = 64;
    options.max_frames_per_stack = 4;
    options.max_auxiliary_stacks = 2;
    options.max_findings = 3;
    options.max_notes = 4;
  }
  if (size > 0 && (data[0] & 2) != 0) options.report_ooms_and_hangs = false;

  const CrashReport report = SanitizerLogParser::Parse(log, options);

  const std::size_t split = size == 0 ? 0 : (static_cast<std::size_t>(data[size - 1]) * 257u) % (size + 1);
  SanitizerLogParser parser(options);
  parser.Feed(log.substr(0, split));
  parser.Feed(log.substr(split));
  Check(parser.Finish() == report);

  const std::string json = ToJsonString(report);
  Check(CrashReportFromJson(nlohmann::json::parse(json)) == report);

  const CrashSignature signature = CrashSignature::FromReport(report);
  Check(!signature.BucketKey().empty());
  Check(Similarity(signature, signature) > 0.999);
  const Classification classification = CrashClassifier().Classify(report);
  Check(report.crashed() || classification.cwe.id == 0);
  Check(!report.crashed() || classification.cwe.id != 0);
  return 0;
}
