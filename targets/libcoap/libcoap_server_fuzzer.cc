// libcoap 4.3.1 as the CoAP server of a device: each input is a session of
// UDP datagrams from one client, each handed to libcoap exactly as received
// and dispatched through the library's own receive path.
//
// Input: message frames (fuzzers/harness/message_frames.h), each frame one
// UDP datagram from the client 127.0.0.1:49152 (cut at COAP_RXBUFFER_SIZE, as
// the receive buffer cuts it).
//
// Per input, a fresh coap_context_t gets one UDP endpoint bound to 127.0.0.1
// port 0 (the socket is bound but never read or written: the context's
// network_read and network_send are replaced, the only change to the
// library's path) and the resources of a small sensor/actuator device:
//   sensors/temperature   GET, observable; the reading changes every third
//                         datagram, which notifies the observers
//   actuators/led         GET, PUT "on"/"off" (4.00 otherwise), POST toggles;
//                         observable, notified on change
//   config                GET (a 1.5 KiB JSON document: Block2), PUT (up to
//                         4 KiB, reassembled from Block1 by libcoap), DELETE
//   firmware/manifest     GET, 3 KiB text with an ETag (Block2)
//   data/<name>           PUT to an unknown path creates a resource (up to 8),
//                         GET reads it, DELETE removes it
//   /.well-known/core     served by libcoap from the resources' attributes
// with libcoap's block-wise handling on (COAP_BLOCK_USE_LIBCOAP |
// COAP_BLOCK_SINGLE_BODY). Per datagram the harness sets the endpoint socket
// readable and calls coap_io_do_io(), so coap_read_endpoint() reads the
// datagram through network_read, finds or creates the client's session
// (coap_endpoint_get_session) and runs coap_handle_dgram() -> coap_pdu_parse()
// -> coap_dispatch() -> the resource handlers; then coap_check_notify() sends
// pending notifications, as the I/O loop does. Every datagram the server
// sends is captured and read in full. The context, its sessions, resources,
// observers and block-wise state are freed at the end of every input; the
// PRNG (message ids, tokens) is reseeded, so a run depends on the input only.
// LIBCOAP_FUZZER_DEBUG=1 prints libcoap's debug log with every PDU.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <coap3/coap.h>

#include "fuzzers/harness/message_frames.h"
#include "libcoap_internals.h"

namespace {

constexpr size_t kMaxInput = 64 * 1024;
constexpr size_t kMaxConfig = 4096;
constexpr int kMaxDynamicResources = 8;

void DiscardLog(coap_log_t, const char*) {}

volatile uint64_t g_sink;
void Touch(uint64_t v) { g_sink = g_sink ^ v; }

// State of the device for one input.
struct Device {
  int temperature_centi = 2150;
  bool led_on = false;
  std::string config;
  int dynamic_resources = 0;
  coap_resource_t* temperature = nullptr;
  coap_resource_t* led = nullptr;
  std::span<const uint8_t> datagram;  // the next datagram network_read returns
  bool datagram_pending = false;
  size_t datagrams_sent = 0;
};

Device* g_device;

const std::string& DefaultConfig() {
  static const std::string config = [] {
    std::string s = "{\"device\":\"thermostat-7\",\"report_interval_s\":60,\"sensors\":[";
    for (int i = 0; i < 24; ++i) {
      if (i) s += ',';
      char entry[64];
      std::snprintf(entry, sizeof(entry), "{\"id\":%d,\"kind\":\"temperature\",\"offset\":%d}", i, i - 12);
      s += entry;
    }
    s += "]}";
    return s;
  }();
  return config;
}

const std::string& Manifest() {
  static const std::string manifest = [] {
    std::string s;
    for (int i = 0; s.size() < 3000; ++i) {
      char line[80];
      std::snprintf(line, sizeof(line), "component-%02d version=1.%d.%d sha256=%064x\n", i, i / 3, i % 7, i * 7919);
      s += line;
    }
    return s;
  }();
  return manifest;
}

// Adds `len` bytes of `body` as the response body. The library gets its own
// copy, released when the (block-wise) transfer ends, so later changes to the
// device's state never touch the body of a transfer under way.
void AddBody(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
             const coap_string_t* query, coap_pdu_t* response, uint16_t media_type, int max_age,
             const uint8_t* body, size_t len) {
  uint8_t* copy = static_cast<uint8_t*>(std::malloc(len ? len : 1));
  if (!copy) return;
  if (len) std::memcpy(copy, body, len);
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
  coap_add_data_large_response(resource, session, request, response, query, media_type, max_age, 0, len, copy,
                               [](coap_session_t*, void* p) { std::free(p); }, copy);
}

bool PayloadEquals(const coap_pdu_t* request, const char* text) {
  size_t len = 0;
  const uint8_t* data = nullptr;
  if (!coap_get_data(request, &len, &data)) return false;
  return len == std::strlen(text) && std::memcmp(data, text, len) == 0;
}

void GetTemperature(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                    const coap_string_t* query, coap_pdu_t* response) {
  char text[32];
  bool fahrenheit = query && query->length == 6 && std::memcmp(query->s, "unit=F", 6) == 0;
  int value = fahrenheit ? g_device->temperature_centi * 9 / 5 + 3200 : g_device->temperature_centi;
  int n = std::snprintf(text, sizeof(text), "%d.%02d", value / 100, value % 100);
  AddBody(resource, session, request, query, response, COAP_MEDIATYPE_TEXT_PLAIN, 30,
          reinterpret_cast<const uint8_t*>(text), static_cast<size_t>(n));
}

void GetLed(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
            const coap_string_t* query, coap_pdu_t* response) {
  const char* text = g_device->led_on ? "on" : "off";
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
  coap_add_data_large_response(resource, session, request, response, query, COAP_MEDIATYPE_TEXT_PLAIN, 0, 0,
                               std::strlen(text), reinterpret_cast<const uint8_t*>(text), nullptr, nullptr);
}

void SetLed(bool on, coap_resource_t* resource) {
  if (g_device->led_on != on) {
    g_device->led_on = on;
    coap_resource_notify_observers(resource, nullptr);
  }
}

void PutLed(coap_resource_t* resource, coap_session_t*, const coap_pdu_t* request, const coap_string_t*,
            coap_pdu_t* response) {
  if (PayloadEquals(request, "on")) {
    SetLed(true, resource);
  } else if (PayloadEquals(request, "off")) {
    SetLed(false, resource);
  } else {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_REQUEST);
    return;
  }
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
}

void PostLed(coap_resource_t* resource, coap_session_t*, const coap_pdu_t*, const coap_string_t*,
             coap_pdu_t* response) {
  SetLed(!g_device->led_on, resource);
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
}

void GetConfig(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
               const coap_string_t* query, coap_pdu_t* response) {
  AddBody(resource, session, request, query, response, COAP_MEDIATYPE_APPLICATION_JSON, 0,
          reinterpret_cast<const uint8_t*>(g_device->config.data()), g_device->config.size());
}

void PutConfig(coap_resource_t* resource, coap_session_t*, const coap_pdu_t* request, const coap_string_t*,
               coap_pdu_t* response) {
  size_t len = 0, offset = 0, total = 0;
  const uint8_t* data = nullptr;
  if (!coap_get_data_large(request, &len, &data, &offset, &total)) {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_REQUEST);
    return;
  }
  if (total > kMaxConfig) {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_REQUEST_TOO_LARGE);
    return;
  }
  if (offset + len > total) {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_REQUEST);
    return;
  }
  if (len == 0 || data[0] != '{' || data[len - 1] != '}') {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_UNSUPPORTED_CONTENT_FORMAT);
    return;
  }
  g_device->config.assign(reinterpret_cast<const char*>(data), len);
  coap_resource_notify_observers(resource, nullptr);
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
}

void DeleteConfig(coap_resource_t* resource, coap_session_t*, const coap_pdu_t*, const coap_string_t*,
                  coap_pdu_t* response) {
  g_device->config = DefaultConfig();
  coap_resource_notify_observers(resource, nullptr);
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_DELETED);
}

void GetManifest(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
                 const coap_string_t* query, coap_pdu_t* response) {
  const std::string& m = Manifest();
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CONTENT);
  coap_add_data_large_response(resource, session, request, response, query, COAP_MEDIATYPE_TEXT_PLAIN, 3600,
                               0x1f2e3d4c, m.size(), reinterpret_cast<const uint8_t*>(m.data()), nullptr,
                               nullptr);
}

// data/<name>: the body is the resource's user data, a coap_binary_t.
void GetData(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t* request,
             const coap_string_t* query, coap_pdu_t* response) {
  auto* body = static_cast<coap_binary_t*>(coap_resource_get_userdata(resource));
  AddBody(resource, session, request, query, response, COAP_MEDIATYPE_APPLICATION_OCTET_STREAM, 0,
          body ? body->s : nullptr, body ? body->length : 0);
}

void StoreData(coap_resource_t* resource, const coap_pdu_t* request) {
  size_t len = 0, offset = 0, total = 0;
  const uint8_t* data = nullptr;
  auto* old = static_cast<coap_binary_t*>(coap_resource_get_userdata(resource));
  coap_delete_binary(old);
  coap_binary_t* body = nullptr;
  if (coap_get_data_large(request, &len, &data, &offset, &total)) {
    body = coap_new_binary(len);
    if (body) std::memcpy(body->s, data, len);
  }
  coap_resource_set_userdata(resource, body);
  coap_resource_notify_observers(resource, nullptr);
}

void PutData(coap_resource_t* resource, coap_session_t*, const coap_pdu_t* request, const coap_string_t*,
             coap_pdu_t* response) {
  StoreData(resource, request);
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CHANGED);
}

void DeleteData(coap_resource_t* resource, coap_session_t* session, const coap_pdu_t*, const coap_string_t*,
                coap_pdu_t* response) {
  coap_delete_binary(static_cast<coap_binary_t*>(coap_resource_get_userdata(resource)));
  coap_resource_set_userdata(resource, nullptr);
  coap_delete_resource(coap_session_get_context(session), resource);
  --g_device->dynamic_resources;
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_DELETED);
}

// PUT to a path no resource has: creates data/<name>.
void PutUnknown(coap_resource_t*, coap_session_t* session, const coap_pdu_t* request, const coap_string_t*,
                coap_pdu_t* response) {
  coap_string_t* path = coap_get_uri_path(request);
  if (!path) {
    coap_pdu_set_code(response, COAP_RESPONSE_CODE_BAD_REQUEST);
    return;
  }
  bool allowed = path->length > 5 && path->length <= 64 && std::memcmp(path->s, "data/", 5) == 0;
  if (!allowed || g_device->dynamic_resources >= kMaxDynamicResources) {
    coap_delete_string(path);
    coap_pdu_set_code(response, allowed ? COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE : COAP_RESPONSE_CODE_NOT_ALLOWED);
    return;
  }
  coap_str_const_t uri = {path->length, path->s};
  coap_resource_t* r = coap_resource_init(&uri, 0);  // copies the path
  coap_delete_string(path);
  if (!r) return;
  coap_register_handler(r, COAP_REQUEST_GET, GetData);
  coap_register_handler(r, COAP_REQUEST_PUT, PutData);
  coap_register_handler(r, COAP_REQUEST_DELETE, DeleteData);
  coap_resource_set_get_observable(r, 1);
  coap_add_resource(coap_session_get_context(session), r);
  ++g_device->dynamic_resources;
  StoreData(r, request);
  coap_pdu_set_code(response, COAP_RESPONSE_CODE_CREATED);
}

coap_resource_t* AddResource(coap_context_t* ctx, const char* path, const char* rt, const char* ct, bool observable) {
  coap_resource_t* r = coap_resource_init(coap_make_str_const(path), 0);
  coap_add_attr(r, coap_make_str_const("rt"), coap_make_str_const(rt), 0);
  coap_add_attr(r, coap_make_str_const("ct"), coap_make_str_const(ct), 0);
  if (observable) {
    coap_resource_set_get_observable(r, 1);
    coap_add_attr(r, coap_make_str_const("obs"), nullptr, 0);
  }
  coap_add_resource(ctx, r);
  return r;
}

void AddDeviceResources(coap_context_t* ctx) {
  Device& d = *g_device;
  d.temperature = AddResource(ctx, "sensors/temperature", "\"temperature-c\"", "0", true);
  coap_register_handler(d.temperature, COAP_REQUEST_GET, GetTemperature);

  d.led = AddResource(ctx, "actuators/led", "\"light\"", "0", true);
  coap_register_handler(d.led, COAP_REQUEST_GET, GetLed);
  coap_register_handler(d.led, COAP_REQUEST_PUT, PutLed);
  coap_register_handler(d.led, COAP_REQUEST_POST, PostLed);

  coap_resource_t* config = AddResource(ctx, "config", "\"config\"", "50", true);
  coap_register_handler(config, COAP_REQUEST_GET, GetConfig);
  coap_register_handler(config, COAP_REQUEST_PUT, PutConfig);
  coap_register_handler(config, COAP_REQUEST_DELETE, DeleteConfig);

  coap_resource_t* manifest = AddResource(ctx, "firmware/manifest", "\"manifest\"", "0", false);
  coap_register_handler(manifest, COAP_REQUEST_GET, GetManifest);

  coap_resource_t* unknown = coap_resource_unknown_init(PutUnknown);
  coap_add_resource(ctx, unknown);
}

// network_read: the datagram of the current frame, once.
ptrdiff_t ReadDatagram(uint8_t* payload, size_t capacity) {
  if (!g_device->datagram_pending) return -1;
  g_device->datagram_pending = false;
  size_t len = std::min(g_device->datagram.size(), capacity);
  if (len) std::memcpy(payload, g_device->datagram.data(), len);
  return static_cast<ptrdiff_t>(len);
}

// network_send: every byte of the response is read, so AddressSanitizer
// checks the whole datagram the server built.
ptrdiff_t CaptureDatagram(const uint8_t* data, size_t len) {
  uint64_t sum = 0;
  for (size_t i = 0; i < len; ++i) sum += data[i];
  Touch(sum);
  ++g_device->datagrams_sent;
  return static_cast<ptrdiff_t>(len);
}

coap_address_t LoopbackAddress(uint16_t port) {
  coap_address_t a;
  coap_address_init(&a);
  a.addr.sin.sin_family = AF_INET;
  a.addr.sin.sin_port = htons(port);
  a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.size = sizeof(a.addr.sin);
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  coap_startup();
  // LIBCOAP_FUZZER_DEBUG=1 prints libcoap's debug log, with every PDU
  // received and sent, to stderr (to follow a session when triaging).
  const char* debug = std::getenv("LIBCOAP_FUZZER_DEBUG");
  if (debug && *debug && *debug != '0') {
    coap_set_log_level(LOG_DEBUG);
  } else {
    coap_set_log_handler(DiscardLog);
    coap_set_log_level(LOG_WARNING);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  Device device;
  device.config = DefaultConfig();
  g_device = &device;
  coap_prng_init(1);

  coap_context_t* ctx = coap_new_context(nullptr);
  if (!ctx) return 0;
  coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  coap_address_t client = LoopbackAddress(49152);
  libcoap_set_network(ctx, ReadDatagram, CaptureDatagram, &client);

  coap_address_t listen = LoopbackAddress(0);
  coap_endpoint_t* ep = coap_new_endpoint(ctx, &listen, COAP_PROTO_UDP);
  if (!ep) {
    std::fprintf(stderr, "libcoap_server_fuzzer: cannot bind a UDP socket on 127.0.0.1\n");
    std::abort();
  }
  AddDeviceResources(ctx);

  iotfuzz::harness::MessageFrameReader frames(data, size);
  std::span<const uint8_t> datagram;
  unsigned index = 0;
  while (frames.Next(datagram)) {
    // The sensor takes a new reading before every third datagram.
    if (++index % 3 == 0) {
      device.temperature_centi += (index % 2) ? 25 : -10;
      coap_resource_notify_observers(device.temperature, nullptr);
    }
    // A fresh heap copy of exactly the datagram's size for every frame.
    iotfuzz::harness::ExactBuffer copy(datagram);
    device.datagram = std::span<const uint8_t>(copy.data(), copy.size());
    device.datagram_pending = true;
    libcoap_receive_on_endpoint(ctx, ep);
    device.datagram = {};
  }

  // The bodies of data/<name> resources (no other resource has user data).
  libcoap_release_resource_userdata(ctx, [](void* p) { coap_delete_binary(static_cast<coap_binary_t*>(p)); });
  coap_free_context(ctx);
  g_device = nullptr;
  return 0;
}
