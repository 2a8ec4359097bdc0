#include "fuzzers/engine/libfuzzer_log_parser.h"

#include <catch2/catch.hpp>

#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

// Logs captured from real libFuzzer runs (clang 14): see testdata/.
std::string Log(const std::string& name) {
  return testing::ReadFileText(std::string(IOTFUZZ_ENGINE_TESTDATA) + "/" + name);
}

LibFuzzerLogParser ParseWhole(const std::string& text) {
  LibFuzzerLogParser parser;
  parser.Feed(text);
  parser.Finish();
  return parser;
}

TEST_CASE("A NEW status line gives coverage, features, corpus, speed and memory") {
  const auto s = ParseLibFuzzerStatusLine(
      "#1234\tNEW    cov: 45 ft: 60 corp: 10/200b lim: 4 exec/s: 1000 rss: 30Mb L: 5/9 MS: 2 "
      "ChangeByte-InsertByte-");
  REQUIRE(s.has_value());
  CHECK(s->execs == 1234);
  CHECK(s->event == "NEW");
  CHECK_FALSE(s->fork_mode);
  CHECK(s->cov == 45u);
  CHECK(s->ft == 60u);
  CHECK(s->corpus_count == 10u);
  CHECK(s->corpus_bytes == 200u);
  CHECK(s->execs_per_sec == 1000u);
  CHECK(s->rss_mb == 30u);
}

TEST_CASE("Corpus sizes in Kb and Mb are converted to bytes") {
  CHECK(ParseLibFuzzerStatusLine("#9\tpulse  cov: 1 ft: 1 corp: 3/20Kb exec/s: 1 rss: 1Mb")
            ->corpus_bytes == 20u * 1024);
  CHECK(ParseLibFuzzerStatusLine("#9\tREDUCE cov: 1 ft: 1 corp: 3/2Mb lim: 4 exec/s: 1 rss: 1Mb")
            ->corpus_bytes == 2u * 1024 * 1024);
}

TEST_CASE("Pulse, INITED and DONE lines are status lines") {
  for (const char* line :
       {"#65536\tpulse  cov: 11 ft: 74 corp: 36/1155b lim: 652 exec/s: 32768 rss: 58Mb",
        "#2\tINITED cov: 2 ft: 2 corp: 1/1b exec/s: 0 rss: 32Mb",
        "#300000\tDONE   cov: 11 ft: 74 corp: 36/1155b lim: 2589 exec/s: 0 rss: 70Mb"}) {
    INFO(line);
    CHECK(ParseLibFuzzerStatusLine(line).has_value());
  }
  CHECK(
      ParseLibFuzzerStatusLine("#300000\tDONE   cov: 11 ft: 74 corp: 36/1155b exec/s: 0")->event ==
      "DONE");
}

TEST_CASE("A fork-mode status line gives the crash, timeout and OOM counts") {
  const auto s = ParseLibFuzzerStatusLine(
      "#17562: cov: 12 ft: 12 corp: 4 exec/s 0 oom/timeout/crash: 1/2/3 time: 1s job: 2 dft_time: "
      "0");
  REQUIRE(s.has_value());
  CHECK(s->fork_mode);
  CHECK(s->execs == 17562);
  CHECK(s->cov == 12u);
  CHECK(s->corpus_count == 4u);
  CHECK(s->execs_per_sec == 0u);
  CHECK(s->ooms == 1u);
  CHECK(s->timeouts == 2u);
  CHECK(s->crashes == 3u);
  CHECK(s->time_seconds == 1u);
  CHECK(s->job == 2u);
  // The form with a colon after exec/s parses the same way.
  CHECK(ParseLibFuzzerStatusLine("#5: cov: 1 ft: 1 corp: 1 exec/s: 7 oom/timeout/crash: 0/0/0 "
                                 "time: 1s job: 1")
            ->execs_per_sec == 7u);
}

TEST_CASE("Lines that only look like status lines are not status lines") {
  for (const char* line : {"", "#", "#abc\tNEW cov: 1", "#12", "#12 NEW cov: 1",
                           "#12\tNEW cov: x ft: 1", "#12\tNEW cov: 99999999999999999999999 ft: 1",
                           "#0\tREAD units: 5", "#5: cov: 1 oom/timeout/crash: 1/2 time: 1s",
                           "INFO: Seed: 1", "#12\tNEW cov: 1 corp: 3/12Gb"}) {
    INFO("line: " << line);
    CHECK_FALSE(ParseLibFuzzerStatusLine(line).has_value());
  }
}

TEST_CASE("A crashing run's log gives its stats and the crash with its artifact") {
  const auto parser = ParseWhole(Log("libfuzzer_asan_crash.log"));
  CHECK(parser.stats().execs == 1129);  // stat::number_of_executed_units
  CHECK(parser.stats().edges == 5);
  CHECK(parser.stats().corpus_count == 4);
  CHECK(parser.stats().crashes == 1);
  CHECK(parser.stats().peak_rss_mb == 34);
  CHECK_FALSE(parser.fork_mode());
  REQUIRE(parser.crash_reports().size() == 1);
  CHECK(parser.crash_reports()[0].type == "stack-buffer-overflow");
  CHECK(parser.crash_reports()[0].artifact ==
        "/tmp/o1/crashes/crash-eb402038032e866bb7a616aa088e7864543d9b7e");
}

TEST_CASE("A UBSan report's type is its runtime error") {
  const auto parser = ParseWhole(Log("libfuzzer_ubsan_crash.log"));
  REQUIRE(parser.crash_reports().size() == 1);
  CHECK(parser.crash_reports()[0].type == "runtime-error: signed integer overflow");
  CHECK(parser.crash_reports()[0].artifact == "aUB/crash-416a4da34b12b3ec80e3cf9ca697f2808ed6c162");
}

TEST_CASE("A timeout is tied to the artifact libFuzzer names before its error line") {
  const auto parser = ParseWhole(Log("libfuzzer_timeout.log"));
  REQUIRE(parser.crash_reports().size() == 1);
  CHECK(parser.crash_reports()[0].type == "timeout");
  CHECK(parser.crash_reports()[0].artifact ==
        "aTO/timeout-4e7033b55ff8691f884f8b6f4834ba05e37162d9");
  CHECK(parser.stats().timeouts == 1);
  CHECK(parser.stats().crashes == 0);
}

TEST_CASE("A leak report is a memory-leak crash report") {
  const auto parser = ParseWhole(Log("libfuzzer_leak.log"));
  REQUIRE(parser.crash_reports().size() == 1);
  CHECK(parser.crash_reports()[0].type == "memory-leak");
  CHECK(parser.crash_reports()[0].artifact == "aLK/leak-a31ee0a48657c2aa5e3d267a426084e1c33b683f");
}

TEST_CASE("A clean run that used up its runs is done with all executions counted") {
  const auto parser = ParseWhole(Log("libfuzzer_runs_done.log"));
  CHECK(parser.stats().engine_done);
  CHECK(parser.stats().execs == 300000);
  CHECK(parser.stats().edges == 11);
  CHECK(parser.stats().features == 74);
  CHECK(parser.stats().corpus_count == 36);
  CHECK(parser.stats().corpus_bytes == 1155);
  CHECK(parser.crash_reports().empty());
}

TEST_CASE("An interrupted run keeps the last progress and its final stats") {
  const auto parser = ParseWhole(Log("libfuzzer_interrupted.log"));
  CHECK(parser.stats().execs == 929479);
  CHECK(parser.stats().execs_per_sec == 309826.0);
  CHECK(parser.stats().edges == 7);
  CHECK(parser.crash_reports().empty());
  CHECK(parser.last_line() == "stat::peak_rss_mb:              142");
}

TEST_CASE("Fork mode counts crashes from the parent's lines, one report per crashing job") {
  const auto parser = ParseWhole(Log("libfuzzer_fork_crashes.log"));
  CHECK(parser.fork_mode());
  CHECK(parser.stats().execs == 32968);
  CHECK(parser.stats().crashes == 14);
  CHECK(parser.crash_reports().size() == 15);  // the last job's crash came after the last status
  for (const auto& report : parser.crash_reports()) {
    CHECK(report.type == "stack-buffer-overflow");
    CHECK(report.artifact.empty());
  }
}

TEST_CASE("The parser gives the same result however the output is split") {
  for (const char* name : {"libfuzzer_asan_crash.log", "libfuzzer_fork_crashes.log",
                           "libfuzzer_timeout.log", "libfuzzer_ubsan_crash.log"}) {
    INFO(name);
    const std::string text = Log(name);
    const auto whole = ParseWhole(text);
    for (std::size_t split = 0; split <= text.size(); ++split) {
      LibFuzzerLogParser parser;
      parser.Feed(std::string_view(text).substr(0, split));
      parser.Feed(std::string_view(text).substr(split));
      parser.Finish();
      REQUIRE(parser.stats() == whole.stats());
      REQUIRE(parser.crash_reports().size() == whole.crash_reports().size());
    }
    LibFuzzerLogParser bytewise;
    for (char c : text) bytewise.Feed(std::string_view(&c, 1));
    bytewise.Finish();
    CHECK(bytewise.stats() == whole.stats());
  }
}

TEST_CASE("A last line without a newline is handled at Finish") {
  LibFuzzerLogParser parser;
  parser.Feed("Done 77 runs in 7 second(s)");
  CHECK_FALSE(parser.stats().engine_done);
  parser.Finish();
  CHECK(parser.stats().engine_done);
  CHECK(parser.stats().execs == 77);
  CHECK(parser.stats().execs_per_sec == 11.0);
}

TEST_CASE("An overlong line is cut without losing the lines after it") {
  LibFuzzerLogParser parser;
  parser.Feed(std::string(LibFuzzerLogParser::kMaxLineBytes * 3, 'A'));
  parser.Feed("\n#10\tNEW    cov: 3 ft: 3 corp: 1/1b lim: 4 exec/s: 0 rss: 30Mb\n");
  CHECK(parser.stats().edges == 3);
  CHECK(parser.stats().execs == 10);
}

TEST_CASE("Binary garbage in the output is ignored") {
  LibFuzzerLogParser parser;
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) & 0xff);
  parser.Feed(junk);
  parser.Finish();
  CHECK(parser.crash_reports().empty());
}

}  // namespace
}  // namespace iotfuzz
