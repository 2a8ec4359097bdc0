#include "fuzzers/triage/device_profile.h"

#include <fstream>
#include <iterator>
#include <set>

#include "fuzzers/common/error.h"

namespace iotfuzz::triage {
namespace {

using nlohmann::json;

// Line and column (1-based) of byte `offset` in `text`.
std::pair<std::size_t, std::size_t> LineAndColumn(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

class FieldReader {
 public:
  explicit FieldReader(const std::string& origin) : origin_(origin) {}

  [[noreturn]] void Fail(const std::string& path, const std::string& expected) const {
    throw Error::Format("{}: {}: expected {}", origin_, path, expected);
  }

  const json& Object(const json& parent, const std::string& key, const std::string& path,
                     bool required) const {
    static const json kEmpty = json::object();
    auto it = parent.find(key);
    if (it == parent.end()) {
      if (required) Fail(path, "an object (the field is required)");
      return kEmpty;
    }
    if (!it->is_object()) Fail(path, "an object");
    return *it;
  }

  std::string String(const json& parent, const std::string& key, const std::string& path,
                     bool required) const {
    auto it = parent.find(key);
    if (it == parent.end() || (it->is_null() && !required)) {
      if (required) Fail(path, "a string (the field is required)");
      return "";
    }
    if (!it->is_string()) Fail(path, "a string");
    return it->get<std::string>();
  }

  bool Bool(const json& parent, const std::string& key, const std::string& path, bool fallback) const {
    auto it = parent.find(key);
    if (it == parent.end()) return fallback;
    if (!it->is_boolean()) Fail(path, "true or false");
    return it->get<bool>();
  }

  std::vector<std::string> Strings(const json& parent, const std::string& key, const std::string& path,
                                   bool required) const {
    std::vector<std::string> out;
    auto it = parent.find(key);
    if (it == parent.end()) {
      if (required) Fail(path, "an array of strings (the field is required)");
      return out;
    }
    if (!it->is_array()) Fail(path, "an array of strings");
    for (std::size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) Fail(fmt::format("{}[{}]", path, i), "a string");
      out.push_back((*it)[i].get<std::string>());
    }
    return out;
  }

  void OnlyKeys(const json& object, const std::string& path, std::initializer_list<std::string_view> keys) const {
    for (const auto& [key, value] : object.items()) {
      bool known = false;
      for (std::string_view k : keys) known = known || key == k;
      if (!known) {
        std::string list;
        for (std::string_view k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
        Fail(path.empty() ? key : path + "." + key, "one of the known keys (" + list + ")");
      }
    }
  }

 private:
  const std::string& origin_;
};

}  // namespace

std::string_view ToString(InterfaceKind kind) { return kind == InterfaceKind::kUser ? "user" : "network"; }

std::string_view Describe(InterfaceKind kind) {
  return kind == InterfaceKind::kUser ? "user interface" : "network interface";
}

std::string_view ToString(Authentication authentication) {
  switch (authentication) {
    case Authentication::kNone: return "none";
    case Authentication::kRequired: return "required";
    case Authentication::kMixed: break;
  }
  return "mixed";
}

DeviceProfile DeviceProfile::Load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error::Format("cannot open device profile {}", file.string());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error::Format("cannot read device profile {}", file.string());
  DeviceProfile profile = Parse(text, file.string());
  profile.file = file;
  return profile;
}

DeviceProfile DeviceProfile::Parse(std::string_view json_text, const std::string& origin) {
  json root;
  try {
    root = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    auto [line, column] = LineAndColumn(json_text, e.byte == 0 ? 0 : e.byte - 1);
    std::string what = e.what();
    auto pos = what.find("syntax error");
    throw Error::Format("{}:{}:{}: not valid JSON: {}", origin, line, column,
                        pos == std::string::npos ? what : what.substr(pos));
  }
  FieldReader r(origin);
  if (!root.is_object()) r.Fail("(top level)", "a JSON object");
  r.OnlyKeys(root, "", {"schema", "device", "interfaces", "credentials"});
  std::string schema = r.String(root, "schema", "schema", false);
  if (!schema.empty() && schema != kDeviceProfileSchema) {
    r.Fail("schema", fmt::format("\"{}\", got \"{}\"", kDeviceProfileSchema, schema));
  }

  DeviceProfile profile;
  const json& device = r.Object(root, "device", "device", true);
  r.OnlyKeys(device, "device", {"manufacturer", "model", "name", "firmware_version", "firmware_hash"});
  profile.device.manufacturer = r.String(device, "manufacturer", "device.manufacturer", false);
  profile.device.model = r.String(device, "model", "device.model", false);
  profile.device.name = r.String(device, "name", "device.name", false);
  profile.device.firmware_version = r.String(device, "firmware_version", "device.firmware_version", false);
  profile.device.firmware_hash = r.String(device, "firmware_hash", "device.firmware_hash", false);

  auto interfaces = root.find("interfaces");
  if (interfaces == root.end() || !interfaces->is_array() || interfaces->empty()) {
    r.Fail("interfaces", "a non-empty array of interface objects");
  }
  std::set<std::string> names, harnesses;
  for (std::size_t i = 0; i < interfaces->size(); ++i) {
    const std::string path = fmt::format("interfaces[{}]", i);
    const json& item = (*interfaces)[i];
    if (!item.is_object()) r.Fail(path, "an object");
    r.OnlyKeys(item, path, {"name", "kind", "authentication", "protocol", "harnesses", "description",
                            "validation_method", "documented"});
    DeviceInterface iface;
    iface.name = r.String(item, "name", path + ".name", true);
    if (iface.name.empty()) r.Fail(path + ".name", "a non-empty name");
    if (!names.insert(iface.name).second) r.Fail(path + ".name", "a name no other interface has");
    const std::string kind = r.String(item, "kind", path + ".kind", true);
    if (kind == "network") {
      iface.kind = InterfaceKind::kNetwork;
    } else if (kind == "user") {
      iface.kind = InterfaceKind::kUser;
    } else {
      r.Fail(path + ".kind", fmt::format("\"network\" or \"user\", got \"{}\"", kind));
    }
    const std::string auth = r.String(item, "authentication", path + ".authentication", false);
    if (auth.empty() || auth == "mixed") {
      iface.authentication = Authentication::kMixed;
    } else if (auth == "none") {
      iface.authentication = Authentication::kNone;
    } else if (auth == "required") {
      iface.authentication = Authentication::kRequired;
    } else {
      r.Fail(path + ".authentication", fmt::format("\"none\", \"mixed\" or \"required\", got \"{}\"", auth));
    }
    iface.protocol = r.String(item, "protocol", path + ".protocol", false);
    iface.harnesses = r.Strings(item, "harnesses", path + ".harnesses", true);
    if (iface.harnesses.empty()) r.Fail(path + ".harnesses", "at least one harness name");
    for (std::size_t h = 0; h < iface.harnesses.size(); ++h) {
      if (!harnesses.insert(iface.harnesses[h]).second) {
        r.Fail(fmt::format("{}.harnesses[{}]", path, h),
               fmt::format("a harness no other interface lists (\"{}\" is listed twice)", iface.harnesses[h]));
      }
    }
    iface.description = r.String(item, "description", path + ".description", false);
    iface.validation_method = r.String(item, "validation_method", path + ".validation_method", false);
    iface.documented = r.Bool(item, "documented", path + ".documented", true);
    profile.interfaces.push_back(std::move(iface));
  }

  auto credentials = root.find("credentials");
  if (credentials != root.end()) {
    if (!credentials->is_array()) r.Fail("credentials", "an array of credential objects");
    for (std::size_t i = 0; i < credentials->size(); ++i) {
      const std::string path = fmt::format("credentials[{}]", i);
      const json& item = (*credentials)[i];
      if (!item.is_object()) r.Fail(path, "an object");
      r.OnlyKeys(item, path, {"name", "description", "interfaces"});
      Credential c;
      c.name = r.String(item, "name", path + ".name", true);
      c.description = r.String(item, "description", path + ".description", false);
      c.interfaces = r.Strings(item, "interfaces", path + ".interfaces", false);
      for (std::size_t k = 0; k < c.interfaces.size(); ++k) {
        if (!names.contains(c.interfaces[k])) {
          r.Fail(fmt::format("{}.interfaces[{}]", path, k),
                 fmt::format("the name of an interface of this profile, got \"{}\"", c.interfaces[k]));
        }
      }
      profile.credentials.push_back(std::move(c));
    }
  }
  return profile;
}

DeviceProfile DeviceProfile::DefaultFor(const std::vector<HarnessSummary>& harnesses) {
  DeviceProfile profile;
  std::set<std::string> targets;
  for (const auto& h : harnesses) targets.insert(h.target);
  for (const auto& t : targets) {
    if (t.empty()) continue;
    profile.device.name += (profile.device.name.empty() ? "" : ", ") + t;
  }
  std::set<std::string> names;
  for (const auto& h : harnesses) {
    DeviceInterface iface;
    iface.name = h.protocol.empty() ? h.name : h.protocol;
    if (!names.insert(iface.name).second) iface.name = h.name;
    iface.kind = InterfaceKind::kNetwork;
    iface.authentication = Authentication::kMixed;
    iface.protocol = h.protocol;
    iface.harnesses = {h.name};
    iface.description = h.protocol.empty() ? "derived from the build manifest"
                                           : h.protocol + " input handler (derived from the build manifest)";
    iface.declared = false;
    profile.interfaces.push_back(std::move(iface));
  }
  return profile;
}

const DeviceInterface* DeviceProfile::InterfaceForHarness(std::string_view harness) const {
  for (const auto& iface : interfaces) {
    for (const auto& h : iface.harnesses) {
      if (h == harness) return &iface;
    }
  }
  return nullptr;
}

nlohmann::json ToJson(const DeviceProfile& profile) {
  json interfaces = json::array();
  for (const auto& i : profile.interfaces) {
    interfaces.push_back({{"name", i.name},
                          {"kind", ToString(i.kind)},
                          {"authentication", ToString(i.authentication)},
                          {"protocol", i.protocol},
                          {"harnesses", i.harnesses},
                          {"description", i.description},
                          {"validation_method", i.validation_method},
                          {"documented", i.documented},
                          {"declared", i.declared}});
  }
  json credentials = json::array();
  for (const auto& c : profile.credentials) {
    credentials.push_back({{"name", c.name}, {"description", c.description}, {"interfaces", c.interfaces}});
  }
  return {{"file", profile.file.empty() ? json(nullptr) : json(profile.file.string())},
          {"device",
           {{"manufacturer", profile.device.manufacturer},
            {"model", profile.device.model},
            {"name", profile.device.name},
            {"firmware_version", profile.device.firmware_version},
            {"firmware_hash", profile.device.firmware_hash}}},
          {"interfaces", std::move(interfaces)},
          {"credentials", std::move(credentials)}};
}

}  // namespace iotfuzz::triage
