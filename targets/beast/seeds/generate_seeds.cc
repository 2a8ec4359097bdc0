// Writes the seed corpora of the Boost.Beast harnesses:
//   beast_seed_generator <root>
//     -> <root>/corpora/beast_http_request_fuzzer/*.http   (what a client sends the lock)
//     -> <root>/corpora/beast_http_response_fuzzer/*.http  (what the cloud sends back)
// Each file is the byte stream of one TCP connection. Request seeds carry
// the session token the lock issues at the first login of a connection
// (session_token.h with the harness's secret); firmware images carry
// correct lengths and CRC-32s so the valid paths are reached.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "session_token.h"

namespace {

namespace fs = std::filesystem;

// beast_http_request_fuzzer's token secret.
constexpr uint64_t kTokenSecret = 0x10cc0ffee5eed001ULL;

uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xffffffffu;
}

void Le(std::string& out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

// A payload of `size` bytes that looks like firmware: a vector table-ish
// prefix, then a repeating pattern.
std::string Payload(size_t size) {
  std::string p;
  for (size_t i = 0; i < size; ++i) p.push_back(static_cast<char>((i * 31 + (i >> 7)) & 0xff));
  return p;
}

// The lock's update image: "IOTF", header version 1, model 0x0200, version,
// payload length, payload CRC-32, payload.
std::string FirmwareImage(uint32_t version, const std::string& payload) {
  std::string image = "IOTF";
  Le(image, 1, 2);
  Le(image, 0x0200, 2);
  Le(image, version, 4);
  Le(image, static_cast<uint32_t>(payload.size()), 4);
  Le(image, Crc32(payload), 4);
  return image + payload;
}

std::string Chunked(const std::string& body, size_t piece, const std::string& extension = "") {
  std::string out;
  for (size_t i = 0; i < body.size(); i += piece) {
    std::string part = body.substr(i, piece);
    char size[16];
    std::snprintf(size, sizeof(size), "%zx", part.size());
    out += size + extension + "\r\n" + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
}

// ---- requests ---------------------------------------------------------------

const std::string kHost = "Host: 192.168.4.1\r\n";
const std::string kToken = iotfuzz::beast_targets::SessionToken(kTokenSecret, 0);
const std::string kAuth = "Authorization: Bearer " + kToken + "\r\n";

std::string JsonRequest(const std::string& method, const std::string& target,
                        const std::string& body, const std::string& extra = "") {
  return method + " " + target + " HTTP/1.1\r\n" + kHost + extra +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

std::string Login(const std::string& password = "lock-4711-setup") {
  return JsonRequest("POST", "/api/v1/login",
                     R"({"user":"admin","password":")" + password + R"("})");
}

void WriteRequestSeeds(const fs::path& dir) {
  Write(dir, "get_status.http",
        "GET /api/v1/status HTTP/1.1\r\n" + kHost +
            "User-Agent: AcmeLock-App/3.1 (Android 13)\r\nAccept: application/json\r\n\r\n");
  Write(dir, "head_status_http10.http",
        "HEAD /api/v1/status HTTP/1.0\r\nHost: lock.local\r\nConnection: keep-alive\r\n\r\n"
        "GET /api/v1/status/ HTTP/1.0\r\n\r\n");
  Write(dir, "login_then_get_config.http",
        Login() + "GET /api/v1/config HTTP/1.1\r\n" + kHost + kAuth + "Accept: */*\r\n\r\n");
  Write(dir, "login_put_config_logout.http",
        Login() +
            JsonRequest("PUT", "/api/v1/config",
                        R"({"name":"back-door","report_interval":600,"led":false,)"
                        R"("mqtt":{"host":"mqtt.acme-cloud.example","port":8883,"tls":true},)"
                        R"("timezone":"America/New_York"})",
                        kAuth) +
            "GET /api/v1/config HTTP/1.1\r\n" + kHost + kAuth + "\r\n" +
            "POST /api/v1/logout HTTP/1.1\r\n" + kHost + kAuth + "Content-Length: 0\r\n\r\n" +
            "GET /api/v1/config HTTP/1.1\r\n" + kHost + kAuth + "\r\n");
  Write(dir, "put_config_rejected_fields.http",
        Login() +
            JsonRequest("PUT", "/api/v1/config", R"({"report_interval":5})", kAuth) +
            JsonRequest("PUT", "/api/v1/config", R"({"mqtt":{"port":70000}})", kAuth) +
            JsonRequest("PUT", "/api/v1/config", R"({"name":"x","debug":true})", kAuth) +
            JsonRequest("PUT", "/api/v1/config", R"({"name":"unterminated)", kAuth) +
            JsonRequest("PUT", "/api/v1/config", R"([1,2,3])", kAuth) +
            "PUT /api/v1/config HTTP/1.1\r\n" + kHost + kAuth +
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\nled=");
  Write(dir, "login_wrong_password_lockout.http",
        Login("1234") + Login("0000") + Login("admin") + Login());
  Write(dir, "get_logs_with_query.http",
        Login() + "GET /api/v1/logs?since=1&limit=2 HTTP/1.1\r\n" + kHost + kAuth + "\r\n" +
            "GET /api/v1/logs?limit=%31%30&since=0&&x HTTP/1.1\r\n" + kHost + kAuth + "\r\n" +
            "GET /api/v1/logs?since=%zz HTTP/1.1\r\n" + kHost + kAuth + "\r\n");
  Write(dir, "unknown_paths_and_methods.http",
        "GET /index.html HTTP/1.1\r\n" + kHost + "\r\n" +
            "POST /api/v1/status HTTP/1.1\r\n" + kHost + "Content-Length: 2\r\n\r\n{}" +
            "DELETE /api/v1/config HTTP/1.1\r\n" + kHost + "\r\n" +
            "GET /api/v1/config HTTP/1.1\r\n" + kHost + "Authorization: Bearer 00000000\r\n\r\n" +
            "GET /api/v1/config HTTP/1.1\r\n" + kHost + "Authorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");

  const std::string image = FirmwareImage(0x00020500, Payload(3000));
  Write(dir, "firmware_upload_content_length.http",
        Login() + "POST /api/v1/firmware HTTP/1.1\r\n" + kHost + kAuth +
            "Content-Type: application/octet-stream\r\nContent-Length: " +
            std::to_string(image.size()) + "\r\n\r\n" + image + "GET /api/v1/firmware HTTP/1.1\r\n" +
            kHost + kAuth + "\r\n");
  Write(dir, "firmware_upload_chunked_expect_continue.http",
        Login() + "POST /api/v1/firmware HTTP/1.1\r\n" + kHost + kAuth +
            "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
            "Expect: 100-continue\r\n\r\n" +
            Chunked(image, 700, ";part=1") + "GET /api/v1/firmware HTTP/1.1\r\n" + kHost + kAuth +
            "Connection: close\r\n\r\n");
  std::string bad_crc = image;
  bad_crc[100] ^= 0x01;
  Write(dir, "firmware_upload_bad_crc_then_old_version.http",
        Login() + "POST /api/v1/firmware HTTP/1.1\r\n" + kHost + kAuth +
            "Content-Type: application/octet-stream\r\nContent-Length: " +
            std::to_string(bad_crc.size()) + "\r\n\r\n" + bad_crc +
            "POST /api/v1/firmware HTTP/1.1\r\n" + kHost + kAuth +
            "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
            Chunked(FirmwareImage(0x00020300, Payload(64)), 32));
  Write(dir, "firmware_upload_without_token.http",
        "POST /api/v1/firmware HTTP/1.1\r\n" + kHost +
            "Content-Type: application/octet-stream\r\nContent-Length: 16\r\n\r\nIOTF............");
  Write(dir, "firmware_upload_over_limit.http",
        Login() + "POST /api/v1/firmware HTTP/1.1\r\n" + kHost + kAuth +
            "Content-Type: application/octet-stream\r\nContent-Length: 300000\r\n\r\nIOTF");
  Write(dir, "firmware_upload_wrong_content_type.http",
        Login() + "POST /api/v1/firmware HTTP/1.1\r\n" + kHost + kAuth +
            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 4\r\n\r\nIOTF");
  Write(dir, "malformed_header_line.http",
        "GET /api/v1/status HTTP/1.1\r\n" + kHost + "X-Broken header\r\n\r\n");
  Write(dir, "json_body_over_limit.http",
        Login() + JsonRequest("PUT", "/api/v1/config",
                              R"({"name":")" + std::string(5000, 'a') + R"("})", kAuth));
}

// ---- responses --------------------------------------------------------------

std::string JsonResponse(const std::string& status, const std::string& body,
                         const std::string& extra = "") {
  return "HTTP/1.1 " + status + "\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n" + extra +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
const std::string kTelemetryNoContent =
    "HTTP/1.1 204 No Content\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\n";
const std::string kManifestNotModified =
    "HTTP/1.1 304 Not Modified\r\nETag: \"fw-2.4.1\"\r\nCache-Control: max-age=3600\r\n\r\n";

std::string Manifest(const std::string& version, const std::string& image) {
  return JsonResponse("200 OK",
                      R"({"version":")" + version + R"(","size":)" + std::to_string(image.size()) +
                          R"(,"crc32":")" + Hex8(Crc32(image)) +
                          R"(","path":"/v1/firmware/images/al200-)" + version + R"(.bin"})",
                      "ETag: \"fw-" + version + "\"\r\n");
}

void WriteResponseSeeds(const fs::path& dir) {
  Write(dir, "telemetry_204_manifest_304.http", kContinue + kTelemetryNoContent + kManifestNotModified);
  Write(dir, "telemetry_commands_manifest_not_newer.http",
        kContinue +
            JsonResponse("200 OK",
                         R"({"commands":[{"op":"unlock"},{"op":"set_interval","seconds":120},)"
                         R"({"op":"reboot"},{"op":"selfdestruct"}],"server_time":1700000000})") +
            Manifest("2.4.0", Payload(100)));

  const std::string image = Payload(2500);
  Write(dir, "update_download_content_length.http",
        kContinue + kTelemetryNoContent + Manifest("2.5.0", image) +
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
            std::to_string(image.size()) + "\r\nETag: \"img-2.5.0\"\r\n\r\n" + image);
  Write(dir, "update_download_chunked_extensions.http",
        kContinue + kTelemetryNoContent + Manifest("2.5.0", image) +
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" +
            Chunked(image, 1000, ";sig=\"a1b2c3\";seq=1"));
  std::string corrupted = image;
  corrupted[7] ^= 0x40;
  Write(dir, "update_download_crc_mismatch.http",
        kTelemetryNoContent + Manifest("2.5.0", image) +
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
            std::to_string(corrupted.size()) + "\r\n\r\n" + corrupted);
  Write(dir, "update_download_wrong_length.http",
        kTelemetryNoContent + Manifest("2.5.0", image) +
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 10\r\n\r\n0123456789");
  Write(dir, "telemetry_429_retry_after_seconds.http",
        kContinue + JsonResponse("429 Too Many Requests", R"({"error":"slow down"})",
                                 "Retry-After: 120\r\n"));
  Write(dir, "telemetry_503_retry_after_imf_date.http",
        "HTTP/1.1 503 Service Unavailable\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
        "Retry-After: Tue, 14 Nov 2023 22:18:20 GMT\r\nContent-Length: 0\r\n\r\n");
  Write(dir, "telemetry_503_retry_after_rfc850_date.http",
        "HTTP/1.1 503 Service Unavailable\r\nDate: Tuesday, 14-Nov-23 22:13:20 GMT\r\n"
        "Retry-After: Tuesday, 14-Nov-23 23:00:00 GMT\r\nConnection: close\r\n\r\n");
  Write(dir, "telemetry_503_retry_after_asctime_date.http",
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Tue Nov 14 22:20:00 2023\r\n"
        "Content-Length: 0\r\n\r\n");
  Write(dir, "telemetry_308_same_host_redirect.http",
        kContinue +
            "HTTP/1.1 308 Permanent Redirect\r\nLocation: https://api.acme-cloud.example/v2/devices/"
            "AL200-0001234/telemetry?region=eu#x\r\nContent-Length: 0\r\n\r\n" +
            kContinue + kTelemetryNoContent + kManifestNotModified);
  Write(dir, "telemetry_307_relative_redirect.http",
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: /v1/devices/AL200-0001234/telemetry2\r\n"
        "Content-Length: 0\r\n\r\n" + kTelemetryNoContent + kManifestNotModified);
  Write(dir, "telemetry_307_cross_host_refused.http",
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://evil.example:8080/collect\r\n"
        "Content-Length: 0\r\n\r\n");
  Write(dir, "telemetry_401_unauthorized.http",
        JsonResponse("401 Unauthorized", R"({"error":"device certificate revoked"})",
                     "WWW-Authenticate: Device realm=\"acme\"\r\n"));
  Write(dir, "telemetry_chunked_json_http10_close.http",
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
        "Transfer-Encoding: chunked\r\n\r\n" +
            Chunked(R"({"commands":[{"op":"lock"}]})", 8) +
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"version\":\"2.6.0\"}");
  Write(dir, "manifest_invalid_fields.http",
        kTelemetryNoContent +
            JsonResponse("200 OK", R"({"version":"2.5","size":-1,"crc32":"xyz","path":"relative"})"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <root>\n", argv[0]);
    return 2;
  }
  const fs::path root = fs::path(argv[1]) / "corpora";
  fs::create_directories(root / "beast_http_request_fuzzer");
  fs::create_directories(root / "beast_http_response_fuzzer");
  WriteRequestSeeds(root / "beast_http_request_fuzzer");
  WriteResponseSeeds(root / "beast_http_response_fuzzer");
  return 0;
}
