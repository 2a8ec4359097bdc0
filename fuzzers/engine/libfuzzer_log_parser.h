// Reads libFuzzer's output as it streams in and keeps what iotfuzz reports:
// progress counters, crash reports and the artifacts written for them.
//
// Lines it understands (clang 14):
//   #1234	NEW    cov: 45 ft: 60 corp: 10/200b lim: 4 exec/s: 1000 rss: 30Mb L: 5/9 MS: 2 ...
//   #65536	pulse  cov: ... (also INITED, REDUCE, RELOAD, DONE)
//   #8781: cov: 12 ft: 12 corp: 4 exec/s 0 oom/timeout/crash: 0/0/1 time: 1s job: 2 ...  (-fork=N)
//   Done 300000 runs in 12 second(s)
//   stat::number_of_executed_units: 300000   (and the other -print_final_stats=1 lines)
//   ==7==ERROR: AddressSanitizer: ... / runtime error: ... / ==7== ERROR: libFuzzer: ...
//   artifact_prefix='out/'; Test unit written to out/crash-<sha1>
//   INFO: -fork=2: fuzzing in separate process(s)
#ifndef IOTFUZZ_FUZZERS_ENGINE_LIBFUZZER_LOG_PARSER_H_
#define IOTFUZZ_FUZZERS_ENGINE_LIBFUZZER_LOG_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/engine/fuzzer_stats.h"

namespace iotfuzz {

// One status line. Fields the line does not carry are nullopt.
struct LibFuzzerStatusLine {
  std::uint64_t execs = 0;
  std::string event;       // "NEW", "pulse", "INITED", "REDUCE", "RELOAD", "DONE"; "" in fork mode
  bool fork_mode = false;  // "#N: ..." lines of the -fork=N parent
  std::optional<std::uint64_t> cov;
  std::optional<std::uint64_t> ft;
  std::optional<std::uint64_t> corpus_count;
  std::optional<std::uint64_t> corpus_bytes;
  std::optional<std::uint64_t> execs_per_sec;
  std::optional<std::uint64_t> rss_mb;
  std::optional<std::uint64_t> ooms;
  std::optional<std::uint64_t> timeouts;
  std::optional<std::uint64_t> crashes;
  std::optional<std::uint64_t> job;
  std::optional<std::uint64_t> time_seconds;
};

// Parses a status line ("#..."); nullopt for any other line, including
// malformed numbers.
std::optional<LibFuzzerStatusLine> ParseLibFuzzerStatusLine(std::string_view line);

// A crash report seen in the log: its type (first error line of the report)
// and, when libFuzzer named it, the artifact written for it.
struct LibFuzzerCrashReport {
  std::string type;
  std::string artifact;  // path as libFuzzer printed it; "" if none was written
};

// Incremental: Feed() takes output in chunks split anywhere (even inside a
// line); Finish() flushes a last line without a newline. Lines longer than
// kMaxLineBytes are cut to that length, so memory stays bounded whatever
// the engine prints.
class LibFuzzerLogParser {
 public:
  static constexpr std::size_t kMaxLineBytes = 64 * 1024;

  void Feed(std::string_view bytes);
  void Finish();

  const FuzzerStats& stats() const { return stats_; }
  // Reports in the order they appeared. In fork mode the parent echoes only
  // the error lines of each crashing job, so reports carry no artifact.
  const std::vector<LibFuzzerCrashReport>& crash_reports() const { return reports_; }
  bool fork_mode() const { return fork_mode_; }
  // The last non-empty line, to quote when the engine fails.
  const std::string& last_line() const { return last_line_; }

 private:
  enum class State {
    kInLine,       // collecting bytes of the current line
    kSkippingTail  // the line passed kMaxLineBytes; dropping bytes up to '\n'
  };

  void HandleLine(std::string_view line);
  void ApplyStatus(const LibFuzzerStatusLine& status);

  State state_ = State::kInLine;
  std::string line_;
  FuzzerStats stats_;
  std::vector<LibFuzzerCrashReport> reports_;
  bool report_open_ = false;  // error lines belong to reports_.back() until a boundary line
  bool fork_mode_ = false;
  std::string last_line_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_LIBFUZZER_LOG_PARSER_H_
