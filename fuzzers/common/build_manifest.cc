#include "fuzzers/common/build_manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "fuzzers/common/environment.h"
#include "fuzzers/common/error.h"

namespace iotfuzz {
namespace {

using nlohmann::json;

// nlohmann's messages start "[json.exception.parse_error.101] parse error at
// line 3, column 5: ..."; keep the part from "line".
std::string DescribeParseError(const json::parse_error& e) {
  std::string message = e.what();
  const auto at = message.find("parse error at ");
  if (at != std::string::npos) message = message.substr(at + std::string("parse error at ").size());
  const auto bracket = message.find("] ");
  if (message.starts_with("[json.exception") && bracket != std::string::npos) {
    message = message.substr(bracket + 2);
  }
  return message;
}

// Reads typed fields of one JSON object, naming the offending field's path
// in errors.
class FieldReader {
 public:
  FieldReader(const json& object, std::string path, const std::string& origin)
      : object_(object), path_(std::move(path)), origin_(origin) {
    if (!object_.is_object()) {
      throw Error::Format("{}: {} must be an object, found {}", origin_, Where(),
                          object_.type_name());
    }
  }

  std::string RequiredString(const char* key) const {
    auto value = OptionalString(key);
    if (!value) throw Error::Format("{}: missing field '{}'", origin_, FieldPath(key));
    return *value;
  }

  std::optional<std::string> OptionalString(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
      throw Error::Format("{}: field '{}' must be a string, found {}", origin_, FieldPath(key),
                          it->type_name());
    }
    return it->get<std::string>();
  }

  std::filesystem::path OptionalPath(const char* key) const {
    return OptionalString(key).value_or(std::string());
  }

  const json* Child(const char* key) const {
    const auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  std::string FieldPath(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  std::string Where() const { return path_.empty() ? "the top level" : "'" + path_ + "'"; }

  const json& object_;
  std::string path_;
  const std::string& origin_;
};

HarnessEntry ReadHarness(const json& value, const std::string& path, const std::string& origin) {
  FieldReader fields(value, path, origin);
  HarnessEntry h;
  h.name = fields.RequiredString("name");
  if (h.name.empty())
    throw Error::Format("{}: field '{}' is empty", origin, fields.FieldPath("name"));
  h.target = fields.RequiredString("target");
  h.protocol = fields.RequiredString("protocol");
  h.grammar = fields.OptionalPath("grammar");
  h.dict = fields.OptionalPath("dict");
  h.options = fields.OptionalPath("options");
  h.source_dir = fields.OptionalPath("source_dir");
  h.seed_corpus = fields.OptionalPath("seed_corpus");
  if (const json* binaries = fields.Child("binaries")) {
    FieldReader bin(*binaries, fields.FieldPath("binaries"), origin);
    h.binaries.libfuzzer = bin.OptionalPath("libfuzzer");
    h.binaries.replay = bin.OptionalPath("replay");
    h.binaries.afl = bin.OptionalPath("afl");
    h.binaries.coverage = bin.OptionalPath("coverage");
  }
  return h;
}

ServerEntry ReadServer(const json& value, const std::string& path, const std::string& origin) {
  FieldReader fields(value, path, origin);
  ServerEntry s;
  s.name = fields.RequiredString("name");
  if (s.name.empty())
    throw Error::Format("{}: field '{}' is empty", origin, fields.FieldPath("name"));
  s.program = fields.RequiredString("program");
  s.target = fields.RequiredString("target");
  s.protocol = fields.RequiredString("protocol");
  s.transport = fields.RequiredString("transport");
  if (s.transport != "tcp" && s.transport != "udp") {
    throw Error::Format("{}: field '{}' is '{}': expected tcp or udp", origin, fields.FieldPath("transport"),
                        s.transport);
  }
  s.grammar = fields.RequiredString("grammar");
  s.session = fields.RequiredString("session");
  s.liveness = fields.OptionalString("liveness").value_or("");
  s.source_dir = fields.OptionalPath("source_dir");
  if (const json* args = fields.Child("args")) {
    if (!args->is_array()) {
      throw Error::Format("{}: field '{}' must be an array, found {}", origin, fields.FieldPath("args"),
                          args->type_name());
    }
    for (std::size_t i = 0; i < args->size(); ++i) {
      if (!(*args)[i].is_string()) {
        throw Error::Format("{}: field '{}[{}]' must be a string, found {}", origin, fields.FieldPath("args"), i,
                            (*args)[i].type_name());
      }
      s.args.push_back((*args)[i].get<std::string>());
    }
  }
  if (const json* deferred = fields.Child("deferred_forkserver")) {
    if (!deferred->is_boolean()) {
      throw Error::Format("{}: field '{}' must be a boolean, found {}", origin,
                          fields.FieldPath("deferred_forkserver"), deferred->type_name());
    }
    s.deferred_forkserver = deferred->get<bool>();
  }
  if (const json* reconnect = fields.Child("reconnect")) {
    if (!reconnect->is_boolean()) {
      throw Error::Format("{}: field '{}' must be a boolean, found {}", origin, fields.FieldPath("reconnect"),
                          reconnect->type_name());
    }
    s.reconnect = reconnect->get<bool>();
  }
  if (const json* binaries = fields.Child("binaries")) {
    FieldReader bin(*binaries, fields.FieldPath("binaries"), origin);
    s.asan_binary = bin.OptionalPath("asan");
    s.afl_binary = bin.OptionalPath("afl");
  }
  return s;
}

}  // namespace

BuildManifest BuildManifest::Load(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw Error::Format("no build manifest at {}", file.string());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error::Format("cannot read build manifest {}", file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error::Format("cannot read build manifest {}", file.string());
  BuildManifest manifest = Parse(text, file.string());
  manifest.file = file;
  return manifest;
}

BuildManifest BuildManifest::Parse(std::string_view json_text, const std::string& origin) {
  json root;
  try {
    root = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    throw Error::Format("{}: not valid JSON: {}", origin, DescribeParseError(e));
  }
  FieldReader top(root, "", origin);
  BuildManifest manifest;
  manifest.variant = top.RequiredString("variant");
  manifest.source_dir = top.OptionalPath("source_dir");
  manifest.build_dir = top.OptionalPath("build_dir");
  manifest.version = top.OptionalString("version").value_or("");
  const json* harnesses = top.Child("harnesses");
  if (harnesses == nullptr) throw Error::Format("{}: missing field 'harnesses'", origin);
  if (!harnesses->is_array()) {
    throw Error::Format("{}: field 'harnesses' must be an array, found {}", origin,
                        harnesses->type_name());
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < harnesses->size(); ++i) {
    HarnessEntry h = ReadHarness((*harnesses)[i], fmt::format("harnesses[{}]", i), origin);
    if (!seen.insert(h.name).second) {
      throw Error::Format("{}: harness '{}' is listed twice", origin, h.name);
    }
    manifest.harnesses.push_back(std::move(h));
  }
  if (const json* servers = top.Child("servers")) {
    if (!servers->is_array()) {
      throw Error::Format("{}: field 'servers' must be an array, found {}", origin, servers->type_name());
    }
    std::set<std::string> seen_servers;
    for (std::size_t i = 0; i < servers->size(); ++i) {
      ServerEntry s = ReadServer((*servers)[i], fmt::format("servers[{}]", i), origin);
      if (!seen_servers.insert(s.name).second) {
        throw Error::Format("{}: server '{}' is listed twice", origin, s.name);
      }
      manifest.servers.push_back(std::move(s));
    }
  }
  return manifest;
}

std::filesystem::path BuildManifest::Locate(
    const std::optional<std::filesystem::path>& build_dir_option, const Environment& env,
    const std::filesystem::path& executable) {
  if (build_dir_option && !build_dir_option->empty()) return *build_dir_option / kFileName;
  if (auto dir = env.Get("IOTFUZZ_BUILD_DIR"); dir && !dir->empty()) {
    return std::filesystem::path(*dir) / kFileName;
  }
  return executable.parent_path().parent_path() / kFileName;
}

const HarnessEntry* BuildManifest::Find(std::string_view name) const {
  const auto it = std::find_if(harnesses.begin(), harnesses.end(),
                               [&](const HarnessEntry& h) { return h.name == name; });
  return it == harnesses.end() ? nullptr : &*it;
}

const ServerEntry* BuildManifest::FindServer(std::string_view name) const {
  const auto it = std::find_if(servers.begin(), servers.end(),
                               [&](const ServerEntry& s) { return s.name == name; });
  return it == servers.end() ? nullptr : &*it;
}

std::vector<std::string> BuildManifest::HarnessNames() const {
  std::vector<std::string> names;
  for (const auto& h : harnesses) names.push_back(h.name);
  return names;
}

}  // namespace iotfuzz
