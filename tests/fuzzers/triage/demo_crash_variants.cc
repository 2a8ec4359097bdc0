#include "demo_crash_variants.h"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace iotfuzz::testing {
namespace {

std::string Frame(const std::string& payload) {
  std::string out;
  out += static_cast<char>(payload.size() & 0xff);
  out += static_cast<char>(payload.size() >> 8);
  return out + payload;
}

// An extra header line after the request line: the request still parses the
// same way, Content-Length and body are untouched.
std::string WithHeader(const std::string& request, std::size_t index) {
  const std::size_t eol = request.find("\r\n");
  if (eol == std::string::npos) throw std::runtime_error("reproducer has no request line");
  return request.substr(0, eol + 2) + fmt::format("X-Request-Id: {:08x}\r\n", index * 2654435761u) +
         request.substr(eol + 2);
}

// Harmless ATT PDUs: Read Request of a readable handle.
std::string GattReads(std::size_t count, std::size_t index) {
  static constexpr unsigned char kHandles[] = {0x03, 0x06, 0x0a, 0x0c, 0x0e};
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out += Frame(std::string{'\x0a', static_cast<char>(kHandles[(index + i) % 5]), '\x00'});
  }
  return out;
}

}  // namespace

const std::vector<DemoBug>& DemoBugs() {
  static const std::vector<DemoBug> bugs = {
      {"HTTP-1", "demo_device_http_fuzzer", "HTTP-1_content_length_past_end.http"},
      {"HTTP-2", "demo_device_http_fuzzer", "HTTP-2_config_json_nesting.http"},
      {"MQTT-1", "demo_device_mqtt_fuzzer", "MQTT-1_remaining_length_five_bytes.bin"},
      {"MQTT-2", "demo_device_mqtt_fuzzer", "MQTT-2_schedule_count_wraps_table_size.bin"},
      {"COAP-1", "demo_device_coap_fuzzer", "COAP-1_token_length_9.bin"},
      {"COAP-2", "demo_device_coap_fuzzer", "COAP-2_block1_size1_4gib.bin"},
      {"GATT-1", "demo_device_gatt_fuzzer", "GATT-1_read_handle_one_past_database.bin"},
      {"GATT-2", "demo_device_gatt_fuzzer", "GATT-2_prepare_write_past_maximum.bin"},
  };
  return bugs;
}

std::string MakeVariant(const DemoBug& bug, const std::string& reproducer, std::size_t index) {
  if (index == 0) return reproducer;
  const std::string& id = bug.id;
  if (id == "HTTP-1" || id == "HTTP-2") return WithHeader(reproducer, index);
  if (id == "MQTT-1") {
    // Any packet type; the fifth Remaining Length byte between 0x08 and 0x7f.
    static constexpr unsigned char kTypes[] = {0x20, 0x30, 0x32, 0x40, 0x62, 0x90, 0xb0, 0xd0};
    std::string out = reproducer;
    out[0] = static_cast<char>(kTypes[index % 8]);
    out[5] = static_cast<char>(0x08 + (index * 7) % 0x78);
    return out;
  }
  if (id == "MQTT-2") {
    // PINGRESP packets after the crashing PUBLISH are never reached.
    std::string out = reproducer;
    for (std::size_t i = 0; i < index % 64 + 1; ++i) out += std::string("\xd0\x00", 2);
    out += static_cast<char>(index & 0xff);
    return out;
  }
  if (id == "COAP-1") {
    // TKL 9..15, token bytes and message id from the index, GET /lock.
    const std::size_t tkl = 9 + index % 7;
    std::string datagram;
    datagram += static_cast<char>(0x40 | tkl);
    datagram += '\x01';
    datagram += static_cast<char>((index >> 8) & 0xff);
    datagram += static_cast<char>(index & 0xff);
    for (std::size_t i = 0; i < tkl; ++i) datagram += static_cast<char>((index * 31 + i * 17) & 0xff);
    datagram += "\xb4lock";
    return Frame(datagram);
  }
  if (id == "COAP-2") {
    // Another message id for the firmware PUT, after a GET /battery.
    std::string out = reproducer;
    out[4] = static_cast<char>((index >> 8) & 0xff);
    out[5] = static_cast<char>(index & 0xff);
    std::string get_battery = {'\x50', '\x01', static_cast<char>(index & 0xff), '\x07'};
    get_battery += "\xb7" "battery";
    return Frame(get_battery) + out;
  }
  if (id == "GATT-1") return GattReads(index % 24 + 1, index) + reproducer;
  if (id == "GATT-2") return GattReads(index % 24 + 1, index) + reproducer;
  throw std::runtime_error("unknown demo bug " + id);
}

void WriteDemoCrashVariants(const std::filesystem::path& reproducers_dir, const std::filesystem::path& out,
                            std::size_t per_bug) {
  for (const DemoBug& bug : DemoBugs()) {
    std::ifstream in(reproducers_dir / bug.reproducer, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + (reproducers_dir / bug.reproducer).string());
    const std::string reproducer((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::filesystem::create_directories(out / bug.harness);
    for (std::size_t i = 0; i < per_bug; ++i) {
      std::ofstream file(out / bug.harness / fmt::format("{}-{:04}", bug.id, i), std::ios::binary);
      const std::string bytes = MakeVariant(bug, reproducer, i);
      file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!file) throw std::runtime_error("cannot write variants to " + out.string());
    }
  }
}

}  // namespace iotfuzz::testing
