/*
 * The command line shared by iotfuzz's network-mode server programs
 * (targets/<component>/net/):
 *
 *   <program> [--bind ADDR] [--<switch>] [--port] PORT
 *
 * ADDR defaults to 127.0.0.1; <switch> is the program's one optional flag
 * (--trace, --debug), if it has one. A malformed command line prints
 * "<program>: <problem>" and the usage text to stderr and exits with status 2.
 * Header-only, for C and C++.
 */
#ifndef IOTFUZZ_FUZZERS_HARNESS_SERVER_COMMAND_LINE_H_
#define IOTFUZZ_FUZZERS_HARNESS_SERVER_COMMAND_LINE_H_

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct iotfuzz_server_command_line {
  const char* bind_addr;
  int port;
  int switch_given; /* the program's optional switch was on the command line */
} iotfuzz_server_command_line;

/* A port number 1-65535, or -1. */
static inline int iotfuzz_server_parse_port(const char* text) {
  char* end = NULL;
  errno = 0;
  long port = strtol(text, &end, 10);
  if (errno || end == NULL || end == text || *end || port <= 0 || port > 65535) return -1;
  return (int)port;
}

/* Prints `problem` (may be NULL) and `usage`, exits 2. */
static inline void iotfuzz_server_usage(const char* program, const char* usage, const char* problem) {
  if (problem) fprintf(stderr, "%s: %s\n", program, problem);
  fputs(usage, stderr);
  exit(2);
}

/* `switch_name` is the optional flag ("--trace"), or NULL for none. */
static inline iotfuzz_server_command_line iotfuzz_server_parse_command_line(int argc, char** argv,
                                                                            const char* program,
                                                                            const char* switch_name,
                                                                            const char* usage) {
  iotfuzz_server_command_line c;
  c.bind_addr = "127.0.0.1";
  c.port = -1;
  c.switch_given = 0;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (strcmp(a, "--bind") == 0) {
      if (i + 1 >= argc) iotfuzz_server_usage(program, usage, "--bind needs an address");
      c.bind_addr = argv[++i];
    } else if (strcmp(a, "--port") == 0) {
      if (i + 1 >= argc) iotfuzz_server_usage(program, usage, "--port needs a port number");
      c.port = iotfuzz_server_parse_port(argv[++i]);
      if (c.port < 0) iotfuzz_server_usage(program, usage, "--port: expected a port number 1-65535");
    } else if (switch_name != NULL && strcmp(a, switch_name) == 0) {
      c.switch_given = 1;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      iotfuzz_server_usage(program, usage, NULL);
    } else if (a[0] != '-' && c.port < 0) {
      c.port = iotfuzz_server_parse_port(a);
      if (c.port < 0) iotfuzz_server_usage(program, usage, "PORT: expected a port number 1-65535");
    } else {
      fprintf(stderr, "%s: unexpected argument '%s'\n", program, a);
      iotfuzz_server_usage(program, usage, NULL);
    }
  }
  if (c.port < 0) iotfuzz_server_usage(program, usage, "no port given");
  return c;
}

#endif /* IOTFUZZ_FUZZERS_HARNESS_SERVER_COMMAND_LINE_H_ */
