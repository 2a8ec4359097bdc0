#include "fuzzers/grammar/diagnostics.h"

#include <algorithm>

#include <fmt/format.h>

namespace iotfuzz::grammar {

DiagnosticList::DiagnosticList(std::string file, std::string_view source) : file_(std::move(file)) {
  size_t start = 0;
  while (start <= source.size()) {
    size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    std::string line(source.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines_.push_back(std::move(line));
    start = end + 1;
  }
}

void DiagnosticList::Error(SourcePos pos, std::string message) {
  diagnostics_.push_back({Severity::kError, pos, std::move(message)});
  ++error_count_;
}

void DiagnosticList::Warning(SourcePos pos, std::string message) {
  diagnostics_.push_back({Severity::kWarning, pos, std::move(message)});
}

namespace {

// Shows control and non-ASCII bytes of a source line as '?', so a caret line
// up with what a terminal prints.
std::string Printable(const std::string& line) {
  std::string out;
  out.reserve(line.size());
  for (unsigned char c : line) out.push_back(c == '\t' ? ' ' : (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c));
  return out;
}

}  // namespace

std::string DiagnosticList::Format(const Diagnostic& d) const {
  std::string out = fmt::format("{}:{}:{}: {}: {}\n", file_, d.pos.line, d.pos.column,
                                d.severity == Severity::kError ? "error" : "warning", d.message);
  if (d.pos.line >= 1 && d.pos.line <= lines_.size()) {
    std::string text = Printable(lines_[d.pos.line - 1]);
    if (text.size() > 200) text = text.substr(0, 200) + "...";
    std::string number = std::to_string(d.pos.line);
    out += fmt::format(" {} | {}\n", number, text);
    size_t column = d.pos.column >= 1 ? std::min<size_t>(d.pos.column - 1, 200) : 0;
    out += fmt::format(" {} | {}^\n", std::string(number.size(), ' '), std::string(column, ' '));
  }
  return out;
}

std::string DiagnosticList::FormatAll() const {
  std::vector<const Diagnostic*> sorted;
  for (const auto& d : diagnostics_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    return a->pos.line != b->pos.line ? a->pos.line < b->pos.line : a->pos.column < b->pos.column;
  });
  std::string out;
  for (const auto* d : sorted) out += Format(*d);
  return out;
}

}  // namespace iotfuzz::grammar
