// iotfuzz list [--json]: the harnesses of the build, which engine binaries
// exist, and what drives each (grammar, dictionary, seeds).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "fuzzers/cli/subcommands.h"
#include "fuzzers/engine/fuzzer_runner.h"

namespace iotfuzz::cli {
namespace {

namespace fs = std::filesystem;

bool Exists(const fs::path& path) {
  std::error_code ec;
  return !path.empty() && fs::exists(path, ec);
}

struct EngineBinary {
  const char* engine;
  const fs::path* path;
};

std::vector<EngineBinary> EngineBinaries(const HarnessEntry& h) {
  return {{"libfuzzer", &h.binaries.libfuzzer},
          {"afl", &h.binaries.afl},
          {"replay", &h.binaries.replay},
          {"coverage", &h.binaries.coverage}};
}

class ListCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand("list", "List the harnesses of the build and what is built");
    sub->add_flag("--json", json_, "Print JSON instead of a table");
    return sub;
  }

  int Run(CliContext& context) override {
    const BuildManifest manifest = context.LoadManifest();
    if (json_) {
      PrintJson(context, manifest);
    } else {
      PrintTable(context, manifest);
    }
    return 0;
  }

 private:
  static void PrintJson(CliContext& context, const BuildManifest& manifest) {
    using nlohmann::json;
    json harnesses = json::array();
    for (const HarnessEntry& h : manifest.harnesses) {
      json engines = json::object();
      for (const EngineBinary& b : EngineBinaries(h)) {
        if (b.path->empty()) continue;
        engines[b.engine] = {{"path", b.path->string()}, {"built", Exists(*b.path)}};
      }
      const auto optional_path = [](const fs::path& p) {
        return p.empty() ? json(nullptr) : json(p.string());
      };
      harnesses.push_back({{"name", h.name},
                           {"target", h.target},
                           {"protocol", h.protocol},
                           {"engines", engines},
                           {"grammar", optional_path(h.grammar)},
                           {"dict", optional_path(h.dict)},
                           {"options", optional_path(h.options)},
                           {"seed_corpus", optional_path(h.seed_corpus)},
                           {"seed_count", CountCorpusFiles(h.seed_corpus).first}});
    }
    json servers = json::array();
    for (const ServerEntry& s : manifest.servers) {
      json binaries = json::object();
      if (!s.asan_binary.empty()) binaries["asan"] = {{"path", s.asan_binary.string()}, {"built", Exists(s.asan_binary)}};
      if (!s.afl_binary.empty()) binaries["afl"] = {{"path", s.afl_binary.string()}, {"built", Exists(s.afl_binary)}};
      servers.push_back({{"name", s.name},
                         {"target", s.target},
                         {"protocol", s.protocol},
                         {"transport", s.transport},
                         {"grammar", s.grammar.string()},
                         {"session", s.session},
                         {"binaries", binaries}});
    }
    const json doc = {{"build_dir", manifest.build_dir.string()},
                      {"variant", manifest.variant},
                      {"version", manifest.version},
                      {"manifest", manifest.file.string()},
                      {"harnesses", harnesses},
                      {"network_targets", servers}};
    fmt::print(context.out, "{}\n", doc.dump(2));
  }

  static void PrintRows(CliContext& context, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
      for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    }
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t c = 0; c < row.size(); ++c) {
        line += c + 1 < row.size() ? fmt::format("{:<{}}  ", row[c], widths[c]) : row[c];
      }
      fmt::print(context.out, "{}\n", line);
    }
  }

  static void PrintServers(CliContext& context, const BuildManifest& manifest) {
    if (manifest.servers.empty()) return;
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"NETWORK TARGET", "TARGET", "PROTOCOL", "TRANSPORT", "SESSION", "BUILT"});
    for (const ServerEntry& s : manifest.servers) {
      std::string built;
      if (Exists(s.afl_binary)) built = "afl (coverage, forkserver)";
      if (Exists(s.asan_binary)) built += std::string(built.empty() ? "" : ", ") + "asan (black-box)";
      rows.push_back({s.name, s.target, s.protocol, s.transport, s.grammar.filename().string() + ":" + s.session,
                      built.empty() ? "-" : built});
    }
    fmt::print(context.out, "\n");
    PrintRows(context, rows);
  }

  static void PrintTable(CliContext& context, const BuildManifest& manifest) {
    fmt::print(context.out, "build {} ({})\n", manifest.build_dir.string(), manifest.variant);
    if (manifest.harnesses.empty()) {
      fmt::print(context.out, "no harnesses in this build\n");
      PrintServers(context, manifest);
      return;
    }
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"HARNESS", "TARGET", "PROTOCOL", "ENGINES BUILT", "NOT BUILT", "GRAMMAR",
                    "DICT", "SEEDS"});
    for (const HarnessEntry& h : manifest.harnesses) {
      std::string built;
      std::string missing;
      for (const EngineBinary& b : EngineBinaries(h)) {
        if (b.path->empty()) continue;
        std::string& list = Exists(*b.path) ? built : missing;
        if (!list.empty()) list += ",";
        list += b.engine;
      }
      rows.push_back(
          {h.name, h.target, h.protocol, built.empty() ? "-" : built,
           missing.empty() ? "-" : missing, h.grammar.empty() ? "-" : h.grammar.filename().string(),
           Exists(h.dict) ? "yes" : "-", std::to_string(CountCorpusFiles(h.seed_corpus).first)});
    }
    PrintRows(context, rows);
    PrintServers(context, manifest);
  }

  bool json_ = false;
};

}  // namespace

std::unique_ptr<Subcommand> MakeListCommand() { return std::make_unique<ListCommand>(); }

}  // namespace iotfuzz::cli
