/*
 * BLE ATT server with the lock's GATT database.
 *
 *   handle  attribute
 *   1       Primary Service: Generic Access (0x1800)
 *   2-3       Device Name                          read
 *   4       Primary Service: Battery (0x180F)
 *   5-6       Battery Level                        read, notify
 *   7           Client Characteristic Configuration
 *   8       Primary Service: Device Information (0x180A)
 *   9-10      Manufacturer Name                    read
 *   11-12     Model Number                         read
 *   13-14     Firmware Revision                    read
 *   15      Primary Service: Lock Control (128-bit)
 *   16-17     Lock State                           read, notify
 *   18          Client Characteristic Configuration
 *   19-20     Lock Command                         write, write without response
 *               0x01 = lock, 0x02 <pin> = unlock
 *   21-22     Lock Settings (up to 128 bytes)      read, write, long write
 *   23          Characteristic User Description
 *
 * Supported requests: Exchange MTU, Find Information, Find By Type Value,
 * Read By Type, Read, Read Blob, Read By Group Type, Write, Prepare Write,
 * Execute Write; commands: Write Command, Handle Value Confirmation.
 */
#include <stdlib.h>
#include <string.h>

#include "sl_internal.h"

enum {
  ATT_ERROR_RSP = 0x01,
  ATT_EXCHANGE_MTU_REQ = 0x02,
  ATT_EXCHANGE_MTU_RSP = 0x03,
  ATT_FIND_INFORMATION_REQ = 0x04,
  ATT_FIND_INFORMATION_RSP = 0x05,
  ATT_FIND_BY_TYPE_VALUE_REQ = 0x06,
  ATT_FIND_BY_TYPE_VALUE_RSP = 0x07,
  ATT_READ_BY_TYPE_REQ = 0x08,
  ATT_READ_BY_TYPE_RSP = 0x09,
  ATT_READ_REQ = 0x0A,
  ATT_READ_RSP = 0x0B,
  ATT_READ_BLOB_REQ = 0x0C,
  ATT_READ_BLOB_RSP = 0x0D,
  ATT_READ_BY_GROUP_TYPE_REQ = 0x10,
  ATT_READ_BY_GROUP_TYPE_RSP = 0x11,
  ATT_WRITE_REQ = 0x12,
  ATT_WRITE_RSP = 0x13,
  ATT_PREPARE_WRITE_REQ = 0x16,
  ATT_PREPARE_WRITE_RSP = 0x17,
  ATT_EXECUTE_WRITE_REQ = 0x18,
  ATT_EXECUTE_WRITE_RSP = 0x19,
  ATT_HANDLE_VALUE_CFM = 0x1E,
  ATT_WRITE_CMD = 0x52
};

enum {
  ATT_ERR_INVALID_HANDLE = 0x01,
  ATT_ERR_READ_NOT_PERMITTED = 0x02,
  ATT_ERR_WRITE_NOT_PERMITTED = 0x03,
  ATT_ERR_INVALID_PDU = 0x04,
  ATT_ERR_REQUEST_NOT_SUPPORTED = 0x06,
  ATT_ERR_INVALID_OFFSET = 0x07,
  ATT_ERR_PREPARE_QUEUE_FULL = 0x09,
  ATT_ERR_ATTRIBUTE_NOT_FOUND = 0x0A,
  ATT_ERR_INVALID_VALUE_LENGTH = 0x0D,
  ATT_ERR_INSUFFICIENT_RESOURCES = 0x11,
  ATT_ERR_UNSUPPORTED_GROUP_TYPE = 0x10,
  ATT_ERR_WRONG_PIN = 0x80,      /* application error */
  ATT_ERR_PIN_LOCKED_OUT = 0x81, /* application error */
  ATT_ERR_CCC_IMPROPER = 0xFD
};

#define ATT_COMMAND_FLAG 0x40u

/* Attribute types */
#define UUID_PRIMARY_SERVICE 0x2800u
#define UUID_SECONDARY_SERVICE 0x2801u
#define UUID_CHARACTERISTIC 0x2803u
#define UUID_CUD 0x2901u
#define UUID_CCCD 0x2902u

/* Characteristic properties */
#define PROP_READ 0x02u
#define PROP_WRITE_NO_RSP 0x04u
#define PROP_WRITE 0x08u
#define PROP_NOTIFY 0x10u

/* Attribute permissions */
#define PERM_READ 0x01u
#define PERM_WRITE 0x02u
#define PERM_LONG_WRITE 0x04u

typedef enum att_value_source {
  VALUE_STATIC,
  VALUE_BATTERY_LEVEL,
  VALUE_BATTERY_CCCD,
  VALUE_LOCK_STATE,
  VALUE_LOCK_STATE_CCCD,
  VALUE_LOCK_COMMAND,
  VALUE_SETTINGS
} att_value_source;

typedef struct att_def {
  uint16_t type16;        /* 16-bit attribute type, or 0 for type128 */
  const uint8_t* type128; /* 128-bit attribute type, little-endian */
  uint8_t perms;
  att_value_source source;
  const uint8_t* value; /* VALUE_STATIC */
  uint16_t value_len;
} att_def;

/* 128-bit UUIDs, little-endian as on air: a7c1000N-5b2e-4f0c-9d3a-6e1f2c8b4d70 */
#define LOCK_UUID(n) \
  {0x70, 0x4d, 0x8b, 0x2c, 0x1f, 0x6e, 0x3a, 0x9d, 0x0c, 0x4f, 0x2e, 0x5b, (n), 0x00, 0xc1, 0xa7}
static const uint8_t kUuidLockService[16] = LOCK_UUID(0x01);
static const uint8_t kUuidLockState[16] = LOCK_UUID(0x02);
static const uint8_t kUuidLockCommand[16] = LOCK_UUID(0x03);
static const uint8_t kUuidLockSettings[16] = LOCK_UUID(0x04);

#define U16(v) (uint8_t)((v) & 0xFF), (uint8_t)((v) >> 8)
#define CHAR_DECL16(props, handle, uuid) {(props), U16(handle), U16(uuid)}
#define CHAR_DECL128(props, handle, n) \
  {(props), U16(handle), 0x70, 0x4d, 0x8b, 0x2c, 0x1f, 0x6e, 0x3a, 0x9d, 0x0c, 0x4f, 0x2e, 0x5b, (n), 0x00, 0xc1, 0xa7}

static const uint8_t kSvcGap[] = {U16(0x1800)};
static const uint8_t kSvcBattery[] = {U16(0x180F)};
static const uint8_t kSvcDeviceInfo[] = {U16(0x180A)};
static const uint8_t kCharDeviceName[] = CHAR_DECL16(PROP_READ, 3, 0x2A00);
static const uint8_t kCharBattery[] = CHAR_DECL16(PROP_READ | PROP_NOTIFY, 6, 0x2A19);
static const uint8_t kCharManufacturer[] = CHAR_DECL16(PROP_READ, 10, 0x2A29);
static const uint8_t kCharModel[] = CHAR_DECL16(PROP_READ, 12, 0x2A24);
static const uint8_t kCharFirmware[] = CHAR_DECL16(PROP_READ, 14, 0x2A26);
static const uint8_t kCharLockState[] = CHAR_DECL128(PROP_READ | PROP_NOTIFY, 17, 0x02);
static const uint8_t kCharLockCommand[] = CHAR_DECL128(PROP_WRITE | PROP_WRITE_NO_RSP, 20, 0x03);
static const uint8_t kCharSettings[] = CHAR_DECL128(PROP_READ | PROP_WRITE, 22, 0x04);
static const char kDeviceName[] = "Acme SmartLock " SL_DEVICE_ID;
static const char kManufacturer[] = SL_DEVICE_MANUFACTURER;
static const char kModel[] = SL_DEVICE_MODEL;
static const char kFirmware[] = SL_FIRMWARE_VERSION;
static const char kSettingsDescription[] = "Lock settings";

#define STATIC_VALUE(v) VALUE_STATIC, (const uint8_t*)(v), (uint16_t)sizeof(v)
#define STATIC_TEXT(s) VALUE_STATIC, (const uint8_t*)(s), (uint16_t)(sizeof(s) - 1)
#define DYNAMIC(src) (src), NULL, 0

/* Indexed by handle: handle 0 is reserved by ATT, so entry 0 is unused. */
static const att_def sl_att_db[] = {
    {0, NULL, 0, VALUE_STATIC, NULL, 0},
    {UUID_PRIMARY_SERVICE, NULL, PERM_READ, STATIC_VALUE(kSvcGap)},
    {UUID_CHARACTERISTIC, NULL, PERM_READ, STATIC_VALUE(kCharDeviceName)},
    {0x2A00, NULL, PERM_READ, STATIC_TEXT(kDeviceName)},
    {UUID_PRIMARY_SERVICE, NULL, PERM_READ, STATIC_VALUE(kSvcBattery)},
    {UUID_CHARACTERISTIC, NULL, PERM_READ, STATIC_VALUE(kCharBattery)},
    {0x2A19, NULL, PERM_READ, DYNAMIC(VALUE_BATTERY_LEVEL)},
    {UUID_CCCD, NULL, PERM_READ | PERM_WRITE, DYNAMIC(VALUE_BATTERY_CCCD)},
    {UUID_PRIMARY_SERVICE, NULL, PERM_READ, STATIC_VALUE(kSvcDeviceInfo)},
    {UUID_CHARACTERISTIC, NULL, PERM_READ, STATIC_VALUE(kCharManufacturer)},
    {0x2A29, NULL, PERM_READ, STATIC_TEXT(kManufacturer)},
    {UUID_CHARACTERISTIC, NULL, PERM_READ, STATIC_VALUE(kCharModel)},
    {0x2A24, NULL, PERM_READ, STATIC_TEXT(kModel)},
    {UUID_CHARACTERISTIC, NULL, PERM_READ, STATIC_VALUE(kCharFirmware)},
    {0x2A26, NULL, PERM_READ, STATIC_TEXT(kFirmware)},
    {UUID_PRIMARY_SERVICE, NULL, PERM_READ, STATIC_VALUE(kUuidLockService)},
    {UUID_CHARACTERISTIC, NULL, PERM_READ, STATIC_VALUE(kCharLockState)},
    {0, kUuidLockState, PERM_READ, DYNAMIC(VALUE_LOCK_STATE)},
    {UUID_CCCD, NULL, PERM_READ | PERM_WRITE, DYNAMIC(VALUE_LOCK_STATE_CCCD)},
    {UUID_CHARACTERISTIC, NULL, PERM_READ, STATIC_VALUE(kCharLockCommand)},
    {0, kUuidLockCommand, PERM_WRITE, DYNAMIC(VALUE_LOCK_COMMAND)},
    {UUID_CHARACTERISTIC, NULL, PERM_READ, STATIC_VALUE(kCharSettings)},
    {0, kUuidLockSettings, PERM_READ | PERM_WRITE | PERM_LONG_WRITE, DYNAMIC(VALUE_SETTINGS)},
    {UUID_CUD, NULL, PERM_READ, STATIC_TEXT(kSettingsDescription)},
};
#define ATT_DB_SIZE (sizeof sl_att_db / sizeof sl_att_db[0])
#define ATT_LAST_HANDLE ((uint16_t)(ATT_DB_SIZE - 1))

/* Looks up an attribute by handle; NULL for handles that do not exist. */
static const att_def* att_find_attribute(uint16_t handle) {
  /* PLANTED BUG GATT-1: off-by-one in the handle check. The database is
   * indexed by handle and holds handles 0..ATT_DB_SIZE-1, so the bound must
   * be `handle >= ATT_DB_SIZE`; handle ATT_DB_SIZE (0x0018) passes and the
   * entry one past the end of sl_att_db is read (CWE-193, CWE-125). */
#ifdef SL_WITHOUT_PLANTED_BUGS
  if (handle == 0 || handle >= ATT_DB_SIZE) return NULL;
#else
  if (handle == 0 || handle > ATT_DB_SIZE) return NULL;
#endif
  return sl_att_db + handle;
}

/* ---- values ---------------------------------------------------------- */

typedef struct att_value_view {
  const uint8_t* data;
  size_t len;
  uint8_t scratch[2]; /* backing store for one- and two-byte values */
} att_value_view;

static void att_get_value(const sl_device* dev, const att_def* def, att_value_view* v) {
  v->data = v->scratch;
  v->len = 0;
  switch (def->source) {
    case VALUE_STATIC:
      v->data = def->value;
      v->len = def->value_len;
      return;
    case VALUE_BATTERY_LEVEL:
      v->scratch[0] = dev->battery_percent;
      v->len = 1;
      return;
    case VALUE_BATTERY_CCCD:
    case VALUE_LOCK_STATE_CCCD: {
      uint16_t cccd = def->source == VALUE_BATTERY_CCCD ? dev->ble.battery_cccd
                                                        : dev->ble.lock_state_cccd;
      v->scratch[0] = (uint8_t)(cccd & 0xFF);
      v->scratch[1] = (uint8_t)(cccd >> 8);
      v->len = 2;
      return;
    }
    case VALUE_LOCK_STATE:
      v->scratch[0] = dev->lock_state == SL_LOCK_UNLOCKED ? 1 : 0;
      v->len = 1;
      return;
    case VALUE_LOCK_COMMAND:
      return; /* write-only */
    case VALUE_SETTINGS:
      v->data = dev->ble.settings;
      v->len = dev->ble.settings_len;
      return;
  }
}

/* Applies a Write Request / Write Command value. Returns 0 or an ATT error. */
static uint8_t att_write_value(sl_device* dev, const att_def* def, const uint8_t* value,
                               size_t len) {
  if (!(def->perms & PERM_WRITE)) return ATT_ERR_WRITE_NOT_PERMITTED;
  switch (def->source) {
    case VALUE_BATTERY_CCCD:
    case VALUE_LOCK_STATE_CCCD: {
      if (len != 2) return ATT_ERR_INVALID_VALUE_LENGTH;
      uint16_t cccd = sl_load_u16le(value);
      if (cccd > 0x0001) return ATT_ERR_CCC_IMPROPER; /* notifications only */
      if (def->source == VALUE_BATTERY_CCCD) {
        dev->ble.battery_cccd = cccd;
      } else {
        dev->ble.lock_state_cccd = cccd;
      }
      return 0;
    }
    case VALUE_LOCK_COMMAND:
      if (len == 1 && value[0] == 0x01) {
        sl_lock_engage(dev);
        return 0;
      }
      if (len >= 2 && len <= 1 + SL_PIN_MAX_LEN && value[0] == 0x02) {
        switch (sl_lock_release(dev, value + 1, len - 1)) {
          case SL_UNLOCK_OK: return 0;
          case SL_UNLOCK_WRONG_PIN: return ATT_ERR_WRONG_PIN;
          case SL_UNLOCK_LOCKED_OUT: return ATT_ERR_PIN_LOCKED_OUT;
        }
      }
      return ATT_ERR_INVALID_VALUE_LENGTH;
    case VALUE_SETTINGS:
      if (len > SL_BLE_SETTINGS_MAX) return ATT_ERR_INVALID_VALUE_LENGTH;
      if (len > 0) memcpy(dev->ble.settings, value, len);
      dev->ble.settings_len = len;
      return 0;
    default:
      return ATT_ERR_WRITE_NOT_PERMITTED;
  }
}

/* ---- helpers --------------------------------------------------------- */

static size_t att_error(sl_writer* w, uint8_t request, uint16_t handle, uint8_t code) {
  sl_writer_put_u8(w, ATT_ERROR_RSP);
  sl_writer_put_u8(w, request);
  sl_writer_put_u16le(w, handle);
  sl_writer_put_u8(w, code);
  return w->len;
}

/* Type of an attribute as 2 or 16 bytes (little-endian). */
static size_t att_type_bytes(const att_def* def, uint8_t out[16]) {
  if (def->type128) {
    memcpy(out, def->type128, 16);
    return 16;
  }
  out[0] = (uint8_t)(def->type16 & 0xFF);
  out[1] = (uint8_t)(def->type16 >> 8);
  return 2;
}

static int att_type_matches(const att_def* def, const uint8_t* type, size_t type_len) {
  uint8_t mine[16];
  size_t n = att_type_bytes(def, mine);
  return n == type_len && memcmp(mine, type, n) == 0;
}

/* Validates a handle range: 0 < start <= end. */
static int att_range_valid(uint16_t start, uint16_t end) { return start != 0 && start <= end; }

/* Last handle of the service group starting at `service`. */
static uint16_t att_group_end(uint16_t service) {
  for (uint16_t h = (uint16_t)(service + 1); h <= ATT_LAST_HANDLE; ++h) {
    if (sl_att_db[h].type16 == UUID_PRIMARY_SERVICE ||
        sl_att_db[h].type16 == UUID_SECONDARY_SERVICE) {
      return (uint16_t)(h - 1);
    }
  }
  return ATT_LAST_HANDLE;
}

/* ---- requests -------------------------------------------------------- */

static size_t att_exchange_mtu(sl_device* dev, const uint8_t* pdu, size_t len, sl_writer* w) {
  if (len != 3) return att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  if (dev->ble.mtu_exchanged) return att_error(w, pdu[0], 0, ATT_ERR_REQUEST_NOT_SUPPORTED);
  uint16_t client_mtu = sl_load_u16le(pdu + 1);
  if (client_mtu < SL_ATT_DEFAULT_MTU) client_mtu = SL_ATT_DEFAULT_MTU;
  dev->ble.mtu = client_mtu < SL_ATT_MAX_MTU ? client_mtu : (uint16_t)SL_ATT_MAX_MTU;
  dev->ble.mtu_exchanged = 1;
  sl_writer_put_u8(w, ATT_EXCHANGE_MTU_RSP);
  sl_writer_put_u16le(w, SL_ATT_MAX_MTU);
  return w->len;
}

static size_t att_find_information(const sl_device* dev, const uint8_t* pdu, size_t len,
                                   sl_writer* w) {
  if (len != 5) return att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  uint16_t start = sl_load_u16le(pdu + 1);
  uint16_t end = sl_load_u16le(pdu + 3);
  if (!att_range_valid(start, end)) return att_error(w, pdu[0], start, ATT_ERR_INVALID_HANDLE);
  size_t format_len = 0;
  sl_writer_put_u8(w, ATT_FIND_INFORMATION_RSP);
  sl_writer_put_u8(w, 0); /* format, set below */
  for (uint32_t h = start; h <= end && h <= ATT_LAST_HANDLE; ++h) {
    uint8_t type[16];
    size_t n = att_type_bytes(&sl_att_db[h], type);
    if (format_len == 0) format_len = n;
    if (n != format_len || w->len + 2 + n > dev->ble.mtu) break;
    sl_writer_put_u16le(w, (uint16_t)h);
    sl_writer_put(w, type, n);
  }
  if (format_len == 0) {
    w->len = 0;
    return att_error(w, pdu[0], start, ATT_ERR_ATTRIBUTE_NOT_FOUND);
  }
  w->data[1] = format_len == 2 ? 0x01 : 0x02;
  return w->len;
}

static size_t att_find_by_type_value(const sl_device* dev, const uint8_t* pdu, size_t len,
                                     sl_writer* w) {
  if (len < 7) return att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  uint16_t start = sl_load_u16le(pdu + 1);
  uint16_t end = sl_load_u16le(pdu + 3);
  uint16_t type = sl_load_u16le(pdu + 5);
  const uint8_t* value = pdu + 7;
  size_t value_len = len - 7;
  if (!att_range_valid(start, end)) return att_error(w, pdu[0], start, ATT_ERR_INVALID_HANDLE);
  sl_writer_put_u8(w, ATT_FIND_BY_TYPE_VALUE_RSP);
  for (uint32_t h = start; h <= end && h <= ATT_LAST_HANDLE; ++h) {
    const att_def* def = &sl_att_db[h];
    if (def->type128 || def->type16 != type || !(def->perms & PERM_READ)) continue;
    att_value_view v;
    att_get_value(dev, def, &v);
    if (v.len != value_len || (value_len > 0 && memcmp(v.data, value, value_len) != 0)) continue;
    uint16_t group_end = (type == UUID_PRIMARY_SERVICE || type == UUID_SECONDARY_SERVICE)
                             ? att_group_end((uint16_t)h)
                             : (uint16_t)h;
    if (w->len + 4 > dev->ble.mtu) break;
    sl_writer_put_u16le(w, (uint16_t)h);
    sl_writer_put_u16le(w, group_end);
  }
  if (w->len == 1) {
    w->len = 0;
    return att_error(w, pdu[0], start, ATT_ERR_ATTRIBUTE_NOT_FOUND);
  }
  return w->len;
}

static size_t att_read_by_type(const sl_device* dev, const uint8_t* pdu, size_t len,
                               sl_writer* w) {
  if (len != 7 && len != 21) return att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  uint16_t start = sl_load_u16le(pdu + 1);
  uint16_t end = sl_load_u16le(pdu + 3);
  const uint8_t* type = pdu + 5;
  size_t type_len = len - 5;
  if (!att_range_valid(start, end)) return att_error(w, pdu[0], start, ATT_ERR_INVALID_HANDLE);
  size_t max_value = dev->ble.mtu - 4u;
  if (max_value > 253) max_value = 253;
  size_t element_value_len = 0;
  int found = 0;
  sl_writer_put_u8(w, ATT_READ_BY_TYPE_RSP);
  sl_writer_put_u8(w, 0); /* element length, set below */
  for (uint32_t h = start; h <= end && h <= ATT_LAST_HANDLE; ++h) {
    const att_def* def = &sl_att_db[h];
    if (!att_type_matches(def, type, type_len)) continue;
    if (!(def->perms & PERM_READ)) {
      if (found) break;
      w->len = 0;
      return att_error(w, pdu[0], (uint16_t)h, ATT_ERR_READ_NOT_PERMITTED);
    }
    att_value_view v;
    att_get_value(dev, def, &v);
    size_t n = v.len < max_value ? v.len : max_value;
    if (found && (n != element_value_len || w->len + 2 + n > dev->ble.mtu)) break;
    found = 1;
    element_value_len = n;
    sl_writer_put_u16le(w, (uint16_t)h);
    sl_writer_put(w, v.data, n);
  }
  if (!found) {
    w->len = 0;
    return att_error(w, pdu[0], start, ATT_ERR_ATTRIBUTE_NOT_FOUND);
  }
  w->data[1] = (uint8_t)(2 + element_value_len);
  return w->len;
}

static size_t att_read(const sl_device* dev, const uint8_t* pdu, size_t len, sl_writer* w) {
  int blob = pdu[0] == ATT_READ_BLOB_REQ;
  if (len != (blob ? 5u : 3u)) return att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  uint16_t handle = sl_load_u16le(pdu + 1);
  uint16_t offset = blob ? sl_load_u16le(pdu + 3) : 0;
  const att_def* def = att_find_attribute(handle);
  if (!def) return att_error(w, pdu[0], handle, ATT_ERR_INVALID_HANDLE);
  if (!(def->perms & PERM_READ)) return att_error(w, pdu[0], handle, ATT_ERR_READ_NOT_PERMITTED);
  att_value_view v;
  att_get_value(dev, def, &v);
  if (offset > v.len) return att_error(w, pdu[0], handle, ATT_ERR_INVALID_OFFSET);
  size_t n = v.len - offset;
  if (n > dev->ble.mtu - 1u) n = dev->ble.mtu - 1u;
  sl_writer_put_u8(w, blob ? ATT_READ_BLOB_RSP : ATT_READ_RSP);
  sl_writer_put(w, v.data + offset, n);
  return w->len;
}

static size_t att_read_by_group_type(const sl_device* dev, const uint8_t* pdu, size_t len,
                                     sl_writer* w) {
  if (len != 7 && len != 21) return att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  uint16_t start = sl_load_u16le(pdu + 1);
  uint16_t end = sl_load_u16le(pdu + 3);
  if (!att_range_valid(start, end)) return att_error(w, pdu[0], start, ATT_ERR_INVALID_HANDLE);
  uint16_t group_type = len == 7 ? sl_load_u16le(pdu + 5) : 0;
  if (group_type != UUID_PRIMARY_SERVICE && group_type != UUID_SECONDARY_SERVICE) {
    return att_error(w, pdu[0], start, ATT_ERR_UNSUPPORTED_GROUP_TYPE);
  }
  size_t element_value_len = 0;
  sl_writer_put_u8(w, ATT_READ_BY_GROUP_TYPE_RSP);
  sl_writer_put_u8(w, 0); /* element length, set below */
  for (uint32_t h = start; h <= end && h <= ATT_LAST_HANDLE; ++h) {
    const att_def* def = &sl_att_db[h];
    if (def->type128 || def->type16 != group_type) continue;
    att_value_view v;
    att_get_value(dev, def, &v);
    if (element_value_len != 0 &&
        (v.len != element_value_len || w->len + 4 + v.len > dev->ble.mtu)) {
      break;
    }
    element_value_len = v.len;
    sl_writer_put_u16le(w, (uint16_t)h);
    sl_writer_put_u16le(w, att_group_end((uint16_t)h));
    sl_writer_put(w, v.data, v.len);
  }
  if (element_value_len == 0) {
    w->len = 0;
    return att_error(w, pdu[0], start, ATT_ERR_ATTRIBUTE_NOT_FOUND);
  }
  w->data[1] = (uint8_t)(4 + element_value_len);
  return w->len;
}

static size_t att_write(sl_device* dev, const uint8_t* pdu, size_t len, sl_writer* w) {
  int command = pdu[0] == ATT_WRITE_CMD;
  if (len < 3) return command ? 0 : att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  uint16_t handle = sl_load_u16le(pdu + 1);
  const att_def* def = att_find_attribute(handle);
  uint8_t err = def ? att_write_value(dev, def, pdu + 3, len - 3) : ATT_ERR_INVALID_HANDLE;
  if (command) return 0; /* no response, not even an error */
  if (err) return att_error(w, pdu[0], handle, err);
  sl_writer_put_u8(w, ATT_WRITE_RSP);
  return w->len;
}

static size_t att_prepare_write(sl_device* dev, const uint8_t* pdu, size_t len, sl_writer* w) {
  if (len < 5) return att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  uint16_t handle = sl_load_u16le(pdu + 1);
  uint16_t offset = sl_load_u16le(pdu + 3);
  size_t part_len = len - 5;
  const att_def* def = att_find_attribute(handle);
  if (!def) return att_error(w, pdu[0], handle, ATT_ERR_INVALID_HANDLE);
  if (!(def->perms & PERM_LONG_WRITE)) {
    return att_error(w, pdu[0], handle, ATT_ERR_WRITE_NOT_PERMITTED);
  }
  sl_ble_state* b = &dev->ble;
  if (b->queue_count == SL_ATT_PREPARE_QUEUE_ENTRIES ||
      part_len > SL_ATT_PREPARE_QUEUE_BYTES - b->queue_bytes) {
    return att_error(w, pdu[0], handle, ATT_ERR_PREPARE_QUEUE_FULL);
  }
  sl_att_prepared_write* e = &b->queue[b->queue_count++];
  e->handle = handle;
  e->offset = offset;
  e->len = (uint16_t)part_len;
  e->data_offset = (uint16_t)b->queue_bytes;
  if (part_len > 0) memcpy(b->queue_data + b->queue_bytes, pdu + 5, part_len);
  b->queue_bytes += part_len;
  /* The response echoes the request. */
  sl_writer_put_u8(w, ATT_PREPARE_WRITE_RSP);
  sl_writer_put(w, pdu + 1, len - 1);
  return w->len;
}

static void att_clear_queue(sl_ble_state* b) {
  b->queue_count = 0;
  b->queue_bytes = 0;
}

/* Assembles the queued fragments into the new settings value. A long write
 * replaces the whole value; fragments may overlap but not leave a gap, and
 * bytes past SL_BLE_SETTINGS_MAX are dropped. The value is assembled in a
 * scratch buffer so that a failing request leaves it unchanged. Returns 0 or
 * an ATT error. */
static uint8_t att_execute_queue(sl_device* dev, uint16_t* error_handle) {
  sl_ble_state* b = &dev->ble;
  uint8_t* staged = malloc(SL_BLE_SETTINGS_MAX);
  if (!staged) return ATT_ERR_INSUFFICIENT_RESOURCES;
  size_t staged_len = 0;
  uint8_t err = 0;
  for (size_t i = 0; i < b->queue_count; ++i) {
    const sl_att_prepared_write* e = &b->queue[i];
    if (e->offset > staged_len) {
      *error_handle = e->handle;
      err = ATT_ERR_INVALID_OFFSET;
      break;
    }
    /* PLANTED BUG GATT-2: the fragment is clamped to the room left in the
     * value with signed arithmetic, while staged_len below grows by the
     * unclamped fragment length. Once one fragment runs past the 128-byte
     * maximum, a later fragment may start beyond it (it passes the gap check
     * above), `room` turns negative and memcpy gets a negative size
     * (CWE-195). staged_len must grow by n, not by e->len. */
    int room = (int)SL_BLE_SETTINGS_MAX - (int)e->offset;
    int n = (int)e->len < room ? (int)e->len : room;
    memcpy(staged + e->offset, b->queue_data + e->data_offset, (size_t)n);
#ifdef SL_WITHOUT_PLANTED_BUGS
    if (n < 0) n = 0;
    if ((size_t)e->offset + (size_t)n > staged_len) staged_len = (size_t)e->offset + (size_t)n;
#else
    if ((size_t)e->offset + e->len > staged_len) staged_len = (size_t)e->offset + e->len;
#endif
  }
  if (!err) {
    if (staged_len > SL_BLE_SETTINGS_MAX) staged_len = SL_BLE_SETTINGS_MAX;
    if (staged_len > 0) memcpy(b->settings, staged, staged_len);
    b->settings_len = staged_len;
  }
  free(staged);
  return err;
}

static size_t att_execute_write(sl_device* dev, const uint8_t* pdu, size_t len, sl_writer* w) {
  if (len != 2 || pdu[1] > 0x01) return att_error(w, pdu[0], 0, ATT_ERR_INVALID_PDU);
  uint8_t err = 0;
  uint16_t error_handle = 0;
  if (pdu[1] == 0x01 && dev->ble.queue_count > 0) err = att_execute_queue(dev, &error_handle);
  att_clear_queue(&dev->ble);
  if (err) return att_error(w, pdu[0], error_handle, err);
  sl_writer_put_u8(w, ATT_EXECUTE_WRITE_RSP);
  return w->len;
}

size_t sl_att_handle_pdu(sl_device* dev, const uint8_t* pdu, size_t len, uint8_t* response,
                         size_t response_cap) {
  if (len == 0 || response_cap < SL_ATT_MAX_MTU) return 0;
  sl_writer w;
  sl_writer_init(&w, response, dev->ble.mtu);
  uint8_t opcode = pdu[0];
  if (len > dev->ble.mtu) {
    return (opcode & ATT_COMMAND_FLAG) ? 0 : att_error(&w, opcode, 0, ATT_ERR_INVALID_PDU);
  }
  switch (opcode) {
    case ATT_EXCHANGE_MTU_REQ: return att_exchange_mtu(dev, pdu, len, &w);
    case ATT_FIND_INFORMATION_REQ: return att_find_information(dev, pdu, len, &w);
    case ATT_FIND_BY_TYPE_VALUE_REQ: return att_find_by_type_value(dev, pdu, len, &w);
    case ATT_READ_BY_TYPE_REQ: return att_read_by_type(dev, pdu, len, &w);
    case ATT_READ_REQ:
    case ATT_READ_BLOB_REQ: return att_read(dev, pdu, len, &w);
    case ATT_READ_BY_GROUP_TYPE_REQ: return att_read_by_group_type(dev, pdu, len, &w);
    case ATT_WRITE_REQ:
    case ATT_WRITE_CMD: return att_write(dev, pdu, len, &w);
    case ATT_PREPARE_WRITE_REQ: return att_prepare_write(dev, pdu, len, &w);
    case ATT_EXECUTE_WRITE_REQ: return att_execute_write(dev, pdu, len, &w);
    case ATT_HANDLE_VALUE_CFM: return 0; /* the lock sends no indications */
    default:
      if (opcode & ATT_COMMAND_FLAG) return 0; /* unknown commands are ignored */
      return att_error(&w, opcode, 0, ATT_ERR_REQUEST_NOT_SUPPORTED);
  }
}
