// JSON report (schema "iotfuzz.triage_report.v1"); fields in docs/triage-report.md.
#include <fmt/format.h>

#include "fuzzers/triage/triage_reports.h"

namespace iotfuzz::triage {
namespace {

using nlohmann::json;

std::string HexString(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

json ReproductionJson(const Reproduction& r) {
  return {{"attempts", r.attempts},
          {"reproduced", r.reproduced},
          {"rate", r.rate()},
          {"flaky", r.flaky()},
          {"reproducible", r.reproducible()}};
}

json FindingJson(const TriageResult& result, const Finding& f) {
  json inputs = json::array();
  for (std::size_t i : f.inputs) inputs.push_back(result.inputs[i].file.string());
  json steps = json::array();
  for (const auto& s : f.minimized.steps) steps.push_back(s);
  const StackFrame* own = FirstOwnFrame(f.report);
  json location = nullptr;
  if (own != nullptr) {
    location = {{"function", own->function},
                {"file", RelativeSourcePath(own->file, result.source_dir)},
                {"line", own->line},
                {"column", own->column}};
  }
  const std::string& reproducer = f.ReproducerBytes();
  return {{"id", f.id},
          {"harness", f.harness},
          {"interface", f.interface_name},
          {"crash_type", f.report.crash_type},
          {"crash_address", f.report.crash_address},
          {"security", f.report.security},
          {"classification", ToJson(f.classification)},
          {"signature", ToJson(f.signature)},
          {"bucket_keys", f.bucket_keys},
          {"lowest_similarity", f.lowest_similarity},
          {"location", std::move(location)},
          {"crash", ToJson(f.report)},
          {"reproduction", ReproductionJson(f.reproduction)},
          {"inputs", std::move(inputs)},
          {"representative",
           {{"file", result.inputs[f.representative].file.string()},
            {"size", f.representative_bytes.size()},
            {"sha256", result.inputs[f.representative].sha256}}},
          {"minimized",
           {{"attempted", f.minimized.attempted},
            {"verified", f.minimized.verified},
            {"file", f.minimized.file.empty() ? json(nullptr) : json(f.minimized.file.string())},
            {"size", f.minimized.verified ? json(f.minimized.bytes.size()) : json(nullptr)},
            {"sha256", f.minimized.verified ? json(f.minimized.sha256) : json(nullptr)},
            {"steps", std::move(steps)}}},
          {"reproducer",
           {{"size", reproducer.size()},
            {"sha256", Sha256Hex(reproducer)},
            {"hex", HexString(reproducer)},
            {"printable", PrintableBytes(reproducer, reproducer.size())}}},
          {"replay_command", f.replay_command},
          {"log_file", f.log_file.empty() ? json(nullptr) : json(f.log_file.string())},
          {"mapping", ToJson(f.mapping)}};
}

}  // namespace

json ToJsonReport(const TriageResult& result) {
  json dirs = json::array();
  for (const auto& d : result.input_dirs) dirs.push_back(d.string());
  json campaigns = json::array();
  for (const auto& c : result.campaigns) {
    campaigns.push_back({{"harness", c.harness},
                         {"summary_file", c.summary_file.string()},
                         {"engine", c.engine},
                         {"grammar", c.grammar.empty() ? json(nullptr) : json(c.grammar)},
                         {"started_at", c.started_at},
                         {"elapsed_seconds", c.elapsed_seconds},
                         {"execs", c.execs},
                         {"edges", c.edges ? json(*c.edges) : json(nullptr)},
                         {"total_edges", c.total_edges ? json(*c.total_edges) : json(nullptr)},
                         {"seed", c.seed ? json(*c.seed) : json(nullptr)}});
  }
  json inputs = json::array();
  for (const auto& in : result.inputs) {
    inputs.push_back({{"file", in.file.string()},
                      {"harness", in.harness},
                      {"engine_kind", in.engine_kind},
                      {"size", in.size},
                      {"sha256", in.sha256},
                      {"reproduction", ReproductionJson(in.reproduction)},
                      {"crash_type", in.crash_type},
                      {"bucket_key", in.bucket_key},
                      {"finding", in.finding_id.empty() ? json(nullptr) : json(in.finding_id)}});
  }
  json findings = json::array();
  for (const auto& f : result.findings) findings.push_back(FindingJson(result, f));
  json verdicts = json::array();
  std::size_t failed = 0;
  for (const auto& v : result.verdicts) {
    verdicts.push_back(ToJson(v));
    failed += v.verdict == Verdict::kFail ? 1 : 0;
  }
  std::size_t flaky = 0, unreproduced = 0;
  for (const auto& f : result.findings) {
    flaky += f.reproduction.flaky() ? 1 : 0;
    unreproduced += f.reproduction.reproducible() ? 0 : 1;
  }
  return {{"schema", kTriageReportSchema},
          {"tool", {{"name", "iotfuzz"}, {"version", result.tool_version}}},
          {"generated_at", result.generated_at},
          {"standards",
           {{"en_303_645", {kEn303645V2, kEn303645V3}},
            {"ts_103_701", kTs103701},
            {"test_case", kTestCase}}},
          {"input_dirs", std::move(dirs)},
          {"settings",
           {{"reproduce_attempts", result.settings.reproduce_attempts},
            {"reproduce_every_input", result.settings.reproduce_every_input},
            {"minimize", result.settings.minimize},
            {"replay_timeout_seconds", result.settings.replay_timeout_seconds},
            {"similarity_threshold", result.settings.similarity_threshold}}},
          {"device_profile", ToJson(result.profile)},
          {"campaigns", std::move(campaigns)},
          {"summary",
           {{"inputs", result.inputs.size()},
            {"findings", result.findings.size()},
            {"reproducible_findings", result.reproducible_findings()},
            {"flaky_findings", flaky},
            {"unreproduced_findings", unreproduced},
            {"interfaces", result.verdicts.size()},
            {"interfaces_failed", failed}}},
          {"interfaces", std::move(verdicts)},
          {"findings", std::move(findings)},
          {"inputs", std::move(inputs)},
          {"notes", result.notes}};
}

std::string HexDump(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  const std::size_t n = std::min(bytes.size(), max_bytes);
  for (std::size_t row = 0; row < n; row += 16) {
    out += fmt::format("{:04x}  ", row);
    std::string ascii;
    for (std::size_t i = row; i < row + 16; ++i) {
      if (i < n) {
        const unsigned char c = static_cast<unsigned char>(bytes[i]);
        out += fmt::format("{:02x} ", c);
        ascii += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.';
      } else {
        out += "   ";
      }
      if (i == row + 7) out += ' ';
    }
    out += " |" + ascii + "|\n";
  }
  if (n < bytes.size()) out += fmt::format("... {} more bytes\n", bytes.size() - n);
  return out;
}

std::string PrintableBytes(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  const std::size_t n = std::min(bytes.size(), max_bytes);
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          out += fmt::format("\\x{:02x}", c);
        }
    }
  }
  if (n < bytes.size()) out += fmt::format("... ({} more bytes)", bytes.size() - n);
  return out;
}

}  // namespace iotfuzz::triage
