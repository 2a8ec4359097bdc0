// DeviceApi: see device_api.h.
#include "device_api.h"

#include <boost/beast/http/rfc7230.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>
#include <utility>

#include "session_token.h"

namespace iotfuzz::beast_targets {

namespace {

using nlohmann::json;

constexpr const char* kServerName = "acme-lock/2.4.1";
constexpr size_t kMaxSessions = 4;
constexpr uint16_t kHardwareModel = 0x0200;
constexpr uint32_t kRunningVersion = 0x00020401;  // 2.4.1

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "application/json; charset=utf-8" is JSON; so is a missing charset. Any
// other charset is refused. The parameters go through Beast's param_list.
bool IsMediaType(std::string_view content_type, std::string_view expected) {
  size_t semi = content_type.find(';');
  if (!IEquals(Trim(content_type.substr(0, semi)), expected)) return false;
  if (semi == std::string_view::npos) return true;
  http::param_list params(content_type.substr(semi));
  for (const auto& param : params) {
    if (IEquals(param.first, "charset") && !IEquals(param.second, "utf-8")) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of a query component; nullopt on a broken escape.
std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A decimal number in [min, max]; nullopt otherwise.
std::optional<long> ParseDecimal(std::string_view s, long min, long max) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < min || v > max) return std::nullopt;
  return v;
}

uint32_t Crc32Update(uint32_t crc, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return crc;
}

uint32_t Le32(const uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

enum class Route { kStatus, kLogin, kLogout, kConfig, kLogs, kFirmware, kUnknown };

struct RouteInfo {
  std::string_view path;
  Route route;
  const char* allow;
};

constexpr RouteInfo kRoutes[] = {
    {"/api/v1/status", Route::kStatus, "GET, HEAD"},
    {"/api/v1/login", Route::kLogin, "POST"},
    {"/api/v1/logout", Route::kLogout, "POST"},
    {"/api/v1/config", Route::kConfig, "GET, PUT"},
    {"/api/v1/logs", Route::kLogs, "GET"},
    {"/api/v1/firmware", Route::kFirmware, "GET, POST"},
};

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view QueryOf(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

const RouteInfo* FindRoute(std::string_view target) {
  std::string_view path = PathOf(target);
  // One trailing slash is tolerated.
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const auto& r : kRoutes)
    if (r.path == path) return &r;
  return nullptr;
}

bool MethodAllowed(Route route, http::verb method) {
  switch (route) {
    case Route::kStatus:
      return method == http::verb::get || method == http::verb::head;
    case Route::kLogin:
    case Route::kLogout:
      return method == http::verb::post;
    case Route::kConfig:
      return method == http::verb::get || method == http::verb::put;
    case Route::kLogs:
      return method == http::verb::get;
    case Route::kFirmware:
      return method == http::verb::get || method == http::verb::post;
    case Route::kUnknown:
      break;
  }
  return false;
}

// Messages may quote the request (a query parameter's name), which need not
// be UTF-8: invalid bytes are replaced instead of making dump() throw.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ErrorJson(const std::string& message) { return Dump(json{{"error", message}}); }

}  // namespace

DeviceApi::DeviceApi(uint64_t token_secret) : token_secret_(token_secret) {
  log_ = {"boot 2.4.1", "wifi connected", "mqtt connected", "locked by schedule"};
}

ApiResponse DeviceApi::Error(http::status status, unsigned version, const std::string& message) {
  ApiResponse res{status, version};
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, "application/json");
  res.body() = ErrorJson(message);
  res.prepare_payload();
  return res;
}

ApiResponse DeviceApi::Json(http::status status, unsigned version, const std::string& body) const {
  ApiResponse res{status, version};
  res.set(http::field::server, kServerName);
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = body;
  res.prepare_payload();
  return res;
}

bool DeviceApi::Authorized(const http::request_header<>& header) const {
  auto it = header.find(http::field::authorization);
  if (it == header.end()) return false;
  std::string_view value = Trim(it->value());
  size_t space = value.find(' ');
  if (space == std::string_view::npos || !IEquals(value.substr(0, space), "Bearer")) return false;
  std::string_view token = Trim(value.substr(space + 1));
  return std::find(sessions_.begin(), sessions_.end(), token) != sessions_.end();
}

RequestPlan DeviceApi::Plan(const http::request_header<>& header) const {
  RequestPlan plan;
  plan.body_limit = kJsonBodyLimit;
  const RouteInfo* route = FindRoute(header.target());
  if (!route || route->route != Route::kFirmware || header.method() != http::verb::post)
    return plan;
  // A firmware upload is refused before its body is read: nobody wants
  // 256 KiB from a client that is not logged in.
  if (!Authorized(header)) {
    ApiResponse res = Error(http::status::unauthorized, header.version(), "login required");
    res.set(http::field::www_authenticate, "Bearer realm=\"lock\"");
    plan.refusal = std::move(res);
    return plan;
  }
  auto type = header.find(http::field::content_type);
  if (type == header.end() || !IsMediaType(type->value(), "application/octet-stream")) {
    plan.refusal = Error(http::status::unsupported_media_type, header.version(),
                         "firmware must be application/octet-stream");
    return plan;
  }
  plan.body = RequestPlan::Body::kFirmwareStream;
  plan.body_limit = kFirmwareLimit;
  return plan;
}

ApiResponse DeviceApi::Handle(const http::request<http::string_body>& request) {
  const RouteInfo* route = FindRoute(request.target());
  if (!route) return Error(http::status::not_found, request.version(), "no such resource");
  if (!MethodAllowed(route->route, request.method())) {
    ApiResponse res = Error(http::status::method_not_allowed, request.version(), "method not allowed");
    res.set(http::field::allow, route->allow);
    return res;
  }
  if (route->route != Route::kStatus && route->route != Route::kLogin && !Authorized(request)) {
    ApiResponse res = Error(http::status::unauthorized, request.version(), "login required");
    res.set(http::field::www_authenticate, "Bearer realm=\"lock\"");
    return res;
  }
  switch (route->route) {
    case Route::kStatus:
      return Status(request);
    case Route::kLogin:
      return Login(request);
    case Route::kLogout:
      return Logout(request);
    case Route::kConfig:
      return request.method() == http::verb::get ? GetConfig(request) : PutConfig(request);
    case Route::kLogs:
      return Logs(request);
    case Route::kFirmware:
      // POST bodies arrive through the firmware stream; a POST here had
      // its plan refused or is a GET.
      return FirmwareState(request);
    case Route::kUnknown:
      break;
  }
  return Error(http::status::not_found, request.version(), "no such resource");
}

ApiResponse DeviceApi::Status(const http::request<http::string_body>& request) const {
  json status = {{"device", config_.name},
                 {"model", "AL-200"},
                 {"firmware", "2.4.1"},
                 {"locked", true},
                 {"battery", 87},
                 {"uptime", 86400}};
  ApiResponse res = Json(http::status::ok, request.version(), Dump(status));
  if (request.method() == http::verb::head) {
    // Content-Length of the GET answer, no body.
    res.content_length(res.body().size());
    res.body().clear();
  }
  return res;
}

ApiResponse DeviceApi::Login(const http::request<http::string_body>& request) {
  if (failed_logins_ >= kMaxFailedLogins) {
    ApiResponse res = Error(http::status::too_many_requests, request.version(), "too many failed logins");
    res.set(http::field::retry_after, "60");
    return res;
  }
  auto type = request.find(http::field::content_type);
  if (type == request.end() || !IsMediaType(type->value(), "application/json"))
    return Error(http::status::unsupported_media_type, request.version(), "expected application/json");
  json body = json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object() || !body.contains("user") ||
      !body.contains("password") || !body["user"].is_string() || !body["password"].is_string())
    return Error(http::status::bad_request, request.version(), "expected {\"user\", \"password\"}");
  if (body["user"].get<std::string>() != kUser || body["password"].get<std::string>() != kPassword) {
    ++failed_logins_;
    return Error(http::status::unauthorized, request.version(), "wrong user or password");
  }
  failed_logins_ = 0;
  std::string token = SessionToken(token_secret_, tokens_issued_++);
  if (sessions_.size() == kMaxSessions) sessions_.erase(sessions_.begin());
  sessions_.push_back(token);
  return Json(http::status::ok, request.version(), Dump(json{{"token", token}, {"expires_in", 3600}}));
}

ApiResponse DeviceApi::Logout(const http::request<http::string_body>& request) {
  std::string_view value = Trim(request[http::field::authorization]);
  std::string_view token = Trim(value.substr(std::min(value.size(), value.find(' ') + 1)));
  sessions_.erase(std::remove(sessions_.begin(), sessions_.end(), token), sessions_.end());
  ApiResponse res{http::status::no_content, request.version()};
  res.set(http::field::server, kServerName);
  return res;
}

ApiResponse DeviceApi::GetConfig(const http::request<http::string_body>& request) const {
  json config = {{"name", config_.name},
                 {"report_interval", config_.report_interval},
                 {"led", config_.led},
                 {"mqtt", {{"host", config_.mqtt_host}, {"port", config_.mqtt_port}, {"tls", config_.mqtt_tls}}},
                 {"timezone", config_.timezone}};
  return Json(http::status::ok, request.version(), Dump(config));
}

ApiResponse DeviceApi::PutConfig(const http::request<http::string_body>& request) {
  auto type = request.find(http::field::content_type);
  if (type == request.end() || !IsMediaType(type->value(), "application/json"))
    return Error(http::status::unsupported_media_type, request.version(), "expected application/json");
  json body = json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Error(http::status::bad_request, request.version(), "malformed JSON");
  if (!body.is_object()) return Error(http::status::bad_request, request.version(), "expected an object");

  // Validated into a copy, applied only if every field is valid.
  Config next = config_;
  auto invalid = [&](const std::string& field) {
    return Error(http::status::unprocessable_entity, request.version(), "invalid field " + field);
  };
  for (const auto& [key, value] : body.items()) {
    if (key == "name") {
      if (!value.is_string()) return invalid(key);
      const std::string& name = value.get_ref<const std::string&>();
      if (name.empty() || name.size() > 32) return invalid(key);
      for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != ' ')
          return invalid(key);
      next.name = name;
    } else if (key == "report_interval") {
      if (!value.is_number_integer()) return invalid(key);
      auto v = value.get<int64_t>();
      if (v < 10 || v > 86400) return invalid(key);
      next.report_interval = static_cast<int>(v);
    } else if (key == "led") {
      if (!value.is_boolean()) return invalid(key);
      next.led = value.get<bool>();
    } else if (key == "mqtt") {
      if (!value.is_object()) return invalid(key);
      for (const auto& [mkey, mvalue] : value.items()) {
        if (mkey == "host") {
          if (!mvalue.is_string() || mvalue.get_ref<const std::string&>().empty() ||
              mvalue.get_ref<const std::string&>().size() > 253)
            return invalid("mqtt.host");
          next.mqtt_host = mvalue.get<std::string>();
        } else if (mkey == "port") {
          if (!mvalue.is_number_integer()) return invalid("mqtt.port");
          auto port = mvalue.get<int64_t>();
          if (port < 1 || port > 65535) return invalid("mqtt.port");
          next.mqtt_port = static_cast<int>(port);
        } else if (mkey == "tls") {
          if (!mvalue.is_boolean()) return invalid("mqtt.tls");
          next.mqtt_tls = mvalue.get<bool>();
        } else {
          return invalid("mqtt." + mkey);
        }
      }
    } else if (key == "timezone") {
      if (!value.is_string()) return invalid(key);
      const std::string& tz = value.get_ref<const std::string&>();
      if (tz.empty() || tz.size() > 64 || tz.find('/') == std::string::npos) return invalid(key);
      next.timezone = tz;
    } else {
      return invalid(key);
    }
  }
  config_ = std::move(next);
  log_.push_back("config changed");
  ApiResponse res{http::status::no_content, request.version()};
  res.set(http::field::server, kServerName);
  return res;
}

ApiResponse DeviceApi::Logs(const http::request<http::string_body>& request) const {
  long since = 0, limit = 20;
  std::string_view query = QueryOf(request.target());
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return Error(http::status::bad_request, request.version(), "malformed query");
    if (*key == "since") {
      auto v = ParseDecimal(*value, 0, 1000000);
      if (!v) return Error(http::status::bad_request, request.version(), "invalid since");
      since = *v;
    } else if (*key == "limit") {
      auto v = ParseDecimal(*value, 1, 100);
      if (!v) return Error(http::status::bad_request, request.version(), "invalid limit");
      limit = *v;
    } else {
      return Error(http::status::bad_request, request.version(), "unknown parameter " + *key);
    }
  }
  json entries = json::array();
  for (size_t i = static_cast<size_t>(std::min<long>(since, static_cast<long>(log_.size())));
       i < log_.size() && entries.size() < static_cast<size_t>(limit); ++i)
    entries.push_back({{"seq", i}, {"event", log_[i]}});
  return Json(http::status::ok, request.version(), Dump(json{{"entries", entries}}));
}

ApiResponse DeviceApi::FirmwareState(const http::request<http::string_body>& request) const {
  json state = {{"running", "2.4.1"}, {"last_upload", firmware_.last_result}};
  if (firmware_.staged_version)
    state["staged_version"] = std::to_string(firmware_.staged_version >> 16) + "." +
                              std::to_string((firmware_.staged_version >> 8) & 0xff) + "." +
                              std::to_string(firmware_.staged_version & 0xff);
  return Json(http::status::ok, request.version(), Dump(state));
}

void DeviceApi::BeginFirmware() {
  std::string last = firmware_.last_result;
  uint32_t staged = firmware_.staged_version;
  firmware_ = FirmwareUpload{};
  firmware_.active = true;
  firmware_.last_result = std::move(last);
  firmware_.staged_version = staged;
}

void DeviceApi::FirmwareChunk(const char* data, size_t size) {
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  if (!firmware_.active) return;
  size_t header_part = std::min(size, sizeof(firmware_.header) - firmware_.header_bytes);
  std::memcpy(firmware_.header + firmware_.header_bytes, p, header_part);
  firmware_.header_bytes += header_part;
  p += header_part;
  size -= header_part;
  firmware_.crc = Crc32Update(firmware_.crc, p, size);
  firmware_.payload_bytes += size;
}

ApiResponse DeviceApi::FinishFirmware(const http::request_header<>& header) {
  FirmwareUpload& fw = firmware_;
  fw.active = false;
  auto reject = [&](const std::string& why) {
    fw.last_result = "rejected: " + why;
    return Error(http::status::bad_request, header.version(), why);
  };
  if (fw.header_bytes < sizeof(fw.header)) return reject("image shorter than its header");
  if (std::memcmp(fw.header, "IOTF", 4) != 0) return reject("bad magic");
  if ((fw.header[4] | (fw.header[5] << 8)) != 1) return reject("unsupported header version");
  if ((fw.header[6] | (fw.header[7] << 8)) != kHardwareModel) return reject("image for another model");
  uint32_t version = Le32(fw.header + 8);
  uint32_t length = Le32(fw.header + 12);
  uint32_t crc = Le32(fw.header + 16);
  if (length != fw.payload_bytes) return reject("payload length does not match the header");
  if ((fw.crc ^ 0xffffffffu) != crc) return reject("CRC-32 mismatch");
  if (version <= kRunningVersion) return reject("not newer than the running firmware");
  fw.staged_version = version;
  fw.last_result = "staged";
  log_.push_back("firmware staged");
  json body = {{"status", "staged"}, {"bytes", fw.payload_bytes}, {"reboot_required", true}};
  return Json(http::status::accepted, header.version(), Dump(body));
}

}  // namespace iotfuzz::beast_targets
