// Self-contained HTML evidence report: inline CSS and SVG, no script, no
// external reference. Every text that comes from an input, a log, a file name
// or the device profile goes through EscapeXml.
#include <fmt/format.h>

#include <array>

#include "fuzzers/triage/triage_reports.h"

namespace iotfuzz::triage {
namespace {

constexpr std::size_t kShownBytes = 4096;  // reproducer bytes shown inline
constexpr std::size_t kShownLogBytes = 64 * 1024;

std::string E(std::string_view text) { return EscapeXml(text); }

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:72em;color:#1d232a;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #d6dae0;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f1f3f6}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.86em}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.PASS{background:#dff3e3;color:#135f26;font-weight:600}.FAIL{background:#fbe0e0;color:#8a1111;font-weight:600}
.NOTTESTED{background:#eceef1;color:#4b5360;font-weight:600}.sev-High{color:#a00;font-weight:700}.sev-Medium{color:#b45f00;font-weight:700}
.sev-Low{color:#7a6a00}.flag{display:inline-block;border-radius:3px;padding:0 .4em;margin-left:.3em;font-size:.85em;background:#fff2c6}
.finding{border:1px solid #d6dae0;border-radius:6px;padding:0 1em 1em;margin:1.2em 0}.muted{color:#5b6470}dl{display:grid;grid-template-columns:14em 1fr;gap:.2em .8em}dt{font-weight:600}dd{margin:0}
)";

std::string VerdictClass(Verdict v) {
  return v == Verdict::kPass ? "PASS" : v == Verdict::kFail ? "FAIL" : "NOTTESTED";
}

std::string SeverityChart(const TriageResult& result) {
  std::array<int, 4> counts{};  // None, Low, Medium, High
  for (const auto& f : result.findings) counts[static_cast<int>(f.classification.severity)]++;
  const int max = std::max({counts[0], counts[1], counts[2], counts[3], 1});
  static constexpr std::array<std::string_view, 4> kNames = {"None", "Low", "Medium", "High"};
  static constexpr std::array<std::string_view, 4> kColours = {"#8c96a3", "#d8c23a", "#e08a1e", "#c62828"};
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"420\" height=\"110\" role=\"img\" "
                    "aria-label=\"findings by severity\">";
  for (int i = 3, row = 0; i >= 0; --i, ++row) {
    const int width = counts[i] * 300 / max;
    svg += fmt::format("<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text><rect x=\"70\" y=\"{}\" width=\"{}\" "
                       "height=\"18\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"13\">{}</text>",
                       row * 26 + 16, kNames[i], row * 26 + 3, width, kColours[i], 76 + width, row * 26 + 16,
                       counts[i]);
  }
  return svg + "</svg>";
}

std::string Frames(const CrashReport& report, const std::filesystem::path& source_dir) {
  std::string out;
  for (const StackFrame& f : report.frames) {
    std::string where = f.file.empty() ? f.module : RelativeSourcePath(f.file, source_dir);
    if (!f.file.empty() && f.line > 0) where += fmt::format(":{}", f.line);
    if (!f.file.empty() && f.column > 0) where += fmt::format(":{}", f.column);
    out += fmt::format("#{:<3} {} {}\n", f.index < 0 ? 0 : f.index, f.function.empty() ? "?" : f.function, where);
  }
  return E(out);
}

}  // namespace

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        case '\t':
        case '\n':
        case '\r': out += static_cast<char>(c); break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 forbids most control characters
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Validate one UTF-8 sequence; anything malformed becomes U+FFFD.
    std::size_t length = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (c >= 0xF5) length = 0;
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && length >= 3) {
      const unsigned char c1 = static_cast<unsigned char>(text[i + 1]);
      if (c == 0xE0 && c1 < 0xA0) valid = false;                // overlong
      if (c == 0xED && c1 >= 0xA0) valid = false;               // surrogates
      if (c == 0xF0 && c1 < 0x90) valid = false;                // overlong
      if (c == 0xF4 && c1 >= 0x90) valid = false;               // above U+10FFFF
      if (c == 0xEF && c1 == 0xBF && length == 3) {
        const unsigned char c2 = static_cast<unsigned char>(text[i + 2]);
        if (c2 == 0xBE || c2 == 0xBF) valid = false;            // U+FFFE, U+FFFF are not XML characters
      }
    }
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string ToHtml(const TriageResult& result) {
  const DeviceIdentity& d = result.profile.device;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "img-src data:\">";
  const std::string device_name = !d.model.empty() ? d.model : !d.name.empty() ? d.name : "device under test";
  h += fmt::format("<title>{}</title><style>{}</style></head><body>\n",
                   E("iotfuzz 5.13 evidence report: " + device_name), kStyle);
  h += fmt::format("<h1>Input validation evidence: {}</h1>\n", E(device_name));
  h += fmt::format("<p class=\"muted\">ETSI EN 303 645 provision 5.13 &middot; TS 103 701 test case {} "
                   "&middot; iotfuzz {} &middot; generated {}</p>\n",
                   kTestCase, E(result.tool_version), E(result.generated_at));

  h += "<h2>Device under test</h2>\n<dl>";
  auto row = [&](std::string_view key, std::string_view value) {
    h += fmt::format("<dt>{}</dt><dd>{}</dd>", E(key), value.empty() ? "<span class=\"muted\">not given</span>" : E(value));
  };
  row("Manufacturer", d.manufacturer);
  row("Model", d.model);
  row("Name", d.name);
  row("Firmware version", d.firmware_version);
  row("Firmware hash", d.firmware_hash);
  row("Device profile", result.profile.file.empty() ? "none: interfaces derived from the build manifest"
                                                    : result.profile.file.string());
  h += "</dl>\n";
  if (!result.profile.credentials.empty()) {
    h += "<p>Credentials used by the test lab:</p><ul>";
    for (const auto& c : result.profile.credentials) {
      std::string ifaces;
      for (const auto& i : c.interfaces) ifaces += (ifaces.empty() ? "" : ", ") + i;
      h += fmt::format("<li><b>{}</b>: {}{}</li>", E(c.name), E(c.description),
                       ifaces.empty() ? "" : " (" + E(ifaces) + ")");
    }
    h += "</ul>\n";
  }

  h += "<h2>Standards assessed</h2>\n<ul>";
  h += fmt::format("<li>{}: provision 5.13-1</li><li>{}: provisions 5.13-1A (user interfaces) and 5.13-1B "
                   "(network interfaces)</li><li>{}: test case {} (functional)</li>",
                   kEn303645V2, kEn303645V3, kTs103701, kTestCase);
  h += "</ul>\n";

  h += "<h2>Interface matrix</h2>\n<table><tr><th>Interface</th><th>Kind</th><th>Authentication</th>"
       "<th>Harnesses</th><th>Validation method</th><th>Campaign extent</th><th>Provisions</th>"
       "<th>Verdict (5.13-1-2)</th></tr>\n";
  for (const InterfaceVerdict& v : result.verdicts) {
    const DeviceInterface* iface = nullptr;
    for (const auto& i : result.profile.interfaces) {
      if (i.name == v.interface_name) iface = &i;
    }
    std::string harnesses, extent;
    if (iface != nullptr) {
      for (const auto& name : iface->harnesses) {
        harnesses += (harnesses.empty() ? "" : "<br>") + E(name);
        const std::string e = DescribeExtent(result.campaigns, name);
        if (!e.empty()) extent += (extent.empty() ? "" : "<br>") + E(e);
      }
    }
    h += fmt::format(
        "<tr><td><b>{}</b>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td>"
        "<td class=\"{}\">{}<br><span style=\"font-weight:normal\">{}</span></td></tr>\n",
        E(v.interface_name), iface != nullptr && !iface->declared ? " <span class=\"flag\">derived</span>" : "",
        iface != nullptr ? E(Describe(iface->kind)) : "", iface != nullptr ? E(ToString(iface->authentication)) : "",
        harnesses, iface != nullptr && !iface->validation_method.empty() ? E(iface->validation_method)
                                                                         : "<span class=\"muted\">not declared</span>",
        extent.empty() ? "<span class=\"muted\">no run summary</span>" : extent, E(v.v2_provision),
        E(v.v3_provision), VerdictClass(v.verdict), E(ToString(v.verdict)), E(v.statement));
  }
  h += "</table>\n";

  h += "<h2>Campaigns</h2>\n";
  if (result.campaigns.empty()) {
    h += "<p class=\"muted\">No run summary (summary.json) was found beside the inputs; the campaign's extent is "
         "not recorded.</p>\n";
  } else {
    h += "<table><tr><th>Harness</th><th>Engine</th><th>Grammar</th><th>Started</th><th>Time</th>"
         "<th>Executions</th><th>Coverage (edges)</th><th>Seed</th><th>Summary</th></tr>\n";
    for (const auto& c : result.campaigns) {
      h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1f} s</td><td>{}</td><td>{}</td>"
                       "<td>{}</td><td><code>{}</code></td></tr>\n",
                       E(c.harness), E(c.engine), E(c.grammar.empty() ? "none" : c.grammar), E(c.started_at),
                       c.elapsed_seconds, c.execs,
                       c.edges ? (c.total_edges ? fmt::format("{} / {}", *c.edges, *c.total_edges)
                                                : fmt::format("{}", *c.edges))
                               : "",
                       c.seed ? fmt::format("{}", *c.seed) : "", E(c.summary_file.string()));
    }
    h += "</table>\n";
  }

  std::size_t unreproduced_inputs = 0;
  for (const auto& in : result.inputs) unreproduced_inputs += in.finding_id.empty() ? 1 : 0;
  h += fmt::format("<h2>Findings</h2>\n<p>{} input(s) triaged into {} finding(s), {} reproducible. Reproduction: "
                   "every input replayed {}, each finding's representative {} time(s).</p>\n",
                   result.inputs.size(), result.findings.size(), result.reproducible_findings(),
                   result.settings.reproduce_every_input
                       ? fmt::format("{} time(s)", result.settings.reproduce_attempts)
                       : std::string("once"),
                   result.settings.reproduce_attempts);
  h += SeverityChart(result) + "\n";

  for (const Finding& f : result.findings) {
    const Classification& c = f.classification;
    const StackFrame* own = FirstOwnFrame(f.report);
    h += fmt::format("<div class=\"finding\" id=\"{}\"><h3>{} &middot; {} <span class=\"sev-{}\">{}</span>{}{}</h3>\n",
                     E(f.id), E(f.id), E(CrashCategory(f.report.crash_type)), E(ToString(c.severity)),
                     E(ToString(c.severity)), f.reproduction.flaky() ? "<span class=\"flag\">flaky</span>" : "",
                     f.reproduction.reproducible() ? "" : "<span class=\"flag\">did not reproduce</span>");
    h += "<dl>";
    row("Crash type", f.report.crash_type);
    row("Interface", f.interface_name + " (harness " + f.harness + ")");
    row("Location", own == nullptr ? std::string()
                                   : fmt::format("{} {}:{}", own->function,
                                                 RelativeSourcePath(own->file, result.source_dir), own->line));
    row("Reproduction", fmt::format("{}/{} replays ({:.0f}%){}", f.reproduction.reproduced, f.reproduction.attempts,
                                    100 * f.reproduction.rate(), f.reproduction.flaky() ? ", flaky" : ""));
    row("Security", fmt::format("{} (severity {})", f.report.security ? "security bug" : "not a security bug",
                                ToString(c.severity)));
    row("Availability", std::string(DescribeAvailability(c.availability)));
    row("CWE", c.cwe.id != 0 ? fmt::format("CWE-{} {}", c.cwe.id, c.cwe.name) : std::string());
    std::string related;
    for (const auto& r : c.related) related += fmt::format("{}CWE-{} {}", related.empty() ? "" : "; ", r.id, r.name);
    row("Related CWEs", related);
    row("EN 303 645 V2.1.1", f.mapping.v2.id + ": " + f.mapping.v2.text);
    row("EN 303 645 V3.1.3", f.mapping.v3.id + ": " + f.mapping.v3.text);
    row("TS 103 701", f.mapping.test_case_clause + (f.mapping.indication ? ": indication (FAIL)" : ": not counted"));
    std::string rel;
    for (const auto& r : f.mapping.related) rel += fmt::format("{}{}: {}", rel.empty() ? "" : "; ", r.id, r.text);
    row("Related provisions", rel);
    std::string cross;
    for (const auto& r : f.mapping.cross_references) {
      cross += fmt::format("{}{} {} ({})", cross.empty() ? "" : "; ", r.regime, r.reference.id, r.reference.text);
    }
    row("Cross-references", cross);
    row("Rationale", f.mapping.rationale);
    row("Signature", f.bucket_keys.empty() ? "" : f.bucket_keys.front());
    row("Inputs in this finding", fmt::format("{} (representative {})", f.inputs.size(),
                                              result.inputs[f.representative].file.string()));
    std::string minimized = !f.minimized.attempted ? "not attempted"
                            : f.minimized.verified ? fmt::format("{} -> {} bytes, same signature on replay",
                                                                 f.representative_bytes.size(), f.minimized.bytes.size())
                                                   : "no smaller input kept the signature";
    for (const auto& s : f.minimized.steps) minimized += "; " + s;
    row("Minimization", minimized);
    h += "</dl>\n";
    const std::string& bytes = f.ReproducerBytes();
    h += fmt::format("<p><b>Reproducer</b> ({} bytes, SHA-256 <code>{}</code>)</p>\n<pre>{}</pre>\n"
                     "<p><b>Printable</b></p><pre>{}</pre>\n",
                     bytes.size(), Sha256Hex(bytes), E(HexDump(bytes, kShownBytes)),
                     E(PrintableBytes(bytes, kShownBytes)));
    std::string command;
    for (const auto& a : f.replay_command) command += (command.empty() ? "" : " ") + a;
    h += fmt::format("<p><b>Replay</b></p><pre>{}</pre>\n", E(command));
    h += fmt::format("<p><b>Stack</b></p><pre>{}</pre>\n", Frames(f.report, result.source_dir));
    h += fmt::format("<details><summary>Sanitizer log</summary><pre>{}</pre></details>\n</div>\n",
                     E(f.log.substr(0, kShownLogBytes)));
  }

  if (unreproduced_inputs > 0) {
    h += "<h2>Inputs that did not crash on replay</h2>\n<table><tr><th>Input</th><th>Engine kind</th>"
         "<th>Replays</th></tr>\n";
    for (const auto& in : result.inputs) {
      if (!in.finding_id.empty()) continue;
      h += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td>0/{}</td></tr>\n", E(in.file.string()),
                       E(in.engine_kind), in.reproduction.attempts);
    }
    h += "</table>\n";
  }
  if (!result.notes.empty()) {
    h += "<h2>Notes</h2>\n<ul>";
    for (const auto& n : result.notes) h += "<li>" + E(n) + "</li>";
    h += "</ul>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace iotfuzz::triage
