#include "fuzzers/engine/afl_stats_parser.h"

#include <catch2/catch.hpp>

#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

std::string TestData(const std::string& name) {
  return testing::ReadFileText(std::string(IOTFUZZ_ENGINE_TESTDATA) + "/" + name);
}

TEST_CASE("A real AFL++ 4.04c fuzzer_stats file gives executions, corpus, crashes and edges") {
  const AflStats s = AflStatsParser::Parse(TestData("afl_fuzzer_stats.txt"));
  CHECK(s.execs_done == 83861);
  CHECK(s.execs_per_sec == Approx(5575.12));
  CHECK(s.corpus_count == 33);
  CHECK(s.saved_crashes == 1);
  CHECK(s.saved_hangs == 0);
  CHECK(s.edges_found == 14);
  CHECK(s.total_edges == 23);
  CHECK(s.run_time == 15);
}

TEST_CASE("Pre-4.0 names of the crash and hang counters are understood") {
  const AflStats s = AflStatsParser::Parse("unique_crashes : 3\nunique_hangs   : 4\n");
  CHECK(s.saved_crashes == 3);
  CHECK(s.saved_hangs == 4);
}

TEST_CASE("Malformed fuzzer_stats lines and values are skipped") {
  const AflStats s = AflStatsParser::Parse(
      "garbage line\nexecs_done : lots\n: 5\nedges_found : 9\ncorpus_count:7\nexecs_per_sec : x\n");
  CHECK(s.execs_done == 0);
  CHECK(s.edges_found == 9);
  CHECK(s.corpus_count == 7);
  CHECK(s.execs_per_sec == 0);
}

TEST_CASE("A fuzzer_stats file that does not exist yet reads as nothing") {
  CHECK_FALSE(AflStatsParser::ReadFile("/nonexistent/fuzzer_stats").has_value());
}

TEST_CASE("Instances combine: executions and crashes add up, edges and corpus take the maximum") {
  AflStats main;
  main.execs_done = 100;
  main.execs_per_sec = 10;
  main.saved_crashes = 1;
  main.saved_hangs = 2;
  main.edges_found = 50;
  main.total_edges = 65536;
  main.corpus_count = 20;
  AflStats secondary = main;
  secondary.edges_found = 40;
  secondary.corpus_count = 25;
  const FuzzerStats all = AflStatsParser::Combine({main, secondary});
  CHECK(all.execs == 200);
  CHECK(all.execs_per_sec == 20);
  CHECK(all.crashes == 2);
  CHECK(all.timeouts == 4);
  CHECK(all.edges == 50);
  CHECK(all.total_edges == 65536);
  CHECK(all.corpus_count == 25);
}

}  // namespace
}  // namespace iotfuzz
