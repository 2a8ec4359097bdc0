// beast_http_request_fuzzer: Boost.Beast 1.74's HTTP/1.1 request parser and
// response serializer in a device's REST API server (device_api.h).
//
// Input: the bytes a client sent on one keep-alive TCP connection, possibly
// several pipelined requests. They are read through an in-memory stream in
// 536-byte segments by ServeHttpConnection() (http_connection.h): the header
// with http::read_header() and the header limit, the body with a
// string_body parser and the JSON body limit or, for a firmware upload
// (Content-Length or chunked), a buffer_body parser and the firmware limit;
// each request is answered with http::write() into an in-memory buffer,
// until the input ends or the connection must close.
//
// The device's session-token secret is fixed, so the first login of every
// input returns the same token (session_token.h) and seeds can use it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "device_api.h"
#include "http_connection.h"
#include "in_memory_stream.h"

namespace {
constexpr uint64_t kTokenSecret = 0x10cc0ffee5eed001ULL;

// IOTFUZZ_TRACE=1 prints what the server wrote back: to see what a seed or
// a reproducer does.
bool Tracing() {
  static const bool trace = [] {
    const char* v = std::getenv("IOTFUZZ_TRACE");
    return v && *v && *v != '0';
  }();
  return trace;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace iotfuzz::beast_targets;
  InMemoryStream stream(std::string_view(reinterpret_cast<const char*>(data), size));
  DeviceApi api(kTokenSecret);
  ConnectionStats stats = ServeHttpConnection(stream, api);
  if (Tracing()) {
    std::fprintf(stderr, "--- %zu request(s), %zu response(s), %zu input byte(s) unread\n%s\n---\n",
                 stats.requests, stats.responses, stream.remaining(), stream.output().c_str());
  }
  return 0;
}
