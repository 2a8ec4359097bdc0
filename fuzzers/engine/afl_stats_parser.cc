#include "fuzzers/engine/afl_stats_parser.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace iotfuzz {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::uint64_t ToCount(std::string_view text) {
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() ? value : 0;
}

double ToReal(std::string_view text) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() ? value : 0;
}

}  // namespace

AflStats AflStatsParser::Parse(std::string_view text) {
  AflStats stats;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (key == "execs_done") {
      stats.execs_done = ToCount(value);
    } else if (key == "execs_per_sec") {
      stats.execs_per_sec = ToReal(value);
    } else if (key == "corpus_count" || key == "paths_total") {
      stats.corpus_count = ToCount(value);
    } else if (key == "saved_crashes" || key == "unique_crashes") {
      stats.saved_crashes = ToCount(value);
    } else if (key == "saved_hangs" || key == "unique_hangs") {
      stats.saved_hangs = ToCount(value);
    } else if (key == "edges_found") {
      stats.edges_found = ToCount(value);
    } else if (key == "total_edges") {
      stats.total_edges = ToCount(value);
    } else if (key == "run_time") {
      stats.run_time = ToCount(value);
    } else if (key == "peak_rss_mb") {
      stats.peak_rss_mb = ToCount(value);
    }
  }
  return stats;
}

std::optional<AflStats> AflStatsParser::ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return Parse(text);
}

FuzzerStats AflStatsParser::Combine(const std::vector<AflStats>& instances) {
  FuzzerStats combined;
  for (const AflStats& s : instances) {
    combined.execs += s.execs_done;
    combined.execs_per_sec += s.execs_per_sec;
    combined.crashes += s.saved_crashes;
    combined.timeouts += s.saved_hangs;
    combined.edges = std::max(combined.edges, s.edges_found);
    combined.total_edges = std::max(combined.total_edges, s.total_edges);
    combined.corpus_count = std::max(combined.corpus_count, s.corpus_count);
    combined.peak_rss_mb = std::max(combined.peak_rss_mb, s.peak_rss_mb);
  }
  return combined;
}

}  // namespace iotfuzz
