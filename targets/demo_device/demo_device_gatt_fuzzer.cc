// Fuzz harness: the smart lock's BLE ATT server (GATT database).
//
// Input: a sequence of ATT PDUs the phone sends on one connection, each
// framed as
//   u16 little-endian length, then that many bytes (opcode first).
// A frame whose length runs past the end of the input is cut to the bytes
// that remain. Every PDU is copied into a heap buffer of exactly its size, as
// L2CAP would hand it over, so reads past its end are caught by
// AddressSanitizer. Up to kMaxPdus PDUs are processed; sequences make
// discovery followed by reads and long (prepared) writes reachable.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "smart_lock.h"

namespace {

constexpr size_t kMaxInput = 16384;
constexpr size_t kMaxPdus = 256;

sl_device g_device;
uint8_t g_response[SL_ATT_MAX_MTU];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  sl_device_init(&g_device);
  size_t pos = 0;
  for (size_t n = 0; n < kMaxPdus && size - pos >= 2; ++n) {
    size_t len = static_cast<size_t>(data[pos]) | (static_cast<size_t>(data[pos + 1]) << 8);
    pos += 2;
    if (len > size - pos) len = size - pos;
    std::unique_ptr<uint8_t[]> pdu(new uint8_t[len]);
    if (len > 0) std::memcpy(pdu.get(), data + pos, len);
    pos += len;
    sl_att_handle_pdu(&g_device, pdu.get(), len, g_response, sizeof g_response);
  }
  sl_device_release(&g_device);
  return 0;
}
