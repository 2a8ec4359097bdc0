/*
 * libcoap 4.3.1 as the CoAP server of a device, on a real UDP socket, for
 * iotfuzz's network mode (`iotfuzz net libcoap_server`):
 *
 *   libcoap_device_server [--bind ADDR] [--debug] [--port] PORT
 *
 * Serves the device resources of the in-process harness (libcoap_device.h:
 * sensors/temperature, actuators/led, config, firmware/manifest,
 * data/<name>, /.well-known/core) on one UDP endpoint, ADDR:PORT (default
 * 127.0.0.1), with Observe and libcoap's block-wise handling
 * (COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY). As in the harness, the
 * sensor takes a new reading before every third datagram, which notifies
 * the temperature's observers. --debug prints libcoap's debug log (every
 * PDU) on stderr.
 *
 * Event loop: single-threaded. coap_io_prepare_io() sends what is due
 * (delayed notifications, retransmissions) and says when libcoap next needs
 * to run; poll(2) waits that long for a datagram on the endpoint's socket;
 * coap_io_process(COAP_IO_NO_WAIT) then reads and dispatches it through
 * libcoap's own receive path (coap_read_endpoint -> coap_handle_dgram ->
 * coap_dispatch -> the handlers). At most 32 idle client sessions are kept
 * (the oldest is dropped), so a long run of short sessions from new ports
 * does not grow without bound.
 *
 * Deferred forkserver: built with AFL++ instrumentation, the server calls
 * __afl_manual_init() once the endpoint is bound and the resources exist;
 * each forked child serves one session on the already-bound socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>

#include "fuzzers/harness/server_command_line.h"
#include "libcoap_device.h"
#include "libcoap_internals.h"

/* Provided by AFL++'s runtime when built with afl-clang-fast. */
extern void __afl_manual_init(void) __attribute__((weak));

#define MAX_IDLE_SESSIONS 32

static const char kUsage[] =
    "usage: libcoap_device_server [--bind ADDR] [--debug] [--port] PORT\n"
    "  serves the device's CoAP resources on UDP ADDR:PORT (default ADDR 127.0.0.1)\n";

static void discard_log(coap_log_t level, const char* message) {
  (void)level;
  (void)message;
}

static int parse_address(const char* text, int port, coap_address_t* out) {
  coap_address_init(out);
  struct sockaddr_in* in4 = &out->addr.sin;
  struct sockaddr_in6* in6 = &out->addr.sin6;
  if (inet_pton(AF_INET, text, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    out->size = sizeof(*in4);
    return 0;
  }
  if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    out->size = sizeof(*in6);
    return 0;
  }
  return -1;
}

int main(int argc, char** argv) {
  iotfuzz_server_command_line cl =
      iotfuzz_server_parse_command_line(argc, argv, "libcoap_device_server", "--debug", kUsage);
  const char* bind_addr = cl.bind_addr;
  int port = cl.port;
  int debug = cl.switch_given;
  coap_address_t listen_addr;
  if (parse_address(bind_addr, port, &listen_addr) < 0) {
    fprintf(stderr, "libcoap_device_server: --bind %s: not an IPv4 or IPv6 address\n", bind_addr);
    return 2;
  }

  coap_startup();
  if (debug) {
    coap_set_log_level(LOG_DEBUG);
  } else {
    coap_set_log_handler(discard_log);
    coap_set_log_level(LOG_WARNING);
  }
  /* Message ids and tokens from a fixed seed: a run depends on its traffic. */
  coap_prng_init(1);

  coap_context_t* ctx = coap_new_context(NULL);
  if (!ctx) {
    fprintf(stderr, "libcoap_device_server: cannot create a CoAP context\n");
    coap_cleanup();
    return 1;
  }
  coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
  coap_context_set_max_idle_sessions(ctx, MAX_IDLE_SESSIONS);
  errno = 0;
  coap_endpoint_t* ep = coap_new_endpoint(ctx, &listen_addr, COAP_PROTO_UDP);
  if (!ep) {
    int error = errno;
    fprintf(stderr, "libcoap_device_server: cannot bind udp %s:%d%s%s\n", bind_addr, port, error ? ": " : "",
            error ? strerror(error) : "");
    coap_free_context(ctx);
    coap_cleanup();
    return 2;
  }
  libcoap_device* device = libcoap_device_create(ctx);
  const int fd = libcoap_endpoint_fd(ep);
  fprintf(stderr, "libcoap_device_server: serving CoAP on udp %s:%d\n", bind_addr, port);

  /* Fork point of AFL++'s deferred forkserver: everything above is done once. */
  if (__afl_manual_init) __afl_manual_init();

  unsigned datagrams = 0;
  for (;;) {
    coap_tick_t now;
    coap_ticks(&now);
    coap_socket_t* sockets[64];
    unsigned int num_sockets = 0;
    /* Sends what is due; 0: nothing scheduled, wait for traffic. */
    unsigned int wait_ms =
        coap_io_prepare_io(ctx, sockets, (unsigned int)(sizeof sockets / sizeof sockets[0]), &num_sockets, now);
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    int ready = poll(&p, 1, wait_ms == 0 ? -1 : (int)wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      perror("libcoap_device_server: poll");
      break;
    }
    /* The sensor takes a new reading before every third datagram. */
    if (ready > 0 && (p.revents & POLLIN) && ++datagrams % 3 == 0) libcoap_device_new_reading(device, datagrams);
    if (coap_io_process(ctx, COAP_IO_NO_WAIT) < 0) {
      fprintf(stderr, "libcoap_device_server: coap_io_process failed\n");
      break;
    }
  }
  libcoap_device_destroy(device, ctx);
  coap_free_context(ctx);
  coap_cleanup();
  return 1;
}
