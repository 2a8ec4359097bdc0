// Writes the seed corpora of the four demo_device harnesses and one
// reproducer per planted bug:
//
//   demo_device_seed_generator <root>
//
//   <root>/corpora/demo_device_{http,mqtt,coap,gatt}_fuzzer/<seed>
//   <root>/targets/demo_device/reproducers/<BUG-ID>_<what>.<ext>
//
// Seeds are valid messages or sessions a real client would send; none of
// them triggers a planted bug. Each reproducer triggers exactly one. Input
// formats are those of the harnesses (targets/demo_device/README.md): HTTP
// is one raw request, MQTT the raw stream from the broker, CoAP and ATT a
// sequence of frames "u16 little-endian length, bytes".

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smart_lock.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

void Append(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }
void Append(Bytes& out, const Bytes& b) { out.insert(out.end(), b.begin(), b.end()); }
void Append(Bytes& out, std::initializer_list<uint8_t> b) { out.insert(out.end(), b); }
void AppendU16Be(Bytes& out, uint16_t v) { Append(out, {uint8_t(v >> 8), uint8_t(v & 0xFF)}); }
void AppendU16Le(Bytes& out, uint16_t v) { Append(out, {uint8_t(v & 0xFF), uint8_t(v >> 8)}); }
void AppendU32Le(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

Bytes FromString(std::string_view s) { return Bytes(s.begin(), s.end()); }

// ---- firmware image (targets/demo_device/src/firmware.c) -------------------

uint32_t Crc32(const Bytes& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t byte : data) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

Bytes FirmwareImage(uint8_t major, uint8_t minor, uint8_t patch, size_t payload_len) {
  Bytes payload;
  const std::string_view text = "ACME SL-100 application image; bootloader verifies signature. ";
  while (payload.size() < payload_len) payload.push_back(uint8_t(text[payload.size() % text.size()]));
  Bytes image;
  Append(image, "SLFW");
  Append(image, {major, minor, patch, 0});
  AppendU32Le(image, uint32_t(payload.size()));
  AppendU32Le(image, Crc32(payload));
  Append(image, payload);
  return image;
}

// ---- HTTP -------------------------------------------------------------------

const std::string kBearer = std::string("Authorization: Bearer ") + SL_API_TOKEN + "\r\n";
const std::string kCommonHeaders = "Host: 192.168.4.1\r\nUser-Agent: AcmeLock-App/3.2 (Android 14)\r\n";

Bytes HttpRequest(const std::string& request_line, const std::string& headers,
                  const Bytes& body = {}) {
  Bytes out;
  Append(out, request_line + "\r\n" + kCommonHeaders + headers);
  if (!body.empty()) Append(out, "Content-Length: " + std::to_string(body.size()) + "\r\n");
  Append(out, "\r\n");
  Append(out, body);
  return out;
}

// ---- MQTT -------------------------------------------------------------------

void AppendRemainingLength(Bytes& out, size_t n) {
  do {
    uint8_t b = uint8_t(n & 0x7F);
    n >>= 7;
    if (n) b |= 0x80;
    out.push_back(b);
  } while (n);
}

Bytes MqttPacket(uint8_t first, const Bytes& body) {
  Bytes out{first};
  AppendRemainingLength(out, body.size());
  Append(out, body);
  return out;
}

const std::string kTopicPrefix = std::string("lock/") + SL_DEVICE_ID + "/";

Bytes Connack(uint8_t flags, uint8_t code) { return MqttPacket(0x20, {flags, code}); }
Bytes Suback(uint16_t id, uint8_t code) {
  Bytes body;
  AppendU16Be(body, id);
  body.push_back(code);
  return MqttPacket(0x90, body);
}
Bytes Ack(uint8_t first, uint16_t id) {
  Bytes body;
  AppendU16Be(body, id);
  return MqttPacket(first, body);
}
Bytes Publish(unsigned qos, bool retain, bool dup, const std::string& topic, uint16_t id,
              const Bytes& payload) {
  Bytes body;
  AppendU16Be(body, uint16_t(topic.size()));
  Append(body, topic);
  if (qos > 0) AppendU16Be(body, id);
  Append(body, payload);
  uint8_t first = uint8_t(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0));
  return MqttPacket(first, body);
}

Bytes Schedule(uint16_t declared_count, const std::vector<Bytes>& entries) {
  Bytes out{1};
  AppendU16Be(out, declared_count);
  for (const Bytes& e : entries) Append(out, e);
  return out;
}

// The lock's own packet ids: SUBSCRIBE = 1, first state report = 2, every
// further state report the next id.
Bytes Session(std::initializer_list<Bytes> packets) {
  Bytes out;
  for (const Bytes& p : packets) Append(out, p);
  return out;
}

// ---- CoAP -------------------------------------------------------------------

enum : uint8_t { kCon = 0, kNon = 1 };
enum : uint16_t {
  kUriHost = 3, kObserve = 6, kUriPath = 11, kContentFormat = 12, kUriQuery = 15, kAccept = 17,
  kBlock2 = 23, kBlock1 = 27, kSize1 = 60
};

Bytes UintOption(uint32_t v) {
  Bytes out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    uint8_t b = uint8_t(v >> shift);
    if (!out.empty() || b != 0) out.push_back(b);
  }
  return out;
}

void AppendOptionNibble(uint32_t v, uint8_t& nibble, Bytes& ext) {
  if (v < 13) {
    nibble = uint8_t(v);
  } else if (v < 269) {
    nibble = 13;
    ext.push_back(uint8_t(v - 13));
  } else {
    nibble = 14;
    AppendU16Be(ext, uint16_t(v - 269));
  }
}

// Options must be given in ascending option number order.
Bytes Coap(uint8_t type, uint8_t code, uint16_t mid, const Bytes& token,
           const std::vector<std::pair<uint16_t, Bytes>>& options, const Bytes& payload = {}) {
  Bytes out{uint8_t(0x40 | (type << 4) | token.size()), code};
  AppendU16Be(out, mid);
  Append(out, token);
  uint32_t last = 0;
  for (const auto& [number, value] : options) {
    uint8_t delta_nibble, len_nibble;
    Bytes ext;
    AppendOptionNibble(number - last, delta_nibble, ext);
    Bytes len_ext;
    AppendOptionNibble(uint32_t(value.size()), len_nibble, len_ext);
    out.push_back(uint8_t((delta_nibble << 4) | len_nibble));
    Append(out, ext);
    Append(out, len_ext);
    Append(out, value);
    last = number;
  }
  if (!payload.empty()) {
    out.push_back(0xFF);
    Append(out, payload);
  }
  return out;
}

constexpr uint8_t kGet = 1, kPost = 2, kPut = 3;

Bytes Frames(std::initializer_list<Bytes> frames) {
  Bytes out;
  for (const Bytes& f : frames) {
    AppendU16Le(out, uint16_t(f.size()));
    Append(out, f);
  }
  return out;
}

Bytes FramesOf(const std::vector<Bytes>& frames) {
  Bytes out;
  for (const Bytes& f : frames) {
    AppendU16Le(out, uint16_t(f.size()));
    Append(out, f);
  }
  return out;
}

std::pair<uint16_t, Bytes> Path(std::string_view segment) { return {kUriPath, FromString(segment)}; }

uint32_t BlockValue(uint32_t num, bool more, uint32_t szx) {
  return (num << 4) | (more ? 0x08u : 0u) | szx;
}

// Block1 upload of `image` in blocks of 16 << szx bytes; block 0 carries
// Size1 = image size.
std::vector<Bytes> FirmwareBlocks(const Bytes& image, uint32_t szx, uint16_t first_mid,
                                  const Bytes& token) {
  std::vector<Bytes> out;
  const size_t block = size_t(16) << szx;
  for (size_t num = 0; num * block < image.size(); ++num) {
    size_t begin = num * block;
    size_t end = std::min(image.size(), begin + block);
    bool more = end < image.size();
    std::vector<std::pair<uint16_t, Bytes>> options = {
        Path("firmware"), {kContentFormat, UintOption(42)},
        {kBlock1, UintOption(BlockValue(uint32_t(num), more, szx))}};
    if (num == 0) options.push_back({kSize1, UintOption(uint32_t(image.size()))});
    out.push_back(Coap(kCon, kPut, uint16_t(first_mid + num), token, options,
                       Bytes(image.begin() + long(begin), image.begin() + long(end))));
  }
  return out;
}

// ---- ATT --------------------------------------------------------------------

Bytes Pdu(std::initializer_list<uint8_t> head, const Bytes& tail = {}) {
  Bytes out(head);
  Append(out, tail);
  return out;
}
Bytes ExchangeMtu(uint16_t mtu) { return Pdu({0x02, uint8_t(mtu & 0xFF), uint8_t(mtu >> 8)}); }
Bytes HandleRange(uint8_t opcode, uint16_t start, uint16_t end) {
  Bytes out{opcode};
  AppendU16Le(out, start);
  AppendU16Le(out, end);
  return out;
}
Bytes ReadByType16(uint16_t start, uint16_t end, uint16_t type) {
  Bytes out = HandleRange(0x08, start, end);
  AppendU16Le(out, type);
  return out;
}
Bytes ReadByGroupType(uint16_t start, uint16_t end) {
  Bytes out = HandleRange(0x10, start, end);
  AppendU16Le(out, 0x2800);
  return out;
}
Bytes Read(uint16_t handle) { return Pdu({0x0A, uint8_t(handle & 0xFF), uint8_t(handle >> 8)}); }
Bytes ReadBlob(uint16_t handle, uint16_t offset) {
  Bytes out = Read(handle);
  out[0] = 0x0C;
  AppendU16Le(out, offset);
  return out;
}
Bytes Write(uint8_t opcode, uint16_t handle, const Bytes& value) {
  Bytes out{opcode};
  AppendU16Le(out, handle);
  Append(out, value);
  return out;
}
Bytes PrepareWrite(uint16_t handle, uint16_t offset, const Bytes& part) {
  Bytes out{0x16};
  AppendU16Le(out, handle);
  AppendU16Le(out, offset);
  Append(out, part);
  return out;
}
Bytes ExecuteWrite(uint8_t flags) { return Pdu({0x18, flags}); }

const Bytes kLockServiceUuid = {0x70, 0x4d, 0x8b, 0x2c, 0x1f, 0x6e, 0x3a, 0x9d,
                                0x0c, 0x4f, 0x2e, 0x5b, 0x01, 0x00, 0xc1, 0xa7};
const Bytes kLockStateUuid = {0x70, 0x4d, 0x8b, 0x2c, 0x1f, 0x6e, 0x3a, 0x9d,
                              0x0c, 0x4f, 0x2e, 0x5b, 0x02, 0x00, 0xc1, 0xa7};
constexpr uint16_t kHandleBatteryLevel = 6, kHandleBatteryCccd = 7, kHandleLockState = 17,
                   kHandleLockStateCccd = 18, kHandleLockCommand = 20, kHandleSettings = 22,
                   kHandleSettingsDescription = 23;

Bytes Repeat(std::string_view text, size_t n) {
  Bytes out;
  while (out.size() < n) out.push_back(uint8_t(text[out.size() % text.size()]));
  return out;
}

// ---- output -----------------------------------------------------------------

struct Output {
  fs::path root;
  bool ok = true;

  void Write(const fs::path& rel, const Bytes& content) {
    fs::path path = root / rel;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(content.data()), std::streamsize(content.size()));
    if (!out) {
      std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
      ok = false;
    }
  }
  void Seed(const std::string& harness, const std::string& name, const Bytes& content) {
    Write(fs::path("corpora") / harness / name, content);
  }
  void Reproducer(const std::string& name, const Bytes& content) {
    Write(fs::path("targets/demo_device/reproducers") / name, content);
  }
};

void HttpSeeds(Output& out) {
  const std::string h = "demo_device_http_fuzzer";
  const std::string form = "Content-Type: application/x-www-form-urlencoded\r\n";
  const std::string json = "Content-Type: application/json\r\n";
  out.Seed(h, "get_status.http",
           HttpRequest("GET /status HTTP/1.1", "Accept: application/json\r\n"));
  out.Seed(h, "get_status_http10_query.http",
           HttpRequest("GET /status?fields=state HTTP/1.0", "Connection: close\r\n"));
  out.Seed(h, "post_login_pin_form.http",
           HttpRequest("POST /login HTTP/1.1", form, FromString(std::string("pin=") + SL_DEFAULT_PIN)));
  out.Seed(h, "post_login_wrong_pin.http",
           HttpRequest("POST /login HTTP/1.1", form, FromString("remember=1&pin=000000")));
  out.Seed(h, "post_unlock_bearer.http", HttpRequest("POST /unlock HTTP/1.1", kBearer));
  out.Seed(h, "post_lock_bearer.http", HttpRequest("POST /lock HTTP/1.1", kBearer));
  out.Seed(h, "get_config_bearer.http", HttpRequest("GET /config HTTP/1.1", kBearer));
  out.Seed(h, "post_config_json.http",
           HttpRequest("POST /config HTTP/1.1", kBearer + json,
                       FromString("{\"auto_lock_s\": 45, \"led\": \"off\", \"volume\": 1}")));
  out.Seed(h, "post_config_json_escapes_bool.http",
           HttpRequest("POST /config HTTP/1.1", kBearer + "Content-Type: application/json; charset=utf-8\r\n",
                       FromString("{\"name\":\"Caf\\u00e9 \\\"side\\\" door\",\"led\":true,"
                                  "\"timezone\":\"Europe/Berlin\"}")));
  out.Seed(h, "post_config_json_nested_rejected.http",
           HttpRequest("POST /config HTTP/1.1", kBearer + json,
                       FromString("{\"name\":\"Garage\",\"schedule\":[{\"days\":[1,2,3],"
                                  "\"from\":\"08:00\",\"to\":\"17:30\",\"guest\":null}]}")));
  out.Seed(h, "put_firmware_image.http",
           HttpRequest("PUT /firmware HTTP/1.1", kBearer + "Content-Type: application/octet-stream\r\n",
                       FirmwareImage(1, 5, 0, 96)));
  out.Seed(h, "get_unknown_favicon.http", HttpRequest("GET /favicon.ico HTTP/1.1", ""));
}

void MqttSeeds(Output& out) {
  const std::string h = "demo_device_mqtt_fuzzer";
  const std::string cmd = kTopicPrefix + "cmd";
  out.Seed(h, "connack_accepted.bin", Session({Connack(0, 0)}));
  out.Seed(h, "connack_suback_puback.bin",
           Session({Connack(0, 0), Suback(1, 0x01), Ack(0x40, 2)}));
  out.Seed(h, "connack_session_present_pingresp.bin",
           Session({Connack(0x01, 0), Suback(1, 0x01), MqttPacket(0xD0, {})}));
  out.Seed(h, "connack_refused_not_authorized.bin", Session({Connack(0, 0x05)}));
  out.Seed(h, "connack_then_publish_unlock_qos1.bin",
           Session({Connack(0, 0), Suback(1, 0x01), Ack(0x40, 2),
                    Publish(1, false, false, cmd, 0x0010,
                            FromString(std::string("unlock ") + SL_DEFAULT_PIN)),
                    Ack(0x40, 3)}));
  out.Seed(h, "connack_then_publish_lock_qos0.bin",
           Session({Connack(0, 0), Suback(1, 0x00), Publish(0, false, false, cmd, 0, FromString("lock"))}));
  out.Seed(h, "connack_then_publish_status_qos2_pubrel.bin",
           Session({Connack(0, 0), Suback(1, 0x02),
                    Publish(2, false, false, cmd, 0x0007, FromString("status")), Ack(0x62, 0x0007),
                    Ack(0x40, 3)}));
  out.Seed(h, "connack_qos2_duplicate_redelivery.bin",
           Session({Connack(0, 0), Suback(1, 0x01),
                    Publish(2, false, false, cmd, 0x0009, FromString("lock")),
                    Publish(2, false, true, cmd, 0x0009, FromString("lock")), Ack(0x62, 0x0009)}));
  out.Seed(h, "connack_then_publish_config_qos1.bin",
           Session({Connack(0, 0), Suback(1, 0x01),
                    Publish(1, false, false, kTopicPrefix + "config", 0x0011,
                            FromString("auto_lock_s=60"))}));
  out.Seed(h, "connack_then_publish_schedule_qos1.bin",
           Session({Connack(0, 0), Suback(1, 0x01),
                    Publish(1, false, false, kTopicPrefix + "schedule", 0x0012,
                            Schedule(2, {{0x1F, 8, 0, 18, 0, 0x01}, {0x60, 10, 0, 14, 30, 0x02}}))}));
  out.Seed(h, "connack_retained_state_echo.bin",
           Session({Connack(0, 0), Suback(1, 0x01),
                    Publish(0, true, false, kTopicPrefix + "state", 0,
                            FromString("{\"state\":\"locked\",\"battery\":87}"))}));
  out.Seed(h, "connack_publish_two_byte_remaining_length.bin",
           Session({Connack(0, 0), Suback(1, 0x01),
                    Publish(1, false, false, kTopicPrefix + "notes/installer", 0x0013,
                            Repeat("Installed 2024-05-14, strike plate adjusted, battery pack B. ",
                                   180))}));
  out.Seed(h, "connack_suback_failure_0x80.bin", Session({Connack(0, 0), Suback(1, 0x80)}));
}

void CoapSeeds(Output& out) {
  const std::string h = "demo_device_coap_fuzzer";
  const Bytes tok = {0x7c, 0x01};
  out.Seed(h, "get_well_known_core_con.bin",
           Frames({Coap(kCon, kGet, 0x1a01, tok, {Path(".well-known"), Path("core")})}));
  {
    std::vector<Bytes> blocks;
    for (uint32_t num = 0; num < 3; ++num) {
      blocks.push_back(Coap(kCon, kGet, uint16_t(0x1a10 + num), {0x22, uint8_t(num)},
                            {Path(".well-known"), Path("core"), {kBlock2, UintOption(BlockValue(num, false, 2))}}));
    }
    out.Seed(h, "get_well_known_core_block2_szx2.bin", FramesOf(blocks));
  }
  out.Seed(h, "get_lock_observe_uri_host.bin",
           Frames({Coap(kCon, kGet, 0x1a20, {0x01, 0x02, 0x03, 0x04},
                        {{kUriHost, FromString("lock.local")}, {kObserve, {}}, Path("lock")})}));
  out.Seed(h, "put_lock_unlock_pin_con.bin",
           Frames({Coap(kCon, kPut, 0x1a30, tok, {Path("lock"), {kContentFormat, {}}},
                        FromString(std::string("unlock ") + SL_DEFAULT_PIN))}));
  out.Seed(h, "post_lock_lock_non.bin",
           Frames({Coap(kNon, kPost, 0x1a31, {}, {Path("lock")}, FromString("lock"))}));
  out.Seed(h, "get_battery_non_accept_text.bin",
           Frames({Coap(kNon, kGet, 0x1a40, {0x5e}, {Path("battery"), {kAccept, {}}})}));
  out.Seed(h, "get_battery_con_uri_query.bin",
           Frames({Coap(kCon, kGet, 0x1a41, tok, {Path("battery"), {kUriQuery, FromString("unit=percent")}})}));
  out.Seed(h, "get_config_con.bin", Frames({Coap(kCon, kGet, 0x1a50, tok, {Path("config")})}));
  out.Seed(h, "put_config_auto_lock_con.bin",
           Frames({Coap(kCon, kPut, 0x1a51, tok, {Path("config"), {kContentFormat, {}}},
                        FromString("auto_lock_s=120"))}));
  out.Seed(h, "put_firmware_block1_szx1_size1.bin",
           FramesOf(FirmwareBlocks(FirmwareImage(1, 5, 1, 80), 1, 0x1b00, {0xf1, 0x4a, 0x33})));
  out.Seed(h, "put_firmware_single_datagram.bin",
           Frames({Coap(kCon, kPut, 0x1b10, tok, {Path("firmware"), {kContentFormat, UintOption(42)}},
                        FirmwareImage(1, 5, 2, 48))}));
  out.Seed(h, "con_ping_then_get_lock.bin",
           Frames({Coap(kCon, 0, 0x1c00, {}, {}), Coap(kCon, kGet, 0x1c01, tok, {Path("lock")})}));
}

void GattSeeds(Output& out) {
  const std::string h = "demo_device_gatt_fuzzer";
  const std::string pin = SL_DEFAULT_PIN;
  out.Seed(h, "exchange_mtu_247.bin", Frames({ExchangeMtu(247)}));
  out.Seed(h, "discover_primary_services.bin",
           Frames({ExchangeMtu(64), ReadByGroupType(0x0001, 0xFFFF), ReadByGroupType(0x000F, 0xFFFF),
                   ReadByGroupType(0x0018, 0xFFFF)}));
  out.Seed(h, "discover_characteristics.bin",
           Frames({ReadByType16(0x0001, 0xFFFF, 0x2803), ReadByType16(0x0006, 0xFFFF, 0x2803),
                   ReadByType16(0x000E, 0xFFFF, 0x2803), ReadByType16(0x0015, 0xFFFF, 0x2803)}));
  out.Seed(h, "find_information_descriptors.bin",
           Frames({HandleRange(0x04, 0x0007, 0x0007), HandleRange(0x04, 0x0012, 0x0012),
                   HandleRange(0x04, 0x0016, 0x0017), HandleRange(0x04, 0x0001, 0xFFFF)}));
  {
    Bytes find = HandleRange(0x06, 0x0001, 0xFFFF);
    AppendU16Le(find, 0x2800);
    Append(find, kLockServiceUuid);
    out.Seed(h, "find_lock_service_by_uuid.bin", Frames({find}));
  }
  {
    Bytes by_type = HandleRange(0x08, 0x000F, 0x0017);
    Append(by_type, kLockStateUuid);
    out.Seed(h, "read_lock_state_by_uuid128.bin", Frames({by_type, Read(kHandleLockState)}));
  }
  out.Seed(h, "read_device_information.bin",
           Frames({Read(0x0003), Read(0x000A), Read(0x000C), Read(0x000E)}));
  out.Seed(h, "read_battery_enable_notifications.bin",
           Frames({Read(kHandleBatteryLevel), Write(0x12, kHandleBatteryCccd, {0x01, 0x00}),
                   Read(kHandleBatteryCccd)}));
  {
    Bytes unlock{0x02};
    Append(unlock, pin);
    out.Seed(h, "unlock_with_pin_write_request.bin",
             Frames({Write(0x12, kHandleLockStateCccd, {0x01, 0x00}), Write(0x12, kHandleLockCommand, unlock),
                     Read(kHandleLockState)}));
  }
  out.Seed(h, "lock_write_command.bin",
           Frames({Write(0x52, kHandleLockCommand, {0x01}), Read(kHandleLockState)}));
  out.Seed(h, "read_settings_read_blob.bin",
           Frames({Read(kHandleSettingsDescription), Read(kHandleSettings), ReadBlob(kHandleSettings, 0x0012),
                   ReadBlob(kHandleSettings, 0x0013)}));
  {
    Bytes settings = Repeat("auto_lock=45;led=off;volume=1;tz=Europe/Berlin;name=Front door;", 100);
    out.Seed(h, "long_write_settings_prepare_execute.bin",
             Frames({ExchangeMtu(64),
                     PrepareWrite(kHandleSettings, 0, Bytes(settings.begin(), settings.begin() + 59)),
                     PrepareWrite(kHandleSettings, 59, Bytes(settings.begin() + 59, settings.end())),
                     ExecuteWrite(0x01), Read(kHandleSettings), ReadBlob(kHandleSettings, 61)}));
  }
  out.Seed(h, "prepare_write_cancel.bin",
           Frames({PrepareWrite(kHandleSettings, 0, FromString("auto_lock=10")), ExecuteWrite(0x00),
                   Read(kHandleSettings)}));
  out.Seed(h, "write_settings_request.bin",
           Frames({Write(0x12, kHandleSettings, FromString("auto_lock=0;led=on")), Read(kHandleSettings)}));
}

// Nesting depth of the HTTP-2 reproducer: about twice what exhausts an 8 MiB
// stack with AddressSanitizer frames (~14500 levels), and the body still
// within the 64 KiB limit.
constexpr size_t kJsonNesting = 32000;

void Reproducers(Output& out) {
  // HTTP-1: Content-Length larger than the body that follows.
  {
    Bytes req;
    Append(req, "POST /login HTTP/1.1\r\n" + kCommonHeaders +
                    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 64\r\n\r\npin=" +
                    SL_DEFAULT_PIN);
    out.Reproducer("HTTP-1_content_length_past_end.http", req);
  }
  // HTTP-2: authorised POST /config whose body nests arrays 32000 deep.
  {
    Bytes body;
    Append(body, "{\"schedule\":");
    body.insert(body.end(), kJsonNesting, uint8_t('['));
    body.insert(body.end(), kJsonNesting, uint8_t(']'));
    Append(body, "}");
    out.Reproducer("HTTP-2_config_json_nesting.http",
                   HttpRequest("POST /config HTTP/1.1",
                               kBearer + "Content-Type: application/json\r\n", body));
  }
  // MQTT-1: five Remaining Length bytes in the first packet.
  out.Reproducer("MQTT-1_remaining_length_five_bytes.bin", {0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F});
  // MQTT-2: schedule declaring 8192 entries (8192 * 8 wraps to 0 in 16 bits).
  out.Reproducer("MQTT-2_schedule_count_wraps_table_size.bin",
                 Session({Connack(0, 0), Suback(1, 0x01),
                          Publish(1, false, false, kTopicPrefix + "schedule", 0x0012,
                                  Schedule(0x2000, {{0x1F, 8, 0, 18, 0, 0x01}}))}));
  // COAP-1: TKL 9 (reserved) with nine token bytes.
  out.Reproducer("COAP-1_token_length_9.bin",
                 Frames({Coap(kCon, kGet, 0x1d00, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {Path("lock")})}));
  // COAP-2: Block1 upload whose block 0 announces Size1 = 4294967280.
  {
    Bytes image = FirmwareImage(1, 5, 1, 48);
    out.Reproducer("COAP-2_block1_size1_4gib.bin",
                   Frames({Coap(kCon, kPut, 0x1d10, {0xf1},
                                {Path("firmware"), {kContentFormat, UintOption(42)},
                                 {kBlock1, UintOption(BlockValue(0, true, 2))},
                                 {kSize1, UintOption(0xFFFFFFF0u)}},
                                image)}));
  }
  // GATT-1: Read Request for handle 0x0018, one past the database.
  out.Reproducer("GATT-1_read_handle_one_past_database.bin", Frames({Read(0x0018)}));
  // GATT-2: prepared writes 0+120, 120+20 (runs to 140), 130+10, execute.
  {
    Bytes settings = Repeat("auto_lock=45;led=off;", 150);
    out.Reproducer("GATT-2_prepare_write_past_maximum.bin",
                   Frames({ExchangeMtu(247),
                           PrepareWrite(kHandleSettings, 0, Bytes(settings.begin(), settings.begin() + 120)),
                           PrepareWrite(kHandleSettings, 120, Bytes(settings.begin() + 120, settings.begin() + 140)),
                           PrepareWrite(kHandleSettings, 130, Bytes(settings.begin() + 130, settings.begin() + 140)),
                           ExecuteWrite(0x01)}));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <root>\n", argv[0]);
    return 2;
  }
  Output out{argv[1]};
  HttpSeeds(out);
  MqttSeeds(out);
  CoapSeeds(out);
  GattSeeds(out);
  Reproducers(out);
  return out.ok ? 0 : 1;
}
