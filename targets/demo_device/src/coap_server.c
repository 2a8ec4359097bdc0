/*
 * CoAP server of the lock (RFC 7252, block-wise transfers RFC 7959).
 *
 *   GET       /.well-known/core   link-format (Block2 on request)
 *   GET       /lock               "locked" | "unlocked"
 *   PUT|POST  /lock               "lock" | "unlock <pin>"
 *   GET       /battery            percent as text
 *   GET       /config             "key=value" lines
 *   PUT       /config             "key=value"
 *   PUT       /firmware           image (firmware.c), in one datagram or in
 *                                 Block1 blocks sent in order; block 0 may
 *                                 carry Size1 with the image size
 *
 * CON requests get piggybacked responses, NON requests NON responses. A CON
 * message with a format error is rejected with RST; other malformed messages
 * are dropped silently.
 */
#include <string.h>

#include "sl_internal.h"

#define COAP_VERSION 1
#define COAP_MAX_TOKEN_LEN 8u
#define COAP_MAX_PATH_SEGMENTS 4u
#define COAP_MAX_BLOCK_SZX 6u /* 1024-byte blocks */

enum { COAP_CON = 0, COAP_NON = 1, COAP_ACK = 2, COAP_RST = 3 };

#define COAP_CODE(cls, detail) ((uint8_t)(((cls) << 5) | (detail)))
enum {
  COAP_EMPTY = 0,
  COAP_GET = 1,
  COAP_POST = 2,
  COAP_PUT = 3,
  COAP_DELETE = 4,
  COAP_CHANGED = COAP_CODE(2, 4),
  COAP_CONTENT = COAP_CODE(2, 5),
  COAP_CONTINUE = COAP_CODE(2, 31),
  COAP_BAD_REQUEST = COAP_CODE(4, 0),
  COAP_BAD_OPTION = COAP_CODE(4, 2),
  COAP_FORBIDDEN = COAP_CODE(4, 3),
  COAP_NOT_FOUND = COAP_CODE(4, 4),
  COAP_METHOD_NOT_ALLOWED = COAP_CODE(4, 5),
  COAP_NOT_ACCEPTABLE = COAP_CODE(4, 6),
  COAP_REQUEST_ENTITY_INCOMPLETE = COAP_CODE(4, 8),
  COAP_REQUEST_ENTITY_TOO_LARGE = COAP_CODE(4, 13),
  COAP_UNSUPPORTED_CONTENT_FORMAT = COAP_CODE(4, 15),
  COAP_INTERNAL_ERROR = COAP_CODE(5, 0)
};

enum {
  OPT_URI_HOST = 3,
  OPT_URI_PORT = 7,
  OPT_URI_PATH = 11,
  OPT_CONTENT_FORMAT = 12,
  OPT_URI_QUERY = 15,
  OPT_ACCEPT = 17,
  OPT_BLOCK2 = 23,
  OPT_BLOCK1 = 27,
  OPT_SIZE2 = 28,
  OPT_SIZE1 = 60
};

enum { FORMAT_TEXT = 0, FORMAT_LINK = 40, FORMAT_OCTETS = 42 };

typedef struct coap_uint_option {
  int present;
  uint32_t value;
} coap_uint_option;

typedef struct coap_request {
  uint8_t type;
  uint8_t code;
  uint16_t message_id;
  const uint8_t* path[COAP_MAX_PATH_SEGMENTS];
  size_t path_len[COAP_MAX_PATH_SEGMENTS];
  size_t path_count;
  int path_too_deep;
  coap_uint_option content_format;
  coap_uint_option accept;
  coap_uint_option block1;
  coap_uint_option block2;
  coap_uint_option size1;
  int bad_critical_option;
  const uint8_t* payload;
  size_t payload_len;
} coap_request;

typedef struct coap_response {
  uint8_t code;
  coap_uint_option content_format;
  coap_uint_option block2;
  coap_uint_option block1;
  coap_uint_option size2;
  coap_uint_option size1;
  const uint8_t* payload;
  size_t payload_len;
  char text[128]; /* backing store for short generated payloads */
} coap_response;

static const char kLinkFormat[] =
    "</lock>;rt=\"x.lock\";if=\"core.a\";ct=0,"
    "</battery>;rt=\"x.battery\";if=\"core.s\";ct=0,"
    "</config>;rt=\"x.config\";if=\"core.p\";ct=0,"
    "</firmware>;rt=\"x.firmware\";if=\"core.p\";ct=42";

/* ---- parsing --------------------------------------------------------- */

typedef enum coap_parse_result { COAP_PARSE_OK, COAP_FORMAT_ERROR } coap_parse_result;

/* Reads the extended form of an option delta or length nibble. */
static int coap_read_extended(const uint8_t* data, size_t len, size_t* pos, uint32_t nibble,
                              uint32_t* out) {
  if (nibble < 13) {
    *out = nibble;
    return 0;
  }
  if (nibble == 13) {
    if (len - *pos < 1) return -1;
    *out = 13u + data[*pos];
    *pos += 1;
    return 0;
  }
  if (nibble == 14) {
    if (len - *pos < 2) return -1;
    *out = 269u + sl_load_u16be(data + *pos);
    *pos += 2;
    return 0;
  }
  return -1; /* 15 is reserved for the payload marker */
}

static void coap_set_uint(coap_uint_option* opt, const uint8_t* value, size_t len,
                          size_t max_len, int critical, coap_request* req) {
  /* RFC 7252 5.4.3/5.4.5: a length outside the option's range, or a
   * non-repeatable option repeated, is treated like an unrecognised option. */
  if (len > max_len || opt->present) {
    if (critical) req->bad_critical_option = 1;
    return;
  }
  uint32_t v = 0;
  for (size_t i = 0; i < len; ++i) v = (v << 8) | value[i];
  opt->present = 1;
  opt->value = v;
}

static void coap_apply_option(coap_request* req, uint32_t number, const uint8_t* value,
                              size_t len) {
  switch (number) {
    case OPT_URI_PATH:
      if (len > 255) {
        req->bad_critical_option = 1;
      } else if (req->path_count == COAP_MAX_PATH_SEGMENTS) {
        req->path_too_deep = 1;
      } else {
        req->path[req->path_count] = value;
        req->path_len[req->path_count] = len;
        req->path_count++;
      }
      return;
    case OPT_URI_HOST:
    case OPT_URI_PORT:
      return; /* single-homed device: any host and port address it */
    case OPT_URI_QUERY:
      return; /* understood, but no resource of the lock takes parameters */
    case OPT_CONTENT_FORMAT:
      coap_set_uint(&req->content_format, value, len, 2, 0, req);
      return;
    case OPT_ACCEPT:
      coap_set_uint(&req->accept, value, len, 2, 0, req);
      return;
    case OPT_BLOCK2:
      coap_set_uint(&req->block2, value, len, 3, 1, req);
      return;
    case OPT_BLOCK1:
      coap_set_uint(&req->block1, value, len, 3, 1, req);
      return;
    case OPT_SIZE1:
      coap_set_uint(&req->size1, value, len, 4, 0, req);
      return;
    default:
      /* PLANTED BUG COAP-3 (validation, no crash): numbers from 2048 up are
       * taken for vendor options and skipped, critical or not, so a request
       * with an unrecognised critical option such as 65001 is served instead
       * of answered with 4.02 Bad Option (RFC 7252 5.4.1). */
#ifndef SL_WITHOUT_PLANTED_BUGS
      if (number >= 2048) return;
#endif
      /* Odd option numbers are critical: an unrecognised one fails the
       * request (If-Match, If-None-Match and the proxy options included). */
      if (number & 1u) req->bad_critical_option = 1;
      return;
  }
}

/* Parses options and payload after the token. */
static coap_parse_result coap_parse_options(const uint8_t* data, size_t len, size_t pos,
                                            coap_request* req) {
  uint32_t number = 0;
  while (pos < len) {
    uint8_t head = data[pos++];
    if (head == 0xFF) {
      if (pos == len) return COAP_FORMAT_ERROR; /* marker without payload */
      req->payload = data + pos;
      req->payload_len = len - pos;
      return COAP_PARSE_OK;
    }
    uint32_t delta;
    uint32_t opt_len;
    if (coap_read_extended(data, len, &pos, head >> 4, &delta) != 0 ||
        coap_read_extended(data, len, &pos, head & 0x0Fu, &opt_len) != 0) {
      return COAP_FORMAT_ERROR;
    }
    if (opt_len > len - pos) return COAP_FORMAT_ERROR;
    number += delta;
    if (number > 0xFFFF) return COAP_FORMAT_ERROR;
    coap_apply_option(req, number, data + pos, opt_len);
    pos += opt_len;
  }
  return COAP_PARSE_OK;
}

/* ---- response building ----------------------------------------------- */

static void coap_put_option(sl_writer* w, uint32_t* last, uint32_t number, const uint8_t* value,
                            size_t len) {
  uint32_t delta = number - *last;
  uint8_t head_delta = delta < 13 ? (uint8_t)delta : delta < 269 ? 13 : 14;
  uint8_t head_len = len < 13 ? (uint8_t)len : len < 269 ? 13 : 14;
  sl_writer_put_u8(w, (uint8_t)((head_delta << 4) | head_len));
  if (head_delta == 13) sl_writer_put_u8(w, (uint8_t)(delta - 13));
  if (head_delta == 14) sl_writer_put_u16be(w, (uint16_t)(delta - 269));
  if (head_len == 13) sl_writer_put_u8(w, (uint8_t)(len - 13));
  if (head_len == 14) sl_writer_put_u16be(w, (uint16_t)(len - 269));
  sl_writer_put(w, value, len);
  *last = number;
}

static void coap_put_uint_option(sl_writer* w, uint32_t* last, uint32_t number,
                                 const coap_uint_option* opt) {
  if (!opt->present) return;
  uint8_t bytes[4];
  size_t n = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    uint8_t b = (uint8_t)(opt->value >> shift);
    if (n > 0 || b != 0) bytes[n++] = b;
  }
  coap_put_option(w, last, number, bytes, n);
}

static void coap_set_response_uint(coap_uint_option* opt, uint32_t value) {
  opt->present = 1;
  opt->value = value;
}

static void coap_set_text(coap_response* resp, uint8_t code, const char* text) {
  size_t n = strlen(text);
  if (n >= sizeof resp->text) n = sizeof resp->text - 1;
  memcpy(resp->text, text, n);
  resp->text[n] = '\0';
  resp->code = code;
  coap_set_response_uint(&resp->content_format, FORMAT_TEXT);
  resp->payload = (const uint8_t*)resp->text;
  resp->payload_len = n;
}

/* ---- resources ------------------------------------------------------- */

static int coap_path_is(const coap_request* req, const char* first, const char* second) {
  size_t want = second ? 2 : 1;
  if (req->path_count != want) return 0;
  if (!sl_token_equals(req->path[0], req->path_len[0], first)) return 0;
  return !second || sl_token_equals(req->path[1], req->path_len[1], second);
}

static int coap_accepts(const coap_request* req, uint32_t format) {
  return !req->accept.present || req->accept.value == format;
}

static int coap_content_format_is(const coap_request* req, uint32_t format) {
  return !req->content_format.present || req->content_format.value == format;
}

static void resource_well_known_core(const coap_request* req, coap_response* resp) {
  if (req->code != COAP_GET) {
    resp->code = COAP_METHOD_NOT_ALLOWED;
    return;
  }
  if (!coap_accepts(req, FORMAT_LINK)) {
    resp->code = COAP_NOT_ACCEPTABLE;
    return;
  }
  const size_t total = sizeof kLinkFormat - 1;
  uint32_t num = 0;
  uint32_t szx = COAP_MAX_BLOCK_SZX;
  if (req->block2.present) {
    num = req->block2.value >> 4;
    szx = req->block2.value & 0x07u;
    if (szx == 7) {
      resp->code = COAP_BAD_REQUEST;
      return;
    }
  }
  size_t block_size = (size_t)16 << szx;
  size_t offset = (size_t)num * block_size;
  if (offset >= total) {
    resp->code = COAP_BAD_OPTION;
    return;
  }
  size_t n = total - offset < block_size ? total - offset : block_size;
  int more = offset + n < total;
  resp->code = COAP_CONTENT;
  coap_set_response_uint(&resp->content_format, FORMAT_LINK);
  if (req->block2.present || more) {
    coap_set_response_uint(&resp->block2, (num << 4) | (more ? 0x08u : 0u) | szx);
    coap_set_response_uint(&resp->size2, (uint32_t)total);
  }
  resp->payload = (const uint8_t*)kLinkFormat + offset;
  resp->payload_len = n;
}

static void resource_lock(sl_device* dev, const coap_request* req, coap_response* resp) {
  if (req->code == COAP_GET) {
    if (!coap_accepts(req, FORMAT_TEXT)) {
      resp->code = COAP_NOT_ACCEPTABLE;
      return;
    }
    coap_set_text(resp, COAP_CONTENT, sl_lock_state_name(dev->lock_state));
    return;
  }
  if (req->code != COAP_PUT && req->code != COAP_POST) {
    resp->code = COAP_METHOD_NOT_ALLOWED;
    return;
  }
  if (!coap_content_format_is(req, FORMAT_TEXT)) {
    resp->code = COAP_UNSUPPORTED_CONTENT_FORMAT;
    return;
  }
  static const char kUnlock[] = "unlock ";
  const size_t unlock_len = sizeof kUnlock - 1;
  if (sl_token_equals(req->payload, req->payload_len, "lock")) {
    sl_lock_engage(dev);
    resp->code = COAP_CHANGED;
  } else if (req->payload_len > unlock_len && memcmp(req->payload, kUnlock, unlock_len) == 0) {
    sl_unlock_result r =
        sl_lock_release(dev, req->payload + unlock_len, req->payload_len - unlock_len);
    resp->code = r == SL_UNLOCK_OK ? COAP_CHANGED : COAP_FORBIDDEN;
  } else {
    resp->code = COAP_BAD_REQUEST;
  }
}

static void resource_battery(const sl_device* dev, const coap_request* req, coap_response* resp) {
  if (req->code != COAP_GET) {
    resp->code = COAP_METHOD_NOT_ALLOWED;
    return;
  }
  if (!coap_accepts(req, FORMAT_TEXT)) {
    resp->code = COAP_NOT_ACCEPTABLE;
    return;
  }
  char text[8];
  sl_writer w;
  sl_writer_init(&w, (uint8_t*)text, sizeof text - 1);
  sl_writer_printf(&w, "%u", dev->battery_percent);
  text[w.len] = '\0';
  coap_set_text(resp, COAP_CONTENT, text);
}

static void resource_config(sl_device* dev, const coap_request* req, coap_response* resp) {
  if (req->code == COAP_GET) {
    if (!coap_accepts(req, FORMAT_TEXT)) {
      resp->code = COAP_NOT_ACCEPTABLE;
      return;
    }
    /* Only the short settings fit a single response: name is excluded. */
    sl_writer w;
    sl_writer_init(&w, (uint8_t*)resp->text, sizeof resp->text - 1);
    static const char* const kKeys[] = {"auto_lock_s", "led", "volume"};
    for (size_t i = 0; i < sizeof kKeys / sizeof kKeys[0]; ++i) {
      const char* v = sl_config_get(&dev->config, kKeys[i]);
      if (v) sl_writer_printf(&w, "%s=%s\n", kKeys[i], v);
    }
    resp->text[w.len] = '\0';
    resp->code = COAP_CONTENT;
    coap_set_response_uint(&resp->content_format, FORMAT_TEXT);
    resp->payload = (const uint8_t*)resp->text;
    resp->payload_len = w.len;
    return;
  }
  if (req->code != COAP_PUT) {
    resp->code = COAP_METHOD_NOT_ALLOWED;
    return;
  }
  if (!coap_content_format_is(req, FORMAT_TEXT)) {
    resp->code = COAP_UNSUPPORTED_CONTENT_FORMAT;
    return;
  }
  const uint8_t* eq = req->payload_len ? memchr(req->payload, '=', req->payload_len) : NULL;
  if (!eq) {
    resp->code = COAP_BAD_REQUEST;
    return;
  }
  size_t key_len = (size_t)(eq - req->payload);
  sl_config_result r = sl_config_set(&dev->config, (const char*)req->payload, key_len,
                                     (const char*)eq + 1, req->payload_len - key_len - 1);
  resp->code = r == SL_CONFIG_OK ? COAP_CHANGED : COAP_BAD_REQUEST;
}

static void firmware_result(sl_fw_result r, coap_response* resp) {
  switch (r) {
    case SL_FW_OK: resp->code = COAP_CHANGED; return;
    case SL_FW_NO_MEMORY: resp->code = COAP_INTERNAL_ERROR; return;
    case SL_FW_OUT_OF_RANGE:
      resp->code = COAP_REQUEST_ENTITY_TOO_LARGE;
      coap_set_response_uint(&resp->size1, SL_FW_MAX_IMAGE);
      return;
    case SL_FW_NOT_STARTED: resp->code = COAP_REQUEST_ENTITY_INCOMPLETE; return;
    case SL_FW_BAD_IMAGE: resp->code = COAP_BAD_REQUEST; return;
  }
}

static void resource_firmware(sl_device* dev, const coap_request* req, coap_response* resp) {
  if (req->code != COAP_PUT) {
    resp->code = COAP_METHOD_NOT_ALLOWED;
    return;
  }
  if (!coap_content_format_is(req, FORMAT_OCTETS)) {
    resp->code = COAP_UNSUPPORTED_CONTENT_FORMAT;
    return;
  }
  if (!req->block1.present) {
    /* Whole image in one datagram. */
    sl_fw_result r = sl_fw_begin(dev, req->payload_len);
    if (r == SL_FW_OK) r = sl_fw_write(dev, 0, req->payload, req->payload_len);
    if (r == SL_FW_OK) {
      r = sl_fw_finish(dev);
    } else {
      sl_fw_abort(dev);
    }
    firmware_result(r, resp);
    return;
  }

  uint32_t num = req->block1.value >> 4;
  int more = (req->block1.value & 0x08u) != 0;
  uint32_t szx = req->block1.value & 0x07u;
  if (szx > COAP_MAX_BLOCK_SZX) {
    resp->code = COAP_BAD_REQUEST;
    return;
  }
  size_t block_size = (size_t)16 << szx;
  if (more ? req->payload_len != block_size
           : (req->payload_len == 0 || req->payload_len > block_size)) {
    resp->code = COAP_BAD_REQUEST;
    return;
  }

  sl_fw_result r;
  if (num == 0) {
    size_t image_size = SL_FW_MAX_IMAGE;
    if (req->size1.present) {
      /* PLANTED BUG COAP-2: the image size announced in Size1 sizes the
       * staging buffer without the SL_FW_MAX_IMAGE bound that sl_fw_begin
       * expects from its callers (HTTP checks Content-Length against it). A
       * Size1 of up to 4 GiB becomes one allocation (CWE-789, CWE-770); the
       * check `size1 > SL_FW_MAX_IMAGE -> 4.13 with Size1` is missing. */
      image_size = req->size1.value;
#ifdef SL_WITHOUT_PLANTED_BUGS
      if (image_size > SL_FW_MAX_IMAGE) {
        resp->code = COAP_REQUEST_ENTITY_TOO_LARGE;
        return;
      }
#endif
    }
    r = sl_fw_begin(dev, image_size);
    if (r != SL_FW_OK) {
      firmware_result(r, resp);
      return;
    }
    dev->fw.block_szx = (uint8_t)szx;
    dev->fw.next_block = 0;
  } else if (!dev->fw.data || num != dev->fw.next_block || szx != dev->fw.block_szx) {
    resp->code = COAP_REQUEST_ENTITY_INCOMPLETE;
    return;
  }

  r = sl_fw_write(dev, (size_t)num * block_size, req->payload, req->payload_len);
  if (r != SL_FW_OK) {
    sl_fw_abort(dev);
    firmware_result(r, resp);
    return;
  }
  dev->fw.next_block = num + 1;
  coap_set_response_uint(&resp->block1, (num << 4) | (more ? 0x08u : 0u) | szx);
  if (more) {
    resp->code = COAP_CONTINUE;
    return;
  }
  firmware_result(sl_fw_finish(dev), resp);
}

static void coap_dispatch(sl_device* dev, const coap_request* req, coap_response* resp) {
  if (req->bad_critical_option) {
    resp->code = COAP_BAD_OPTION;
  } else if (req->path_too_deep) {
    resp->code = COAP_NOT_FOUND;
  } else if (coap_path_is(req, ".well-known", "core")) {
    resource_well_known_core(req, resp);
  } else if (coap_path_is(req, "lock", NULL)) {
    resource_lock(dev, req, resp);
  } else if (coap_path_is(req, "battery", NULL)) {
    resource_battery(dev, req, resp);
  } else if (coap_path_is(req, "config", NULL)) {
    resource_config(dev, req, resp);
  } else if (coap_path_is(req, "firmware", NULL)) {
    resource_firmware(dev, req, resp);
  } else {
    resp->code = COAP_NOT_FOUND;
  }
}

/* ---- message layer --------------------------------------------------- */

static size_t coap_reset(uint16_t message_id, uint8_t* out, size_t cap) {
  sl_writer w;
  sl_writer_init(&w, out, cap);
  sl_writer_put_u8(&w, (uint8_t)((COAP_VERSION << 6) | (COAP_RST << 4)));
  sl_writer_put_u8(&w, COAP_EMPTY);
  sl_writer_put_u16be(&w, message_id);
  return w.truncated ? 0 : w.len;
}

size_t sl_coap_handle_datagram(sl_device* dev, const uint8_t* datagram, size_t len,
                               uint8_t* response, size_t response_cap) {
  if (len < 4) return 0;
  if ((datagram[0] >> 6) != COAP_VERSION) return 0; /* silently ignored (RFC 7252 3) */
  coap_request req;
  memset(&req, 0, sizeof req);
  req.type = (datagram[0] >> 4) & 0x03;
  req.code = datagram[1];
  req.message_id = sl_load_u16be(datagram + 2);
  size_t token_len = datagram[0] & 0x0Fu;
  uint8_t token[COAP_MAX_TOKEN_LEN];

  /* The token is copied because the response is built after the request
   * buffer may have been reused by the radio driver. */
  if (token_len > len - 4) {
    return req.type == COAP_CON ? coap_reset(req.message_id, response, response_cap) : 0;
  }
  /* PLANTED BUG COAP-1: token lengths 9 to 15 are reserved and must be
   * processed as a message format error (RFC 7252 section 3), but only the
   * datagram length is checked before copying the token into the 8-byte
   * buffer: TKL 9..15 overflows it on the stack (CWE-121, CWE-1284). */
#ifdef SL_WITHOUT_PLANTED_BUGS
  if (token_len > COAP_MAX_TOKEN_LEN) {
    return req.type == COAP_CON ? coap_reset(req.message_id, response, response_cap) : 0;
  }
#endif
  memcpy(token, datagram + 4, token_len);

  if (req.code == COAP_EMPTY) {
    /* An empty CON is a ping and a malformed empty CON (token or options)
     * a format error: both are answered with RST. Empty ACK/RST are
     * ignored: the lock sends no CON messages. */
    return req.type == COAP_CON ? coap_reset(req.message_id, response, response_cap) : 0;
  }
  if (req.type == COAP_ACK || req.type == COAP_RST) return 0; /* the lock sends no CONs */
  if (coap_parse_options(datagram, len, 4 + token_len, &req) != COAP_PARSE_OK) {
    return req.type == COAP_CON ? coap_reset(req.message_id, response, response_cap) : 0;
  }
  if ((req.code >> 5) != 0) {
    /* A response or a reserved class: the lock has no outstanding request. */
    return req.type == COAP_CON ? coap_reset(req.message_id, response, response_cap) : 0;
  }

  coap_response resp;
  memset(&resp, 0, sizeof resp);
  if (req.code < COAP_GET || req.code > COAP_DELETE) {
    resp.code = COAP_METHOD_NOT_ALLOWED;
  } else {
    coap_dispatch(dev, &req, &resp);
  }

  sl_writer w;
  sl_writer_init(&w, response, response_cap);
  uint8_t type = req.type == COAP_CON ? COAP_ACK : COAP_NON;
  uint16_t message_id = req.type == COAP_CON ? req.message_id : dev->coap_next_message_id++;
  sl_writer_put_u8(&w, (uint8_t)((COAP_VERSION << 6) | (type << 4) | (uint8_t)token_len));
  sl_writer_put_u8(&w, resp.code);
  sl_writer_put_u16be(&w, message_id);
  sl_writer_put(&w, token, token_len);
  uint32_t last = 0;
  coap_put_uint_option(&w, &last, OPT_CONTENT_FORMAT, &resp.content_format);
  coap_put_uint_option(&w, &last, OPT_BLOCK2, &resp.block2);
  coap_put_uint_option(&w, &last, OPT_BLOCK1, &resp.block1);
  coap_put_uint_option(&w, &last, OPT_SIZE2, &resp.size2);
  coap_put_uint_option(&w, &last, OPT_SIZE1, &resp.size1);
  if (resp.payload_len > 0) {
    sl_writer_put_u8(&w, 0xFF);
    sl_writer_put(&w, resp.payload, resp.payload_len);
  }
  return w.truncated ? 0 : w.len;
}
