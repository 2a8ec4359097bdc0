// Fuzz harness: the smart lock's HTTP/1.1 configuration API.
//
// Input: one HTTP request exactly as received on a connection to the lock
// (request line, headers, Content-Length body). Bytes after the body are
// ignored, as the lock closes the connection after one response.

#include <cstddef>
#include <cstdint>

#include "smart_lock.h"

namespace {

// Largest request the lock buffers: the header section limit plus the
// largest body (a firmware image).
constexpr size_t kMaxRequest = 8192 + SL_FW_MAX_IMAGE;
constexpr size_t kResponseCap = 2048;

sl_device g_device;
uint8_t g_response[kResponseCap];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxRequest) return 0;
  sl_device_init(&g_device);
  sl_http_handle_request(&g_device, data, size, g_response, sizeof g_response);
  sl_device_release(&g_device);
  return 0;
}
