// See smart_lock_peripheral.h.
#include "net/smart_lock_peripheral.h"

#include <unistd.h>

#include <cstdint>

#include "smart_lock_gatt.h"
#include "step_mainloop.h"

extern "C" {
#include "lib/bluetooth.h"
#include "lib/uuid.h"
#include "src/shared/att.h"
#include "src/shared/gatt-db.h"
#include "src/shared/gatt-server.h"
}

using iotfuzz::bluez::SmartLockGatt;
using iotfuzz::bluez::StepMainloop;

struct smart_lock_peripheral {
  gatt_db* db = nullptr;
  SmartLockGatt* device = nullptr;
  bt_att* att = nullptr;
  bt_gatt_server* server = nullptr;
  uint32_t sign_counter = 0;
};

namespace {

// The MTU the server offers in an Exchange MTU response (bluetoothd's default).
constexpr uint16_t kServerMtu = BT_ATT_MAX_LE_MTU;
constexpr uint8_t kMinEncryptionKeySize = 7;

bool AcceptSignCounter(uint32_t* counter, void* user_data) {
  uint32_t* last = static_cast<uint32_t*>(user_data);
  if (*counter < *last) return false;
  *last = *counter;
  return true;
}

void Run(int (*drain)(void*), void* ctx) {
  StepMainloop::RunUntilIdle([drain, ctx] { return drain != nullptr && drain(ctx) != 0; });
}

void Free(smart_lock_peripheral* p) {
  if (p->device) p->device->set_server(nullptr);
  if (p->server) bt_gatt_server_unref(p->server);
  if (p->att) bt_att_unref(p->att);
  if (p->db) gatt_db_unref(p->db);
  delete p->device;
  delete p;
  StepMainloop::Reset();
}

}  // namespace

extern "C" smart_lock_peripheral* smart_lock_new(void) {
  auto* p = new smart_lock_peripheral;
  p->db = gatt_db_new();
  if (!p->db) {
    Free(p);
    return nullptr;
  }
  p->device = new SmartLockGatt(p->db);
  return p;
}

extern "C" int smart_lock_connect(smart_lock_peripheral* p, int att_fd) {
  if (p->att) return -1;
  p->att = bt_att_new(att_fd, false);
  if (!p->att) return -1;
  bt_att_set_close_on_unref(p->att, true);
  bt_att_set_security(p->att, BT_ATT_SECURITY_MEDIUM);
  bt_att_set_enc_key_size(p->att, 16);
  uint8_t key[16] = {0x3c, 0x19, 0x8a, 0x6e, 0x51, 0x02, 0xd7, 0x44,
                     0x90, 0x2b, 0xee, 0x13, 0x75, 0xa0, 0x08, 0xcf};
  bt_att_set_remote_key(p->att, key, AcceptSignCounter, &p->sign_counter);
  p->server = bt_gatt_server_new(p->db, p->att, kServerMtu, kMinEncryptionKeySize);
  if (!p->server) {
    bt_att_set_close_on_unref(p->att, false);  // the descriptor stays the caller's
    bt_att_unref(p->att);
    p->att = nullptr;
    return -1;
  }
  p->device->set_server(p->server);
  return 0;
}

extern "C" void smart_lock_run_until_idle(smart_lock_peripheral*, int (*drain)(void*), void* ctx) {
  Run(drain, ctx);
}

extern "C" void smart_lock_disconnect(smart_lock_peripheral* p, int client_fd, int (*drain)(void*), void* ctx) {
  if (StepMainloop::FireTimeouts()) Run(drain, ctx);
  if (client_fd >= 0) close(client_fd);
  Run(nullptr, nullptr);  // the bearer sees the hang-up
  Free(p);
}
