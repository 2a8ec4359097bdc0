// DeviceApi: the local REST API of a smart lock's Wi-Fi module, on
// Boost.Beast's HTTP message types. It is the device model of
// beast_http_request_fuzzer; http_connection.h serves it on any
// synchronous stream (an in-memory one in the harness, a TCP socket on a
// device).
//
// Endpoints (all JSON unless said otherwise):
//   GET|HEAD /api/v1/status            no auth; device, firmware, lock and battery
//   POST     /api/v1/login             {"user","password"} -> {"token"} (Bearer);
//                                      three failures lock logins out (429 + Retry-After)
//   POST     /api/v1/logout            auth
//   GET      /api/v1/config            auth
//   PUT      /api/v1/config            auth; application/json body, validated field by field
//   GET      /api/v1/logs?since=&limit= auth; query string parsed
//   POST     /api/v1/firmware          auth; application/octet-stream, Content-Length or
//                                      chunked, at most kFirmwareLimit bytes, streamed
//                                      into the update slot and checked (header, size, CRC-32)
//   GET      /api/v1/firmware          auth; state of the last upload
// Anything else: 404; a known path with another method: 405 with Allow;
// a missing or unknown token: 401 with WWW-Authenticate.
#ifndef IOTFUZZ_TARGETS_BEAST_DEVICE_API_H_
#define IOTFUZZ_TARGETS_BEAST_DEVICE_API_H_

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace iotfuzz::beast_targets {

namespace http = boost::beast::http;

using ApiResponse = http::response<http::string_body>;

// How the connection must read a request's body, decided from its header.
struct RequestPlan {
  enum class Body {
    kBuffered,        // into a string, at most `body_limit` bytes, then Handle()
    kFirmwareStream,  // piece by piece into FirmwareChunk(), then FinishFirmware()
  };
  Body body = Body::kBuffered;
  size_t body_limit = 0;
  // Set when the request is refused from its header alone (401, 404, 405,
  // 411, 415...): the connection answers it without reading the body and
  // closes, as embedded servers do.
  std::optional<ApiResponse> refusal;
};

class DeviceApi {
 public:
  static constexpr size_t kHeaderLimit = 8 * 1024;
  static constexpr size_t kJsonBodyLimit = 4 * 1024;
  static constexpr size_t kFirmwareLimit = 256 * 1024;
  static constexpr const char* kUser = "admin";
  static constexpr const char* kPassword = "lock-4711-setup";
  static constexpr int kMaxFailedLogins = 3;

  // `token_secret` seeds the session tokens (session_token.h).
  explicit DeviceApi(uint64_t token_secret);

  RequestPlan Plan(const http::request_header<>& header) const;
  ApiResponse Handle(const http::request<http::string_body>& request);

  // The firmware upload, for a request Plan() streamed.
  void BeginFirmware();
  void FirmwareChunk(const char* data, size_t size);
  ApiResponse FinishFirmware(const http::request_header<>& header);

  // Answers for requests the connection could not read.
  static ApiResponse Error(http::status status, unsigned version, const std::string& message);

  const std::string& device_name() const { return config_.name; }
  size_t active_sessions() const { return sessions_.size(); }

 private:
  struct Config {
    std::string name = "front-door";
    int report_interval = 300;
    bool led = true;
    std::string mqtt_host = "broker.example.net";
    int mqtt_port = 8883;
    bool mqtt_tls = true;
    std::string timezone = "Europe/Berlin";
  };

  // Incremental check of an uploaded image: a 20-byte header (magic "IOTF",
  // u16le header version 1, u16le hardware model, u32le version, u32le
  // payload length, u32le CRC-32 of the payload), then the payload.
  struct FirmwareUpload {
    bool active = false;
    uint8_t header[20] = {};
    size_t header_bytes = 0;
    size_t payload_bytes = 0;
    uint32_t crc = 0xffffffffu;
    std::string last_result = "none";
    uint32_t staged_version = 0;
  };

  bool Authorized(const http::request_header<>& header) const;
  ApiResponse Json(http::status status, unsigned version, const std::string& body) const;
  ApiResponse Status(const http::request<http::string_body>& request) const;
  ApiResponse Login(const http::request<http::string_body>& request);
  ApiResponse Logout(const http::request<http::string_body>& request);
  ApiResponse GetConfig(const http::request<http::string_body>& request) const;
  ApiResponse PutConfig(const http::request<http::string_body>& request);
  ApiResponse Logs(const http::request<http::string_body>& request) const;
  ApiResponse FirmwareState(const http::request<http::string_body>& request) const;

  uint64_t token_secret_;
  uint32_t tokens_issued_ = 0;
  std::vector<std::string> sessions_;
  int failed_logins_ = 0;
  Config config_;
  FirmwareUpload firmware_;
  std::vector<std::string> log_;
};

}  // namespace iotfuzz::beast_targets

#endif  // IOTFUZZ_TARGETS_BEAST_DEVICE_API_H_
