// SmartLockGatt: see smart_lock_gatt.h.
#include "smart_lock_gatt.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
#include "lib/bluetooth.h"
#include "lib/uuid.h"
#include "src/shared/att.h"
#include "src/shared/gatt-db.h"
#include "src/shared/gatt-server.h"
}

namespace iotfuzz::bluez {

namespace h = smart_lock_handles;

// What a callback needs to find its characteristic: the device and the
// attribute handle (assigned by gatt-db, checked against smart_lock_handles).
struct SmartLockGatt::Attribute {
  SmartLockGatt* device;
  uint16_t handle;
};

namespace {

// Application error codes of the lock service (ATT reserves 0x80-0x9f for them).
constexpr uint8_t kErrorInvalidCommand = 0x80;
constexpr uint8_t kErrorInvalidSchedule = 0x81;
constexpr uint8_t kErrorInvalidSettings = 0x82;
constexpr uint8_t kErrorNotInMaintenance = 0x83;

// Event log record types.
constexpr uint8_t kEventLocked = 1;
constexpr uint8_t kEventUnlocked = 2;
constexpr uint8_t kEventSettingsChanged = 3;
constexpr uint8_t kEventMaintenance = 4;

bt_uuid_t Uuid16(uint16_t value) {
  bt_uuid_t uuid;
  bt_uuid16_create(&uuid, value);
  return uuid;
}

// 5e3a00xx-7b1c-4d2e-9f0a-6c1d2e3f4a5b, the vendor base of the lock's
// services and characteristics.
bt_uuid_t VendorUuid(uint8_t id) {
  uint128_t value = {{0x5e, 0x3a, 0x00, id, 0x7b, 0x1c, 0x4d, 0x2e, 0x9f, 0x0a, 0x6c, 0x1d, 0x2e,
                      0x3f, 0x4a, 0x5b}};
  bt_uuid_t uuid;
  bt_uuid128_create(&uuid, value);
  return uuid;
}

SmartLockGatt::Attribute& AttributeOf(void* user_data) {
  return *static_cast<SmartLockGatt::Attribute*>(user_data);
}

void ReadTrampoline(gatt_db_attribute* attrib, unsigned int id, uint16_t offset, uint8_t opcode,
                    bt_att*, void* user_data) {
  auto& a = AttributeOf(user_data);
  a.device->Read(a, attrib, id, offset, opcode);
}

void WriteTrampoline(gatt_db_attribute* attrib, unsigned int id, uint16_t offset,
                     const uint8_t* value, size_t len, uint8_t opcode, bt_att*, void* user_data) {
  auto& a = AttributeOf(user_data);
  a.device->Write(a, attrib, id, offset, value, len, opcode);
}

void CccReadTrampoline(gatt_db_attribute* attrib, unsigned int id, uint16_t offset, uint8_t,
                       bt_att*, void* user_data) {
  static_cast<SmartLockGatt*>(user_data)->ReadCcc(attrib, id, offset);
}

void CccWriteTrampoline(gatt_db_attribute* attrib, unsigned int id, uint16_t offset,
                        const uint8_t* value, size_t len, uint8_t, bt_att*, void* user_data) {
  static_cast<SmartLockGatt*>(user_data)->WriteCcc(attrib, id, offset, value, len);
}

void NotifyTrampoline(gatt_db_attribute* attrib, gatt_db_attribute* ccc, const uint8_t* value,
                      size_t len, bt_att*, void* user_data) {
  static_cast<SmartLockGatt*>(user_data)->Notify(attrib, ccc, value, len);
}

void IndicationConfirmed(void* user_data) {
  static_cast<SmartLockGatt*>(user_data)->OnIndicationConfirmed();
}

// gatt_db_attribute_write needs a completion callback even for values the
// database stores itself.
void StaticWriteDone(gatt_db_attribute*, int, void*) {}

void ExpectHandle(gatt_db_attribute* attrib, uint16_t expected, const char* what) {
  uint16_t got = attrib ? gatt_db_attribute_get_handle(attrib) : 0;
  if (got != expected) {
    std::fprintf(stderr, "SmartLockGatt: %s got handle 0x%04x, expected 0x%04x\n", what, got,
                 expected);
    std::abort();
  }
}

void ReadResult(gatt_db_attribute* attrib, unsigned int id, uint16_t offset,
                const uint8_t* data, size_t size) {
  if (offset > size) {
    gatt_db_attribute_read_result(attrib, id, BT_ATT_ERROR_INVALID_OFFSET, nullptr, 0);
    return;
  }
  gatt_db_attribute_read_result(attrib, id, 0, data + offset, size - offset);
}

// Writes `len` bytes at `offset` into `value` (at most `max` bytes long), as
// a long write or a prepared write fragment does; a Write Request (offset 0)
// replaces the whole value. Returns an ATT error code or 0.
uint8_t WriteAt(std::vector<uint8_t>& value, size_t max, uint16_t offset, const uint8_t* data,
                size_t len, uint8_t opcode) {
  if (offset > value.size()) return BT_ATT_ERROR_INVALID_OFFSET;
  if (offset + len > max) return BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
  if (opcode == BT_ATT_OP_WRITE_REQ || opcode == BT_ATT_OP_WRITE_CMD) value.resize(offset);
  if (offset + len > value.size()) value.resize(offset + len);
  if (len) std::memcpy(value.data() + offset, data, len);
  return 0;
}

uint16_t GetLe16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

// The longest value a characteristic takes, for offset checks of prepared
// writes; short values can still be written reliably at offset 0.
size_t LongValueMax(uint16_t handle) {
  switch (handle) {
    case h::kDeviceName:
      return kMaxDeviceNameLength;
    case h::kAccessSchedule:
      return kAccessScheduleMax;
    case h::kLockSettings:
      return kLockSettingsMax;
    default:
      return 0;
  }
}

// Which CCC bits (0x0001 notifications, 0x0002 indications) the properties
// of the characteristic behind a CCC descriptor allow.
uint16_t CccAllowedBits(uint16_t ccc_handle) {
  switch (ccc_handle) {
    case h::kServiceChangedCcc:
    case h::kDfuControlPointCcc:
      return 0x0002;
    case h::kBatteryLevelCcc:
    case h::kLockSettingsCcc:
      return 0x0001;
    case h::kLockStateCcc:
      return 0x0003;
    default:
      return 0;
  }
}

}  // namespace

SmartLockGatt::SmartLockGatt(gatt_db* db) : db_(db) {
  const char* name = "Front Door Lock";
  device_name_.assign(name, name + std::strlen(name));
  // A default schedule: two entries, weekdays 07:00-19:00 for user 1,
  // weekends 09:00-17:00 for user 2.
  access_schedule_ = {0x1f, 0xa4, 0x01, 0x74, 0x04, 0x01, 0x60, 0x1c, 0x02, 0xfc, 0x03, 0x02};
  // Settings TLVs: volume 3, LED brightness 80, auto-relock 30 s, a
  // 43-byte installer note (so the value is longer than the default MTU).
  const char* note = "installed 2023-05-02, back entrance, door 2";
  settings_ = {0x01, 0x01, 0x03, 0x02, 0x01, 0x50, 0x03, 0x02, 0x1e, 0x00,
               0x04, static_cast<uint8_t>(std::strlen(note))};
  settings_.insert(settings_.end(), note, note + std::strlen(note));
  // Twenty past events, so the log is longer than any MTU.
  for (int i = 0; i < 20; ++i) AppendEvent(i % 2 ? kEventUnlocked : kEventLocked, 1);

  gatt_db_ccc_register(db_, CccReadTrampoline, CccWriteTrampoline, NotifyTrampoline, this);

  auto characteristic = [&](gatt_db_attribute* service, const bt_uuid_t& uuid, uint32_t perms,
                            uint8_t props, uint16_t handle, const char* what) {
    auto* a = new Attribute{this, handle};
    attributes_.push_back(a);
    gatt_db_attribute* attr = gatt_db_service_add_characteristic(
        service, &uuid, perms, props, ReadTrampoline, WriteTrampoline, a);
    ExpectHandle(attr, handle, what);
    return attr;
  };
  // Characteristics whose value the database itself stores.
  auto static_characteristic = [&](gatt_db_attribute* service, uint16_t uuid16, uint32_t perms,
                                   const void* value, size_t len, uint16_t handle,
                                   const char* what) {
    bt_uuid_t uuid = Uuid16(uuid16);
    gatt_db_attribute* attr = gatt_db_service_add_characteristic(
        service, &uuid, perms, BT_GATT_CHRC_PROP_READ, nullptr, nullptr, nullptr);
    ExpectHandle(attr, handle, what);
    gatt_db_attribute_write(attr, 0, static_cast<const uint8_t*>(value), len, 0, nullptr,
                            StaticWriteDone, nullptr);
    return attr;
  };
  auto ccc = [&](gatt_db_attribute* service, uint32_t perms, uint16_t handle, const char* what) {
    ExpectHandle(gatt_db_service_add_ccc(service, perms), handle, what);
  };

  // GAP.
  bt_uuid_t uuid = Uuid16(0x1800);
  gatt_db_attribute* gap = gatt_db_add_service(db_, &uuid, true, 7);
  ExpectHandle(gap, h::kGapService, "GAP service");
  characteristic(gap, Uuid16(0x2a00), BT_ATT_PERM_READ | BT_ATT_PERM_WRITE | BT_ATT_PERM_WRITE_ENCRYPT,
                 BT_GATT_CHRC_PROP_READ | BT_GATT_CHRC_PROP_WRITE, h::kDeviceName, "Device Name");
  const uint8_t appearance[] = {0x00, 0x00};
  static_characteristic(gap, 0x2a01, BT_ATT_PERM_READ, appearance, sizeof(appearance),
                        h::kAppearance, "Appearance");
  // Interval 30-50 ms, latency 0, supervision timeout 5 s.
  const uint8_t ppcp[] = {0x18, 0x00, 0x28, 0x00, 0x00, 0x00, 0xf4, 0x01};
  static_characteristic(gap, 0x2a04, BT_ATT_PERM_READ, ppcp, sizeof(ppcp),
                        h::kPreferredConnParams, "Peripheral Preferred Connection Parameters");
  gatt_db_service_set_active(gap, true);

  // GATT.
  uuid = Uuid16(0x1801);
  gatt_db_attribute* gatt = gatt_db_add_service(db_, &uuid, true, 10);
  ExpectHandle(gatt, h::kGattService, "GATT service");
  characteristic(gatt, Uuid16(0x2a05), BT_ATT_PERM_NONE, BT_GATT_CHRC_PROP_INDICATE,
                 h::kServiceChanged, "Service Changed");
  ccc(gatt, BT_ATT_PERM_READ | BT_ATT_PERM_WRITE, h::kServiceChangedCcc, "Service Changed CCC");
  characteristic(gatt, Uuid16(0x2b29), BT_ATT_PERM_READ | BT_ATT_PERM_WRITE,
                 BT_GATT_CHRC_PROP_READ | BT_GATT_CHRC_PROP_WRITE, h::kClientSupportedFeatures,
                 "Client Supported Features");
  characteristic(gatt, Uuid16(0x2b2a), BT_ATT_PERM_READ, BT_GATT_CHRC_PROP_READ, h::kDatabaseHash,
                 "Database Hash");
  const uint8_t server_features[] = {0x00};  // no EATT
  static_characteristic(gatt, 0x2b3a, BT_ATT_PERM_READ, server_features, sizeof(server_features),
                        h::kServerSupportedFeatures, "Server Supported Features");
  gatt_db_service_set_active(gatt, true);

  // Battery.
  uuid = Uuid16(0x180f);
  gatt_db_attribute* battery = gatt_db_add_service(db_, &uuid, true, 4);
  ExpectHandle(battery, h::kBatteryService, "Battery service");
  characteristic(battery, Uuid16(0x2a19), BT_ATT_PERM_READ,
                 BT_GATT_CHRC_PROP_READ | BT_GATT_CHRC_PROP_NOTIFY, h::kBatteryLevel,
                 "Battery Level");
  ccc(battery, BT_ATT_PERM_READ | BT_ATT_PERM_WRITE, h::kBatteryLevelCcc, "Battery Level CCC");
  gatt_db_service_set_active(battery, true);

  // Device Information.
  uuid = Uuid16(0x180a);
  gatt_db_attribute* dis = gatt_db_add_service(db_, &uuid, true, 13);
  ExpectHandle(dis, h::kDeviceInfoService, "Device Information service");
  static_characteristic(dis, 0x2a29, BT_ATT_PERM_READ, "Acme Locks", 10, h::kManufacturerName,
                        "Manufacturer Name");
  static_characteristic(dis, 0x2a24, BT_ATT_PERM_READ, "AL-200", 6, h::kModelNumber,
                        "Model Number");
  static_characteristic(dis, 0x2a25, BT_ATT_PERM_READ | BT_ATT_PERM_READ_ENCRYPT, "AL200-0001234",
                        13, h::kSerialNumber, "Serial Number");
  static_characteristic(dis, 0x2a26, BT_ATT_PERM_READ, "2.4.1", 5, h::kFirmwareRevision,
                        "Firmware Revision");
  static_characteristic(dis, 0x2a28, BT_ATT_PERM_READ, "2.4.1-ble", 9, h::kSoftwareRevision,
                        "Software Revision");
  // Vendor ID source USB-IF, vendor 0x1234, product 0x0200, version 2.4.1.
  const uint8_t pnp_id[] = {0x02, 0x34, 0x12, 0x00, 0x02, 0x41, 0x02};
  static_characteristic(dis, 0x2a50, BT_ATT_PERM_READ, pnp_id, sizeof(pnp_id), h::kPnpId,
                        "PnP ID");
  gatt_db_service_set_active(dis, true);

  // Lock.
  uuid = VendorUuid(0x01);
  gatt_db_attribute* lock = gatt_db_add_service(db_, &uuid, true, 18);
  ExpectHandle(lock, h::kLockService, "Lock service");
  ExpectHandle(gatt_db_service_add_included(lock, battery), h::kLockIncludesBattery,
               "Lock service include");
  characteristic(lock, VendorUuid(0x02), BT_ATT_PERM_READ | BT_ATT_PERM_READ_ENCRYPT,
                 BT_GATT_CHRC_PROP_READ | BT_GATT_CHRC_PROP_NOTIFY | BT_GATT_CHRC_PROP_INDICATE,
                 h::kLockState, "Lock State");
  ccc(lock, BT_ATT_PERM_READ | BT_ATT_PERM_WRITE | BT_ATT_PERM_WRITE_ENCRYPT, h::kLockStateCcc,
      "Lock State CCC");
  characteristic(lock, VendorUuid(0x03), BT_ATT_PERM_WRITE | BT_ATT_PERM_WRITE_ENCRYPT,
                 BT_GATT_CHRC_PROP_WRITE | BT_GATT_CHRC_PROP_WRITE_WITHOUT_RESP, h::kLockCommand,
                 "Lock Command");
  characteristic(lock, VendorUuid(0x04), BT_ATT_PERM_READ | BT_ATT_PERM_WRITE | BT_ATT_PERM_ENCRYPT,
                 BT_GATT_CHRC_PROP_READ | BT_GATT_CHRC_PROP_WRITE | BT_GATT_CHRC_PROP_EXT_PROP,
                 h::kAccessSchedule, "Access Schedule");
  const uint8_t ext_props[] = {0x01, 0x00};  // Reliable Write
  bt_uuid_t desc_uuid = Uuid16(0x2900);
  gatt_db_attribute* desc =
      gatt_db_service_add_descriptor(lock, &desc_uuid, BT_ATT_PERM_READ, nullptr, nullptr, nullptr);
  ExpectHandle(desc, h::kAccessScheduleExtProps, "Characteristic Extended Properties");
  gatt_db_attribute_write(desc, 0, ext_props, sizeof(ext_props), 0, nullptr, StaticWriteDone,
                          nullptr);
  desc_uuid = Uuid16(0x2901);
  desc = gatt_db_service_add_descriptor(lock, &desc_uuid, BT_ATT_PERM_READ, nullptr, nullptr,
                                        nullptr);
  ExpectHandle(desc, h::kAccessScheduleDescription, "Characteristic User Description");
  const char* description = "Weekly access schedule: day mask, start and end minute, user";
  gatt_db_attribute_write(desc, 0, reinterpret_cast<const uint8_t*>(description),
                          std::strlen(description), 0, nullptr, StaticWriteDone, nullptr);
  characteristic(lock, VendorUuid(0x05), BT_ATT_PERM_READ | BT_ATT_PERM_READ_ENCRYPT,
                 BT_GATT_CHRC_PROP_READ, h::kEventLog, "Event Log");
  characteristic(lock, VendorUuid(0x06), BT_ATT_PERM_WRITE | BT_ATT_PERM_WRITE_AUTHEN,
                 BT_GATT_CHRC_PROP_WRITE, h::kAdminPin, "Admin PIN");
  characteristic(lock, VendorUuid(0x07), BT_ATT_PERM_READ | BT_ATT_PERM_WRITE,
                 BT_GATT_CHRC_PROP_READ | BT_GATT_CHRC_PROP_WRITE | BT_GATT_CHRC_PROP_NOTIFY,
                 h::kLockSettings, "Lock Settings");
  ccc(lock, BT_ATT_PERM_READ | BT_ATT_PERM_WRITE, h::kLockSettingsCcc, "Lock Settings CCC");
  gatt_db_service_set_active(lock, true);

  // Firmware update, inactive until maintenance mode.
  uuid = VendorUuid(0x10);
  dfu_service_ = gatt_db_add_service(db_, &uuid, true, 6);
  ExpectHandle(dfu_service_, h::kDfuService, "DFU service");
  characteristic(dfu_service_, VendorUuid(0x11), BT_ATT_PERM_WRITE | BT_ATT_PERM_WRITE_ENCRYPT,
                 BT_GATT_CHRC_PROP_WRITE | BT_GATT_CHRC_PROP_INDICATE, h::kDfuControlPoint,
                 "DFU Control Point");
  ccc(dfu_service_, BT_ATT_PERM_READ | BT_ATT_PERM_WRITE, h::kDfuControlPointCcc,
      "DFU Control Point CCC");
  characteristic(dfu_service_, VendorUuid(0x12), BT_ATT_PERM_WRITE | BT_ATT_PERM_WRITE_ENCRYPT,
                 BT_GATT_CHRC_PROP_WRITE_WITHOUT_RESP, h::kDfuPacket, "DFU Packet");
}

SmartLockGatt::~SmartLockGatt() {
  for (Attribute* a : attributes_) delete a;
}

void SmartLockGatt::Read(Attribute& a, gatt_db_attribute* attrib, unsigned int id,
                         uint16_t offset, uint8_t) {
  switch (a.handle) {
    case h::kDeviceName:
      return ReadResult(attrib, id, offset, device_name_.data(), device_name_.size());
    case h::kClientSupportedFeatures:
      return ReadResult(attrib, id, offset, &client_features_, 1);
    case h::kDatabaseHash: {
      // The hash needs the kernel's AES-CMAC (AF_ALG); without it the
      // characteristic exists but cannot be read.
      const uint8_t* hash = gatt_db_get_hash(db_);
      if (!hash) {
        gatt_db_attribute_read_result(attrib, id, BT_ATT_ERROR_UNLIKELY, nullptr, 0);
        return;
      }
      return ReadResult(attrib, id, offset, hash, 16);
    }
    case h::kBatteryLevel:
      return ReadResult(attrib, id, offset, &battery_level_, 1);
    case h::kLockState:
      return ReadResult(attrib, id, offset, &lock_state_, 1);
    case h::kAccessSchedule:
      return ReadResult(attrib, id, offset, access_schedule_.data(), access_schedule_.size());
    case h::kEventLog:
      return ReadResult(attrib, id, offset, event_log_.data(), event_log_.size());
    case h::kLockSettings:
      return ReadResult(attrib, id, offset, settings_.data(), settings_.size());
    default:
      // Service Changed, Lock Command, Admin PIN and the DFU characteristics
      // have no read permission; gatt-server refuses before calling here.
      gatt_db_attribute_read_result(attrib, id, BT_ATT_ERROR_READ_NOT_PERMITTED, nullptr, 0);
  }
}

void SmartLockGatt::Write(Attribute& a, gatt_db_attribute* attrib, unsigned int id,
                          uint16_t offset, const uint8_t* value, size_t len, uint8_t opcode) {
  uint8_t error = 0;
  if (opcode == BT_ATT_OP_PREP_WRITE_REQ) {
    // gatt-server asks before queueing a Prepare Write (with no value):
    // only the offset can be checked now, the value is written fragment by
    // fragment at Execute Write.
    size_t max = LongValueMax(a.handle);
    gatt_db_attribute_write_result(attrib, id, offset > max ? BT_ATT_ERROR_INVALID_OFFSET : 0);
    return;
  }
  switch (a.handle) {
    case h::kDeviceName:
      error = WriteAt(device_name_, kMaxDeviceNameLength, offset, value, len, opcode);
      break;
    case h::kClientSupportedFeatures:
      // Bits once set by the client cannot be cleared (Core 5.3 Vol 3 Part G 7.2).
      if (offset) {
        error = BT_ATT_ERROR_INVALID_OFFSET;
      } else if (len != 1) {
        error = BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
      } else if ((client_features_ & ~value[0]) != 0) {
        error = BT_ATT_ERROR_VALUE_NOT_ALLOWED;
      } else {
        client_features_ = value[0] & 0x07;
      }
      break;
    case h::kLockCommand:
      error = offset ? BT_ATT_ERROR_INVALID_OFFSET : ExecuteLockCommand(value, len);
      break;
    case h::kAccessSchedule: {
      std::vector<uint8_t> updated = access_schedule_;
      error = WriteAt(updated, kAccessScheduleMax, offset, value, len, opcode);
      // A prepared write is checked fragment by fragment only for its
      // bounds; the schedule is validated when written in one piece.
      if (!error && opcode == BT_ATT_OP_WRITE_REQ && !ValidSchedule(updated))
        error = kErrorInvalidSchedule;
      if (!error) access_schedule_ = std::move(updated);
      break;
    }
    case h::kAdminPin:
      // Four to eight decimal digits.
      if (offset || len < 4 || len > 8) {
        error = BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
      } else {
        for (size_t i = 0; i < len; ++i)
          if (value[i] < '0' || value[i] > '9') error = BT_ATT_ERROR_VALUE_NOT_ALLOWED;
      }
      break;
    case h::kLockSettings: {
      std::vector<uint8_t> updated = settings_;
      error = WriteAt(updated, kLockSettingsMax, offset, value, len, opcode);
      if (!error && opcode != BT_ATT_OP_EXEC_WRITE_REQ && !ValidSettings(updated))
        error = kErrorInvalidSettings;
      if (!error) {
        settings_ = std::move(updated);
        AppendEvent(kEventSettingsChanged, static_cast<uint8_t>(settings_.size()));
        NotifyValue(h::kLockSettings, settings_);
      }
      break;
    }
    case h::kDfuControlPoint: {
      // Opcodes: 0x01 start (u16le image size), 0x02 validate, 0x03 abort.
      // The response goes out as an indication: 0x10, request, result.
      if (!maintenance_) {
        error = kErrorNotInMaintenance;
        break;
      }
      if (offset || len < 1) {
        error = BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
        break;
      }
      uint8_t result = 0x01;  // success
      if (value[0] == 0x01 && len == 3 && GetLe16(value + 1) <= kDfuImageMax) {
        dfu_image_.clear();
        dfu_state_ = 1;
      } else if (value[0] == 0x02 && dfu_state_ == 1) {
        result = dfu_image_.size() >= 8 && std::memcmp(dfu_image_.data(), "AL2F", 4) == 0 ? 0x01
                                                                                         : 0x06;
        dfu_state_ = 0;
      } else if (value[0] == 0x03) {
        dfu_image_.clear();
        dfu_state_ = 0;
      } else {
        result = 0x02;  // opcode or parameters not supported
      }
      NotifyValue(h::kDfuControlPoint, {0x10, value[0], result});
      break;
    }
    case h::kDfuPacket:
      if (!maintenance_ || dfu_state_ != 1) {
        error = kErrorNotInMaintenance;
      } else if (dfu_image_.size() + len > kDfuImageMax) {
        error = BT_ATT_ERROR_INSUFFICIENT_RESOURCES;
      } else {
        dfu_image_.insert(dfu_image_.end(), value, value + len);
      }
      break;
    default:
      error = BT_ATT_ERROR_WRITE_NOT_PERMITTED;
  }
  gatt_db_attribute_write_result(attrib, id, error);
}

void SmartLockGatt::ReadCcc(gatt_db_attribute* attrib, unsigned int id, uint16_t offset) {
  uint16_t handle = gatt_db_attribute_get_handle(attrib);
  uint8_t value[2] = {0, 0};
  if (handle <= h::kLastHandle) {
    value[0] = ccc_[handle] & 0xff;
    value[1] = ccc_[handle] >> 8;
  }
  ReadResult(attrib, id, offset, value, sizeof(value));
}

void SmartLockGatt::WriteCcc(gatt_db_attribute* attrib, unsigned int id, uint16_t offset,
                             const uint8_t* value, size_t len) {
  uint16_t handle = gatt_db_attribute_get_handle(attrib);
  uint8_t error = 0;
  if (offset) {
    error = BT_ATT_ERROR_INVALID_OFFSET;
  } else if (len != 2) {
    error = BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
  } else if (handle > h::kLastHandle) {
    error = BT_ATT_ERROR_UNLIKELY;
  } else {
    uint16_t bits = GetLe16(value);
    uint16_t allowed = CccAllowedBits(handle);
    if (bits & ~allowed)
      error = BT_ERROR_CCC_IMPROPERLY_CONFIGURED;
    else
      ccc_[handle] = bits;
  }
  gatt_db_attribute_write_result(attrib, id, error);
}

void SmartLockGatt::Notify(gatt_db_attribute* attrib, gatt_db_attribute* ccc,
                           const uint8_t* value, size_t len) {
  if (!server_) return;
  uint16_t ccc_handle = gatt_db_attribute_get_handle(ccc);
  uint16_t handle = gatt_db_attribute_get_handle(attrib);
  uint16_t bits = ccc_handle <= h::kLastHandle ? ccc_[ccc_handle] : 0;
  if (bits & 0x0002) {
    bt_gatt_server_send_indication(server_, handle, value, static_cast<uint16_t>(len),
                                   IndicationConfirmed, this, nullptr);
  } else if (bits & 0x0001) {
    bt_gatt_server_send_notification(server_, handle, value, static_cast<uint16_t>(len), false);
  }
}

uint8_t SmartLockGatt::ExecuteLockCommand(const uint8_t* value, size_t len) {
  if (len < 1) return BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
  switch (static_cast<LockCommand>(value[0])) {
    case LockCommand::kLock:
    case LockCommand::kUnlock: {
      if (len != 1) return BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
      uint8_t state = value[0] == static_cast<uint8_t>(LockCommand::kLock) ? 0 : 1;
      if (state != lock_state_) {
        SetLockState(state);
        // Each motor run costs battery.
        if (battery_level_ > 0) --battery_level_;
        NotifyValue(h::kBatteryLevel, {battery_level_});
      }
      return 0;
    }
    case LockCommand::kSetAutoRelock: {
      if (len != 3) return BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
      uint16_t seconds = GetLe16(value + 1);
      if (seconds > 3600) return BT_ERROR_OUT_OF_RANGE;
      auto_relock_seconds_ = seconds;
      return 0;
    }
    case LockCommand::kClearEventLog:
      if (len != 1) return BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
      event_log_.clear();
      return 0;
    case LockCommand::kEnterMaintenance:
    case LockCommand::kLeaveMaintenance:
      if (len != 1) return BT_ATT_ERROR_INVALID_ATTRIBUTE_VALUE_LEN;
      SetMaintenance(value[0] == static_cast<uint8_t>(LockCommand::kEnterMaintenance));
      return 0;
  }
  return kErrorInvalidCommand;
}

void SmartLockGatt::SetLockState(uint8_t state) {
  lock_state_ = state;
  AppendEvent(state ? kEventUnlocked : kEventLocked, 0);
  NotifyValue(h::kLockState, {lock_state_});
}

void SmartLockGatt::SetMaintenance(bool on) {
  if (on == maintenance_) return;
  maintenance_ = on;
  dfu_state_ = 0;
  dfu_image_.clear();
  gatt_db_service_set_active(dfu_service_, on);
  AppendEvent(kEventMaintenance, on ? 1 : 0);
  // Service Changed: the affected handle range.
  NotifyValue(h::kServiceChanged, {h::kDfuService & 0xff, h::kDfuService >> 8,
                                   h::kLastHandle & 0xff, h::kLastHandle >> 8});
}

void SmartLockGatt::AppendEvent(uint8_t type, uint8_t detail) {
  // Record: u32le sequence number, type, detail, u16le battery level.
  if (event_log_.size() >= kEventLogEntries * 8) event_log_.erase(event_log_.begin(), event_log_.begin() + 8);
  uint32_t n = event_counter_++;
  event_log_.insert(event_log_.end(),
                    {static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8),
                     static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 24), type, detail,
                     battery_level_, 0});
}

void SmartLockGatt::NotifyValue(uint16_t handle, const std::vector<uint8_t>& value) {
  gatt_db_attribute* attrib = gatt_db_get_attribute(db_, handle);
  if (!attrib) return;
  // An empty vector's data() may be null, and BlueZ 5.66 copies the value
  // with memcpy() even when it is empty (gatt-server.c:1788), which is
  // undefined for a null source (corpora/bluez_gatt_server_fuzzer/
  // regressions/README.md): empty values go out from a valid pointer.
  static const uint8_t kEmpty = 0;
  const uint8_t* data = value.empty() ? &kEmpty : value.data();
  gatt_db_attribute_notify(attrib, data, value.size(), nullptr);
}

bool SmartLockGatt::ValidSchedule(const std::vector<uint8_t>& schedule) {
  // Entries of 6 bytes: day mask (bit 0 Monday .. bit 6 Sunday), start and
  // end minute of the day (u16le, start < end <= 1440), user id (1-250).
  if (schedule.size() % 6) return false;
  for (size_t i = 0; i < schedule.size(); i += 6) {
    uint8_t days = schedule[i];
    uint16_t start = GetLe16(&schedule[i + 1]);
    uint16_t end = GetLe16(&schedule[i + 3]);
    uint8_t user = schedule[i + 5];
    if (days == 0 || (days & 0x80) || start >= end || end > 1440 || user == 0 || user > 250)
      return false;
  }
  return true;
}

bool SmartLockGatt::ValidSettings(const std::vector<uint8_t>& settings) {
  // TLV records: type (1 volume 0-5, 2 LED brightness 0-100, 3 auto-relock
  // u16le seconds, 4 installer note, printable), length, value.
  size_t i = 0;
  while (i < settings.size()) {
    if (settings.size() - i < 2) return false;
    uint8_t type = settings[i];
    size_t len = settings[i + 1];
    if (settings.size() - i - 2 < len) return false;
    const uint8_t* v = &settings[i + 2];
    switch (type) {
      case 1:
        if (len != 1 || v[0] > 5) return false;
        break;
      case 2:
        if (len != 1 || v[0] > 100) return false;
        break;
      case 3:
        if (len != 2 || GetLe16(v) > 3600) return false;
        break;
      case 4:
        for (size_t k = 0; k < len; ++k)
          if (v[k] < 0x20 || v[k] > 0x7e) return false;
        break;
      default:
        return false;
    }
    i += 2 + len;
  }
  return true;
}

}  // namespace iotfuzz::bluez
