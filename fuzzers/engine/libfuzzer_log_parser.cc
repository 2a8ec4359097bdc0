#include "fuzzers/engine/libfuzzer_log_parser.h"

#include <charconv>
#include <vector>

#include "fuzzers/engine/crash_type.h"

namespace iotfuzz {
namespace {

std::optional<std::uint64_t> ParseCount(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// "200b", "20Kb", "3Mb" -> bytes / megabytes as printed by libFuzzer.
std::optional<std::uint64_t> ParseSize(std::string_view text, bool megabytes_unit) {
  std::uint64_t scale = 1;
  if (text.ends_with("Mb")) {
    scale = megabytes_unit ? 1 : 1024 * 1024;
    text.remove_suffix(2);
  } else if (text.ends_with("Kb")) {
    scale = 1024;
    text.remove_suffix(2);
  } else if (text.ends_with("b")) {
    text.remove_suffix(1);
  } else {
    return std::nullopt;
  }
  auto value = ParseCount(text);
  if (!value) return std::nullopt;
  return *value * scale;
}

std::vector<std::string_view> SplitWords(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto start = text.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    const auto end = std::min(text.find_first_of(" \t", start), text.size());
    words.push_back(text.substr(start, end - start));
    pos = end;
  }
  return words;
}

std::string_view TrimLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  return line;
}

}  // namespace

std::optional<LibFuzzerStatusLine> ParseLibFuzzerStatusLine(std::string_view line) {
  line = TrimLine(line);
  if (!line.starts_with('#')) return std::nullopt;
  std::size_t digits_end = 1;
  while (digits_end < line.size() && line[digits_end] >= '0' && line[digits_end] <= '9') {
    ++digits_end;
  }
  auto execs = ParseCount(line.substr(1, digits_end - 1));
  if (!execs || digits_end >= line.size()) return std::nullopt;

  LibFuzzerStatusLine status;
  status.execs = *execs;
  std::string_view rest;
  if (line[digits_end] == ':') {
    status.fork_mode = true;
    rest = line.substr(digits_end + 1);
  } else if (line[digits_end] == '\t') {
    rest = line.substr(digits_end + 1);
    const auto words = SplitWords(rest);
    if (words.empty()) return std::nullopt;
    status.event = std::string(words.front());
    rest = rest.substr(rest.find(words.front()) + words.front().size());
  } else {
    return std::nullopt;
  }

  const auto words = SplitWords(rest);
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    std::string_view key = words[i];
    const std::string_view value = words[i + 1];
    if (key == "MS:" || key == "L:") break;  // the rest describes the input, not progress
    if (key.ends_with(':')) {
      key.remove_suffix(1);
    } else if (key != "exec/s") {  // fork mode prints "exec/s N" without a colon
      continue;
    }
    bool ok = true;
    if (key == "cov") {
      ok = (status.cov = ParseCount(value)).has_value();
    } else if (key == "ft") {
      ok = (status.ft = ParseCount(value)).has_value();
    } else if (key == "corp") {
      const auto slash = value.find('/');
      if (slash == std::string_view::npos) {
        ok = (status.corpus_count = ParseCount(value)).has_value();
      } else {
        status.corpus_count = ParseCount(value.substr(0, slash));
        status.corpus_bytes = ParseSize(value.substr(slash + 1), false);
        ok = status.corpus_count && status.corpus_bytes;
      }
    } else if (key == "exec/s") {
      ok = (status.execs_per_sec = ParseCount(value)).has_value();
    } else if (key == "rss") {
      ok = (status.rss_mb = ParseSize(value, true)).has_value();
    } else if (key == "oom/timeout/crash") {
      const auto first = value.find('/');
      const auto second = value.find('/', first == std::string_view::npos ? first : first + 1);
      if (first == std::string_view::npos || second == std::string_view::npos) return std::nullopt;
      status.ooms = ParseCount(value.substr(0, first));
      status.timeouts = ParseCount(value.substr(first + 1, second - first - 1));
      status.crashes = ParseCount(value.substr(second + 1));
      ok = status.ooms && status.timeouts && status.crashes;
    } else if (key == "job") {
      ok = (status.job = ParseCount(value)).has_value();
    } else if (key == "time") {
      std::string_view seconds = value;
      if (seconds.ends_with('s')) seconds.remove_suffix(1);
      ok = (status.time_seconds = ParseCount(seconds)).has_value();
    }
    if (!ok) return std::nullopt;
    ++i;
  }
  if (!status.cov && !status.corpus_count) return std::nullopt;
  return status;
}

void LibFuzzerLogParser::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (state_ == State::kInLine) {
      const std::size_t room = kMaxLineBytes - line_.size();
      line_.append(piece.substr(0, room));
      if (piece.size() > room) state_ = State::kSkippingTail;
    }
    if (newline == std::string_view::npos) return;
    HandleLine(line_);
    line_.clear();
    state_ = State::kInLine;
    bytes.remove_prefix(newline + 1);
  }
}

void LibFuzzerLogParser::Finish() {
  if (!line_.empty()) HandleLine(line_);
  line_.clear();
  state_ = State::kInLine;
}

void LibFuzzerLogParser::ApplyStatus(const LibFuzzerStatusLine& status) {
  stats_.execs = std::max(stats_.execs, status.execs);
  if (status.cov) stats_.edges = *status.cov;
  if (status.ft) stats_.features = *status.ft;
  if (status.corpus_count) stats_.corpus_count = *status.corpus_count;
  if (status.corpus_bytes) stats_.corpus_bytes = *status.corpus_bytes;
  if (status.execs_per_sec) stats_.execs_per_sec = static_cast<double>(*status.execs_per_sec);
  if (status.rss_mb) stats_.peak_rss_mb = std::max(stats_.peak_rss_mb, *status.rss_mb);
  if (status.crashes) stats_.crashes = *status.crashes;
  if (status.timeouts) stats_.timeouts = *status.timeouts;
  if (status.ooms) stats_.ooms = *status.ooms;
  if (status.event == "DONE") stats_.engine_done = true;
  if (status.fork_mode) fork_mode_ = true;
}

void LibFuzzerLogParser::HandleLine(std::string_view raw) {
  const std::string_view line = TrimLine(raw);
  if (line.empty()) return;
  last_line_.assign(line.substr(0, 512));

  if (auto status = ParseLibFuzzerStatusLine(line)) {
    ApplyStatus(*status);
    report_open_ = false;
    return;
  }
  if (auto type = CrashTypeFromLine(line)) {
    if (!report_open_) {
      // libFuzzer names a timeout's artifact before its error line.
      if (!reports_.empty() && reports_.back().type.empty() && !reports_.back().artifact.empty()) {
        reports_.back().type = *type;
      } else {
        reports_.push_back({*type, ""});
      }
      report_open_ = true;
      // Fork-mode parents count crashes in their status lines; a single
      // process reports one crash and stops.
      if (!fork_mode_) {
        if (*type == "timeout") {
          ++stats_.timeouts;
        } else if (*type == "out-of-memory") {
          ++stats_.ooms;
        } else {
          ++stats_.crashes;
        }
      }
    }
    return;
  }
  constexpr std::string_view kWritten = "Test unit written to ";
  if (const auto at = line.find(kWritten); at != std::string_view::npos) {
    const std::string path(line.substr(at + kWritten.size()));
    if (report_open_ && reports_.back().artifact.empty()) {
      reports_.back().artifact = path;
    } else {
      reports_.push_back({"", path});
    }
    report_open_ = false;
    return;
  }
  if (line.starts_with("Done ") && line.find(" runs in ") != std::string_view::npos) {
    const auto words = SplitWords(line);  // Done N runs in S second(s)
    if (words.size() >= 5) {
      if (auto runs = ParseCount(words[1])) stats_.execs = std::max(stats_.execs, *runs);
      if (auto seconds = ParseCount(words[4]); seconds && *seconds > 0) {
        stats_.execs_per_sec = static_cast<double>(stats_.execs) / static_cast<double>(*seconds);
      }
    }
    stats_.engine_done = true;
    return;
  }
  if (line.starts_with("stat::")) {
    const auto colon = line.find(':', 6);
    if (colon == std::string_view::npos) return;
    const std::string_view key = line.substr(6, colon - 6);
    const auto words = SplitWords(line.substr(colon + 1));
    if (words.empty()) return;
    const auto value = ParseCount(words.front());
    if (!value) return;
    if (key == "number_of_executed_units") {
      stats_.execs = std::max(stats_.execs, *value);
    } else if (key == "average_exec_per_sec" && *value > 0) {
      stats_.execs_per_sec = static_cast<double>(*value);
    } else if (key == "peak_rss_mb") {
      stats_.peak_rss_mb = std::max(stats_.peak_rss_mb, *value);
    }
    return;
  }
  if (line.starts_with("INFO: -fork=")) fork_mode_ = true;
}

}  // namespace iotfuzz
