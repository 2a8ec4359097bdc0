// beast_http_response_fuzzer: Boost.Beast 1.74's HTTP/1.1 response parser in
// a device's client of its cloud service (cloud_client.h).
//
// Input: the bytes the cloud sent back on one keep-alive TCP connection,
// i.e. the responses to the lock's telemetry POST, its firmware manifest GET
// and, if the manifest offers a newer image, the image download. They are
// read through an in-memory stream in 536-byte segments with
// response_parser<string_body> (header and JSON body limits; interim 1xx
// responses skipped) and, for the image, read_header() then a
// response_parser<buffer_body> with the manifest's size as body limit and a
// chunk-extension callback. The lock's requests go to an in-memory sink.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "cloud_client.h"
#include "in_memory_stream.h"

namespace {
// IOTFUZZ_TRACE=1 prints how far each session got and what the lock
// learned: to see what a seed or a reproducer does.
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
  CloudClient client;
  CloudSessionResult r = client.Run(stream);
  if (Tracing()) {
    std::fprintf(stderr,
                 "stage=%d responses=%d telemetry_accepted=%d commands=%d retry_after=%ld "
                 "redirected=%d update=%d verified=%d firmware_bytes=%zu chunk_extensions=%zu "
                 "error=\"%s\"\n",
                 static_cast<int>(r.stage), r.responses, r.telemetry_accepted, r.commands_applied,
                 r.retry_after_seconds ? static_cast<long>(*r.retry_after_seconds) : -1L,
                 r.redirected, r.update_available, r.firmware_verified, r.firmware_bytes,
                 r.chunk_extensions, r.error.c_str());
  }
  return 0;
}
