// Writes the seed corpus of bluez_gatt_server_fuzzer:
//   bluez_seed_generator <root>   ->  <root>/corpora/bluez_gatt_server_fuzzer/*.bin
// Each seed is one client session in message frames
// (fuzzers/harness/message_frames.h): the ATT procedures of the GATT client
// role (Core 5.3 Vol 3 Part G section 4) against the smart lock database of
// smart_lock_gatt.h, whose handles it uses.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "fuzzers/harness/message_frames.h"
#include "smart_lock_gatt.h"

namespace {

namespace fs = std::filesystem;
namespace h = iotfuzz::bluez::smart_lock_handles;
using Bytes = std::vector<uint8_t>;

// ATT opcodes (Core 5.3 Vol 3 Part F 3.4.8).
constexpr uint8_t kMtuReq = 0x02;
constexpr uint8_t kFindInfoReq = 0x04;
constexpr uint8_t kFindByTypeReq = 0x06;
constexpr uint8_t kReadByTypeReq = 0x08;
constexpr uint8_t kReadReq = 0x0a;
constexpr uint8_t kReadBlobReq = 0x0c;
constexpr uint8_t kReadMultReq = 0x0e;
constexpr uint8_t kReadByGroupTypeReq = 0x10;
constexpr uint8_t kWriteReq = 0x12;
constexpr uint8_t kPrepWriteReq = 0x16;
constexpr uint8_t kExecWriteReq = 0x18;
constexpr uint8_t kHandleConfirmation = 0x1e;
constexpr uint8_t kReadMultVlReq = 0x20;
constexpr uint8_t kWriteCmd = 0x52;
constexpr uint8_t kSignedWriteCmd = 0xd2;

constexpr uint16_t kPrimaryService = 0x2800;
constexpr uint16_t kInclude = 0x2802;
constexpr uint16_t kCharacteristic = 0x2803;

void Le16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}

// The lock's vendor UUIDs 5e3a00xx-7b1c-4d2e-9f0a-6c1d2e3f4a5b, little-endian
// as on the air.
Bytes VendorUuidLe(uint8_t id) {
  const uint8_t be[16] = {0x5e, 0x3a, 0x00, id,   0x7b, 0x1c, 0x4d, 0x2e,
                          0x9f, 0x0a, 0x6c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b};
  return Bytes(std::rbegin(be), std::rend(be));
}

class Session {
 public:
  Session& Pdu(const Bytes& pdu) {
    iotfuzz::harness::AppendMessageFrame(frames_, pdu);
    return *this;
  }
  Session& Mtu(uint16_t mtu) {
    Bytes b{kMtuReq};
    Le16(b, mtu);
    return Pdu(b);
  }
  Session& Range(uint8_t op, uint16_t start, uint16_t end, const Bytes& tail = {}) {
    Bytes b{op};
    Le16(b, start);
    Le16(b, end);
    b.insert(b.end(), tail.begin(), tail.end());
    return Pdu(b);
  }
  Session& RangeUuid16(uint8_t op, uint16_t start, uint16_t end, uint16_t uuid) {
    Bytes u;
    Le16(u, uuid);
    return Range(op, start, end, u);
  }
  Session& Read(uint16_t handle) { return Handle(kReadReq, handle, {}); }
  Session& ReadBlob(uint16_t handle, uint16_t offset) {
    Bytes o;
    Le16(o, offset);
    return Handle(kReadBlobReq, handle, o);
  }
  Session& Handles(uint8_t op, std::initializer_list<uint16_t> handles) {
    Bytes b{op};
    for (uint16_t handle : handles) Le16(b, handle);
    return Pdu(b);
  }
  Session& Write(uint16_t handle, const Bytes& value) { return Handle(kWriteReq, handle, value); }
  Session& WriteCmd(uint16_t handle, const Bytes& value) { return Handle(kWriteCmd, handle, value); }
  Session& Prepare(uint16_t handle, uint16_t offset, const Bytes& value) {
    Bytes b;
    Le16(b, offset);
    b.insert(b.end(), value.begin(), value.end());
    return Handle(kPrepWriteReq, handle, b);
  }
  Session& Execute(uint8_t flags) { return Pdu({kExecWriteReq, flags}); }
  Session& Confirm() { return Pdu({kHandleConfirmation}); }
  Session& Handle(uint8_t op, uint16_t handle, const Bytes& tail) {
    Bytes b{op};
    Le16(b, handle);
    b.insert(b.end(), tail.begin(), tail.end());
    return Pdu(b);
  }
  const std::string& bytes() const { return frames_; }

 private:
  std::string frames_;
};

Bytes Text(const char* s) { return Bytes(s, s + std::char_traits<char>::length(s)); }

void Write(const fs::path& dir, const std::string& name, const Session& s) {
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(s.bytes().data(), static_cast<std::streamsize>(s.bytes().size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <root>\n", argv[0]);
    return 2;
  }
  const fs::path dir = fs::path(argv[1]) / "corpora" / "bluez_gatt_server_fuzzer";
  fs::create_directories(dir);

  Write(dir, "exchange_mtu_517.bin", Session().Mtu(517));

  // Primary service discovery, continuing after the end handle of the last
  // group until "Attribute Not Found", at the default MTU of 23.
  Write(dir, "discover_primary_services.bin",
        Session()
            .RangeUuid16(kReadByGroupTypeReq, 0x0001, 0xffff, kPrimaryService)
            .RangeUuid16(kReadByGroupTypeReq, 0x0012, 0xffff, kPrimaryService)
            .RangeUuid16(kReadByGroupTypeReq, 0x0023, 0xffff, kPrimaryService)
            .RangeUuid16(kReadByGroupTypeReq, 0x0035, 0xffff, kPrimaryService));

  Bytes battery_uuid;
  Le16(battery_uuid, kPrimaryService);
  Le16(battery_uuid, 0x180f);
  Bytes lock_uuid;
  Le16(lock_uuid, kPrimaryService);
  Bytes vendor = VendorUuidLe(0x01);
  lock_uuid.insert(lock_uuid.end(), vendor.begin(), vendor.end());
  Write(dir, "discover_services_by_uuid.bin",
        Session()
            .Mtu(247)
            .Range(kFindByTypeReq, 0x0001, 0xffff, battery_uuid)
            .Range(kFindByTypeReq, 0x0001, 0xffff, lock_uuid)
            .Range(kFindByTypeReq, h::kLockServiceEnd + 1, 0xffff, lock_uuid));

  Write(dir, "find_included_services.bin",
        Session()
            .RangeUuid16(kReadByTypeReq, h::kLockService, h::kLockServiceEnd, kInclude)
            .RangeUuid16(kReadByTypeReq, h::kLockIncludesBattery + 1, h::kLockServiceEnd,
                         kInclude));

  Write(dir, "discover_characteristics.bin",
        Session()
            .Mtu(64)
            .RangeUuid16(kReadByTypeReq, 0x0001, 0xffff, kCharacteristic)
            .RangeUuid16(kReadByTypeReq, 0x0012, 0xffff, kCharacteristic)
            .RangeUuid16(kReadByTypeReq, 0x0023, 0xffff, kCharacteristic)
            .RangeUuid16(kReadByTypeReq, 0x0031, 0xffff, kCharacteristic));

  Write(dir, "find_information_descriptors.bin",
        Session()
            .Range(kFindInfoReq, 0x000b, 0x000b)
            .Range(kFindInfoReq, h::kLockState + 1, h::kLockState + 1)
            .Range(kFindInfoReq, h::kAccessSchedule + 1, h::kAccessSchedule + 2)
            .Range(kFindInfoReq, h::kLockService, 0xffff)
            .Range(kFindInfoReq, 0x0001, 0x0000));

  Write(dir, "read_device_information.bin",
        Session()
            .Read(h::kManufacturerName)
            .Read(h::kModelNumber)
            .Read(h::kSerialNumber)
            .Read(h::kFirmwareRevision)
            .Read(h::kSoftwareRevision)
            .Read(h::kPnpId)
            .Handles(kReadMultReq, {h::kPnpId, h::kBatteryLevel})
            .Handles(kReadMultVlReq, {h::kManufacturerName, h::kModelNumber, h::kFirmwareRevision}));

  Write(dir, "read_gap_characteristics.bin",
        Session()
            .Read(h::kDeviceName)
            .Read(h::kAppearance)
            .Read(h::kPreferredConnParams)
            .RangeUuid16(kReadByTypeReq, 0x0001, 0xffff, 0x2a00));

  // Long read of the event log at the default MTU: Read, then Read Blob at
  // each 22-byte step.
  Session event_log;
  event_log.Read(h::kEventLog);
  for (uint16_t offset = 22; offset <= 176; offset += 22) event_log.ReadBlob(h::kEventLog, offset);
  Write(dir, "read_long_event_log.bin", event_log);

  Write(dir, "read_by_type_lock_state_uuid128.bin",
        Session().Range(kReadByTypeReq, 0x0001, 0xffff, VendorUuidLe(0x02)));

  // Reliable write of a six-entry access schedule in 18-byte fragments.
  Bytes schedule;
  for (uint8_t user = 1; user <= 6; ++user) {
    schedule.push_back(user % 2 ? 0x1f : 0x60);
    Le16(schedule, static_cast<uint16_t>(360 + user * 30));
    Le16(schedule, static_cast<uint16_t>(1080 + user * 10));
    schedule.push_back(user);
  }
  Session long_write;
  long_write.Read(h::kAccessScheduleExtProps);
  for (uint16_t offset = 0; offset < schedule.size(); offset += 18)
    long_write.Prepare(h::kAccessSchedule, offset,
                       Bytes(schedule.begin() + offset,
                             schedule.begin() + std::min<size_t>(offset + 18, schedule.size())));
  long_write.Execute(0x01).Read(h::kAccessSchedule).ReadBlob(h::kAccessSchedule, 22);
  Write(dir, "long_write_access_schedule_prepare_execute.bin", long_write);

  Write(dir, "prepare_write_cancel.bin",
        Session()
            .Prepare(h::kDeviceName, 0, Text("Garage "))
            .Prepare(h::kDeviceName, 7, Text("Side Door"))
            .Execute(0x00)
            .Read(h::kDeviceName));

  Write(dir, "write_device_name_long.bin",
        Session()
            .Mtu(100)
            .Write(h::kDeviceName, Text("Front Door Lock - Ground Floor Apartment 3B, "
                                        "main entrance facing the courtyard, installed 2023"))
            .Read(h::kDeviceName)
            .ReadBlob(h::kDeviceName, 97));

  // Indications on the lock state: subscribe, unlock, confirm, lock with a
  // Write Command, confirm.
  Write(dir, "lock_state_indications_unlock_lock.bin",
        Session()
            .Write(h::kLockStateCcc, {0x02, 0x00})
            .Read(h::kLockStateCcc)
            .Write(h::kLockCommand, {0x02})
            .Confirm()
            .Read(h::kLockState)
            .WriteCmd(h::kLockCommand, {0x01})
            .Confirm()
            .Write(h::kLockStateCcc, {0x00, 0x00}));

  Write(dir, "battery_notifications.bin",
        Session()
            .Write(h::kBatteryLevelCcc, {0x01, 0x00})
            .Write(h::kLockCommand, {0x02})
            .Write(h::kLockCommand, {0x01})
            .Read(h::kBatteryLevel)
            .Write(h::kBatteryLevelCcc, {0x02, 0x00}));

  Write(dir, "lock_settings_notifications.bin",
        Session()
            .Mtu(185)
            .Write(h::kLockSettingsCcc, {0x01, 0x00})
            .Read(h::kLockSettings)
            .Write(h::kLockSettings,
                   {0x01, 0x01, 0x05, 0x02, 0x01, 0x64, 0x03, 0x02, 0x3c, 0x00, 0x04, 0x0b, 'b',
                    'a', 'c', 'k', ' ', 'd', 'o', 'o', 'r', ' ', '2'})
            .Write(h::kLockSettings, {0x01, 0x01, 0x09})
            .Prepare(h::kLockSettings, 0, {0x01, 0x01, 0x02, 0x02})
            .Prepare(h::kLockSettings, 4, {0x01, 0x28})
            .Execute(0x01));

  Write(dir, "lock_commands.bin",
        Session()
            .Write(h::kLockCommand, {0x03, 0x3c, 0x00})
            .Write(h::kLockCommand, {0x03, 0x11, 0x0e})
            .Write(h::kLockCommand, {0x04})
            .Read(h::kEventLog)
            .Write(h::kLockCommand, {0x02})
            .Read(h::kEventLog)
            .Write(h::kLockCommand, {0x7f}));

  // Maintenance mode: the firmware update service appears (Service Changed
  // indication), is discovered, and receives an image.
  Session dfu;
  dfu.Mtu(247)
      .Write(h::kServiceChangedCcc, {0x02, 0x00})
      .Write(h::kLockCommand, {0x05})
      .Confirm()
      .RangeUuid16(kReadByGroupTypeReq, 0x0035, 0xffff, kPrimaryService)
      .RangeUuid16(kReadByTypeReq, h::kDfuService, 0xffff, kCharacteristic)
      .Write(h::kDfuControlPointCcc, {0x02, 0x00})
      .Write(h::kDfuControlPoint, {0x01, 0x00, 0x01})
      .Confirm();
  Bytes chunk = Text("AL2F");
  chunk.resize(200, 0x5a);
  dfu.WriteCmd(h::kDfuPacket, chunk);
  dfu.WriteCmd(h::kDfuPacket, Bytes(56, 0xa5))
      .Write(h::kDfuControlPoint, {0x02})
      .Confirm()
      .Write(h::kLockCommand, {0x06})
      .Confirm();
  Write(dir, "maintenance_dfu_upload.bin", dfu);

  // Signed Write Command: handle, value, sign counter (u32le), 8-byte MAC.
  Write(dir, "signed_write_lock_command.bin",
        Session().Handle(kSignedWriteCmd, h::kLockCommand,
                         {0x02, 0x01, 0x00, 0x00, 0x00, 0x9a, 0x41, 0x0c, 0x77, 0xe3, 0x5b, 0x21,
                          0xd8}));

  Write(dir, "client_features_and_database_hash.bin",
        Session()
            .Read(h::kServerSupportedFeatures)
            .Write(h::kClientSupportedFeatures, {0x01})
            .Write(h::kClientSupportedFeatures, {0x00})
            .Read(h::kClientSupportedFeatures)
            .Read(h::kDatabaseHash)
            .RangeUuid16(kReadByTypeReq, 0x0001, 0xffff, 0x2b2a));

  // Requests the server must refuse: no permission, insufficient
  // authentication, invalid handles and offsets, an unknown request, an
  // invalid group type, a malformed PDU.
  Write(dir, "refused_requests.bin",
        Session()
            .Read(h::kAdminPin)
            .Write(h::kAdminPin, Text("482913"))
            .Read(0x0000)
            .Read(0xffff)
            .Read(h::kServiceChanged)
            .Write(h::kManufacturerName, Text("x"))
            .ReadBlob(h::kModelNumber, 40)
            .Write(h::kAccessSchedule, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00})
            .RangeUuid16(kReadByGroupTypeReq, 0x0001, 0xffff, kCharacteristic)
            .RangeUuid16(kReadByTypeReq, 0x0010, 0x0001, kCharacteristic)
            .Pdu({0x3f, 0x00})
            .Pdu({kReadReq, 0x03}));

  return 0;
}
