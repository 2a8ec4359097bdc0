// mosquitto 2.0.11 broker: one client connection, from the accepted socket
// on, through the broker's own event loop.
//
// Input: the byte stream a client sends on one connection (MQTT 3.1, 3.1.1
// or 5.0 packets back to back, CONNECT first), then end of stream.
//
// Set-up, once: the broker is configured the way `mosquitto -c <file>` is,
// by config__parse_args() reading a configuration file written to a private
// temporary directory: one listener on a Unix socket in that directory
// (`listener 0 <path>`, as a gateway offers its local device processes),
// anonymous clients allowed, an ACL file (anonymous devices may use
// devices/# and sensors/#, their own devices/<client id>/#, and read $SYS;
// user "admin" may use everything), in-flight and queue limits, no
// persistence, logging off (MOSQUITTO_FUZZER_DEBUG=1 logs everything to
// stderr). Then log__init(), the security module and the default ACL/auth
// checks, and net__socket_listen() opens the listener, as main() does.
//
// Per input: a fresh broker database (db__open) and event loop (mux__init
// with the listener); the harness connects to the listener, writes the input
// and shuts its end down for writing. The broker's own loop step
// mux__handle() then runs until the broker closes the connection: it accepts
// it (net__socket_accept -> context__init), and for every readiness event
// loop_handle_reads_writes() does packet__read() -> handle__packet() for
// each packet and packet__write() for the replies, which the harness reads
// and discards. At the end, the shutdown sequence of main() (wills, session
// expiry, every context cleaned up, db__close) frees every session,
// subscription, retained and queued message, so nothing carries over to the
// next input and LeakSanitizer sees every leak of the broker.
//
// Not deterministic: client ids the broker assigns (getrandom) and the
// clock (only keep-alive and expiry, which no input lives long enough to
// reach, depend on it).

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mosquitto_broker_internal.h"

// From mosquitto.c (its main() is renamed in this build).
extern struct mosquitto_db db;

static struct mosquitto__config g_config;
static struct mosquitto__listener_sock g_listensock;
static char g_socket_path[108];

enum { kMaxInput = 128 * 1024 };

static const char kConfig[] =
    "per_listener_settings false\n"
    "allow_anonymous true\n"
    "acl_file %s/acl\n"
    "listener 0 %s/mqtt.sock\n"
    "max_inflight_messages 20\n"
    "max_queued_messages 200\n"
    "max_keepalive 600\n"
    "persistence false\n"
    "retain_available true\n"
    "connection_messages true\n"
    "%s";

static const char kAcl[] =
    "# anonymous devices\n"
    "topic read $SYS/#\n"
    "topic readwrite devices/#\n"
    "topic readwrite sensors/#\n"
    "pattern readwrite devices/%c/#\n"
    "\n"
    "user admin\n"
    "topic readwrite #\n";

static void RemoveSocket(void) {
  unlink(g_socket_path);
  char dir[sizeof(g_socket_path)];
  snprintf(dir, sizeof(dir), "%s", g_socket_path);
  char* slash = strrchr(dir, '/');
  if (slash) {
    *slash = 0;
    rmdir(dir);
  }
}

static void WriteFile(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
    fprintf(stderr, "mosquitto_broker_fuzzer: cannot write %s\n", path);
    abort();
  }
}

int LLVMFuzzerInitialize(int* argc, char*** argv) {
  (void)argc;
  (void)argv;
  const char* debug = getenv("MOSQUITTO_FUZZER_DEBUG");
  int verbose = debug && *debug && *debug != '0';

  char dir[] = "/tmp/mosquitto_broker_fuzzer.XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mosquitto_broker_fuzzer: mkdtemp");
    abort();
  }
  char conf_path[sizeof(dir) + 32], acl_path[sizeof(dir) + 32], conf[1024];
  snprintf(conf_path, sizeof(conf_path), "%s/mosquitto.conf", dir);
  snprintf(acl_path, sizeof(acl_path), "%s/acl", dir);
  snprintf(g_socket_path, sizeof(g_socket_path), "%s/mqtt.sock", dir);
  snprintf(conf, sizeof(conf), kConfig, dir, dir,
           verbose ? "log_dest stderr\nlog_type all\n" : "log_dest none\n");
  WriteFile(conf_path, conf);
  WriteFile(acl_path, kAcl);

  memset(&db, 0, sizeof(db));
  db.now_s = mosquitto_time();
  db.now_real_s = time(NULL);
  net__broker_init();
  config__init(&g_config);
  char* args[] = {"mosquitto", "-c", conf_path, NULL};
  if (config__parse_args(&g_config, 3, args) != MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "mosquitto_broker_fuzzer: the broker rejected its configuration\n");
    abort();
  }
  db.config = &g_config;
  if (db__open(&g_config) != MOSQ_ERR_SUCCESS || log__init(&g_config) != 0 ||
      mosquitto_security_module_init() != MOSQ_ERR_SUCCESS ||
      mosquitto_security_init(false) != MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "mosquitto_broker_fuzzer: the broker did not start\n");
    abort();
  }
  db__close();  // every input opens its own database
  db.config_file = NULL;
  unlink(conf_path);
  unlink(acl_path);

  // As listeners__start() does for the configured listener.
  struct mosquitto__listener* listener = &g_config.listeners[0];
  if (g_config.listener_count != 1 || net__socket_listen(listener) != 0 || listener->sock_count != 1) {
    fprintf(stderr, "mosquitto_broker_fuzzer: cannot open the listener %s\n", g_socket_path);
    abort();
  }
  g_listensock.sock = listener->socks[0];
  g_listensock.listener = listener;
  g_listensock.ident = id_listener;
  atexit(RemoveSocket);
  return 0;
}

// Reads and discards what the broker sent, keeping errno as the broker left
// it (the broker's read path looks at errno).
static void DrainReplies(int fd) {
  int saved = errno;
  uint8_t buf[4096];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
  errno = saved;
}

static int PendingBytes(int fd) {
  int n = 0;
  if (ioctl(fd, FIONREAD, &n) != 0) return -1;
  return n;
}

// The broker's shutdown sequence from main(), for one input's database.
static void ShutdownBroker(void) {
  struct mosquitto *ctxt, *ctxt_tmp;
  HASH_ITER(hh_id, db.contexts_by_id, ctxt, ctxt_tmp) { context__send_will(ctxt); }
  will_delay__send_all();
  session_expiry__remove_all();
  HASH_ITER(hh_id, db.contexts_by_id, ctxt, ctxt_tmp) { context__cleanup(ctxt, true); }
  HASH_ITER(hh_sock, db.contexts_by_sock, ctxt, ctxt_tmp) { context__cleanup(ctxt, true); }
  context__free_disused();
  db__close();
  mux__cleanup();
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;

  struct mosquitto__config* config = db.config;
  memset(&db, 0, sizeof(db));
  db.config = config;
  db.now_s = mosquitto_time();
  db.now_real_s = time(NULL);
  if (db__open(config) != MOSQ_ERR_SUCCESS || mux__init(&g_listensock, 1) != MOSQ_ERR_SUCCESS) abort();

  // The client: connects, sends the whole input, ends its stream.
  int client = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", g_socket_path);
  int bufsize = 2 * kMaxInput;
  setsockopt(client, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
  if (client < 0 || connect(client, (struct sockaddr*)&addr, sizeof(addr)) != 0) {
    perror("mosquitto_broker_fuzzer: connect");
    abort();
  }
  size_t written = 0;
  while (written < size) {
    ssize_t n = write(client, data + written, size - written);
    if (n <= 0) {
      perror("mosquitto_broker_fuzzer: write");
      abort();
    }
    written += (size_t)n;
  }
  shutdown(client, SHUT_WR);
  fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK);

  // The broker's loop: the first step accepts the connection, the next ones
  // serve it until the broker closes it. Every step consumes input or acts
  // on the end of the stream; a step at the end of the stream that leaves
  // the connection open (packet__read() takes a read of 0 bytes inside a
  // packet as "try again" when errno says EAGAIN) is where the broker would
  // wait for keep-alive to expire: the harness stops there.
  mux__handle(&g_listensock, 1);
  struct mosquitto* context = db.contexts_by_sock;
  if (!context || HASH_CNT(hh_sock, db.contexts_by_sock) != 1) {
    fprintf(stderr, "mosquitto_broker_fuzzer: the broker did not accept the connection\n");
    abort();
  }
  int idle_steps = 0;
  while (context->sock != INVALID_SOCKET && idle_steps < 2) {
    int before = PendingBytes(context->sock);
    mux__handle(&g_listensock, 1);
    DrainReplies(client);
    if (context->sock != INVALID_SOCKET && before == 0) ++idle_steps;
  }
  if (context->sock != INVALID_SOCKET) do_disconnect(context, MOSQ_ERR_CONN_LOST);
  DrainReplies(client);

  ShutdownBroker();
  close(client);
  return 0;
}
