/*
 * The smart lock's network servers in one process, for iotfuzz's network
 * mode (`iotfuzz net`):
 *
 *   demo_device_server [--bind ADDR] [--mqtt PORT] [--http PORT] [--coap PORT] [--att PORT]
 *
 *   --mqtt  the local MQTT 3.1.1 broker (src/mqtt_broker.c), TCP
 *   --http  the HTTP/1.1 configuration API (src/http_api.c), TCP; one
 *           request per connection, answered, then closed
 *   --coap  the CoAP server (src/coap_server.c), UDP
 *   --att   the ATT server (src/gatt_server.c) over TCP, each PDU framed as
 *           u16 little-endian length + PDU (how a radio bridge would carry
 *           L2CAP channel 0x0004)
 *
 * Binds ADDR (default 127.0.0.1). Single-threaded, poll(2) event loop. Built
 * with AFL++ instrumentation it starts the forkserver after the sockets are
 * bound (deferred forkserver), so each forked child serves one session on the
 * already-listening sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqtt_broker.h"
#include "smart_lock.h"

/* Provided by AFL++'s runtime when built with afl-clang-fast. */
extern void __afl_manual_init(void) __attribute__((weak));

enum kind { KIND_MQTT, KIND_HTTP, KIND_COAP, KIND_ATT };

#define MAX_CONNECTIONS 16
#define INPUT_CAP 80000

typedef struct connection {
  int fd;
  enum kind kind;
  int broker_client;
  uint8_t* in;
  size_t in_len;
} connection;

static sl_device g_device;
static sl_broker g_broker;
static connection g_conns[MAX_CONNECTIONS];

static void send_all(int fd, const uint8_t* data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    data += n;
    len -= (size_t)n;
  }
}

static void broker_send(void* ctx, int client, const uint8_t* data, size_t len) {
  (void)ctx;
  for (int i = 0; i < MAX_CONNECTIONS; ++i) {
    if (g_conns[i].fd >= 0 && g_conns[i].kind == KIND_MQTT && g_conns[i].broker_client == client) {
      send_all(g_conns[i].fd, data, len);
    }
  }
}

static int open_listener(const char* addr, int port, int type) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    fprintf(stderr, "demo_device_server: --bind %s: not an IPv4 address\n", addr);
    exit(2);
  }
  if (bind(fd, (struct sockaddr*)&sa, sizeof sa) < 0) {
    fprintf(stderr, "demo_device_server: bind %s:%d: %s\n", addr, port, strerror(errno));
    exit(2);
  }
  if (type == SOCK_STREAM && listen(fd, 64) < 0) {
    fprintf(stderr, "demo_device_server: listen %s:%d: %s\n", addr, port, strerror(errno));
    exit(2);
  }
  return fd;
}

static void close_connection(connection* c) {
  if (c->kind == KIND_MQTT) sl_broker_close(&g_broker, c->broker_client);
  close(c->fd);
  free(c->in);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

static void accept_connection(int listener, enum kind kind) {
  int fd = accept(listener, NULL, NULL);
  if (fd < 0) return;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (int i = 0; i < MAX_CONNECTIONS; ++i) {
    if (g_conns[i].fd < 0) {
      connection* c = &g_conns[i];
      c->in = malloc(INPUT_CAP);
      if (!c->in) break;
      c->fd = fd;
      c->kind = kind;
      c->in_len = 0;
      c->broker_client = -1;
      if (kind == KIND_MQTT) {
        c->broker_client = sl_broker_open(&g_broker);
        if (c->broker_client < 0) {
          free(c->in);
          c->fd = -1;
          break;
        }
      }
      return;
    }
  }
  close(fd);
}

/* Length of the complete HTTP request at the start of the buffer (header
 * section and Content-Length body), 0 when more bytes are needed. */
static size_t http_request_length(const uint8_t* p, size_t len) {
  for (size_t i = 0; i + 3 < len; ++i) {
    if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
      size_t head = i + 4;
      size_t body = 0;
      for (size_t k = 0; k + 15 < head; ++k) {
        if ((k == 0 || p[k - 1] == '\n') && strncasecmp((const char*)p + k, "content-length:", 15) == 0) {
          size_t j = k + 15;
          while (j < head && p[j] == ' ') ++j;
          body = 0;
          while (j < head && p[j] >= '0' && p[j] <= '9' && body < INPUT_CAP) body = body * 10 + (size_t)(p[j++] - '0');
        }
      }
      if (body > INPUT_CAP - head) return INPUT_CAP; /* answered with what fits */
      return len >= head + body ? head + body : 0;
    }
  }
  return len >= INPUT_CAP ? INPUT_CAP : 0;
}

/* Returns 0 to keep the connection, -1 to close it. */
static int serve_bytes(connection* c) {
  static uint8_t response[8192];
  switch (c->kind) {
    case KIND_MQTT: {
      long used = sl_broker_receive(&g_broker, c->broker_client, c->in, c->in_len);
      if (used < 0) return -1;
      memmove(c->in, c->in + used, c->in_len - (size_t)used);
      c->in_len -= (size_t)used;
      return c->in_len == INPUT_CAP ? -1 : 0;
    }
    case KIND_HTTP: {
      size_t n = http_request_length(c->in, c->in_len);
      if (n == 0) return 0;
      size_t out = sl_http_handle_request(&g_device, c->in, n, response, sizeof response);
      send_all(c->fd, response, out);
      return -1;
    }
    case KIND_ATT: {
      size_t pos = 0;
      while (c->in_len - pos >= 2) {
        size_t n = (size_t)c->in[pos] | ((size_t)c->in[pos + 1] << 8);
        if (c->in_len - pos - 2 < n) break;
        uint8_t* pdu = malloc(n ? n : 1);
        if (!pdu) return -1;
        memcpy(pdu, c->in + pos + 2, n);
        size_t out = sl_att_handle_pdu(&g_device, pdu, n, response + 2, sizeof response - 2);
        free(pdu);
        if (out) {
          response[0] = (uint8_t)out;
          response[1] = (uint8_t)(out >> 8);
          send_all(c->fd, response, out + 2);
        }
        pos += 2 + n;
      }
      memmove(c->in, c->in + pos, c->in_len - pos);
      c->in_len -= pos;
      return 0;
    }
    default:
      return -1;
  }
}

static void serve_datagram(int fd) {
  static uint8_t datagram[65536];
  static uint8_t response[SL_COAP_MAX_RESPONSE];
  struct sockaddr_storage from;
  socklen_t from_len = sizeof from;
  ssize_t n = recvfrom(fd, datagram, sizeof datagram, 0, (struct sockaddr*)&from, &from_len);
  if (n < 0) return;
  uint8_t* copy = malloc(n ? (size_t)n : 1);
  if (!copy) return;
  memcpy(copy, datagram, (size_t)n);
  size_t out = sl_coap_handle_datagram(&g_device, copy, (size_t)n, response, sizeof response);
  free(copy);
  if (out) sendto(fd, response, out, 0, (struct sockaddr*)&from, from_len);
}

static void usage(void) {
  fprintf(stderr,
          "usage: demo_device_server [--bind ADDR] [--mqtt PORT] [--http PORT] [--coap PORT] [--att PORT]\n");
  exit(2);
}

int main(int argc, char** argv) {
  const char* bind_addr = "127.0.0.1";
  int ports[4] = {-1, -1, -1, -1};
  static const char* names[4] = {"--mqtt", "--http", "--coap", "--att"};
  for (int i = 1; i < argc; ++i) {
    int matched = 0;
    if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc) {
      bind_addr = argv[++i];
      continue;
    }
    for (int k = 0; k < 4; ++k) {
      if (strcmp(argv[i], names[k]) == 0 && i + 1 < argc) {
        char* end = NULL;
        long port = strtol(argv[++i], &end, 10);
        if (!end || *end || port <= 0 || port > 65535) {
          fprintf(stderr, "demo_device_server: %s %s: expected a port number 1-65535\n", names[k], argv[i]);
          return 2;
        }
        ports[k] = (int)port;
        matched = 1;
      }
    }
    if (!matched) usage();
  }
  if (ports[0] < 0 && ports[1] < 0 && ports[2] < 0 && ports[3] < 0) usage();
  signal(SIGPIPE, SIG_IGN);

  int listeners[4] = {-1, -1, -1, -1};
  for (int k = 0; k < 4; ++k) {
    if (ports[k] > 0) listeners[k] = open_listener(bind_addr, ports[k], k == KIND_COAP ? SOCK_DGRAM : SOCK_STREAM);
  }
  for (int i = 0; i < MAX_CONNECTIONS; ++i) g_conns[i].fd = -1;
  sl_device_init(&g_device);
  sl_broker_init(&g_broker, broker_send, NULL);
  fprintf(stderr, "demo_device_server: ready\n");

  /* Fork point of AFL++'s deferred forkserver: everything above is done once. */
  if (__afl_manual_init) __afl_manual_init();

  for (;;) {
    struct pollfd fds[4 + MAX_CONNECTIONS];
    int owner[4 + MAX_CONNECTIONS];
    int n = 0;
    for (int k = 0; k < 4; ++k) {
      if (listeners[k] >= 0) {
        fds[n].fd = listeners[k];
        fds[n].events = POLLIN;
        owner[n++] = -1 - k;
      }
    }
    for (int i = 0; i < MAX_CONNECTIONS; ++i) {
      if (g_conns[i].fd >= 0) {
        fds[n].fd = g_conns[i].fd;
        fds[n].events = POLLIN;
        owner[n++] = i;
      }
    }
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      perror("demo_device_server: poll");
      return 1;
    }
    for (int j = 0; j < n; ++j) {
      if (!fds[j].revents) continue;
      if (owner[j] < 0) {
        int k = -1 - owner[j];
        if (k == KIND_COAP) {
          serve_datagram(fds[j].fd);
        } else {
          accept_connection(fds[j].fd, (enum kind)k);
        }
        continue;
      }
      connection* c = &g_conns[owner[j]];
      if (c->fd < 0) continue;
      ssize_t got = recv(c->fd, c->in + c->in_len, INPUT_CAP - c->in_len, 0);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        close_connection(c);
        continue;
      }
      c->in_len += (size_t)got;
      if (serve_bytes(c) < 0) close_connection(c);
    }
  }
}
