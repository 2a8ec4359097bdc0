// CloudClient: the smart lock's client of its cloud service, on
// Boost.Beast's HTTP response parser. It is the device model of
// beast_http_response_fuzzer: what the lock does with whatever the cloud (or
// anything pretending to be it) answers.
//
// One session on one keep-alive connection to api.acme-cloud.example:
//   1. POST /v1/devices/<id>/telemetry with "Expect: 100-continue": interim
//      1xx responses are read and skipped (at most kMaxInterim); a 2xx may
//      carry JSON commands (lock, unlock, set_interval, reboot); 307/308 with
//      a same-host Location is followed once on the same connection; 429/503
//      schedule a retry from Retry-After (delta-seconds or an HTTP-date,
//      against the Date header); 401 ends the session;
//   2. GET /v1/devices/<id>/firmware/manifest: 304 keeps the current
//      firmware; 200 carries {"version","size","crc32","path"};
//   3. GET <path> when the manifest is newer: the header is read alone
//      (read_header), checked (200, Content-Type, Content-Length against the
//      manifest), then the body streams through a 1 KiB buffer_body (chunked
//      or not, chunk extensions parsed with http::chunk_extensions) and is
//      checked for size and CRC-32.
// Every response is read with a response_parser: header limit
// kHeaderLimit, body limits kJsonLimit or the manifest's size. A response
// the client cannot use, or one that closes the connection, ends the
// session.
#ifndef IOTFUZZ_TARGETS_BEAST_CLOUD_CLIENT_H_
#define IOTFUZZ_TARGETS_BEAST_CLOUD_CLIENT_H_

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iotfuzz::beast_targets {

namespace http = boost::beast::http;

// How far a session got, and what the lock learned.
struct CloudSessionResult {
  enum class Stage { kTelemetry, kManifest, kDownload, kDone };
  Stage stage = Stage::kTelemetry;
  int responses = 0;
  bool telemetry_accepted = false;
  int commands_applied = 0;
  std::optional<uint32_t> retry_after_seconds;
  bool redirected = false;
  bool update_available = false;
  bool firmware_verified = false;
  size_t firmware_bytes = 0;
  size_t chunk_extensions = 0;
  std::string error;  // why the session ended early, if it did
};

struct HttpUrl {
  std::string host;
  uint16_t port = 443;
  std::string target;  // path and query
};

class CloudClient {
 public:
  static constexpr size_t kHeaderLimit = 8 * 1024;
  static constexpr size_t kJsonLimit = 16 * 1024;
  static constexpr size_t kFirmwareLimit = 256 * 1024;
  static constexpr int kMaxInterim = 4;
  static constexpr const char* kHost = "api.acme-cloud.example";
  static constexpr const char* kDeviceId = "AL200-0001234";
  static constexpr uint32_t kRunningVersion = 0x00020401;  // 2.4.1

  // Runs one session; `stream` carries the cloud's responses.
  template <class SyncStream>
  CloudSessionResult Run(SyncStream& stream);

  // Parsers for response fields, exposed for tests.
  // Retry-After: delta-seconds, or an HTTP-date (IMF-fixdate, RFC 850 or
  // asctime) taken relative to `now` (seconds since the epoch). At most a day.
  static std::optional<uint32_t> ParseRetryAfter(std::string_view value, int64_t now);
  static std::optional<int64_t> ParseHttpDate(std::string_view value);
  // Location: absolute http(s) URL or an absolute path.
  static std::optional<HttpUrl> ParseLocation(std::string_view value);

 private:
  struct Manifest {
    uint32_t version = 0;
    size_t size = 0;
    uint32_t crc32 = 0;
    std::string path;
  };

  http::request<http::string_body> Request(http::verb method, std::string target) const;
  // Handles a final telemetry response; false ends the session.
  bool OnTelemetry(const http::response<http::string_body>& res, CloudSessionResult& result,
                   std::string& redirect_target);
  bool OnManifest(const http::response<http::string_body>& res, CloudSessionResult& result);
  bool CheckDownloadHeader(const http::response_header<>& header, CloudSessionResult& result) const;
  static uint32_t Crc32Update(uint32_t crc, const char* data, size_t size);

  Manifest manifest_;
  std::string manifest_etag_ = "\"fw-2.4.1\"";
  int report_interval_ = 300;
  bool locked_ = true;
};

template <class SyncStream>
CloudSessionResult CloudClient::Run(SyncStream& stream) {
  namespace beast = boost::beast;
  CloudSessionResult result;
  beast::flat_buffer buffer(kHeaderLimit + 4096);
  beast::error_code ec;

  auto end = [&](const std::string& why) {
    result.error = why;
    return result;
  };
  // Reads one final response (skipping interim ones) into a string body.
  auto read_response = [&](http::response<http::string_body>& out) -> bool {
    for (int interim = 0;; ++interim) {
      http::response_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(kJsonLimit);
      http::read(stream, buffer, parser, ec);
      if (ec) return false;
      ++result.responses;
      if (parser.get().result_int() >= 200 || interim == kMaxInterim) {
        out = parser.release();
        return out.result_int() >= 200;
      }
    }
  };

  // 1. Telemetry, following one redirect.
  std::string target = std::string("/v1/devices/") + kDeviceId + "/telemetry";
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto req = Request(http::verb::post, target);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::expect, "100-continue");
    req.body() = R"({"locked":true,"battery":87,"rssi":-61,"events":3})";
    req.prepare_payload();
    http::write(stream, req, ec);
    if (ec) return end("write: " + ec.message());
    http::response<http::string_body> res;
    if (!read_response(res)) return end(ec ? "telemetry: " + ec.message() : "telemetry: no final response");
    std::string redirect;
    if (!OnTelemetry(res, result, redirect)) return end("telemetry refused");
    if (res.need_eof()) return end("connection closed");
    if (redirect.empty()) break;
    target = redirect;
  }
  if (!result.telemetry_accepted) return end("telemetry not accepted");

  // 2. Firmware manifest.
  result.stage = CloudSessionResult::Stage::kManifest;
  {
    auto req = Request(http::verb::get, std::string("/v1/devices/") + kDeviceId + "/firmware/manifest");
    req.set(http::field::if_none_match, manifest_etag_);
    http::write(stream, req, ec);
    if (ec) return end("write: " + ec.message());
    http::response<http::string_body> res;
    if (!read_response(res)) return end(ec ? "manifest: " + ec.message() : "manifest: no final response");
    if (!OnManifest(res, result)) return end("manifest rejected");
    if (!result.update_available) {
      result.stage = CloudSessionResult::Stage::kDone;
      return result;
    }
    if (res.need_eof()) return end("connection closed");
  }

  // 3. Firmware download, streamed.
  result.stage = CloudSessionResult::Stage::kDownload;
  {
    auto req = Request(http::verb::get, manifest_.path);
    req.set(http::field::accept, "application/octet-stream");
    http::write(stream, req, ec);
    if (ec) return end("write: " + ec.message());
    http::response_parser<http::empty_body> header_parser;
    header_parser.header_limit(kHeaderLimit);
    http::read_header(stream, buffer, header_parser, ec);
    if (ec) return end("download: " + ec.message());
    ++result.responses;
    if (!CheckDownloadHeader(header_parser.get(), result)) return end("download refused");

    http::response_parser<http::buffer_body> parser(std::move(header_parser));
    parser.body_limit(manifest_.size);
    auto on_chunk = [&](std::uint64_t, boost::beast::string_view extensions, beast::error_code& cec) {
      if (extensions.empty()) return;
      http::chunk_extensions parsed;
      parsed.parse(extensions, cec);
      if (cec) return;  // a malformed extension fails the read
      for (const auto& ext : parsed) {
        (void)ext;
        ++result.chunk_extensions;
      }
    };
    parser.on_chunk_header(on_chunk);
    char chunk[1024];
    uint32_t crc = 0xffffffffu;
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      http::read(stream, buffer, parser, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return end("download body: " + ec.message());
      size_t n = sizeof(chunk) - parser.get().body().size;
      crc = Crc32Update(crc, chunk, n);
      result.firmware_bytes += n;
    }
    if (result.firmware_bytes != manifest_.size) return end("firmware size differs from the manifest");
    if ((crc ^ 0xffffffffu) != manifest_.crc32) return end("firmware CRC-32 mismatch");
    result.firmware_verified = true;
  }
  result.stage = CloudSessionResult::Stage::kDone;
  return result;
}

}  // namespace iotfuzz::beast_targets

#endif  // IOTFUZZ_TARGETS_BEAST_CLOUD_CLIENT_H_
