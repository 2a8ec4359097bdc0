#include "fuzzers/campaign/campaign_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>

#include "fuzzers/common/duration.h"
#include "fuzzers/common/error.h"

namespace iotfuzz::campaign {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKeys[] = {"mode",    "time",          "runs_per_target", "jobs",     "jobs_per_target", "engine",
                                      "harnesses", "network",     "network_reset",   "seed",     "out",
                                      "baseline", "grammar"};

// Errors point at the node: "campaign.yaml:3:7: ...".
class Reader {
 public:
  explicit Reader(std::string file_name) : file_(std::move(file_name)) {}

  [[noreturn]] void Fail(const YAML::Mark& mark, const std::string& what) const {
    if (mark.is_null()) throw Error::Format("{}: {}", file_, what);
    throw Error::Format("{}:{}:{}: {}", file_, mark.line + 1, mark.column + 1, what);
  }

  std::string Describe(const YAML::Node& node) const {
    switch (node.Type()) {
      case YAML::NodeType::Null:
        return "nothing";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Map:
        return "a mapping";
      case YAML::NodeType::Scalar:
        return fmt::format("'{}'", node.Scalar());
      default:
        return "an undefined value";
    }
  }

  std::string Scalar(const YAML::Node& node, std::string_view key, std::string_view expected) const {
    if (!node.IsScalar()) Fail(node.Mark(), fmt::format("'{}': expected {}, found {}", key, expected, Describe(node)));
    return node.Scalar();
  }

  std::uint64_t Unsigned(const YAML::Node& node, std::string_view key, std::uint64_t min, std::uint64_t max) const {
    const std::string expected = fmt::format("a whole number from {} to {}", min, max);
    const std::string s = Scalar(node, key, expected);
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || value < min || value > max) {
      Fail(node.Mark(), fmt::format("'{}': expected {}, found '{}'", key, expected, s));
    }
    return value;
  }

  bool Bool(const YAML::Node& node, std::string_view key) const {
    const std::string s = Scalar(node, key, "true or false");
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    Fail(node.Mark(), fmt::format("'{}': expected true or false, found '{}'", key, s));
  }

  TargetSelection Selection(const YAML::Node& node, std::string_view key) const {
    constexpr std::string_view kExpected = "all, none or a list of names";
    if (node.IsScalar()) {
      if (node.Scalar() == "all") return TargetSelection::All();
      if (node.Scalar() == "none") return TargetSelection::None();
      Fail(node.Mark(), fmt::format("'{}': expected {}, found '{}'", key, kExpected, node.Scalar()));
    }
    if (!node.IsSequence()) Fail(node.Mark(), fmt::format("'{}': expected {}, found {}", key, kExpected, Describe(node)));
    TargetSelection s{false, {}};
    for (const YAML::Node& item : node) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        Fail(item.Mark(), fmt::format("'{}': expected a target name, found {}", key, Describe(item)));
      }
      s.names.push_back(item.Scalar());
    }
    return s;
  }

 private:
  std::string file_;
};

}  // namespace

std::string_view ModeName(CampaignMode mode) {
  switch (mode) {
    case CampaignMode::kRegression:
      return "regression";
    case CampaignMode::kCodeChange:
      return "code-change";
    case CampaignMode::kBatch:
      return "batch";
    case CampaignMode::kPrune:
      return "prune";
  }
  return "code-change";
}

std::optional<CampaignMode> ModeFromName(std::string_view name) {
  for (CampaignMode m : {CampaignMode::kRegression, CampaignMode::kCodeChange, CampaignMode::kBatch,
                         CampaignMode::kPrune}) {
    if (ModeName(m) == name) return m;
  }
  return std::nullopt;
}

bool ModeFuzzes(CampaignMode mode) { return mode == CampaignMode::kCodeChange || mode == CampaignMode::kBatch; }

std::optional<std::chrono::seconds> CampaignConfig::EffectiveTime() const {
  if (!ModeFuzzes(mode) || runs_per_target) return std::nullopt;
  if (time) return time;
  return mode == CampaignMode::kBatch ? std::chrono::seconds(3600) : std::chrono::seconds(600);
}

CampaignConfig ParseCampaignYaml(std::string_view text, const std::string& file_name, const fs::path& relative_to,
                                 CampaignConfig config) {
  Reader reader(file_name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    reader.Fail(e.mark, fmt::format("not valid YAML: {}", e.msg));
  }
  if (root.IsNull()) return config;  // an empty file changes nothing
  if (!root.IsMap()) {
    reader.Fail(root.Mark(), fmt::format("expected a mapping of campaign settings (mode: ..., time: ...), found {}",
                                         reader.Describe(root)));
  }
  auto path_of = [&](const std::string& value) {
    fs::path p(value);
    return p.is_absolute() ? p : (relative_to / p).lexically_normal();
  };
  for (const auto& entry : root) {
    const YAML::Node& key_node = entry.first;
    const YAML::Node& value = entry.second;
    if (!key_node.IsScalar()) reader.Fail(key_node.Mark(), "expected a setting name");
    const std::string key = key_node.Scalar();
    bool known = false;
    for (std::string_view k : kKeys) known = known || k == key;
    if (!known) {
      reader.Fail(key_node.Mark(), fmt::format("unknown setting '{}'; expected one of: {}", key, fmt::join(kKeys, ", ")));
    }
    if (key == "mode") {
      const std::string s = reader.Scalar(value, key, "regression, code-change, batch or prune");
      auto mode = ModeFromName(s);
      if (!mode) reader.Fail(value.Mark(), fmt::format("'mode': expected regression, code-change, batch or prune, found '{}'", s));
      config.mode = *mode;
    } else if (key == "time") {
      const std::string s = reader.Scalar(value, key, "a duration like 90s, 5m or 1h30m");
      try {
        config.time = ParseDuration(s);
      } catch (const Error& e) {
        reader.Fail(value.Mark(), fmt::format("'time': {}", e.what()));
      }
      if (config.time->count() == 0) reader.Fail(value.Mark(), "'time': expected a duration longer than 0s");
    } else if (key == "runs_per_target") {
      config.runs_per_target = reader.Unsigned(value, key, 1, std::numeric_limits<std::uint32_t>::max());
    } else if (key == "jobs") {
      config.jobs = static_cast<unsigned>(reader.Unsigned(value, key, 1, 256));
    } else if (key == "jobs_per_target") {
      config.jobs_per_target = static_cast<unsigned>(reader.Unsigned(value, key, 1, 256));
    } else if (key == "engine") {
      const std::string s = reader.Scalar(value, key, "libfuzzer or afl");
      auto engine = EngineFromName(s);
      if (!engine) reader.Fail(value.Mark(), fmt::format("'engine': expected libfuzzer or afl, found '{}'", s));
      config.engine = *engine;
    } else if (key == "harnesses") {
      config.harnesses = reader.Selection(value, key);
    } else if (key == "network") {
      config.network = reader.Selection(value, key);
    } else if (key == "network_reset") {
      const std::string s = reader.Scalar(value, key, "persistent or forkserver");
      if (s != "persistent" && s != "forkserver") {
        reader.Fail(value.Mark(), fmt::format("'network_reset': expected persistent or forkserver, found '{}'", s));
      }
      config.network_reset = s;
    } else if (key == "seed") {
      config.seed = static_cast<std::uint32_t>(reader.Unsigned(value, key, 0, std::numeric_limits<std::uint32_t>::max()));
    } else if (key == "out") {
      config.out_dir = path_of(reader.Scalar(value, key, "a directory"));
    } else if (key == "baseline") {
      config.baseline = path_of(reader.Scalar(value, key, "a file"));
    } else if (key == "grammar") {
      config.use_grammar = reader.Bool(value, key);
    }
  }
  return config;
}

CampaignConfig LoadCampaignFile(const fs::path& path, CampaignConfig base) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error::Format("{}: is a directory; expected a campaign YAML file", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::Format("cannot open campaign file {}", path.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error::Format("cannot read campaign file {}", path.string());
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  return ParseCampaignYaml(text, path.string(), dir, std::move(base));
}

}  // namespace iotfuzz::campaign
