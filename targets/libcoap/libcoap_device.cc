// See libcoap_device.h. The handlers run inside libcoap's dispatch
// (coap_dispatch() -> handle_request()).
#include "libcoap_device.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "libcoap_internals.h"

struct libcoap_device {
  int temperature_centi = 2150;
  bool led_on = false;
  std::string config;
  int dynamic_resources = 0;
  coap_resource_t* temperature = nullptr;
  coap_resource_t* led = nullptr;
};

namespace {

constexpr size_t kMaxConfig = 4096;
constexpr int kMaxDynamicResources = 8;

// The device the handlers serve (libcoap hands them no user data of the
// context's).
libcoap_device* g_device;

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
  libcoap_device& d = *g_device;
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

}  // namespace

extern "C" libcoap_device* libcoap_device_create(coap_context_t* ctx) {
  auto* device = new libcoap_device;
  device->config = DefaultConfig();
  g_device = device;
  AddDeviceResources(ctx);
  return device;
}

extern "C" void libcoap_device_new_reading(libcoap_device* device, unsigned index) {
  device->temperature_centi += (index % 2) ? 25 : -10;
  coap_resource_notify_observers(device->temperature, nullptr);
}

extern "C" void libcoap_device_destroy(libcoap_device* device, coap_context_t* ctx) {
  // The bodies of data/<name> resources (no other resource has user data).
  libcoap_release_resource_userdata(ctx, [](void* p) { coap_delete_binary(static_cast<coap_binary_t*>(p)); });
  if (g_device == device) g_device = nullptr;
  delete device;
}
