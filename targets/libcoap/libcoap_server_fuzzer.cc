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
// library's path) and the resources of a small sensor/actuator device
// (libcoap_device.h, shared with the network-mode server):
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
#include "libcoap_device.h"
#include "libcoap_internals.h"

namespace {

constexpr size_t kMaxInput = 64 * 1024;

void DiscardLog(coap_log_t, const char*) {}

volatile uint64_t g_sink;
void Touch(uint64_t v) { g_sink = g_sink ^ v; }

// What network_read and network_send see for one input.
struct Network {
  std::span<const uint8_t> datagram;  // the next datagram network_read returns
  bool datagram_pending = false;
  size_t datagrams_sent = 0;
};

Network* g_network;

// network_read: the datagram of the current frame, once.
ptrdiff_t ReadDatagram(uint8_t* payload, size_t capacity) {
  if (!g_network->datagram_pending) return -1;
  g_network->datagram_pending = false;
  size_t len = std::min(g_network->datagram.size(), capacity);
  if (len) std::memcpy(payload, g_network->datagram.data(), len);
  return static_cast<ptrdiff_t>(len);
}

// network_send: every byte of the response is read, so AddressSanitizer
// checks the whole datagram the server built.
ptrdiff_t CaptureDatagram(const uint8_t* data, size_t len) {
  uint64_t sum = 0;
  for (size_t i = 0; i < len; ++i) sum += data[i];
  Touch(sum);
  ++g_network->datagrams_sent;
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
  Network network;
  g_network = &network;
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
  libcoap_device* device = libcoap_device_create(ctx);

  iotfuzz::harness::MessageFrameReader frames(data, size);
  std::span<const uint8_t> datagram;
  unsigned index = 0;
  while (frames.Next(datagram)) {
    // The sensor takes a new reading before every third datagram.
    if (++index % 3 == 0) libcoap_device_new_reading(device, index);
    // A fresh heap copy of exactly the datagram's size for every frame.
    iotfuzz::harness::ExactBuffer copy(datagram);
    network.datagram = std::span<const uint8_t>(copy.data(), copy.size());
    network.datagram_pending = true;
    libcoap_receive_on_endpoint(ctx, ep);
    network.datagram = {};
  }

  libcoap_device_destroy(device, ctx);
  coap_free_context(ctx);
  g_network = nullptr;
  return 0;
}
