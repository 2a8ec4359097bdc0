// SmartLockGatt: the GATT database of a BLE smart lock, served by BlueZ's
// bt_gatt_server. It is the device model of bluez_gatt_server_fuzzer: the
// services a real lock exposes, with the attribute callbacks a firmware
// writes on top of src/shared/gatt-db.c (values with offsets, long values,
// CCC descriptors, notifications and indications, a service that appears on
// demand).
//
// Attribute handles are fixed (the database is built in this order and
// Create() checks every handle), so seed inputs and dictionaries can name
// them; smart_lock_handles below is the table.
#ifndef IOTFUZZ_TARGETS_BLUEZ_SMART_LOCK_GATT_H_
#define IOTFUZZ_TARGETS_BLUEZ_SMART_LOCK_GATT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

struct gatt_db;
struct gatt_db_attribute;
struct bt_gatt_server;

namespace iotfuzz::bluez {

namespace smart_lock_handles {
// GAP service 0x1800
inline constexpr uint16_t kGapService = 0x0001;
inline constexpr uint16_t kDeviceName = 0x0003;               // read, write (encrypted), <= 248 bytes
inline constexpr uint16_t kAppearance = 0x0005;               // read
inline constexpr uint16_t kPreferredConnParams = 0x0007;      // read
// GATT service 0x1801
inline constexpr uint16_t kGattService = 0x0008;
inline constexpr uint16_t kServiceChanged = 0x000a;           // indicate
inline constexpr uint16_t kServiceChangedCcc = 0x000b;
inline constexpr uint16_t kClientSupportedFeatures = 0x000d;  // read, write
inline constexpr uint16_t kDatabaseHash = 0x000f;             // read
inline constexpr uint16_t kServerSupportedFeatures = 0x0011;  // read
// Battery service 0x180f
inline constexpr uint16_t kBatteryService = 0x0012;
inline constexpr uint16_t kBatteryLevel = 0x0014;             // read, notify
inline constexpr uint16_t kBatteryLevelCcc = 0x0015;
// Device Information service 0x180a
inline constexpr uint16_t kDeviceInfoService = 0x0016;
inline constexpr uint16_t kManufacturerName = 0x0018;
inline constexpr uint16_t kModelNumber = 0x001a;
inline constexpr uint16_t kSerialNumber = 0x001c;             // read (encrypted)
inline constexpr uint16_t kFirmwareRevision = 0x001e;
inline constexpr uint16_t kSoftwareRevision = 0x0020;
inline constexpr uint16_t kPnpId = 0x0022;
// Lock service (128-bit UUIDs 5e3a00xx-7b1c-4d2e-9f0a-6c1d2e3f4a5b)
inline constexpr uint16_t kLockService = 0x0023;
inline constexpr uint16_t kLockIncludesBattery = 0x0024;      // include declaration
inline constexpr uint16_t kLockState = 0x0026;                // read (encrypted), notify, indicate
inline constexpr uint16_t kLockStateCcc = 0x0027;
inline constexpr uint16_t kLockCommand = 0x0029;              // write, write without response (encrypted)
inline constexpr uint16_t kAccessSchedule = 0x002b;           // read, write, reliable write (encrypted); long
inline constexpr uint16_t kAccessScheduleExtProps = 0x002c;
inline constexpr uint16_t kAccessScheduleDescription = 0x002d;
inline constexpr uint16_t kEventLog = 0x002f;                 // read (encrypted); long
inline constexpr uint16_t kAdminPin = 0x0031;                 // write (authenticated)
inline constexpr uint16_t kLockSettings = 0x0033;             // read, write, notify; long
inline constexpr uint16_t kLockSettingsCcc = 0x0034;
inline constexpr uint16_t kLockServiceEnd = 0x0034;
// Firmware update service, active only in maintenance mode
inline constexpr uint16_t kDfuService = 0x0035;
inline constexpr uint16_t kDfuControlPoint = 0x0037;          // write (encrypted), indicate
inline constexpr uint16_t kDfuControlPointCcc = 0x0038;
inline constexpr uint16_t kDfuPacket = 0x003a;                // write without response (encrypted)
inline constexpr uint16_t kLastHandle = 0x003a;
}  // namespace smart_lock_handles

// Lock Command opcodes (first byte written to kLockCommand).
enum class LockCommand : uint8_t {
  kLock = 0x01,
  kUnlock = 0x02,
  kSetAutoRelock = 0x03,      // u16le seconds, 0 = off, at most 3600
  kClearEventLog = 0x04,
  kEnterMaintenance = 0x05,   // activates the firmware update service
  kLeaveMaintenance = 0x06,
};

// Sizes of the long values.
inline constexpr size_t kMaxDeviceNameLength = 248;
inline constexpr size_t kAccessScheduleMax = 300;   // 50 entries of 6 bytes
inline constexpr size_t kEventLogEntries = 50;      // 8 bytes each
inline constexpr size_t kLockSettingsMax = 160;     // TLV records
inline constexpr size_t kDfuImageMax = 4096;

class SmartLockGatt {
 public:
  // Builds the database in `db` (which must be empty). Aborts if the
  // handles do not come out as smart_lock_handles says.
  explicit SmartLockGatt(gatt_db* db);
  SmartLockGatt(const SmartLockGatt&) = delete;
  SmartLockGatt& operator=(const SmartLockGatt&) = delete;

  // The server through which notifications and indications go; set once
  // the ATT bearer exists (nullptr drops them).
  void set_server(bt_gatt_server* server) { server_ = server; }

  uint8_t lock_state() const { return lock_state_; }
  bool maintenance_mode() const { return maintenance_; }
  size_t indications_confirmed() const { return indications_confirmed_; }

  // gatt-db callbacks; public so the C callback trampolines can reach them.
  struct Attribute;
  void Read(Attribute& a, gatt_db_attribute* attrib, unsigned int id, uint16_t offset,
            uint8_t opcode);
  void Write(Attribute& a, gatt_db_attribute* attrib, unsigned int id, uint16_t offset,
             const uint8_t* value, size_t len, uint8_t opcode);
  void ReadCcc(gatt_db_attribute* attrib, unsigned int id, uint16_t offset);
  void WriteCcc(gatt_db_attribute* attrib, unsigned int id, uint16_t offset, const uint8_t* value,
                size_t len);
  void Notify(gatt_db_attribute* attrib, gatt_db_attribute* ccc, const uint8_t* value,
              size_t len);
  void OnIndicationConfirmed() { ++indications_confirmed_; }

  ~SmartLockGatt();

 private:
  uint8_t ExecuteLockCommand(const uint8_t* value, size_t len);
  void SetLockState(uint8_t state);
  void SetMaintenance(bool on);
  void AppendEvent(uint8_t type, uint8_t detail);
  void NotifyValue(uint16_t handle, const std::vector<uint8_t>& value);
  static bool ValidSchedule(const std::vector<uint8_t>& schedule);
  static bool ValidSettings(const std::vector<uint8_t>& settings);

  gatt_db* db_;
  bt_gatt_server* server_ = nullptr;
  std::vector<Attribute*> attributes_;
  gatt_db_attribute* dfu_service_ = nullptr;

  // Device state.
  std::vector<uint8_t> device_name_;
  uint8_t client_features_ = 0;
  uint8_t battery_level_ = 87;
  uint8_t lock_state_ = 0;  // 0 locked, 1 unlocked
  uint16_t auto_relock_seconds_ = 30;
  bool maintenance_ = false;
  std::vector<uint8_t> access_schedule_;
  std::vector<uint8_t> event_log_;
  uint32_t event_counter_ = 0;
  std::vector<uint8_t> settings_;
  std::vector<uint8_t> dfu_image_;
  uint8_t dfu_state_ = 0;
  size_t indications_confirmed_ = 0;
  // CCC values by descriptor handle (kLastHandle + 1 entries).
  uint16_t ccc_[smart_lock_handles::kLastHandle + 1] = {};
};

}  // namespace iotfuzz::bluez

#endif  // IOTFUZZ_TARGETS_BLUEZ_SMART_LOCK_GATT_H_
