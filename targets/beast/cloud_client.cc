// CloudClient: see cloud_client.h. The response handling that does not
// depend on the stream type.
#include "cloud_client.h"

#include <boost/beast/http/rfc7230.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace iotfuzz::beast_targets {

namespace {

using nlohmann::json;

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

// Digits only, at most `max_digits`.
std::optional<int64_t> Number(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "x.y.z" with each part 0-255, as 0x00XXYYZZ.
std::optional<uint32_t> ParseVersion(std::string_view s) {
  uint32_t version = 0;
  for (int part = 0; part < 3; ++part) {
    size_t dot = s.find('.');
    if ((part < 2) != (dot != std::string_view::npos)) return std::nullopt;
    auto n = Number(s.substr(0, dot), 3);
    if (!n || *n > 255) return std::nullopt;
    version = (version << 8) | static_cast<uint32_t>(*n);
    s = part < 2 ? s.substr(dot + 1) : std::string_view();
  }
  return version;
}

int MonthIndex(std::string_view m) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (kMonths[i] == m) return static_cast<int>(i);
  return -1;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1-12).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "hh:mm:ss" to seconds.
std::optional<int64_t> ParseTimeOfDay(std::string_view s) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  auto h = Number(s.substr(0, 2), 2), m = Number(s.substr(3, 2), 2), sec = Number(s.substr(6, 2), 2);
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

std::optional<int64_t> Timestamp(int64_t year, int month, int64_t day, std::optional<int64_t> tod) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 0 || !tod || day < 1 || day > kDays[month] || year < 1970 || year > 9999)
    return std::nullopt;
  return DaysFromCivil(year, static_cast<unsigned>(month + 1), static_cast<unsigned>(day)) * 86400 + *tod;
}

// Splits on single spaces; false if there are not exactly `n` fields.
template <size_t N>
bool SplitFields(std::string_view s, std::array<std::string_view, N>& out) {
  for (size_t i = 0; i < N; ++i) {
    size_t sp = s.find(' ');
    if ((i + 1 < N) != (sp != std::string_view::npos)) return false;
    out[i] = s.substr(0, sp);
    s = i + 1 < N ? s.substr(sp + 1) : std::string_view();
  }
  return true;
}

}  // namespace

std::optional<int64_t> CloudClient::ParseHttpDate(std::string_view value) {
  value = Trim(value);
  size_t comma = value.find(',');
  if (comma == 3) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    std::array<std::string_view, 5> f;
    if (value.size() < 5 || value[4] != ' ' || !SplitFields(value.substr(5), f) || f[4] != "GMT")
      return std::nullopt;
    auto day = Number(f[0], 2), year = Number(f[2], 4);
    if (!day || !year || f[0].size() != 2 || f[2].size() != 4) return std::nullopt;
    return Timestamp(*year, MonthIndex(f[1]), *day, ParseTimeOfDay(f[3]));
  }
  if (comma != std::string_view::npos) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"; two-digit years < 70 are 20xx.
    std::array<std::string_view, 3> f;
    if (value.size() < comma + 2 || value[comma + 1] != ' ' || !SplitFields(value.substr(comma + 2), f) ||
        f[2] != "GMT" || f[0].size() != 9 || f[0][2] != '-' || f[0][6] != '-')
      return std::nullopt;
    auto day = Number(f[0].substr(0, 2), 2), yy = Number(f[0].substr(7, 2), 2);
    if (!day || !yy) return std::nullopt;
    return Timestamp(*yy < 70 ? 2000 + *yy : 1900 + *yy, MonthIndex(f[0].substr(3, 3)), *day,
                     ParseTimeOfDay(f[1]));
  }
  // asctime: "Sun Nov  6 08:49:37 1994" (the day padded with a space).
  if (value.size() != 24 || value[3] != ' ' || value[7] != ' ' || value[10] != ' ' || value[19] != ' ')
    return std::nullopt;
  std::string_view day_text = value.substr(8, 2);
  if (day_text[0] == ' ') day_text.remove_prefix(1);
  auto day = Number(day_text, 2), year = Number(value.substr(20, 4), 4);
  if (!day || !year) return std::nullopt;
  return Timestamp(*year, MonthIndex(value.substr(4, 3)), *day, ParseTimeOfDay(value.substr(11, 8)));
}

std::optional<uint32_t> CloudClient::ParseRetryAfter(std::string_view value, int64_t now) {
  value = Trim(value);
  constexpr int64_t kMaxDelay = 86400;
  if (auto seconds = Number(value, 10)) return static_cast<uint32_t>(std::min(*seconds, kMaxDelay));
  auto when = ParseHttpDate(value);
  if (!when) return std::nullopt;
  if (*when <= now) return 0;
  return static_cast<uint32_t>(std::min(*when - now, kMaxDelay));
}

std::optional<HttpUrl> CloudClient::ParseLocation(std::string_view value) {
  value = Trim(value);
  HttpUrl url;
  if (!value.empty() && value[0] == '/') {
    if (value.size() > 1 && value[1] == '/') return std::nullopt;  // network-path reference
    url.host = kHost;
    url.target = std::string(value);
    return url;
  }
  std::string_view rest;
  if (value.size() > 8 && IEquals(value.substr(0, 8), "https://")) {
    rest = value.substr(8);
  } else if (value.size() > 7 && IEquals(value.substr(0, 7), "http://")) {
    rest = value.substr(7);
    url.port = 80;
  } else {
    return std::nullopt;
  }
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    auto port = Number(authority.substr(colon + 1), 5);
    if (!port || *port == 0 || *port > 65535) return std::nullopt;
    url.port = static_cast<uint16_t>(*port);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return std::nullopt;
  for (char c : authority)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '[' &&
        c != ']' && c != ':')
      return std::nullopt;
  url.host = std::string(authority);
  std::transform(url.host.begin(), url.host.end(), url.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view target = slash == std::string_view::npos ? "/" : rest.substr(slash);
  if (target[0] == '#') target = "/";
  url.target = target[0] == '?' ? "/" + std::string(target) : std::string(target);
  size_t fragment = url.target.find('#');
  if (fragment != std::string::npos) url.target.resize(fragment);
  return url;
}

http::request<http::string_body> CloudClient::Request(http::verb method, std::string target) const {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, kHost);
  req.set(http::field::user_agent, "acme-lock/2.4.1");
  req.set(http::field::authorization, "Device AL200-0001234:5f1c9a");
  req.keep_alive(true);
  return req;
}

bool CloudClient::OnTelemetry(const http::response<http::string_body>& res,
                              CloudSessionResult& result, std::string& redirect_target) {
  const unsigned status = res.result_int();
  // The Date header, if it parses, is "now" for Retry-After dates.
  int64_t now = 1700000000;
  if (auto date = ParseHttpDate(res[http::field::date])) now = *date;

  if (status == 307 || status == 308) {
    if (result.redirected) return false;  // one redirect only
    auto url = ParseLocation(res[http::field::location]);
    if (!url || url->host != kHost || url->port != 443) return false;  // no cross-host hops
    result.redirected = true;
    redirect_target = url->target;
    return true;
  }
  if (status == 429 || status == 503) {
    result.retry_after_seconds = ParseRetryAfter(res[http::field::retry_after], now);
    if (!result.retry_after_seconds) result.retry_after_seconds = 60;
    return false;
  }
  if (status < 200 || status > 299) return false;
  result.telemetry_accepted = true;
  if (status == 204 || res.body().empty()) return true;

  auto type = res[http::field::content_type];
  if (!IEquals(Trim(type.substr(0, type.find(';'))), "application/json")) return true;  // ignored
  json body = json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return false;
  auto commands = body.find("commands");
  if (commands == body.end()) return true;
  if (!commands->is_array() || commands->size() > 16) return false;
  for (const auto& command : *commands) {
    if (!command.is_object() || !command.contains("op") || !command["op"].is_string()) continue;
    const std::string& op = command["op"].get_ref<const std::string&>();
    if (op == "lock" || op == "unlock") {
      locked_ = op == "lock";
    } else if (op == "set_interval") {
      auto seconds = command.find("seconds");
      if (seconds == command.end() || !seconds->is_number_unsigned()) continue;
      auto v = seconds->get<uint64_t>();
      if (v < 10 || v > 86400) continue;
      report_interval_ = static_cast<int>(v);
    } else if (op != "reboot") {
      continue;
    }
    ++result.commands_applied;
  }
  return true;
}

bool CloudClient::OnManifest(const http::response<http::string_body>& res, CloudSessionResult& result) {
  if (res.result() == http::status::not_modified) return true;
  if (res.result() != http::status::ok) return false;
  json body = json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) return false;
  auto version = body.find("version");
  auto size = body.find("size");
  auto crc = body.find("crc32");
  auto path = body.find("path");
  if (version == body.end() || size == body.end() || crc == body.end() || path == body.end() ||
      !version->is_string() || !size->is_number_unsigned() || !crc->is_string() || !path->is_string())
    return false;
  auto v = ParseVersion(version->get_ref<const std::string&>());
  if (!v) return false;
  uint64_t bytes = size->get<uint64_t>();
  if (bytes == 0 || bytes > kFirmwareLimit) return false;
  const std::string& crc_text = crc->get_ref<const std::string&>();
  if (crc_text.size() != 8) return false;
  uint32_t crc_value = 0;
  for (char c : crc_text) {
    int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : (c >= 'a' && c <= 'f')                   ? c - 'a' + 10
                                                        : -1;
    if (d < 0) return false;
    crc_value = (crc_value << 4) | static_cast<uint32_t>(d);
  }
  const std::string& target = path->get_ref<const std::string&>();
  if (target.empty() || target[0] != '/' || target.size() > 256) return false;
  for (char c : target)
    if (c <= 0x20 || c >= 0x7f) return false;
  auto etag = res.find(http::field::etag);
  if (etag != res.end()) manifest_etag_ = std::string(etag->value());
  if (*v <= kRunningVersion) return true;  // nothing newer
  manifest_ = Manifest{*v, static_cast<size_t>(bytes), crc_value, target};
  result.update_available = true;
  return true;
}

bool CloudClient::CheckDownloadHeader(const http::response_header<>& header,
                                      CloudSessionResult&) const {
  if (header.result() != http::status::ok) return false;
  auto type = header[http::field::content_type];
  if (!IEquals(Trim(type.substr(0, type.find(';'))), "application/octet-stream")) return false;
  auto length = header.find(http::field::content_length);
  if (length != header.end()) {
    auto n = Number(Trim(length->value()), 10);
    if (!n || static_cast<size_t>(*n) != manifest_.size) return false;
  }
  // Content-Encoding would change what the CRC covers: refused.
  if (header.find(http::field::content_encoding) != header.end()) return false;
  return true;
}

uint32_t CloudClient::Crc32Update(uint32_t crc, const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    crc ^= static_cast<uint8_t>(data[i]);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return crc;
}

}  // namespace iotfuzz::beast_targets
