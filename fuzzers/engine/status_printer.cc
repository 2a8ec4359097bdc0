#include "fuzzers/engine/status_printer.h"

#include <fmt/format.h>
#include <unistd.h>

#include "fuzzers/common/duration.h"

namespace iotfuzz {

StatusStyle ChooseStatusStyle(int fd, const Environment& env) {
  if (env.IsTrue("CI")) return StatusStyle::kPeriodicLines;
  return ::isatty(fd) ? StatusStyle::kLiveLine : StatusStyle::kPeriodicLines;
}

std::string FormatCount(double value) {
  if (value < 1000) return fmt::format("{:.0f}", value);
  if (value < 1e6) return fmt::format("{:.1f}k", value / 1e3);
  if (value < 1e9) return fmt::format("{:.1f}M", value / 1e6);
  return fmt::format("{:.1f}G", value / 1e9);
}

std::string FormatBytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

StatusPrinter::StatusPrinter(std::FILE* out, StatusStyle style, std::chrono::seconds interval,
                             std::size_t width)
    : out_(out), style_(style), interval_(interval), width_(width) {}

std::string StatusPrinter::FormatLine(const RunProgress& p) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  const auto elapsed = duration_cast<seconds>(p.elapsed);
  std::string line = FormatClock(elapsed);
  if (p.budget.time) line += fmt::format(" ({} left)", FormatClock(*p.budget.time - elapsed));

  double rate = p.stats.execs_per_sec;
  if (rate <= 0 && p.elapsed.count() > 0) {
    rate = static_cast<double>(p.stats.execs) * 1000.0 / static_cast<double>(p.elapsed.count());
  }
  // Zero means the engine has not reported yet (AFL++ reports executions
  // about once a minute).
  line += fmt::format("  execs {}",
                      p.stats.execs == 0 ? "-" : FormatCount(static_cast<double>(p.stats.execs)));
  if (p.budget.runs) line += "/" + FormatCount(static_cast<double>(*p.budget.runs));
  line += fmt::format(" ({}/s)  edges {}", rate > 0 ? FormatCount(rate) : "-", p.stats.edges);
  line += fmt::format("  corpus {}", p.stats.corpus_count);
  if (p.stats.corpus_bytes > 0) line += fmt::format(" ({})", FormatBytes(p.stats.corpus_bytes));
  line += fmt::format("  crashes {}", p.stats.crashes);
  if (p.stats.timeouts > 0) line += fmt::format("  timeouts {}", p.stats.timeouts);
  if (p.stats.ooms > 0) line += fmt::format("  ooms {}", p.stats.ooms);
  return line;
}

void StatusPrinter::OnProgress(const RunProgress& progress) {
  if (progress.elapsed < next_print_) return;
  std::string line = FormatLine(progress);
  if (style_ == StatusStyle::kLiveLine) {
    if (width_ > 1 && line.size() >= width_) line.resize(width_ - 1);
    fmt::print(out_, "\r{}\x1b[K", line);
    live_line_open_ = true;
    next_print_ = progress.elapsed + std::chrono::milliseconds(250);
  } else {
    fmt::print(out_, "{}\n", line);
    next_print_ = progress.elapsed + interval_;
  }
  std::fflush(out_);
}

void StatusPrinter::OnFinish() {
  if (live_line_open_) {
    fmt::print(out_, "\n");
    std::fflush(out_);
    live_line_open_ = false;
  }
}

}  // namespace iotfuzz
