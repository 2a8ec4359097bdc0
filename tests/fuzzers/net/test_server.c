/*
 * A line-protocol TCP server for the network executor's tests: one
 * connection at a time on 127.0.0.1:PORT (argv[1]).
 *   HELLO     -> WELCOME <token>   (token = 1000 + connection count)
 *   TOKEN <n> -> OK when n is the token, BAD otherwise
 *   PING      -> PONG
 *   CRASH     -> abort()            (a crash)
 *   HANG      -> spins forever       (a hang)
 *   QUIET     -> no answer
 *   anything else closes the connection.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern void __afl_manual_init(void) __attribute__((weak));

static void reply(int fd, const char* text) { (void)!write(fd, text, strlen(text)); }

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_server PORT\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)atoi(argv[1]));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, (struct sockaddr*)&sa, sizeof sa) != 0 || listen(listener, 16) != 0) {
    perror("test_server: bind");
    return 2;
  }
  if (__afl_manual_init) __afl_manual_init();
  unsigned connections = 0;
  for (;;) {
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) continue;
    unsigned token = 1000 + connections++;
    char line[256];
    size_t len = 0;
    int open = 1;
    while (open) {
      ssize_t n = read(fd, line + len, sizeof line - 1 - len);
      if (n <= 0) break;
      len += (size_t)n;
      char* nl;
      while (open && (nl = memchr(line, '\n', len)) != NULL) {
        *nl = 0;
        char out[64];
        if (strcmp(line, "HELLO") == 0) {
          snprintf(out, sizeof out, "WELCOME %u\n", token);
          reply(fd, out);
        } else if (strncmp(line, "TOKEN ", 6) == 0) {
          reply(fd, strtoul(line + 6, NULL, 10) == token ? "OK\n" : "BAD\n");
        } else if (strcmp(line, "PING") == 0) {
          reply(fd, "PONG\n");
        } else if (strcmp(line, "CRASH") == 0) {
          fprintf(stderr, "test_server: crashing on request\n");
          abort();
        } else if (strcmp(line, "HANG") == 0) {
          for (volatile unsigned long i = 0;; ++i) {
          }
        } else if (strcmp(line, "QUIET") == 0) {
        } else {
          open = 0;
        }
        size_t used = (size_t)(nl - line) + 1;
        memmove(line, nl + 1, len - used);
        len -= used;
      }
      if (len == sizeof line - 1) open = 0;
    }
    close(fd);
  }
}
