#include "fuzzers/campaign/campaign_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "fuzzers/common/duration.h"
#include "fuzzers/engine/status_printer.h"

namespace iotfuzz::campaign {
namespace {

namespace fs = std::filesystem;

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Seconds(double s) { return FormatDuration(std::chrono::seconds(static_cast<long>(std::lround(s)))); }

// A round step for an axis of `max`: 1, 2 or 5 times a power of ten, about
// four ticks in all.
double NiceStep(double max) {
  if (max <= 0) return 1;
  const double raw = max / 4;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * p) return m * p;
  }
  return 10 * p;
}

std::string Axis(double v) {
  if (v >= 1000) return FormatCount(v);
  return fmt::format("{:g}", v);
}

}  // namespace

std::string CoverageSvg(const TargetRecord& t, int width, int height) {
  const int left = 44, right = 10, top = 10, bottom = 28;
  const int pw = width - left - right, ph = height - top - bottom;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
      "aria-label=\"edges over time of {2}\">",
      width, height, Escape(t.planned.name));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"#999\"/>", left, top,
                     pw, ph);
  if (t.timeline.size() < 2) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#666\">{}</text></svg>",
                       left + pw / 2, top + ph / 2,
                       t.timeline.empty() ? "no coverage figures" : fmt::format("{} edges", t.timeline.back().edges));
    return svg;
  }
  double max_x = 0, max_y = 0;
  for (const auto& p : t.timeline) {
    max_x = std::max(max_x, p.target_seconds);
    max_y = std::max(max_y, static_cast<double>(p.edges));
  }
  const double sx = NiceStep(max_x), sy = NiceStep(max_y);
  max_x = std::max(sx, std::ceil(max_x / sx) * sx);
  max_y = std::max(sy, std::ceil(max_y / sy) * sy);
  auto X = [&](double v) { return left + v / max_x * pw; };
  auto Y = [&](double v) { return top + ph - v / max_y * ph; };
  for (double v = 0; v <= max_y + 1e-9; v += sy) {
    svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#e0e0e0\"/>", left, Y(v),
                       left + pw, Y(v));
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"10\" text-anchor=\"end\">{}</text>", left - 4, Y(v) + 3,
                       Axis(v));
  }
  for (double v = 0; v <= max_x + 1e-9; v += sx) {
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>", X(v),
                       top + ph + 12, Seconds(v));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">run time</text>", left + pw / 2,
                     height - 3);
  svg += fmt::format("<text x=\"10\" y=\"{}\" font-size=\"10\" transform=\"rotate(-90 10 {})\" "
                     "text-anchor=\"middle\">edges</text>",
                     top + ph / 2, top + ph / 2);
  std::string points;
  for (const auto& p : t.timeline) {
    points += fmt::format("{:.1f},{:.1f} ", X(p.target_seconds), Y(static_cast<double>(p.edges)));
  }
  svg += fmt::format("<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"1.5\" points=\"{}\"/>", points);
  svg += "</svg>";
  return svg;
}

std::string CampaignText(const CampaignState& st, const CampaignLayout& layout) {
  std::string out = fmt::format("campaign {} round {}: {} in {}; {} finding{} ({} new)\n", st.mode, st.round, st.result,
                                Seconds(st.elapsed_seconds), st.findings.size(), st.findings.size() == 1 ? "" : "s",
                                st.NewFindings());
  std::size_t width = 0;
  for (const auto& t : st.targets) width = std::max(width, t.planned.name.size());
  for (const auto& t : st.targets) {
    const ProgressRecord& p = t.progress;
    std::string line = fmt::format("  {:<{}}  {:<7} {:>6}", t.planned.name, width, JobStatusName(t.status),
                                   Seconds(t.elapsed_seconds));
    if (p.execs > 0) {
      line += fmt::format("  {} {}", FormatCount(static_cast<double>(p.execs)),
                          t.planned.kind == TargetKind::kNetwork ? "sessions" : "execs");
    }
    if (p.edges > 0) line += fmt::format("  {} edges", p.edges);
    if (!t.detail.empty()) line += "  " + t.detail;
    if (t.status == JobStatus::kFailed) line += "  error: " + t.error;
    out += line + "\n";
  }
  for (const auto& f : st.findings) {
    out += fmt::format("{:<5} {}  {}  {}{}\n      reproducer: {}\n", f.known ? "known" : "NEW", f.target, f.signature,
                       f.kind == "crash" ? f.crash_type : f.kind + ": " + f.crash_type,
                       f.location.empty() ? "" : " in " + f.location, f.reproducer);
  }
  for (const auto& e : st.errors) out += "error: " + e + "\n";
  out += fmt::format("reports: {}", (layout.Report() / "campaign.html").string());
  if (!st.triage_report.empty()) {
    out += fmt::format(", {}", (layout.Report() / "triage.html").string());
    out += fmt::format(", {}", (layout.Report() / "triage.sarif").string());
  }
  out += fmt::format("\nstate: {}\n", layout.State().string());
  return out;
}

std::string CampaignHtml(const CampaignState& st, const fs::path& report_dir) {
  std::string h;
  h += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>iotfuzz campaign</title><style>"
       "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
       "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}th{background:#f0f0f0}"
       ".new{color:#b00020;font-weight:bold}.known{color:#666}.grid{display:flex;flex-wrap:wrap;gap:16px}"
       ".plot{border:1px solid #ddd;padding:6px}.plot h3{font-size:13px;margin:0 0 4px}code{font-size:12px}"
       "</style></head><body>";
  h += fmt::format("<h1>iotfuzz campaign: {} (round {})</h1>", Escape(st.mode), st.round);
  h += fmt::format("<p>Result: <b>{}</b>. {} finding{}, {} new. Started {}, finished {}, {} in all{}.</p>",
                   Escape(st.result), st.findings.size(), st.findings.size() == 1 ? "" : "s", st.NewFindings(),
                   Escape(st.started_at), Escape(st.finished_at), Seconds(st.elapsed_seconds),
                   st.resumes > 0 ? fmt::format(" ({} resume{})", st.resumes, st.resumes == 1 ? "" : "s") : "");
  std::error_code ec;
  if (fs::exists(report_dir / "triage.html", ec) && !st.triage_report.empty()) {
    h += "<p>Evidence per finding, with the ETSI EN 303 645 provision 5.13 mapping: <a href=\"triage.html\">"
         "triage.html</a> (also triage.json, triage.sarif, triage.junit.xml).</p>";
  }
  h += "<h2>Findings</h2>";
  if (st.findings.empty()) {
    h += "<p>None.</p>";
  } else {
    h += "<table><tr><th></th><th>target</th><th>signature</th><th>kind</th><th>type</th><th>location</th>"
         "<th>inputs</th><th>reproduced</th><th>reproducer</th></tr>";
    for (const auto& f : st.findings) {
      h += fmt::format(
          "<tr><td class=\"{}\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
          "<td>{}</td><td><code>{}</code></td></tr>",
          f.known ? "known" : "new", f.known ? "known" : "NEW", Escape(f.target), Escape(f.signature), Escape(f.kind),
          Escape(f.crash_type), Escape(f.location), f.inputs, Escape(f.reproduction), Escape(f.reproducer));
    }
    h += "</table>";
  }
  h += "<h2>Targets</h2><table><tr><th>target</th><th>kind</th><th>status</th><th>time</th><th>budget</th>"
       "<th>executions</th><th>exec/s</th><th>edges</th><th>corpus</th><th>crashes</th><th>what it did</th></tr>";
  for (const auto& t : st.targets) {
    const ProgressRecord& p = t.progress;
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td></tr>",
        Escape(t.planned.name), TargetKindName(t.planned.kind), JobStatusName(t.status), Seconds(t.elapsed_seconds),
        t.planned.budget ? FormatDuration(*t.planned.budget)
                         : (t.planned.runs ? fmt::format("{} runs", *t.planned.runs) : std::string("-")),
        p.execs, FormatCount(p.execs_per_sec), p.edges, p.corpus, p.crashes + p.hangs,
        Escape(t.status == JobStatus::kFailed ? "error: " + t.error : t.detail));
  }
  h += "</table>";
  h += "<h2>Coverage over time</h2><p>Edges reached by each target over its run time (in-process: the engine's "
       "coverage counters; network targets: AFL++ edges of the server).</p><div class=\"grid\">";
  for (const auto& t : st.targets) {
    h += fmt::format("<div class=\"plot\"><h3>{}</h3>{}</div>", Escape(t.planned.name), CoverageSvg(t));
  }
  h += "</div>";
  if (!st.errors.empty() || !st.notes.empty()) {
    h += "<h2>Notes</h2><ul>";
    for (const auto& e : st.errors) h += "<li><b>error:</b> " + Escape(e) + "</li>";
    for (const auto& n : st.notes) h += "<li>" + Escape(n) + "</li>";
    h += "</ul>";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace iotfuzz::campaign
