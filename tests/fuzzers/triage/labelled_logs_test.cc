// The parser against ClusterFuzz's own expectations on real crash logs, and
// robustness on every labelled log cut and corrupted.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "fuzzers/triage/crash_classifier.h"
#include "fuzzers/triage/crash_signature.h"
#include "fuzzers/triage/sanitizer_log_parser.h"
#include "labelled_logs.h"

namespace iotfuzz::triage {
namespace {

using testing::EmulateSettings;
using testing::ExpectedStateLines;
using testing::LabelledEntry;
using testing::OutOfScopeReason;
using testing::ReadFile;
using testing::RequireLabelledLogs;

double Percent(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

// ClusterFuzz caps each state line at 80 characters.
bool StateAgrees(const CrashSignature& signature, const std::vector<std::string>& expected) {
  if (signature.state().size() != expected.size()) return false;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (signature.state()[i].substr(0, 80) != expected[i]) return false;
  }
  return true;
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

// Checks what every report must satisfy, whatever the input.
void CheckReportInvariants(const CrashReport& report, const ParseOptions& options) {
  REQUIRE(report.frames.size() <= options.max_frames_per_stack);
  REQUIRE(report.parse_notes.size() <= options.max_notes);
  if (report.confidence == ParseConfidence::kNone) REQUIRE_FALSE(report.crashed());
  if (!report.crashed()) REQUIRE_FALSE(report.security);
  // Every string must serialise.
  REQUIRE_NOTHROW(ToJsonString(report));
}

TEST_CASE("Parser agrees with ClusterFuzz on crash type and security flag of the labelled logs",
          "[labelled][agreement]") {
  const auto logs = RequireLabelledLogs();
  const auto entries = testing::LoadLabels(logs);
  std::size_t in_scope = 0, type_ok = 0, security_ok = 0, both_ok = 0, state_ok = 0;
  std::size_t all_type_ok = 0, all_security_ok = 0, all_state_ok = 0;
  std::vector<std::string> out_of_scope;
  for (const auto& entry : entries) {
    const auto emulation = EmulateSettings(entry);
    const std::string text = ReadFile(logs.directory / entry.file);
    const CrashReport report = SanitizerLogParser::Parse(text, emulation.parse);
    const CrashSignature signature = CrashSignature::FromReport(report, emulation.signature);
    const bool type = report.crash_type == entry.crash_type;
    const bool security = report.security == entry.security;
    const bool state = StateAgrees(signature, ExpectedStateLines(entry));
    all_type_ok += type;
    all_security_ok += security;
    all_state_ok += state;
    const std::string reason = OutOfScopeReason(entry, emulation);
    if (!reason.empty()) {
      out_of_scope.push_back(fmt::format("{} ({}): {}", entry.file, entry.test, reason));
      continue;
    }
    ++in_scope;
    type_ok += type;
    security_ok += security;
    both_ok += type && security;
    state_ok += state;
    if (!type || !security) {
      WARN(fmt::format("disagreement on {} ({}): type '{}' expected '{}', security {} expected {}", entry.file,
                       entry.test, Escape(report.crash_type), Escape(entry.crash_type), report.security,
                       entry.security));
    }
  }
  const std::string summary = fmt::format(
      "labelled logs from the {} ({}): {} entries, {} in scope\n"
      "  in scope:  crash type {}/{} ({:.1f}%), security flag {}/{} ({:.1f}%), both {}/{} ({:.1f}%), "
      "crash state {}/{} ({:.1f}%, informational)\n"
      "  all:       crash type {}/{} ({:.1f}%), security flag {}/{} ({:.1f}%), crash state {}/{} ({:.1f}%)",
      logs.source, logs.directory.string(), entries.size(), in_scope, type_ok, in_scope, Percent(type_ok, in_scope),
      security_ok, in_scope, Percent(security_ok, in_scope), both_ok, in_scope, Percent(both_ok, in_scope), state_ok,
      in_scope, Percent(state_ok, in_scope), all_type_ok, entries.size(), Percent(all_type_ok, entries.size()),
      all_security_ok, entries.size(), Percent(all_security_ok, entries.size()), all_state_ok, entries.size(),
      Percent(all_state_ok, entries.size()));
  std::string excluded = "out of scope:";
  for (const auto& line : out_of_scope) excluded += "\n  " + line;
  WARN(summary);
  WARN(excluded);

  // A shrinking scope must not make the test pass by itself.
  REQUIRE(in_scope >= 50);
  CHECK(Percent(type_ok, in_scope) >= 95.0);
  CHECK(Percent(security_ok, in_scope) >= 95.0);
}

TEST_CASE("Parser survives every labelled log cut at every 97th byte", "[labelled][robustness]") {
  const auto logs = RequireLabelledLogs();
  const ParseOptions options;
  std::size_t parses = 0;
  for (const auto& entry : testing::LoadLabels(logs)) {
    const std::string text = ReadFile(logs.directory / entry.file);
    for (std::size_t cut = 0; cut <= text.size(); cut += 97) {
      const CrashReport report = SanitizerLogParser::Parse(std::string_view(text).substr(0, cut), options);
      CheckReportInvariants(report, options);
      ++parses;
    }
  }
  REQUIRE(parses > 1000);
}

TEST_CASE("Parser survives random bytes inserted into every labelled log", "[labelled][robustness]") {
  const auto logs = RequireLabelledLogs();
  const ParseOptions options;
  std::mt19937_64 random(20240601);
  for (const auto& entry : testing::LoadLabels(logs)) {
    const std::string original = ReadFile(logs.directory / entry.file);
    for (int variant = 0; variant < 8; ++variant) {
      std::string text = original;
      for (int insertion = 0; insertion < 16; ++insertion) {
        const std::size_t at = text.empty() ? 0 : random() % (text.size() + 1);
        std::string garbage(1 + random() % 64, '\0');
        for (auto& c : garbage) c = static_cast<char>(random() & 0xff);
        text.insert(at, garbage);
      }
      const CrashReport report = SanitizerLogParser::Parse(text, options);
      CheckReportInvariants(report, options);
    }
  }
}

TEST_CASE("Feeding a labelled log in two chunks gives the same report as one chunk", "[labelled][chunks]") {
  const auto logs = RequireLabelledLogs();
  for (const auto& entry : testing::LoadLabels(logs)) {
    const std::string text = ReadFile(logs.directory / entry.file);
    const CrashReport whole = SanitizerLogParser::Parse(text);
    for (std::size_t split = 1; split < text.size(); split += 97) {
      SanitizerLogParser parser;
      parser.Feed(std::string_view(text).substr(0, split));
      parser.Feed(std::string_view(text).substr(split));
      const CrashReport chunked = parser.Finish();
      if (!(chunked == whole)) FAIL(fmt::format("{} split at byte {} parses differently", entry.file, split));
    }
  }
}

TEST_CASE("Feeding a labelled log one byte at a time gives the same report", "[labelled][chunks]") {
  const auto logs = RequireLabelledLogs();
  for (const auto& entry : testing::LoadLabels(logs)) {
    const std::string text = ReadFile(logs.directory / entry.file);
    SanitizerLogParser parser;
    for (char c : text) parser.Feed(std::string_view(&c, 1));
    INFO(entry.file);
    REQUIRE(parser.Finish() == SanitizerLogParser::Parse(text));
  }
}

TEST_CASE("Parse throughput over the labelled logs", "[.benchmark]") {
  const auto logs = RequireLabelledLogs();
  std::vector<std::string> texts;
  std::size_t bytes = 0;
  for (const auto& entry : testing::LoadLabels(logs)) {
    texts.push_back(ReadFile(logs.directory / entry.file));
    bytes += texts.back().size();
  }
  constexpr int kRounds = 50;
  std::size_t crashes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < kRounds; ++round) {
    for (const auto& text : texts) crashes += SanitizerLogParser::Parse(text).crashed();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double parsed_logs = static_cast<double>(texts.size()) * kRounds;
  WARN(fmt::format("parsed {} logs ({:.1f} MB) in {:.3f} s: {:.0f} logs/s, {:.1f} MB/s", parsed_logs,
                   static_cast<double>(bytes) * kRounds / 1e6, seconds, parsed_logs / seconds,
                   static_cast<double>(bytes) * kRounds / 1e6 / seconds));
  REQUIRE(crashes > 0);
}

}  // namespace
}  // namespace iotfuzz::triage
