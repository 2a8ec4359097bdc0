/*
 * The mosquitto 2.0.11 broker as a network-mode server for iotfuzz:
 *
 *   mosquitto_net_server --port PORT [--bind ADDR] [--work-dir DIR]
 *
 * Writes a configuration with one MQTT listener on ADDR:PORT (default
 * 127.0.0.1), anonymous access, no persistence, packets up to 1 MiB
 * (max_packet_size) and errors/warnings logged to stderr into DIR (default:
 * the current directory), then runs the broker's own main(). The packet limit
 * is what a device sets; without one, every fuzzed Remaining Length that
 * claims up to 256 MiB has the broker allocate that much before reading it,
 * and under AddressSanitizer its shadow memory is written on allocation and
 * on free, which made such sessions dominate a run's time. A larger packet
 * is refused (the connection closed) through the broker's own check. Built with AFL++ instrumentation, the forkserver starts where
 * the broker enters its main loop (mosquitto_main_loop, wrapped at link
 * time): configuration read, listener bound, so each forked child serves
 * one session.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mosquitto__listener_sock;

int mosquitto_broker_main(int argc, char* argv[]);
int __real_mosquitto_main_loop(struct mosquitto__listener_sock* listensock, int listensock_count);

/* Provided by AFL++'s runtime when built with afl-clang-fast. */
extern void __afl_manual_init(void) __attribute__((weak));

int __wrap_mosquitto_main_loop(struct mosquitto__listener_sock* listensock, int listensock_count) {
  fprintf(stderr, "mosquitto_net_server: ready\n");
  fflush(stderr);
  if (__afl_manual_init) __afl_manual_init();
  return __real_mosquitto_main_loop(listensock, listensock_count);
}

static void usage(void) {
  fprintf(stderr, "usage: mosquitto_net_server --port PORT [--bind ADDR] [--work-dir DIR]\n");
  exit(2);
}

int main(int argc, char** argv) {
  const char* port = NULL;
  const char* bind_addr = "127.0.0.1";
  const char* work_dir = ".";
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = argv[++i];
    } else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc) {
      bind_addr = argv[++i];
    } else if (strcmp(argv[i], "--work-dir") == 0 && i + 1 < argc) {
      work_dir = argv[++i];
    } else {
      usage();
    }
  }
  if (port == NULL) usage();
  char* end = NULL;
  long p = strtol(port, &end, 10);
  if (!end || *end || p <= 0 || p > 65535) {
    fprintf(stderr, "mosquitto_net_server: --port %s: expected a port number 1-65535\n", port);
    return 2;
  }
  char conf[4096];
  snprintf(conf, sizeof conf, "%s/mosquitto-%ld.conf", work_dir, p);
  FILE* f = fopen(conf, "w");
  if (!f) {
    fprintf(stderr, "mosquitto_net_server: cannot write %s: %s\n", conf, strerror(errno));
    return 2;
  }
  fprintf(f,
          "# written by mosquitto_net_server\n"
          "listener %ld %s\n"
          "allow_anonymous true\n"
          "persistence false\n"
          "log_dest stderr\n"
          "log_type error\n"
          "log_type warning\n"
          "connection_messages false\n"
          "max_packet_size 1048576\n"
          "sys_interval 0\n",
          p, bind_addr);
  fclose(f);
  char* broker_argv[] = {argv[0], "-c", conf, NULL};
  return mosquitto_broker_main(3, broker_argv);
}
