#include "fuzzers/triage/crash_input_collector.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <system_error>

#include "fuzzers/common/error.h"

namespace iotfuzz::triage {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uintmax_t kMaxInputBytes = 64ull << 20;

std::string ReadText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error::Format("cannot open {}", file.string());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool Skipped(const std::string& name) {
  return name.empty() || name[0] == '.' || name == "README.txt" || name == "summary.json" ||
         name == "fuzzer_stats" || name == "plot_data" || name == "cmdline";
}

// AFL++ fuzzer_stats: "key : value" lines.
std::optional<CampaignExtent> ReadAflStats(const fs::path& file, const std::string& harness) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  CampaignExtent c;
  c.harness = harness;
  c.summary_file = file;
  c.engine = "afl";
  std::string line;
  auto number = [](const std::string& v) -> std::optional<std::uint64_t> {
    try {
      std::size_t used = 0;
      const unsigned long long n = std::stoull(v, &used);
      return n;
    } catch (...) {
      return std::nullopt;
    }
  };
  std::optional<std::uint64_t> start, last;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    const std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "execs_done") c.execs = number(value).value_or(0);
    if (key == "edges_found") c.edges = number(value);
    if (key == "total_edges") c.total_edges = number(value);
    if (key == "run_time") c.elapsed_seconds = static_cast<double>(number(value).value_or(0));
    if (key == "start_time") start = number(value);
    if (key == "last_update") last = number(value);
  }
  if (c.elapsed_seconds == 0 && start && last && *last >= *start) c.elapsed_seconds = static_cast<double>(*last - *start);
  return c;
}

void AddFile(const fs::path& file, const std::string& harness, const std::string& kind, CollectedInputs& out) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(file, ec);
  if (ec) {
    out.notes.push_back(fmt::format("skipped {}: {}", file.string(), ec.message()));
    return;
  }
  if (size > kMaxInputBytes) {
    out.notes.push_back(fmt::format("skipped {}: {} bytes is larger than the 64 MiB limit", file.string(), size));
    return;
  }
  std::string bytes;
  try {
    bytes = ReadText(file);
  } catch (const Error& e) {
    out.notes.push_back(fmt::format("skipped {}: {}", file.string(), e.what()));
    return;
  }
  TriagedInput input;
  input.file = file;
  input.harness = harness;
  input.engine_kind = kind.empty() ? EngineKindFromPath(file) : kind;
  input.size = bytes.size();
  input.sha256 = Sha256Hex(bytes);
  out.inputs.push_back(std::move(input));
}

void AddDirectoryFiles(const fs::path& dir, const std::string& harness, const std::string& kind,
                       CollectedInputs& out) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::string name = it->path().filename().string();
    if (Skipped(name)) continue;
    if (name.rfind("slow-unit-", 0) == 0) {
      out.notes.push_back(fmt::format("skipped {}: a slow unit is no finding", it->path().string()));
      continue;
    }
    files.push_back(it->path());
  }
  if (ec) throw Error::Format("cannot list {}: {}", dir.string(), ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) AddFile(f, harness, kind, out);
}

}  // namespace

std::string EngineKindFromPath(const fs::path& file) {
  const std::string name = file.filename().string();
  const std::string parent = file.parent_path().filename().string();
  for (std::string_view prefix : {"crash", "leak", "timeout", "oom"}) {
    if (name.rfind(std::string(prefix) + "-", 0) == 0) return std::string(prefix);
  }
  if (name.rfind("minimized-from-", 0) == 0) return "crash";
  if (parent == "hangs") return "hang";
  if (parent == "crashes") return "crash";
  return "unknown";
}

CampaignExtent ReadRunSummary(const fs::path& summary_file, std::string* crashes_dir) {
  const std::string text = ReadText(summary_file);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error::Format("{}: not valid JSON (byte {}); expected an iotfuzz run summary", summary_file.string(),
                        e.byte);
  }
  auto field = [&](const char* name) -> const json& {
    static const json kNull;
    if (!j.is_object()) throw Error::Format("{}: expected a JSON object", summary_file.string());
    auto it = j.find(name);
    return it == j.end() ? kNull : *it;
  };
  const json& harness = field("harness");
  if (!harness.is_string() || harness.get<std::string>().empty()) {
    throw Error::Format("{}: field \"harness\": expected the harness name (a string)", summary_file.string());
  }
  CampaignExtent c;
  c.harness = harness.get<std::string>();
  c.summary_file = summary_file;
  if (field("engine").is_string()) c.engine = field("engine").get<std::string>();
  if (field("grammar").is_string()) c.grammar = field("grammar").get<std::string>();
  if (field("started_at").is_string()) c.started_at = field("started_at").get<std::string>();
  if (field("elapsed_seconds").is_number()) c.elapsed_seconds = field("elapsed_seconds").get<double>();
  if (field("seed").is_number_unsigned()) c.seed = field("seed").get<std::uint64_t>();
  const json& stats = field("stats");
  if (stats.is_object()) {
    if (stats.contains("execs") && stats["execs"].is_number_unsigned()) c.execs = stats["execs"].get<std::uint64_t>();
    if (stats.contains("edges") && stats["edges"].is_number_unsigned()) c.edges = stats["edges"].get<std::uint64_t>();
    if (stats.contains("total_edges") && stats["total_edges"].is_number_unsigned() &&
        stats["total_edges"].get<std::uint64_t>() > 0) {
      c.total_edges = stats["total_edges"].get<std::uint64_t>();
    }
  }
  if (crashes_dir != nullptr) {
    const json& dir = field("crashes_dir");
    *crashes_dir = dir.is_string() ? dir.get<std::string>() : "";
  }
  return c;
}

CollectedInputs CollectCrashInputs(const std::vector<fs::path>& dirs, const std::optional<std::string>& harness_option) {
  CollectedInputs out;
  std::error_code ec;
  for (const fs::path& dir : dirs) {
    if (!fs::exists(dir, ec)) throw Error::Format("{}: no such file or directory", dir.string());
    if (fs::is_regular_file(dir, ec)) {
      if (!harness_option) {
        throw Error::Format("{}: a single input needs --harness NAME to say which harness replays it", dir.string());
      }
      AddFile(dir, *harness_option, "", out);
      continue;
    }
    if (!fs::is_directory(dir, ec)) throw Error::Format("{}: not a file or directory", dir.string());

    // An `iotfuzz run` directory, or a directory inside one.
    fs::path summary = dir / "summary.json";
    if (!fs::exists(summary, ec) && fs::exists(dir.parent_path() / "summary.json", ec)) {
      summary = dir.parent_path() / "summary.json";
    }
    std::optional<CampaignExtent> campaign;
    std::string crashes_dir;
    if (fs::exists(summary, ec)) {
      campaign = ReadRunSummary(summary, &crashes_dir);
      out.campaigns.push_back(*campaign);
    }
    const std::string harness = harness_option ? *harness_option : campaign ? campaign->harness : "";
    if (harness.empty()) {
      throw Error::Format("{}: cannot tell which harness these inputs are for (no summary.json here or in the "
                          "parent directory); pass --harness NAME",
                          dir.string());
    }
    if (campaign && harness_option && campaign->harness != *harness_option) {
      out.notes.push_back(fmt::format("{} names harness {}, --harness {} is used", summary.string(),
                                      campaign->harness, *harness_option));
    }

    // AFL++ layout: crashes/ and hangs/ at most two levels down.
    std::vector<std::pair<fs::path, std::string>> afl_dirs;
    auto scan = [&](const fs::path& base) {
      for (const char* sub : {"crashes", "hangs"}) {
        if (fs::is_directory(base / sub, ec)) afl_dirs.push_back({base / sub, sub == std::string("hangs") ? "hang" : ""});
      }
    };
    if (campaign && !crashes_dir.empty() && fs::is_directory(crashes_dir, ec) && summary.parent_path() == dir) {
      AddDirectoryFiles(crashes_dir, harness, "", out);
      continue;
    }
    scan(dir);
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_directory(ec) && it->path().filename() != "crashes" && it->path().filename() != "hangs") {
        scan(it->path());
      }
    }
    std::sort(afl_dirs.begin(), afl_dirs.end());
    if (!afl_dirs.empty()) {
      std::vector<fs::path> stats_seen;
      for (const auto& [sub, kind] : afl_dirs) {
        AddDirectoryFiles(sub, harness, kind, out);
        const fs::path stats = sub.parent_path() / "fuzzer_stats";
        if (!campaign && fs::exists(stats, ec) && std::find(stats_seen.begin(), stats_seen.end(), stats) == stats_seen.end()) {
          stats_seen.push_back(stats);
          if (auto c = ReadAflStats(stats, harness)) out.campaigns.push_back(*c);
        }
      }
      continue;
    }
    AddDirectoryFiles(dir, harness, "", out);
  }
  return out;
}

}  // namespace iotfuzz::triage
