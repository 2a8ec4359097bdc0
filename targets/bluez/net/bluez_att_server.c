/*
 * BlueZ 5.66's ATT bearer (bt_att) and GATT server (bt_gatt_server) serving
 * the smart lock's GATT database over TCP, for iotfuzz's network mode
 * (`iotfuzz net bluez_att_server`):
 *
 *   bluez_att_server [--bind ADDR] [--trace] [--port] PORT
 *
 * A radio bridge: the TCP stream carries ATT PDUs, each framed as u16
 * little-endian length + PDU (as a BLE sniffer or HCI bridge would carry
 * L2CAP channel 0x0004). bt_att wants a descriptor that delivers one PDU per
 * read, as an L2CAP LE socket does, so every accepted TCP connection gets a
 * socketpair(AF_UNIX, SOCK_SEQPACKET): bt_att_new() on one end, the bridge
 * on the other relays frames from TCP as packets and packets back as frames.
 * One TCP connection is one BLE connection to the lock, set up as in the
 * in-process harness (smart_lock_peripheral.h: a fresh database and lock
 * state, encrypted link, ATT_MTU 517 offered); connections are served one
 * at a time. The database for the next connection is built while no client
 * is served (the first one before the fork point). A frame longer than the bytes that follow waits for them; a
 * closed TCP connection ends the BLE connection (pending timers fire once,
 * then the bearer sees the hang-up).
 *
 * Event loop: single-threaded. poll(2) waits on the listening socket or the
 * connection; BlueZ's io and timeout back ends (io-mainloop.c,
 * timeout-mainloop.c) run on StepMainloop (step_mainloop.h), which is run
 * until idle after every PDU, relaying what the server sent back.
 * Timers do not run on the wall clock: the ATT transaction timeout passes
 * when the client disconnects. --trace prints every PDU on stderr ('>'
 * client to server, '<' server to client).
 *
 * Deferred forkserver: built with AFL++ instrumentation, the server calls
 * __afl_manual_init() once the socket is listening and the first database
 * is built; each forked child accepts the session's connection on the
 * inherited socket.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzzers/harness/server_command_line.h"
#include "net/smart_lock_peripheral.h"

/* Provided by AFL++'s runtime when built with afl-clang-fast. */
extern void __afl_manual_init(void) __attribute__((weak));

/* A frame's length is a u16: the largest frame and a full read's worth more. */
#define FRAME_MAX (2 + 65535)
#define INPUT_CAP (2 * FRAME_MAX)

typedef struct bridge {
  int tcp_fd;     /* the client's TCP connection, -1 when it is gone */
  int client_fd;  /* the bridge's end of the socketpair */
  uint8_t* in;    /* TCP bytes not yet relayed */
  size_t in_len;
  int trace;
} bridge;

static void trace_pdu(const bridge* b, char direction, const uint8_t* pdu, size_t len) {
  if (!b->trace) return;
  fprintf(stderr, "%c", direction);
  for (size_t i = 0; i < len; ++i) fprintf(stderr, " %02x", pdu[i]);
  fprintf(stderr, "\n");
}

static int send_all(int fd, const uint8_t* data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Takes every PDU the server sent from the socketpair and writes it to TCP
 * as a frame (dropped when the client is gone). Nonzero if there was any. */
static int drain_server(void* ctx) {
  bridge* b = ctx;
  static uint8_t frame[FRAME_MAX];
  int any = 0;
  for (;;) {
    ssize_t n = recv(b->client_fd, frame + 2, sizeof frame - 2, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return any; /* nothing more, or the bearer was closed */
    any = 1;
    trace_pdu(b, '<', frame + 2, (size_t)n);
    if (b->tcp_fd < 0) continue;
    frame[0] = (uint8_t)n;
    frame[1] = (uint8_t)((size_t)n >> 8);
    if (send_all(b->tcp_fd, frame, (size_t)n + 2) < 0) {
      shutdown(b->tcp_fd, SHUT_RDWR);
    }
  }
}

/* Relays the complete frames at the start of the input buffer, each as one
 * packet, and lets the server answer each before the next (as the harness
 * does), so the bearer's receive queue never holds more than one PDU. */
static void relay_frames(bridge* b, smart_lock_peripheral* lock) {
  size_t pos = 0;
  while (b->in_len - pos >= 2) {
    size_t n = (size_t)b->in[pos] | ((size_t)b->in[pos + 1] << 8);
    if (b->in_len - pos - 2 < n) break;
    const uint8_t* pdu = b->in + pos + 2;
    trace_pdu(b, '>', pdu, n);
    ssize_t sent;
    do {
      sent = send(b->client_fd, pdu, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    /* A send that fails (the bearer closed after a disconnect) drops the
     * PDU, as the air interface would. */
    pos += 2 + n;
    smart_lock_run_until_idle(lock, drain_server, b);
  }
  memmove(b->in, b->in + pos, b->in_len - pos);
  b->in_len -= pos;
}

/* Serves one connection with `lock` (freed at the end). */
static void serve_connection(int tcp_fd, smart_lock_peripheral* lock, int trace) {
  static uint8_t input[INPUT_CAP];
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
    perror("bluez_att_server: socketpair");
    pair[0] = pair[1] = -1;
  }
  bridge b = {.tcp_fd = tcp_fd, .client_fd = pair[1], .in = input, .in_len = 0, .trace = trace};
  if (pair[0] < 0 || smart_lock_connect(lock, pair[0]) < 0) {
    fprintf(stderr, "bluez_att_server: cannot set up the ATT bearer\n");
    if (pair[0] >= 0) close(pair[0]);
    b.tcp_fd = -1;
    close(tcp_fd);
    smart_lock_disconnect(lock, pair[1], NULL, NULL);
    return;
  }
  for (;;) {
    struct pollfd p = {.fd = tcp_fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    ssize_t got = recv(tcp_fd, b.in + b.in_len, INPUT_CAP - b.in_len, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    b.in_len += (size_t)got;
    relay_frames(&b, lock);
  }
  close(tcp_fd);
  b.tcp_fd = -1;
  smart_lock_disconnect(lock, b.client_fd, drain_server, &b);
}

static const char kUsage[] =
    "usage: bluez_att_server [--bind ADDR] [--trace] [--port] PORT\n"
    "  serves the smart lock's GATT database over ATT, u16le-framed PDUs on TCP ADDR:PORT\n"
    "  (default ADDR 127.0.0.1)\n";

static int open_listener(const char* addr, int port) {
  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in* in4 = (struct sockaddr_in*)&ss;
  struct sockaddr_in6* in6 = (struct sockaddr_in6*)&ss;
  if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    len = sizeof *in4;
  } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    len = sizeof *in6;
  } else {
    fprintf(stderr, "bluez_att_server: --bind %s: not an IPv4 or IPv6 address\n", addr);
    exit(2);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("bluez_att_server: socket");
    exit(1);
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr*)&ss, len) < 0 || listen(fd, 64) < 0) {
    fprintf(stderr, "bluez_att_server: listen on tcp %s:%d: %s\n", addr, port, strerror(errno));
    exit(2);
  }
  return fd;
}

int main(int argc, char** argv) {
  iotfuzz_server_command_line cl = iotfuzz_server_parse_command_line(argc, argv, "bluez_att_server", "--trace", kUsage);
  const char* bind_addr = cl.bind_addr;
  int port = cl.port;
  int trace = cl.switch_given;
  /* The server may write to a bearer or connection the client has closed. */
  signal(SIGPIPE, SIG_IGN);
  int listener = open_listener(bind_addr, port);
  /* The lock's database exists before a client connects; each connection
   * gets one in the initial state, prepared while no client is served. */
  smart_lock_peripheral* lock = smart_lock_new();
  if (!lock) {
    fprintf(stderr, "bluez_att_server: cannot build the GATT database\n");
    return 1;
  }
  fprintf(stderr, "bluez_att_server: serving ATT on tcp %s:%d\n", bind_addr, port);

  /* Fork point of AFL++'s deferred forkserver: everything above is done once. */
  if (__afl_manual_init) __afl_manual_init();

  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      /* Out of descriptors or memory: wait for better times. */
      perror("bluez_att_server: accept");
      usleep(10000);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    serve_connection(fd, lock, trace);
    while (!(lock = smart_lock_new())) {
      fprintf(stderr, "bluez_att_server: cannot build the GATT database\n");
      usleep(10000);
    }
  }
}
