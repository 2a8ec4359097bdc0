/*
 * Device state, lock actions, the configuration store and small helpers
 * shared by the protocol handlers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_internal.h"

/* ---- bounded output buffer ------------------------------------------- */

void sl_writer_init(sl_writer* w, uint8_t* data, size_t cap) {
  w->data = data;
  w->cap = data ? cap : 0;
  w->len = 0;
  w->truncated = 0;
}

void sl_writer_put(sl_writer* w, const void* bytes, size_t n) {
  if (w->truncated) return;
  if (n > w->cap - w->len) {
    w->truncated = 1;
    return;
  }
  if (n > 0) memcpy(w->data + w->len, bytes, n);
  w->len += n;
}

void sl_writer_put_u8(sl_writer* w, uint8_t v) { sl_writer_put(w, &v, 1); }

void sl_writer_put_u16le(sl_writer* w, uint16_t v) {
  const uint8_t b[2] = {(uint8_t)(v & 0xFF), (uint8_t)(v >> 8)};
  sl_writer_put(w, b, 2);
}

void sl_writer_put_u16be(sl_writer* w, uint16_t v) {
  const uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)(v & 0xFF)};
  sl_writer_put(w, b, 2);
}

void sl_writer_put_str(sl_writer* w, const char* s) { sl_writer_put(w, s, strlen(s)); }

void sl_writer_printf(sl_writer* w, const char* fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof tmp) {
    w->truncated = 1;
    return;
  }
  sl_writer_put(w, tmp, (size_t)n);
}

/* ---- small utilities ------------------------------------------------- */

uint32_t sl_crc32(const uint8_t* data, size_t len) {
  /* CRC-32/ISO-HDLC (the zlib CRC), bitwise: images are small and this runs
   * once per upload. */
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint16_t sl_load_u16le(const uint8_t* p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint16_t sl_load_u16be(const uint8_t* p) { return (uint16_t)((p[0] << 8) | p[1]); }
uint32_t sl_load_u32le(const uint8_t* p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int sl_secret_equals(const char* stored, const uint8_t* received, size_t received_len) {
  size_t stored_len = strlen(stored);
  if (received_len != stored_len) return 0;
  unsigned diff = 0;
  for (size_t i = 0; i < stored_len; ++i) diff |= (unsigned)((uint8_t)stored[i] ^ received[i]);
  return diff == 0;
}

static int ascii_lower(int c) { return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c; }

int sl_token_equals_ci(const uint8_t* token, size_t len, const char* literal) {
  size_t n = strlen(literal);
  if (len != n) return 0;
  for (size_t i = 0; i < n; ++i) {
    if (ascii_lower(token[i]) != ascii_lower((uint8_t)literal[i])) return 0;
  }
  return 1;
}

int sl_token_equals(const uint8_t* token, size_t len, const char* literal) {
  size_t n = strlen(literal);
  return len == n && (n == 0 || memcmp(token, literal, n) == 0);
}

/* ---- lock actions ---------------------------------------------------- */

void sl_lock_engage(sl_device* dev) { dev->lock_state = SL_LOCK_LOCKED; }

sl_unlock_result sl_pin_check(sl_device* dev, const uint8_t* pin, size_t pin_len) {
  if (dev->failed_pin_attempts >= SL_PIN_MAX_ATTEMPTS) return SL_UNLOCK_LOCKED_OUT;
  if (!sl_secret_equals(dev->pin, pin, pin_len)) {
    dev->failed_pin_attempts++;
    return SL_UNLOCK_WRONG_PIN;
  }
  dev->failed_pin_attempts = 0;
  return SL_UNLOCK_OK;
}

sl_unlock_result sl_lock_release(sl_device* dev, const uint8_t* pin, size_t pin_len) {
  sl_unlock_result r = sl_pin_check(dev, pin, pin_len);
  if (r == SL_UNLOCK_OK) {
    dev->lock_state = SL_LOCK_UNLOCKED;
    dev->unlock_count++;
  }
  return r;
}

const char* sl_lock_state_name(sl_lock_state state) {
  return state == SL_LOCK_UNLOCKED ? "unlocked" : "locked";
}

/* ---- configuration store --------------------------------------------- */

typedef enum config_kind { CONFIG_TEXT, CONFIG_INTEGER, CONFIG_SWITCH } config_kind;

typedef struct config_key_def {
  const char* key;
  config_kind kind;
  long min; /* integers: range; text: length range */
  long max;
  const char* default_value;
} config_key_def;

static const config_key_def kConfigKeys[] = {
    {"name", CONFIG_TEXT, 1, 31, "Front door"},
    {"auto_lock_s", CONFIG_INTEGER, 0, 3600, "30"},
    {"led", CONFIG_SWITCH, 0, 0, "on"},
    {"volume", CONFIG_INTEGER, 0, 3, "2"},
    {"timezone", CONFIG_TEXT, 1, 48, "UTC"},
};
#define CONFIG_KEY_COUNT (sizeof kConfigKeys / sizeof kConfigKeys[0])

_Static_assert(CONFIG_KEY_COUNT <= SL_CONFIG_MAX_ENTRIES, "config table too small");

static const config_key_def* config_find_key(const char* key, size_t key_len) {
  for (size_t i = 0; i < CONFIG_KEY_COUNT; ++i) {
    if (sl_token_equals((const uint8_t*)key, key_len, kConfigKeys[i].key)) return &kConfigKeys[i];
  }
  return NULL;
}

static int config_value_valid(const config_key_def* def, const char* value, size_t len) {
  switch (def->kind) {
    case CONFIG_TEXT:
      if ((long)len < def->min || (long)len > def->max) return 0;
      for (size_t i = 0; i < len; ++i) {
        unsigned char c = (unsigned char)value[i];
        if (c < 0x20 || c == 0x7F) return 0; /* printable or UTF-8 bytes only */
      }
      return 1;
    case CONFIG_INTEGER: {
      if (len == 0 || len > 6) return 0;
      long n = 0;
      for (size_t i = 0; i < len; ++i) {
        if (value[i] < '0' || value[i] > '9') return 0;
        n = n * 10 + (value[i] - '0');
      }
      return n >= def->min && n <= def->max;
    }
    case CONFIG_SWITCH:
      return sl_token_equals((const uint8_t*)value, len, "on") ||
             sl_token_equals((const uint8_t*)value, len, "off");
  }
  return 0;
}

static sl_config_entry* config_slot(sl_config_table* table, const char* key) {
  for (size_t i = 0; i < table->count; ++i) {
    if (strcmp(table->entries[i].key, key) == 0) return &table->entries[i];
  }
  if (table->count == SL_CONFIG_MAX_ENTRIES) return NULL;
  sl_config_entry* e = &table->entries[table->count++];
  snprintf(e->key, sizeof e->key, "%s", key);
  e->value[0] = '\0';
  return e;
}

sl_config_result sl_config_set(sl_config_table* table, const char* key, size_t key_len,
                               const char* value, size_t value_len) {
  const config_key_def* def = config_find_key(key, key_len);
  if (!def) return SL_CONFIG_UNKNOWN_KEY;
  if (value_len > SL_CONFIG_VALUE_MAX || !config_value_valid(def, value, value_len)) {
    return SL_CONFIG_BAD_VALUE;
  }
  sl_config_entry* e = config_slot(table, def->key);
  if (!e) return SL_CONFIG_BAD_VALUE;
  memcpy(e->value, value, value_len);
  e->value[value_len] = '\0';
  return SL_CONFIG_OK;
}

const char* sl_config_get(const sl_config_table* table, const char* key) {
  for (size_t i = 0; i < table->count; ++i) {
    if (strcmp(table->entries[i].key, key) == 0) return table->entries[i].value;
  }
  return NULL;
}

/* ---- device lifecycle ------------------------------------------------ */

void sl_device_init(sl_device* dev) {
  memset(dev, 0, sizeof *dev);
  dev->lock_state = SL_LOCK_LOCKED;
  dev->battery_percent = 87;
  snprintf(dev->pin, sizeof dev->pin, "%s", SL_DEFAULT_PIN);
  snprintf(dev->api_token, sizeof dev->api_token, "%s", SL_API_TOKEN);
  for (size_t i = 0; i < CONFIG_KEY_COUNT; ++i) {
    const config_key_def* def = &kConfigKeys[i];
    sl_config_set(&dev->config, def->key, strlen(def->key), def->default_value, strlen(def->default_value));
  }
  dev->mqtt.state = SL_MQTT_AWAIT_CONNACK;
  dev->mqtt.next_packet_id = 1;
  dev->ble.mtu = SL_ATT_DEFAULT_MTU;
  static const char kDefaultSettings[] = "auto_lock=30;led=on";
  dev->ble.settings_len = sizeof kDefaultSettings - 1;
  memcpy(dev->ble.settings, kDefaultSettings, dev->ble.settings_len);
  dev->coap_next_message_id = 0x5a00;
}

void sl_device_release(sl_device* dev) {
  sl_fw_abort(dev);
  free(dev->schedule);
  dev->schedule = NULL;
  dev->schedule_count = 0;
}
