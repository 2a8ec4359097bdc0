// bluez_gatt_server_fuzzer: BlueZ 5.66's ATT bearer (src/shared/att.c) and
// GATT server (src/shared/gatt-server.c, gatt-db.c) serving the database of
// a smart lock (smart_lock_gatt.h), fed ATT PDUs from a remote client.
//
// Input: message frames (fuzzers/harness/message_frames.h), each one ATT PDU
// the client sends. One input is one connection:
//   1. a socketpair (AF_UNIX, SOCK_SEQPACKET: datagrams, like ATT over an
//      L2CAP LE channel); bt_att_new() on one end, the client is the other;
//      the link counts as encrypted with an unauthenticated key (security
//      level MEDIUM, 16-byte key), as after Just Works pairing;
//   2. each PDU is written to the client end, then the event loop runs
//      until idle (StepMainloop), reading every PDU the server sends back
//      and checking that it is one a server may send and fits the ATT_MTU
//      in force;
//   3. after the last PDU, pending timers fire once (the client stays
//      silent past the ATT transaction timeout), then the client
//      disconnects and everything is freed.
// Nothing depends on the wall clock: timers fire only in step 3.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "fuzzers/harness/message_frames.h"
#include "smart_lock_gatt.h"
#include "step_mainloop.h"

extern "C" {
#include "lib/bluetooth.h"
#include "lib/uuid.h"
#include "src/shared/att.h"
#include "src/shared/gatt-db.h"
#include "src/shared/gatt-server.h"
}

namespace {

using iotfuzz::bluez::SmartLockGatt;
using iotfuzz::bluez::StepMainloop;

// The MTU the server offers in an Exchange MTU response (bluetoothd's default).
constexpr uint16_t kServerMtu = BT_ATT_MAX_LE_MTU;
constexpr uint8_t kMinEncryptionKeySize = 7;
// More PDUs than this in one input add nothing but time.
constexpr size_t kMaxPdus = 256;

// Opcodes a GATT server sends.
bool IsServerOpcode(uint8_t opcode) {
  switch (opcode) {
    case BT_ATT_OP_ERROR_RSP:
    case BT_ATT_OP_MTU_RSP:
    case BT_ATT_OP_FIND_INFO_RSP:
    case BT_ATT_OP_FIND_BY_TYPE_RSP:
    case BT_ATT_OP_READ_BY_TYPE_RSP:
    case BT_ATT_OP_READ_RSP:
    case BT_ATT_OP_READ_BLOB_RSP:
    case BT_ATT_OP_READ_MULT_RSP:
    case BT_ATT_OP_READ_BY_GRP_TYPE_RSP:
    case BT_ATT_OP_WRITE_RSP:
    case BT_ATT_OP_PREP_WRITE_RSP:
    case BT_ATT_OP_EXEC_WRITE_RSP:
    case BT_ATT_OP_HANDLE_NFY:
    case BT_ATT_OP_HANDLE_IND:
    case BT_ATT_OP_READ_MULT_VL_RSP:
    case BT_ATT_OP_HANDLE_NFY_MULT:
      return true;
    default:
      return false;
  }
}

// Signed Write Commands are checked against this key when the kernel's
// AES-CMAC is available (bt_crypto_new() needs AF_ALG); otherwise bt_att
// has no crypto and leaves them unverified, and gatt-server, which has no
// handler for them, drops them.
bool AcceptSignCounter(uint32_t* counter, void* user_data) {
  uint32_t* last = static_cast<uint32_t*>(user_data);
  if (*counter < *last) return false;
  *last = *counter;
  return true;
}

void OnDisconnect(int, void* user_data) { *static_cast<bool*>(user_data) = true; }

// IOTFUZZ_TRACE=1 prints every PDU on stderr, '>' client to server, '<'
// server to client: to see what a seed or a reproducer does.
bool g_trace = false;

void Trace(char direction, const uint8_t* pdu, size_t len) {
  if (!g_trace) return;
  std::fprintf(stderr, "%c", direction);
  for (size_t i = 0; i < len; ++i) std::fprintf(stderr, " %02x", pdu[i]);
  std::fprintf(stderr, "\n");
}

class Connection {
 public:
  Connection() : device_(nullptr) {
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds_) < 0) {
      std::perror("socketpair");
      std::abort();
    }
    db_ = gatt_db_new();
    device_ = new SmartLockGatt(db_);
    att_ = bt_att_new(fds_[0], false);
    if (!att_) std::abort();
    bt_att_set_close_on_unref(att_, true);
    bt_att_set_security(att_, BT_ATT_SECURITY_MEDIUM);
    bt_att_set_enc_key_size(att_, 16);
    uint8_t key[16] = {0x3c, 0x19, 0x8a, 0x6e, 0x51, 0x02, 0xd7, 0x44,
                       0x90, 0x2b, 0xee, 0x13, 0x75, 0xa0, 0x08, 0xcf};
    bt_att_set_remote_key(att_, key, AcceptSignCounter, &sign_counter_);
    bt_att_register_disconnect(att_, OnDisconnect, &disconnected_, nullptr);
    server_ = bt_gatt_server_new(db_, att_, kServerMtu, kMinEncryptionKeySize);
    if (!server_) std::abort();
    device_->set_server(server_);
  }

  ~Connection() {
    if (client_fd() >= 0) close(client_fd());
    device_->set_server(nullptr);
    bt_gatt_server_unref(server_);
    bt_att_unref(att_);
    gatt_db_unref(db_);
    delete device_;
    StepMainloop::Reset();
  }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Send(std::span<const uint8_t> pdu) {
    if (disconnected_) return;
    Trace('>', pdu.data(), pdu.size());
    ssize_t n;
    do {
      n = send(client_fd(), pdu.data(), pdu.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    // A full socket buffer cannot happen (responses are drained after every
    // PDU); a closed bearer (after a disconnect) drops the PDU, as the air
    // interface would.
    Run();
  }

  // Time passes with no client traffic: every pending timer fires.
  void LetTimersExpire() {
    if (StepMainloop::FireTimeouts()) Run();
  }

  void Disconnect() {
    close(client_fd());
    fds_[1] = -1;
    Run();
  }

 private:
  int client_fd() const { return fds_[1]; }

  void Run() {
    StepMainloop::RunUntilIdle([this] { return DrainResponses(); });
  }

  // Reads what the server sent; true if there was anything.
  bool DrainResponses() {
    if (client_fd() < 0) return false;
    bool any = false;
    uint8_t buf[1024];
    for (;;) {
      ssize_t n = recv(client_fd(), buf, sizeof(buf), MSG_DONTWAIT);
      if (n < 0) return any;
      if (n == 0) return any;  // the server closed the bearer
      any = true;
      Trace('<', buf, static_cast<size_t>(n));
      CheckServerPdu(buf, static_cast<size_t>(n));
    }
  }

  // What any ATT server must hold to, whatever the client sent.
  void CheckServerPdu(const uint8_t* pdu, size_t len) {
    uint16_t mtu = bt_att_get_mtu(att_);
    if (!IsServerOpcode(pdu[0])) {
      std::fprintf(stderr, "bluez_gatt_server_fuzzer: server sent opcode 0x%02x, which a "
                   "server never sends\n", pdu[0]);
      std::abort();
    }
    if (mtu && len > mtu) {
      std::fprintf(stderr, "bluez_gatt_server_fuzzer: server sent a %zu-byte PDU "
                   "(opcode 0x%02x) over an ATT_MTU of %u\n", len, pdu[0], mtu);
      std::abort();
    }
  }

  int fds_[2] = {-1, -1};
  gatt_db* db_ = nullptr;
  SmartLockGatt* device_;
  bt_att* att_ = nullptr;
  bt_gatt_server* server_ = nullptr;
  uint32_t sign_counter_ = 0;
  bool disconnected_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The server may write to a bearer the client has just closed.
  signal(SIGPIPE, SIG_IGN);
  const char* trace = std::getenv("IOTFUZZ_TRACE");
  g_trace = trace && *trace && *trace != '0';
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Connection connection;
  iotfuzz::harness::MessageFrameReader frames(data, size);
  std::span<const uint8_t> pdu;
  for (size_t i = 0; i < kMaxPdus && frames.Next(pdu); ++i) connection.Send(pdu);
  connection.LetTimersExpire();
  connection.Disconnect();
  return 0;
}
