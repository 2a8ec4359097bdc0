/*
 * Helpers shared by the smart lock's protocol handlers. Not part of the
 * public interface (smart_lock.h).
 */
#ifndef SL_INTERNAL_H
#define SL_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "smart_lock.h"

/* ---- bounded output buffer ------------------------------------------- */

/* Appends never write past cap; once something did not fit, `truncated` is
 * set and later appends are dropped, so a response is either complete or
 * visibly cut. */
typedef struct sl_writer {
  uint8_t* data;
  size_t cap;
  size_t len;
  int truncated;
} sl_writer;

void sl_writer_init(sl_writer* w, uint8_t* data, size_t cap);
void sl_writer_put(sl_writer* w, const void* bytes, size_t n);
void sl_writer_put_u8(sl_writer* w, uint8_t v);
void sl_writer_put_u16le(sl_writer* w, uint16_t v);
void sl_writer_put_u16be(sl_writer* w, uint16_t v);
void sl_writer_put_str(sl_writer* w, const char* s);
void sl_writer_printf(sl_writer* w, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- small utilities ------------------------------------------------- */

uint32_t sl_crc32(const uint8_t* data, size_t len);
uint16_t sl_load_u16le(const uint8_t* p);
uint16_t sl_load_u16be(const uint8_t* p);
uint32_t sl_load_u32le(const uint8_t* p);
/* Constant-time comparison of a received secret with the stored one. */
int sl_secret_equals(const char* stored, const uint8_t* received, size_t received_len);
/* Case-insensitive comparison of a length-delimited token with a C string. */
int sl_token_equals_ci(const uint8_t* token, size_t len, const char* literal);
int sl_token_equals(const uint8_t* token, size_t len, const char* literal);

/* ---- lock actions ---------------------------------------------------- */

typedef enum sl_unlock_result {
  SL_UNLOCK_OK = 0,
  SL_UNLOCK_WRONG_PIN = 1,
  SL_UNLOCK_LOCKED_OUT = 2
} sl_unlock_result;

void sl_lock_engage(sl_device* dev);
/* Checks the PIN (counting failures, locking out after SL_PIN_MAX_ATTEMPTS)
 * and unlocks on success. */
sl_unlock_result sl_lock_release(sl_device* dev, const uint8_t* pin, size_t pin_len);
/* Same PIN check without changing the lock (used by login). */
sl_unlock_result sl_pin_check(sl_device* dev, const uint8_t* pin, size_t pin_len);
const char* sl_lock_state_name(sl_lock_state state);

/* ---- configuration store --------------------------------------------- */

typedef enum sl_config_result {
  SL_CONFIG_OK = 0,
  SL_CONFIG_UNKNOWN_KEY = 1,
  SL_CONFIG_BAD_VALUE = 2
} sl_config_result;

/* Sets a known key after validating its value (see device.c for the keys). */
sl_config_result sl_config_set(sl_config_table* table, const char* key, size_t key_len,
                               const char* value, size_t value_len);
const char* sl_config_get(const sl_config_table* table, const char* key);

/* ---- firmware staging (firmware.c) ----------------------------------- */

typedef enum sl_fw_result {
  SL_FW_OK = 0,
  SL_FW_NO_MEMORY = 1,
  SL_FW_OUT_OF_RANGE = 2,
  SL_FW_NOT_STARTED = 3,
  SL_FW_BAD_IMAGE = 4
} sl_fw_result;

/* Starts a transfer of an image of at most `image_size` bytes, discarding any
 * transfer in progress. The caller bounds image_size by SL_FW_MAX_IMAGE. */
sl_fw_result sl_fw_begin(sl_device* dev, size_t image_size);
/* Writes bytes at `offset`; writes must be contiguous (offset == received). */
sl_fw_result sl_fw_write(sl_device* dev, size_t offset, const uint8_t* data, size_t len);
/* Verifies the received image (header, length, CRC-32) and on success marks
 * its version pending. The staging buffer is released either way. */
sl_fw_result sl_fw_finish(sl_device* dev);
void sl_fw_abort(sl_device* dev);

/* ---- JSON (json.c) --------------------------------------------------- */

#define SL_JSON_KEY_MAX 63
#define SL_JSON_STRING_MAX 127

typedef enum sl_json_type {
  SL_JSON_STRING,
  SL_JSON_NUMBER,
  SL_JSON_TRUE,
  SL_JSON_FALSE,
  SL_JSON_NULL,
  SL_JSON_OBJECT,
  SL_JSON_ARRAY
} sl_json_type;

/* A member value of the top-level object. For strings, `text` holds the
 * decoded UTF-8 (NUL-terminated, text_len bytes); for numbers, the number's
 * source text. Objects and arrays are validated but not materialised. */
typedef struct sl_json_value {
  sl_json_type type;
  char text[SL_JSON_STRING_MAX + 1];
  size_t text_len;
} sl_json_value;

/* Called for each member of the top-level object; returning non-zero stops
 * the parse with that value. */
typedef int (*sl_json_member_fn)(void* ctx, const char* key, size_t key_len,
                                 const sl_json_value* value);

typedef enum sl_json_result {
  SL_JSON_OK = 0,
  SL_JSON_SYNTAX = -1,
  SL_JSON_TOO_LONG = -2
} sl_json_result;

/* Parses `text` as one JSON object (RFC 8259) and reports its members.
 * Returns SL_JSON_OK, a negative sl_json_result or the callback's non-zero
 * value. */
int sl_json_parse_object(const char* text, size_t len, sl_json_member_fn on_member, void* ctx);

#endif /* SL_INTERNAL_H */
