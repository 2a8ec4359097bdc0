#include "fuzzers/engine/status_printer.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

namespace iotfuzz {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Collects what a StatusPrinter writes.
class CapturedOutput {
 public:
  CapturedOutput() : file_(std::tmpfile()) {}
  ~CapturedOutput() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::string Text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) text.append(buffer, n);
    return text;
  }

 private:
  std::FILE* file_;
};

RunProgress Progress(std::uint64_t execs, milliseconds elapsed, RunBudget budget = {}) {
  RunProgress p;
  p.stats.execs = execs;
  p.stats.execs_per_sec = 1500;
  p.stats.edges = 345;
  p.stats.corpus_count = 120;
  p.stats.corpus_bytes = 8300;
  p.stats.crashes = 2;
  p.elapsed = elapsed;
  p.budget = budget;
  return p;
}

TEST_CASE("A status line shows time, executions, speed, edges, corpus and crashes") {
  CHECK(StatusPrinter::FormatLine(Progress(123456, seconds(12))) ==
        "00:00:12  execs 123.5k (1.5k/s)  edges 345  corpus 120 (8.1 KiB)  crashes 2");
}

TEST_CASE("A status line shows the time left or the runs asked for") {
  RunBudget time_budget;
  time_budget.time = seconds(60);
  CHECK_THAT(StatusPrinter::FormatLine(Progress(5, seconds(12), time_budget)),
             Catch::StartsWith("00:00:12 (00:00:48 left)  execs 5 "));
  RunBudget runs_budget;
  runs_budget.runs = 5000;
  CHECK_THAT(StatusPrinter::FormatLine(Progress(1200, seconds(1), runs_budget)),
             Catch::Contains("execs 1.2k/5.0k "));
}

TEST_CASE("Without an engine-reported speed the status line computes one") {
  RunProgress p = Progress(3000, seconds(2));
  p.stats.execs_per_sec = 0;
  CHECK_THAT(StatusPrinter::FormatLine(p), Catch::Contains("(1.5k/s)"));
}

TEST_CASE("Before the engine reports executions the status line shows dashes") {
  RunProgress p = Progress(0, seconds(3));
  p.stats.execs_per_sec = 0;
  CHECK_THAT(StatusPrinter::FormatLine(p), Catch::StartsWith("00:00:03  execs - (-/s)  edges"));
}

TEST_CASE("Timeouts and OOMs appear on the status line only when there are some") {
  RunProgress p = Progress(1, seconds(1));
  CHECK_THAT(StatusPrinter::FormatLine(p), !Catch::Contains("timeouts"));
  p.stats.timeouts = 1;
  p.stats.ooms = 4;
  CHECK_THAT(StatusPrinter::FormatLine(p), Catch::EndsWith("timeouts 1  ooms 4"));
}

TEST_CASE("On a terminal the status is one line rewritten in place") {
  CapturedOutput out;
  StatusPrinter printer(out.file(), StatusStyle::kLiveLine);
  printer.OnProgress(Progress(1, milliseconds(0)));
  printer.OnProgress(Progress(2, milliseconds(100)));  // too soon: skipped
  printer.OnProgress(Progress(3, milliseconds(300)));
  printer.OnFinish();
  const std::string text = out.Text();
  CHECK(text.find('\n') == text.size() - 1);
  CHECK(std::count(text.begin(), text.end(), '\r') == 2);
  CHECK_THAT(text, Catch::Contains("\x1b[K"));
  CHECK_THAT(text, Catch::Contains("execs 3 "));
  CHECK_THAT(text, !Catch::Contains("execs 2 "));
}

TEST_CASE("A live status line is cut to the terminal width") {
  CapturedOutput out;
  StatusPrinter printer(out.file(), StatusStyle::kLiveLine, seconds(10), 20);
  printer.OnProgress(Progress(1, milliseconds(0)));
  CHECK(out.Text() == "\r00:00:00  execs 1 (\x1b[K");
}

TEST_CASE("Without a terminal the status is a plain line every interval") {
  CapturedOutput out;
  StatusPrinter printer(out.file(), StatusStyle::kPeriodicLines, seconds(10));
  for (int s = 0; s <= 25; ++s) printer.OnProgress(Progress(s, seconds(s)));
  printer.OnFinish();
  const std::string text = out.Text();
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);  // at 0 s, 10 s and 20 s
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
}

TEST_CASE("CI=true or a non-terminal selects plain status lines") {
  Environment env;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  CHECK(ChooseStatusStyle(fds[1], env) == StatusStyle::kPeriodicLines);
  ::close(fds[0]);
  ::close(fds[1]);
  env.Set("CI", "true");
  CHECK(ChooseStatusStyle(STDERR_FILENO, env) == StatusStyle::kPeriodicLines);
}

TEST_CASE("Counts and sizes are written short") {
  CHECK(FormatCount(999) == "999");
  CHECK(FormatCount(1500) == "1.5k");
  CHECK(FormatCount(2.5e6) == "2.5M");
  CHECK(FormatCount(3e9) == "3.0G");
  CHECK(FormatBytes(512) == "512 B");
  CHECK(FormatBytes(8300) == "8.1 KiB");
  CHECK(FormatBytes(3 * 1024 * 1024) == "3.0 MiB");
}

}  // namespace
}  // namespace iotfuzz
