// Fuzz harness: the smart lock's CoAP server.
//
// Input: a sequence of UDP datagrams sent to the lock, each framed as
//   u16 little-endian length, then that many bytes.
// A frame whose length runs past the end of the input is cut to the bytes
// that remain. Every datagram is copied into a heap buffer of exactly its
// size, as the network stack would hand it over, so reads past its end are
// caught by AddressSanitizer. Up to kMaxDatagrams datagrams are processed.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "smart_lock.h"

namespace {

constexpr size_t kMaxInput = 65536;
constexpr size_t kMaxDatagrams = 256;

sl_device g_device;
uint8_t g_response[SL_COAP_MAX_RESPONSE];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  sl_device_init(&g_device);
  size_t pos = 0;
  for (size_t n = 0; n < kMaxDatagrams && size - pos >= 2; ++n) {
    size_t len = static_cast<size_t>(data[pos]) | (static_cast<size_t>(data[pos + 1]) << 8);
    pos += 2;
    if (len > size - pos) len = size - pos;
    std::unique_ptr<uint8_t[]> datagram(new uint8_t[len]);
    if (len > 0) std::memcpy(datagram.get(), data + pos, len);
    pos += len;
    sl_coap_handle_datagram(&g_device, datagram.get(), len, g_response, sizeof g_response);
  }
  sl_device_release(&g_device);
  return 0;
}
