// Parsing speed of SanitizerLogParser, for scripts/bench/triage:
//   triage_log_parse_bench LOG_DIR MIN_LOGS
// Parses every file of LOG_DIR over and over until MIN_LOGS logs were parsed
// and prints "logs_per_second <n> mb_per_second <m> baseline_mb_per_second
// <b>", the baseline being a scan of the same bytes for line ends (the least
// any parser must do).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzzers/triage/sanitizer_log_parser.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s LOG_DIR MIN_LOGS\n", argv[0]);
    return 1;
  }
  std::vector<std::string> logs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1], ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".txt") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    logs.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  if (ec || logs.empty()) {
    std::fprintf(stderr, "error: no .txt logs in %s\n", argv[1]);
    return 1;
  }
  const long min_logs = std::strtol(argv[2], nullptr, 10);
  using Clock = std::chrono::steady_clock;
  long parsed = 0;
  double bytes = 0;
  std::size_t sink = 0;
  const auto t0 = Clock::now();
  while (parsed < min_logs) {
    for (const auto& log : logs) {
      sink += iotfuzz::triage::SanitizerLogParser::Parse(log).frames.size();
      bytes += static_cast<double>(log.size());
      ++parsed;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto t1 = Clock::now();
  std::size_t lines = 0;
  for (long done = 0; done < parsed;) {
    for (const auto& log : logs) {
      for (char c : log) lines += c == '\n';
      ++done;
    }
  }
  const double baseline = std::chrono::duration<double>(Clock::now() - t1).count();
  std::printf("logs_per_second %.0f mb_per_second %.1f baseline_mb_per_second %.1f (%zu %zu)\n", parsed / seconds,
              bytes / seconds / 1e6, bytes / std::max(baseline, 1e-9) / 1e6, sink % 2, lines % 2);
  return 0;
}
