/* Checks CoAP messages with libcoap 4.3.1's own parser, coap_pdu_parse(),
 * as its receive path calls it: the validity of what grammars/coap.grammar
 * generates.
 *
 *   coap_validity udp|frames|tcp [-v] FILE...
 *
 *   udp     each file is one UDP datagram (RFC 7252)
 *   frames  each file is message frames (u16 little-endian length, then one
 *           UDP datagram; fuzzers/harness/message_frames.h)
 *   tcp     each file is a byte stream of RFC 8323 messages, cut as
 *           coap_read_session() cuts it (header size from the first byte, body
 *           size from the header); a stream that cannot be cut further counts
 *           its rest as one rejected message
 *
 * Prints "messages N accepted M" on stdout; with -v every rejected message
 * (file, index, hex) on stderr. Exit status 0 unless a file cannot be read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>

#include "targets/libcoap/libcoap_internals.h"

static long messages = 0;
static long accepted = 0;
static int verbose = 0;

static void Reject(const char* file, long index, const uint8_t* data, size_t size) {
  if (!verbose) return;
  fprintf(stderr, "rejected %s #%ld:", file, index);
  for (size_t i = 0; i < size && i < 64; ++i) fprintf(stderr, " %02x", data[i]);
  fprintf(stderr, "%s\n", size > 64 ? " ..." : "");
}

static int ParseUdp(const uint8_t* data, size_t size) {
  if (size < 4 || size > COAP_RXBUFFER_SIZE) return 0;
  coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_EMPTY_CODE, 0, COAP_DEFAULT_MTU - 4);
  if (!pdu) return 0;
  int ok = coap_pdu_parse(COAP_PROTO_UDP, data, size, pdu);
  coap_delete_pdu(pdu);
  return ok;
}

static void CheckUdp(const char* file, long index, const uint8_t* data, size_t size) {
  ++messages;
  if (ParseUdp(data, size)) {
    ++accepted;
  } else {
    Reject(file, index, data, size);
  }
}

static void CheckFrames(const char* file, const uint8_t* data, size_t size) {
  size_t pos = 0;
  long index = 0;
  while (size - pos >= 2) {
    size_t len = (size_t)data[pos] | ((size_t)data[pos + 1] << 8);
    pos += 2;
    if (len > size - pos) len = size - pos;
    CheckUdp(file, index++, data + pos, len);
    pos += len;
  }
}

static void CheckTcp(const char* file, const uint8_t* data, size_t size) {
  size_t pos = 0;
  long index = 0;
  while (pos < size) {
    const uint8_t* start = data + pos;
    size_t remaining = size - pos;
    size_t hdr_size = libcoap_pdu_parse_header_size(COAP_PROTO_TCP, start);
    size_t body_size = hdr_size && hdr_size <= remaining ? libcoap_pdu_parse_size(COAP_PROTO_TCP, start, hdr_size) : 0;
    ++messages;
    if (hdr_size == 0 || hdr_size > remaining || body_size > libcoap_max_pdu_rx_size() ||
        body_size > remaining - hdr_size) {
      Reject(file, index, start, remaining);
      return;
    }
    coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_EMPTY_CODE, 0, libcoap_max_pdu_rx_size());
    int ok = pdu && coap_pdu_parse(COAP_PROTO_TCP, start, hdr_size + body_size, pdu);
    if (pdu) coap_delete_pdu(pdu);
    if (ok) {
      ++accepted;
    } else {
      Reject(file, index, start, hdr_size + body_size);
    }
    ++index;
    pos += hdr_size + body_size;
  }
}

static int ReadFile(const char* path, uint8_t** data, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return 0;
  size_t cap = 4096, len = 0;
  uint8_t* buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      cap *= 2;
      uint8_t* grown = realloc(buf, cap);
      if (!grown) free(buf);
      buf = grown;
    }
  }
  fclose(f);
  if (!buf) return 0;
  *data = buf;
  *size = len;
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 3 || (strcmp(argv[1], "udp") && strcmp(argv[1], "frames") && strcmp(argv[1], "tcp"))) {
    fprintf(stderr, "usage: %s udp|frames|tcp [-v] FILE...\n", argv[0]);
    return 2;
  }
  coap_startup();
  coap_set_log_level(LOG_EMERG);
  const char* mode = argv[1];
  int status = 0;
  for (int i = 2; i < argc; ++i) {
    if (!strcmp(argv[i], "-v")) {
      verbose = 1;
      continue;
    }
    uint8_t* data = NULL;
    size_t size = 0;
    if (!ReadFile(argv[i], &data, &size)) {
      fprintf(stderr, "cannot read %s\n", argv[i]);
      status = 1;
      continue;
    }
    if (!strcmp(mode, "udp")) CheckUdp(argv[i], 0, data, size);
    else if (!strcmp(mode, "frames")) CheckFrames(argv[i], data, size);
    else CheckTcp(argv[i], data, size);
    free(data);
  }
  printf("messages %ld accepted %ld\n", messages, accepted);
  coap_cleanup();
  return status;
}
