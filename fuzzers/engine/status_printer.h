// Shows a running campaign's progress: one line rewritten in place on a
// terminal, or a plain line every so often for logs and CI.
#ifndef IOTFUZZ_FUZZERS_ENGINE_STATUS_PRINTER_H_
#define IOTFUZZ_FUZZERS_ENGINE_STATUS_PRINTER_H_

#include <chrono>
#include <cstdio>
#include <string>

#include "fuzzers/common/environment.h"
#include "fuzzers/engine/run_observer.h"

namespace iotfuzz {

enum class StatusStyle {
  kLiveLine,       // "\r<line>\x1b[K", redrawn a few times a second
  kPeriodicLines,  // "<line>\n" every `interval`
};

// kLiveLine when `fd` is a terminal and $CI is not true, else kPeriodicLines.
StatusStyle ChooseStatusStyle(int fd, const Environment& env);

class StatusPrinter : public RunObserver {
 public:
  // Writes to `out` (not owned). `interval` applies to kPeriodicLines;
  // `width` limits a live line (0: no limit), so it never wraps.
  StatusPrinter(std::FILE* out, StatusStyle style,
                std::chrono::seconds interval = std::chrono::seconds(10), std::size_t width = 0);

  void OnProgress(const RunProgress& progress) override;
  // Ends a live line with a newline so the summary starts on its own line.
  void OnFinish() override;

  // "00:00:12 (00:00:48 left)  execs 123.4k (10.3k/s)  edges 345  corpus 120 (8.1 KiB)  crashes 0"
  // The elapsed time is followed by the time left of a --time budget; with a
  // --runs budget the executions show the runs asked for ("execs 1.2k/5.0k").
  static std::string FormatLine(const RunProgress& progress);

 private:
  std::FILE* out_;
  StatusStyle style_;
  std::chrono::milliseconds interval_;
  std::size_t width_;
  std::chrono::milliseconds next_print_{0};
  bool live_line_open_ = false;
};

// "999", "1.2k", "3.4M", "5.6G".
std::string FormatCount(double value);
// "512 B", "8.1 KiB", "3.0 MiB".
std::string FormatBytes(std::uint64_t bytes);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_STATUS_PRINTER_H_
