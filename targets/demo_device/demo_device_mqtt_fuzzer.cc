// Fuzz harness: the smart lock's MQTT 3.1.1 client session.
//
// Input: the byte stream the lock receives from the broker after it sent its
// CONNECT, starting with the broker's first packet (normally CONNACK). The
// whole stream is handed to the client at once; an incomplete packet at the
// end is left unprocessed, as it would wait for more bytes.

#include <cstddef>
#include <cstdint>

#include "smart_lock.h"

namespace {

constexpr size_t kMaxStream = 65536;
constexpr size_t kOutputCap = 4096;

sl_device g_device;
uint8_t g_output[kOutputCap];

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxStream) return 0;
  sl_device_init(&g_device);
  sl_mqtt_connect_packet(&g_device, g_output, sizeof g_output);
  size_t output_len = 0;
  sl_mqtt_receive(&g_device, data, size, g_output, sizeof g_output, &output_len);
  sl_device_release(&g_device);
  return 0;
}
