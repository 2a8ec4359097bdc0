// grammars/http.grammar: loads cleanly, generated sessions and messages parse
// back exactly without lies, real HTTP/1.1 and HTTP/1.0 messages and the seed
// corpora of the HTTP harnesses are explained completely, and framing
// mistakes show up as lies or unexplained bytes.
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "tests/grammars/protocol_grammar_support.h"

namespace iotfuzz::grammar::testing {
namespace {

using namespace std::string_literals;

const LoadedGrammar& Http() {
  static const LoadedGrammar loaded = LoadProtocolGrammar("http.grammar");
  return loaded;
}

TEST_CASE("http.grammar loads without errors or warnings", "[grammars][http]") {
  const Grammar& g = Http().grammar;
  CHECK(Http().warnings.empty());
  CHECK(g.name == "http");
  REQUIRE(g.start != kNone);
  CHECK(g.rule(g.start).name == "connection");
  for (const char* session : {"connection", "pipelined", "ranged_download", "cloud_responses"}) {
    INFO(session);
    CHECK(g.SessionOfRule(RuleNamed(g, session)) != nullptr);
  }
}

TEST_CASE("Generated HTTP sessions and messages parse back exactly, completely and without lies",
          "[grammars][http]") {
  const Grammar& g = Http().grammar;
  uint64_t seed = 1;
  for (const char* rule : {"connection", "pipelined", "ranged_download", "cloud_responses", "request", "response",
                           "request_11", "request_10", "range_get_first", "range_get_next"}) {
    CheckRoundTrip(g, rule, 500, seed++);
  }
}

TEST_CASE("The ranged download session starts each range one past the previous one", "[grammars][http]") {
  const Grammar& g = Http().grammar;
  RuleId session = RuleNamed(g, "ranged_download");
  Generator generator(g);
  Serializer serializer(g);
  Rng rng(11);
  int checked = 0;
  for (int i = 0; i < 50; ++i) {
    std::string bytes = serializer.Serialize(generator.Generate(rng, session));
    // Every "Range: bytes=F-L" after the first starts at the previous L + 1.
    long previous_last = -1;
    size_t at = 0;
    while ((at = bytes.find("\r\nRange:", at)) != std::string::npos) {
      at = bytes.find("bytes=", at) + 6;
      size_t dash = bytes.find('-', at);
      size_t end = bytes.find_first_of(" \t\r", dash);
      long first = std::stol(bytes.substr(at, dash - at));
      long last = std::stol(bytes.substr(dash + 1, end - dash - 1));
      if (previous_last < 0) {
        CHECK(first == 0);
      } else {
        CHECK(first == previous_last + 1);
        CHECK(last == previous_last + 1024);
        ++checked;
      }
      previous_last = last;
    }
  }
  CHECK(checked >= 50);
}

// Requests as clients send them: curl, wget, python-requests, a browser, a
// companion app, a WebSocket handshake, chunked uploads with extensions and
// trailers, every request-target form.
const std::map<std::string, std::string>& RealRequests() {
  static const std::map<std::string, std::string> requests = {
      {"curl GET",
       "GET /api/v1/status HTTP/1.1\r\nHost: 192.168.4.1\r\nUser-Agent: curl/8.4.0\r\nAccept: */*\r\n\r\n"},
      {"curl POST JSON with many headers",
       "POST /api/v1/login HTTP/1.1\r\nHost: lock.local:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"
       "Accept-Encoding: gzip, deflate, br\r\nContent-Type: application/json\r\nX-Request-Id: 7f3a9c\r\n"
       "Content-Length: 45\r\n\r\n{\"user\":\"admin\",\"password\":\"lock-4711-setup\"}"},
      {"curl PUT with Expect: 100-continue",
       "PUT /api/v1/config HTTP/1.1\r\nHost: 192.168.4.1\r\nUser-Agent: curl/8.4.0\r\nAccept: */*\r\n"
       "Authorization: Bearer 49b60f8c29acf96e10a6a2a52feafde3\r\n"
       "Content-Type: application/json; charset=utf-8\r\nContent-Length: 63\r\nExpect: 100-continue\r\n\r\n"
       "{\"led\": false, \"volume\": 3, \"name\": \"Front \\u00e9\", \"tz\": null}"},
      {"chunked POST with extensions and trailers",
       "POST /api/v1/firmware HTTP/1.1\r\nHost: 192.168.4.1\r\nAuthorization: Bearer "
       "49b60f8c29acf96e10a6a2a52feafde3\r\nContent-Type: application/octet-stream\r\nTrailer: X-Checksum\r\n"
       "Transfer-Encoding: chunked\r\n\r\n8;part=1\r\nIOTF\x01\x00\x00\x02\r\n4 ; last=\"yes\"\r\n\xde\xad\xbe\xef\r\n"
       "0\r\nX-Checksum: 9fdadada\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n\r\n"s},
      {"chunked POST with gzip coding",
       "POST /api/v1/telemetry HTTP/1.1\r\nHost: api.acme-cloud.example\r\nContent-Type: application/json\r\n"
       "Transfer-Encoding: gzip, chunked\r\nContent-Encoding: identity\r\n\r\n"
       "1A\r\n{\"battery\":87,\"locked\":1}\n\r\n000\r\n\r\n"},
      {"HTTP/1.0 wget",
       "GET /status?fields=state HTTP/1.0\r\nUser-Agent: Wget/1.21.3\r\nAccept: */*\r\n"
       "Accept-Encoding: identity\r\nHost: 192.168.4.1\r\nConnection: Keep-Alive\r\n\r\n"},
      {"HTTP/1.0 form POST",
       "POST /login HTTP/1.0\r\nHost: 192.168.4.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
       "Content-Length: 40\r\n\r\npin=482913&remember=1&name=Front+Door%21"},
      {"python-requests",
       "GET /api/v1/logs?since=1700000000&limit=50 HTTP/1.1\r\nHost: 192.168.4.1\r\n"
       "User-Agent: python-requests/2.31.0\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\n"
       "Connection: keep-alive\r\nAuthorization: Basic YWRtaW46bG9jay00NzExLXNldHVw\r\n\r\n"},
      {"browser",
       "GET /index.html HTTP/1.1\r\nHost: 192.168.4.1\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) "
       "Gecko/20100101 Firefox/121.0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
       "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n"
       "Cookie: session=49b60f8c; theme=\"dark\"\r\nUpgrade-Insecure-Requests: 1\r\n"
       "If-None-Match: \"fw-2.4.1\", W/\"fw-2.4.0\"\r\n\r\n"},
      {"companion app",
       "GET /config HTTP/1.1\r\nHost: 192.168.4.1\r\nUser-Agent: AcmeLock-App/3.2 (Android 14)\r\n"
       "Authorization: Bearer 9b1c4e7a2f6d8035b7e1a4c9d2f06e38\r\n\r\n"},
      {"WebSocket handshake",
       "GET /api/v1/events HTTP/1.1\r\nHost: 192.168.4.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
       "Origin: http://192.168.4.1\r\n\r\n"},
      {"h2c upgrade",
       "OPTIONS / HTTP/1.1\r\nHost: lock.local\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
       "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"},
      {"OPTIONS asterisk", "OPTIONS * HTTP/1.1\r\nHost: 192.168.4.1\r\n\r\n"},
      {"CONNECT authority-form",
       "CONNECT api.acme-cloud.example:443 HTTP/1.1\r\nHost: api.acme-cloud.example:443\r\n"
       "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n"},
      {"absolute-form through a proxy",
       "GET http://192.168.4.1:8080/api/v1/config?x=%2F HTTP/1.1\r\nHost: 192.168.4.1:8080\r\n\r\n"},
      {"IPv6 host", "DELETE /api/v1/users/3 HTTP/1.1\r\nHost: [fe80::1a2b:3c4d]:8080\r\nContent-Length: 0\r\n\r\n"},
      {"Range request", "GET /api/v1/firmware HTTP/1.1\r\nHost: 192.168.4.1\r\nRange: bytes=0-1023, -512\r\n\r\n"},
      {"PATCH with nested JSON",
       "PATCH /api/v1/config HTTP/1.1\r\nHost: 192.168.4.1\r\nContent-Type: application/json\r\n"
       "Content-Length: 84\r\n\r\n"
       "{\"schedule\": [{\"days\": [1, 2, 3], \"from\": \"08:00\", \"guest\": true}], \"level\": -1.5e3}"},
      {"extension method with a body",
       "PROPFIND /dav/ HTTP/1.1\r\nHost: lock.local\r\nDepth: 1\r\nContent-Type: text/xml\r\n"
       "Content-Length: 12\r\n\r\n<propfind/>\n"},
      {"HEAD", "HEAD /api/v1/status HTTP/1.1\r\nHost: 192.168.4.1\r\nConnection: close\r\n\r\n"},
      {"TRACE with obs-text field", "TRACE / HTTP/1.1\r\nHost: 192.168.4.1\r\nX-Name: Caf\xc3\xa9\r\n\r\n"},
      {"header names that begin like the framing fields",
       "GET / HTTP/1.1\r\nHost: 192.168.4.1\r\nContent-Language: de\r\nContent-Lengths: 3\r\nTransfer: x\r\n"
       "TE: trailers\r\nContentLength: 9\r\n\r\n"},
  };
  return requests;
}

const std::map<std::string, std::string>& RealResponses() {
  static const std::map<std::string, std::string> responses = {
      {"200 JSON with Content-Length",
       "HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nServer: nginx/1.24.0\r\n"
       "Content-Type: application/json\r\nContent-Length: 29\r\nConnection: keep-alive\r\n\r\n"
       "{\"state\":\"locked\",\"bat\":87}\r\n"},
      {"200 chunked with trailers",
       "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nTransfer-Encoding: chunked\r\n"
       "Trailer: ETag\r\n\r\n8\r\n{\"comman\r\nc;sig=\"a1b2\"\r\nds\":[{}]}  \n\r\n0\r\nETag: \"v7\"\r\n\r\n"},
      {"100 Continue then 201", "HTTP/1.1 100 Continue\r\n\r\n"},
      {"204", "HTTP/1.1 204 No Content\r\nDate: Tuesday, 14-Nov-23 22:13:20 GMT\r\n\r\n"},
      {"304 with a Content-Length of the representation",
       "HTTP/1.1 304 Not Modified\r\nETag: W/\"fw-2.4.1\"\r\nCache-Control: max-age=3600, must-revalidate\r\n"
       "Content-Length: 2500\r\n\r\n"},
      {"401 with challenges",
       "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"lock\", error=\"invalid_token\"\r\n"
       "Content-Length: 0\r\n\r\n"},
      {"302 with cookies",
       "HTTP/1.1 302 Found\r\nLocation: https://api.acme-cloud.example/v2/login?next=%2F#top\r\n"
       "Set-Cookie: session=abc123; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600\r\nContent-Length: 0\r\n\r\n"},
      {"405 with Allow", "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, PUT\r\nContent-Length: 0\r\n\r\n"},
      {"503 with an asctime Retry-After",
       "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Tue Nov  4 22:20:00 2023\r\nContent-Length: 0\r\n\r\n"},
      {"HTTP/1.0 body to the end of the connection",
       "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\x02\xff binary to close"s},
      {"unregistered reason phrase", "HTTP/1.1 200 Alles Gute\r\nContent-Length: 2\r\n\r\nok"},
  };
  return responses;
}

TEST_CASE("Real HTTP requests parse completely without lies", "[grammars][http]") {
  const Grammar& g = Http().grammar;
  for (const auto& [name, bytes] : RealRequests()) {
    CheckExplained(g, "request", bytes, name);
    CheckExplained(g, "connection", bytes, name);
  }
  // The keep-alive session: all of them on one connection.
  std::string all;
  for (const auto& [name, bytes] : RealRequests()) all += bytes;
  CheckExplained(g, "connection", all, "every real request, pipelined");
}

TEST_CASE("Real HTTP responses parse completely without lies", "[grammars][http]") {
  const Grammar& g = Http().grammar;
  for (const auto& [name, bytes] : RealResponses()) {
    CheckExplained(g, "response", bytes, name);
    CheckExplained(g, "cloud_responses", bytes, name);
  }
  std::string all;
  for (const auto& [name, bytes] : RealResponses()) {
    if (name.find("end of the connection") == std::string::npos) all += bytes;
  }
  all += RealResponses().at("HTTP/1.0 body to the end of the connection");
  CheckExplained(g, "cloud_responses", all, "every real response on one connection");
}

TEST_CASE("Framing that contradicts the body is a lie or unexplained", "[grammars][http]") {
  const Grammar& g = Http().grammar;
  RuleId connection = RuleNamed(g, "connection");
  SECTION("a Content-Length one larger than the body") {
    ParseOutcome o = ParseWith(g, connection, "POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nabc");
    CHECK(o.exact);
    CHECK(o.lying_fields == 1);
  }
  SECTION("a chunk size that does not match its data") {
    ParseOutcome o = ParseWith(g, connection,
                               "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc\r\n0\r\n\r\n");
    CHECK(o.exact);
    CHECK(o.raw_bytes + o.lying_fields > 0);
  }
  SECTION("two equal Content-Length fields: explained, not to be rejected") {
    const std::string twice = "POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc";
    CheckExplained(g, "connection", twice, "two equal Content-Length fields");
    CHECK(MustRejectMarks(g, connection, twice).empty());
  }
  SECTION("two different Content-Length fields: the second lies, a peer must reject it") {
    const std::string differ =
        "POST /a HTTP/1.1\r\nContent-Length: 3\r\nHost: x\r\nContent-Length: 30\r\n\r\nabc";
    ParseOutcome o = ParseWith(g, connection, differ);
    CHECK(o.exact);
    CHECK(o.raw_bytes == 0);
    CHECK(o.lying_fields == 1);
    CHECK(MustRejectMarks(g, connection, differ) == std::vector<std::string>{"length"});
  }
  SECTION("Content-Length and Transfer-Encoding together, in either order: a peer must reject them") {
    const std::string cl_te =
        "POST /a HTTP/1.1\r\nContent-Length: 8\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    const std::string te_cl =
        "GET /status HTTP/1.1\r\nHost: lock\r\nTransfer-Encoding: chunked\r\nAccept: */*\r\n"
        "content-length: 5\r\n\r\n0\r\n\r\n";
    for (const std::string& request : {cl_te, te_cl}) {
      CheckExplained(g, "connection", request, "Content-Length and Transfer-Encoding");
      CHECK(MustRejectMarks(g, connection, request) == std::vector<std::string>{"request_length_and_chunked"});
    }
  }
  SECTION("one framing field: no mark") {
    CHECK(MustRejectMarks(g, connection, "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc").empty());
    CHECK(MustRejectMarks(g, connection, "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
              .empty());
  }
  SECTION("a chunked HTTP/1.0 request") {
    ParseOutcome o = ParseWith(g, connection, "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    CHECK(o.exact);
    CHECK(o.raw_bytes > 0);
  }
  SECTION("a status code outside the registered ones") {
    ParseOutcome o = ParseWith(g, RuleNamed(g, "response"), "HTTP/1.1 299 Odd\r\nContent-Length: 0\r\n\r\n");
    CHECK(o.exact);
    CHECK(o.lying_fields == 1);
  }
}

// Seeds that are malformed on purpose, and how the grammar sees them.
struct Expected {
  bool raw;  // unexplained bytes (else: lying fields)
  const char* why;
};
const std::map<std::string, Expected>& MalformedSeeds() {
  static const std::map<std::string, Expected> seeds = {
      {"firmware_upload_over_limit.http", {false, "Content-Length 300000 announces more than the 4 bytes sent"}},
      {"get_logs_with_query.http", {true, "the last request's query has the invalid percent-encoding %zz"}},
      {"malformed_header_line.http", {true, "a header line without a colon"}},
  };
  return seeds;
}

void CheckCorpus(const Grammar& g, const std::string& harness, std::string_view rule, size_t at_least) {
  std::vector<std::filesystem::path> files = CorpusFiles(harness);
  CHECK(files.size() >= at_least);
  for (const auto& file : files) {
    std::string bytes = ReadBytes(file);
    std::string name = file.filename().string();
    auto malformed = MalformedSeeds().find(name);
    if (malformed == MalformedSeeds().end()) {
      CheckExplained(g, rule, bytes, harness + "/" + name);
      continue;
    }
    INFO(harness << "/" << name << ": " << malformed->second.why);
    ParseOutcome o = ParseWith(g, RuleNamed(g, rule), bytes);
    CHECK(o.exact);
    if (malformed->second.raw) {
      CHECK(o.raw_bytes > 0);
    } else {
      CHECK(o.raw_bytes == 0);
      CHECK(o.lying_fields > 0);
    }
  }
}

TEST_CASE("The HTTP harnesses' seed corpora parse completely", "[grammars][http]") {
  const Grammar& g = Http().grammar;
  CheckCorpus(g, "demo_device_http_fuzzer", "connection", 12);
  CheckCorpus(g, "beast_http_request_fuzzer", "connection", 16);
  CheckCorpus(g, "beast_http_response_fuzzer", "cloud_responses", 16);
}

}  // namespace
}  // namespace iotfuzz::grammar::testing
