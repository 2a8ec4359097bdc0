/*
 * HTTP/1.1 configuration API of the lock (one request per connection,
 * "Connection: close").
 *
 *   GET  /status     lock state, battery, firmware versions    (no auth)
 *   POST /login      form body "pin=NNNNNN" -> API token        (no auth)
 *   POST /lock       engage the bolt                            (Bearer token)
 *   POST /unlock     retract the bolt                           (Bearer token)
 *   GET  /config     configuration as a JSON object             (Bearer token)
 *   POST /config     JSON object of keys to change              (Bearer token)
 *   PUT  /firmware   firmware image as the body (firmware.c)    (Bearer token)
 *
 * Requests carry their body with Content-Length; chunked transfer coding is
 * not implemented (501).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_internal.h"

#define HTTP_MAX_HEADER_BYTES 8192u
#define HTTP_MAX_HEADERS 32u
#define HTTP_MAX_TARGET 128u
#define HTTP_MAX_CONTENT_LENGTH_DIGITS 9u
/* The largest body is a firmware image. */
#define HTTP_MAX_BODY SL_FW_MAX_IMAGE

typedef struct http_request {
  const uint8_t* method;
  size_t method_len;
  const uint8_t* path; /* request target without the query */
  size_t path_len;
  int has_content_length;
  size_t content_length;
  const uint8_t* authorization;
  size_t authorization_len;
  const uint8_t* content_type;
  size_t content_type_len;
  char* body; /* heap copy of the body, NUL-terminated; NULL without body */
  size_t body_len;
} http_request;

typedef struct http_response {
  int status;
  const char* content_type; /* NULL: no body */
  const char* allow;        /* methods for the Allow header of a 405 */
  char body[1024];
  sl_writer body_writer;
} http_response;

static const char* http_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

static void http_response_init(http_response* r) {
  r->status = 500;
  r->content_type = NULL;
  r->allow = NULL;
  sl_writer_init(&r->body_writer, (uint8_t*)r->body, sizeof r->body);
}

/* Sets a status with a JSON error body {"error":"<message>"}; message is a
 * literal without characters that need escaping. */
static void http_error(http_response* r, int status, const char* message) {
  r->status = status;
  r->content_type = "application/json";
  sl_writer_init(&r->body_writer, (uint8_t*)r->body, sizeof r->body);
  sl_writer_printf(&r->body_writer, "{\"error\":\"%s\"}", message);
}

static void json_put_escaped(sl_writer* w, const char* s) {
  sl_writer_put_u8(w, '"');
  for (const unsigned char* p = (const unsigned char*)s; *p; ++p) {
    if (*p == '"' || *p == '\\') {
      sl_writer_put_u8(w, '\\');
      sl_writer_put_u8(w, *p);
    } else if (*p < 0x20) {
      sl_writer_printf(w, "\\u%04x", (unsigned)*p);
    } else {
      sl_writer_put_u8(w, *p);
    }
  }
  sl_writer_put_u8(w, '"');
}

/* ---- request parsing ------------------------------------------------- */

static int http_is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Finds "\r\n\r\n" in the first `limit` bytes; returns the offset of the
 * first body byte or 0 when the header section is incomplete. */
static size_t http_find_header_end(const uint8_t* data, size_t len, size_t limit) {
  size_t n = len < limit ? len : limit;
  for (size_t i = 0; i + 3 < n; ++i) {
    if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n') {
      return i + 4;
    }
  }
  return 0;
}

static int http_parse_request_line(const uint8_t* line, size_t len, http_request* req,
                                   http_response* resp) {
  const uint8_t* sp1 = memchr(line, ' ', len);
  if (!sp1 || sp1 == line) {
    http_error(resp, 400, "malformed request line");
    return -1;
  }
  req->method = line;
  req->method_len = (size_t)(sp1 - line);
  for (size_t i = 0; i < req->method_len; ++i) {
    if (line[i] < 'A' || line[i] > 'Z') {
      http_error(resp, 400, "malformed method");
      return -1;
    }
  }
  const uint8_t* target = sp1 + 1;
  size_t rest = len - req->method_len - 1;
  const uint8_t* sp2 = memchr(target, ' ', rest);
  if (!sp2 || sp2 == target) {
    http_error(resp, 400, "malformed request line");
    return -1;
  }
  size_t target_len = (size_t)(sp2 - target);
  if (target_len > HTTP_MAX_TARGET) {
    http_error(resp, 414, "target too long");
    return -1;
  }
  if (target[0] != '/') {
    http_error(resp, 400, "target must be an absolute path");
    return -1;
  }
  for (size_t i = 0; i < target_len; ++i) {
    if (target[i] <= 0x20 || target[i] >= 0x7F) {
      http_error(resp, 400, "invalid character in target");
      return -1;
    }
  }
  const uint8_t* query = memchr(target, '?', target_len);
  req->path = target;
  req->path_len = query ? (size_t)(query - target) : target_len;

  const uint8_t* version = sp2 + 1;
  size_t version_len = len - (size_t)(version - line);
  if (version_len != 8 || memcmp(version, "HTTP/1.", 7) != 0) {
    http_error(resp, 400, "malformed version");
    return -1;
  }
  if (version[7] != '1' && version[7] != '0') {
    http_error(resp, 505, "only HTTP/1.0 and HTTP/1.1");
    return -1;
  }
  return 0;
}

static int http_parse_content_length(const uint8_t* value, size_t len, size_t* out) {
  if (len == 0 || len > HTTP_MAX_CONTENT_LENGTH_DIGITS) return -1;
  size_t n = 0;
  for (size_t i = 0; i < len; ++i) {
    if (value[i] < '0' || value[i] > '9') return -1;
    n = n * 10 + (size_t)(value[i] - '0');
  }
  *out = n;
  return 0;
}

static int http_parse_header_line(const uint8_t* line, size_t len, http_request* req,
                                  http_response* resp) {
  if (line[0] == ' ' || line[0] == '\t') {
    http_error(resp, 400, "obsolete line folding");
    return -1;
  }
  const uint8_t* colon = memchr(line, ':', len);
  if (!colon || colon == line) {
    http_error(resp, 400, "malformed header");
    return -1;
  }
  size_t name_len = (size_t)(colon - line);
  for (size_t i = 0; i < name_len; ++i) {
    if (!http_is_tchar(line[i])) {
      http_error(resp, 400, "malformed header name");
      return -1;
    }
  }
  const uint8_t* value = colon + 1;
  const uint8_t* end = line + len;
  while (value < end && (*value == ' ' || *value == '\t')) value++;
  while (end > value && (end[-1] == ' ' || end[-1] == '\t')) end--;
  size_t value_len = (size_t)(end - value);
  for (size_t i = 0; i < value_len; ++i) {
    if ((value[i] < 0x20 && value[i] != '\t') || value[i] == 0x7F) {
      http_error(resp, 400, "invalid character in header value");
      return -1;
    }
  }

  if (sl_token_equals_ci(line, name_len, "Content-Length")) {
    size_t n;
    if (http_parse_content_length(value, value_len, &n) != 0 ||
        (req->has_content_length && n != req->content_length)) {
      http_error(resp, 400, "invalid content-length");
      return -1;
    }
    req->has_content_length = 1;
    req->content_length = n;
  } else if (sl_token_equals_ci(line, name_len, "Transfer-Encoding")) {
    /* PLANTED BUG HTTP-3 (validation, no crash): a request with both
     * Content-Length and Transfer-Encoding is a request-smuggling vector
     * (RFC 9112 6.1: Transfer-Encoding overrides Content-Length, and such a
     * message ought to be handled as an error). Once a Content-Length has
     * been read, the field is ignored and the body is taken by
     * Content-Length, so the request is served. */
#ifdef SL_WITHOUT_PLANTED_BUGS
    if (req->has_content_length) {
      http_error(resp, 400, "both Content-Length and Transfer-Encoding");
      return -1;
    }
#else
    if (req->has_content_length) return 0;
#endif
    http_error(resp, 501, "transfer codings are not supported");
    return -1;
  } else if (sl_token_equals_ci(line, name_len, "Authorization")) {
    req->authorization = value;
    req->authorization_len = value_len;
  } else if (sl_token_equals_ci(line, name_len, "Content-Type")) {
    req->content_type = value;
    req->content_type_len = value_len;
  }
  return 0;
}

/* Parses request line, headers and body. On failure the error response is
 * set and -1 returned. */
static int http_parse_request(const uint8_t* data, size_t len, http_request* req,
                              http_response* resp) {
  size_t body_start = http_find_header_end(data, len, HTTP_MAX_HEADER_BYTES);
  if (body_start == 0) {
    if (len >= HTTP_MAX_HEADER_BYTES) {
      http_error(resp, 431, "header section too large");
    } else {
      http_error(resp, 400, "incomplete header section");
    }
    return -1;
  }
  size_t header_len = body_start - 2; /* keep the CRLF that ends the last line */
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < header_len) {
    const uint8_t* line = data + pos;
    size_t line_len = 0;
    while (pos + line_len + 1 < header_len &&
           !(line[line_len] == '\r' && line[line_len + 1] == '\n')) {
      line_len++;
    }
    if (line[line_len] != '\r') {
      http_error(resp, 400, "malformed line ending");
      return -1;
    }
    if (line_len == 0) {
      http_error(resp, 400, "empty line in header section");
      return -1;
    }
    if (line_no == 0) {
      if (http_parse_request_line(line, line_len, req, resp) != 0) return -1;
    } else {
      if (line_no > HTTP_MAX_HEADERS) {
        http_error(resp, 431, "too many headers");
        return -1;
      }
      if (http_parse_header_line(line, line_len, req, resp) != 0) return -1;
    }
    line_no++;
    pos += line_len + 2;
  }

  if (!req->has_content_length || req->content_length == 0) return 0;
  if (req->content_length > HTTP_MAX_BODY) {
    http_error(resp, 413, "body too large");
    return -1;
  }
  /* PLANTED BUG HTTP-1: the body is copied with the length the client
   * declared in Content-Length, but nothing checks that this many bytes
   * were actually received (len - body_start). A Content-Length larger than
   * the rest of the request makes the memcpy below read past the end of the
   * receive buffer (CWE-130, CWE-125). */
#ifdef SL_WITHOUT_PLANTED_BUGS
  if (req->content_length > len - body_start) {
    http_error(resp, 400, "body shorter than Content-Length");
    return -1;
  }
#endif
  req->body = malloc(req->content_length + 1);
  if (!req->body) {
    http_error(resp, 500, "out of memory");
    return -1;
  }
  memcpy(req->body, data + body_start, req->content_length);
  req->body[req->content_length] = '\0';
  req->body_len = req->content_length;
  return 0;
}

/* ---- routes ---------------------------------------------------------- */

static int http_authorized(const sl_device* dev, const http_request* req) {
  static const char kScheme[] = "Bearer ";
  const size_t scheme_len = sizeof kScheme - 1;
  if (req->authorization_len <= scheme_len) return 0;
  if (!sl_token_equals_ci(req->authorization, scheme_len - 1, "Bearer") ||
      req->authorization[scheme_len - 1] != ' ') {
    return 0;
  }
  return sl_secret_equals(dev->api_token, req->authorization + scheme_len,
                          req->authorization_len - scheme_len);
}

/* Media type without parameters, compared case-insensitively. */
static int http_content_type_is(const http_request* req, const char* media_type) {
  if (!req->content_type) return 0;
  size_t n = req->content_type_len;
  const uint8_t* semicolon = memchr(req->content_type, ';', n);
  if (semicolon) n = (size_t)(semicolon - req->content_type);
  while (n > 0 && (req->content_type[n - 1] == ' ' || req->content_type[n - 1] == '\t')) n--;
  return sl_token_equals_ci(req->content_type, n, media_type);
}

/* Finds `name` in an application/x-www-form-urlencoded body. */
static int http_form_field(const http_request* req, const char* name, const uint8_t** value,
                           size_t* value_len) {
  if (!req->body) return 0;
  const uint8_t* p = (const uint8_t*)req->body;
  const uint8_t* end = p + req->body_len;
  while (p && p < end) {
    const uint8_t* amp = memchr(p, '&', (size_t)(end - p));
    const uint8_t* field_end = amp ? amp : end;
    const uint8_t* eq = memchr(p, '=', (size_t)(field_end - p));
    if (eq && sl_token_equals(p, (size_t)(eq - p), name)) {
      *value = eq + 1;
      *value_len = (size_t)(field_end - eq - 1);
      return 1;
    }
    p = amp ? amp + 1 : NULL;
  }
  return 0;
}

static void route_status(sl_device* dev, http_response* resp) {
  resp->status = 200;
  resp->content_type = "application/json";
  sl_writer* w = &resp->body_writer;
  sl_writer_printf(w, "{\"state\":\"%s\",\"battery\":%u,\"firmware\":\"%s\",\"pending_firmware\":",
                   sl_lock_state_name(dev->lock_state), dev->battery_percent, SL_FIRMWARE_VERSION);
  if (dev->pending_fw_version[0]) {
    json_put_escaped(w, dev->pending_fw_version);
  } else {
    sl_writer_put_str(w, "null");
  }
  sl_writer_printf(w, ",\"unlocks\":%lu}", (unsigned long)dev->unlock_count);
}

static void route_login(sl_device* dev, const http_request* req, http_response* resp) {
  const uint8_t* pin;
  size_t pin_len;
  if (!http_content_type_is(req, "application/x-www-form-urlencoded")) {
    http_error(resp, 415, "expected a form body");
    return;
  }
  if (!http_form_field(req, "pin", &pin, &pin_len)) {
    http_error(resp, 400, "missing pin");
    return;
  }
  switch (sl_pin_check(dev, pin, pin_len)) {
    case SL_UNLOCK_OK:
      resp->status = 200;
      resp->content_type = "application/json";
      sl_writer_printf(&resp->body_writer, "{\"token\":\"%s\"}", dev->api_token);
      return;
    case SL_UNLOCK_WRONG_PIN:
      http_error(resp, 401, "wrong pin");
      return;
    case SL_UNLOCK_LOCKED_OUT:
      http_error(resp, 429, "too many attempts");
      return;
  }
}

static void route_lock_state(sl_device* dev, int unlock, http_response* resp) {
  if (unlock) {
    dev->lock_state = SL_LOCK_UNLOCKED;
    dev->unlock_count++;
  } else {
    sl_lock_engage(dev);
  }
  resp->status = 200;
  resp->content_type = "application/json";
  sl_writer_printf(&resp->body_writer, "{\"state\":\"%s\"}", sl_lock_state_name(dev->lock_state));
}

static void route_get_config(const sl_device* dev, http_response* resp) {
  resp->status = 200;
  resp->content_type = "application/json";
  sl_writer* w = &resp->body_writer;
  sl_writer_put_u8(w, '{');
  for (size_t i = 0; i < dev->config.count; ++i) {
    if (i) sl_writer_put_u8(w, ',');
    json_put_escaped(w, dev->config.entries[i].key);
    sl_writer_put_u8(w, ':');
    json_put_escaped(w, dev->config.entries[i].value);
  }
  sl_writer_put_u8(w, '}');
}

typedef struct config_update {
  sl_config_table staged;
  sl_config_result failure;
} config_update;

static int config_member(void* ctx, const char* key, size_t key_len, const sl_json_value* value) {
  config_update* u = ctx;
  const char* text;
  size_t text_len;
  switch (value->type) {
    case SL_JSON_STRING:
    case SL_JSON_NUMBER:
      text = value->text;
      text_len = value->text_len;
      break;
    case SL_JSON_TRUE:
      text = "on";
      text_len = 2;
      break;
    case SL_JSON_FALSE:
      text = "off";
      text_len = 3;
      break;
    default:
      u->failure = SL_CONFIG_BAD_VALUE;
      return 1;
  }
  sl_config_result r = sl_config_set(&u->staged, key, key_len, text, text_len);
  if (r != SL_CONFIG_OK) {
    u->failure = r;
    return 1;
  }
  return 0;
}

static void route_post_config(sl_device* dev, const http_request* req, http_response* resp) {
  if (!http_content_type_is(req, "application/json")) {
    http_error(resp, 415, "expected application/json");
    return;
  }
  if (!req->body) {
    http_error(resp, 400, "missing body");
    return;
  }
  /* Changes are applied to a copy and committed only if every member is
   * valid. */
  config_update u;
  u.staged = dev->config;
  u.failure = SL_CONFIG_OK;
  int r = sl_json_parse_object(req->body, req->body_len, config_member, &u);
  if (r == SL_JSON_OK) {
    dev->config = u.staged;
    route_get_config(dev, resp);
  } else if (r > 0) {
    if (u.failure == SL_CONFIG_UNKNOWN_KEY) {
      http_error(resp, 400, "unknown key");
    } else {
      http_error(resp, 422, "invalid value");
    }
  } else if (r == SL_JSON_TOO_LONG) {
    http_error(resp, 400, "string too long");
  } else {
    http_error(resp, 400, "malformed json");
  }
}

static void route_put_firmware(sl_device* dev, const http_request* req, http_response* resp) {
  if (!http_content_type_is(req, "application/octet-stream")) {
    http_error(resp, 415, "expected application/octet-stream");
    return;
  }
  if (!req->body) {
    http_error(resp, 411, "image required");
    return;
  }
  sl_fw_result r = sl_fw_begin(dev, req->body_len);
  if (r == SL_FW_OK) r = sl_fw_write(dev, 0, (const uint8_t*)req->body, req->body_len);
  if (r == SL_FW_OK) {
    r = sl_fw_finish(dev);
  } else {
    sl_fw_abort(dev);
  }
  switch (r) {
    case SL_FW_OK:
      resp->status = 202;
      resp->content_type = "application/json";
      sl_writer_put_str(&resp->body_writer, "{\"pending_firmware\":");
      json_put_escaped(&resp->body_writer, dev->pending_fw_version);
      sl_writer_put_u8(&resp->body_writer, '}');
      return;
    case SL_FW_NO_MEMORY:
      http_error(resp, 500, "out of memory");
      return;
    default:
      http_error(resp, 422, "invalid image");
      return;
  }
}

typedef enum route_id {
  ROUTE_STATUS,
  ROUTE_LOGIN,
  ROUTE_LOCK,
  ROUTE_UNLOCK,
  ROUTE_CONFIG,
  ROUTE_FIRMWARE,
  ROUTE_NONE
} route_id;

typedef struct route_def {
  const char* path;
  route_id id;
  const char* allow; /* methods for the Allow header of a 405 */
  int needs_auth;
} route_def;

static const route_def kRoutes[] = {
    {"/status", ROUTE_STATUS, "GET", 0},       {"/login", ROUTE_LOGIN, "POST", 0},
    {"/lock", ROUTE_LOCK, "POST", 1},          {"/unlock", ROUTE_UNLOCK, "POST", 1},
    {"/config", ROUTE_CONFIG, "GET, POST", 1}, {"/firmware", ROUTE_FIRMWARE, "PUT", 1},
};

static int method_is(const http_request* req, const char* m) {
  return sl_token_equals(req->method, req->method_len, m);
}

static void http_dispatch(sl_device* dev, const http_request* req, http_response* resp) {
  const route_def* route = NULL;
  for (size_t i = 0; i < sizeof kRoutes / sizeof kRoutes[0]; ++i) {
    if (sl_token_equals(req->path, req->path_len, kRoutes[i].path)) route = &kRoutes[i];
  }
  if (!route) {
    http_error(resp, 404, "no such resource");
    return;
  }
  int allowed = 0;
  switch (route->id) {
    case ROUTE_STATUS: allowed = method_is(req, "GET"); break;
    case ROUTE_LOGIN:
    case ROUTE_LOCK:
    case ROUTE_UNLOCK: allowed = method_is(req, "POST"); break;
    case ROUTE_CONFIG: allowed = method_is(req, "GET") || method_is(req, "POST"); break;
    case ROUTE_FIRMWARE: allowed = method_is(req, "PUT"); break;
    case ROUTE_NONE: break;
  }
  if (!allowed) {
    http_error(resp, 405, "method not allowed");
    resp->allow = route->allow;
    return;
  }
  if (route->needs_auth && !http_authorized(dev, req)) {
    http_error(resp, 401, "authorization required");
    return;
  }
  switch (route->id) {
    case ROUTE_STATUS: route_status(dev, resp); break;
    case ROUTE_LOGIN: route_login(dev, req, resp); break;
    case ROUTE_LOCK: route_lock_state(dev, 0, resp); break;
    case ROUTE_UNLOCK: route_lock_state(dev, 1, resp); break;
    case ROUTE_CONFIG:
      if (method_is(req, "GET")) {
        route_get_config(dev, resp);
      } else {
        route_post_config(dev, req, resp);
      }
      break;
    case ROUTE_FIRMWARE: route_put_firmware(dev, req, resp); break;
    case ROUTE_NONE: break;
  }
}

size_t sl_http_handle_request(sl_device* dev, const uint8_t* request, size_t request_len,
                              uint8_t* response, size_t response_cap) {
  http_request req;
  memset(&req, 0, sizeof req);
  http_response* resp = malloc(sizeof *resp);
  if (!resp) return 0;
  http_response_init(resp);

  if (http_parse_request(request, request_len, &req, resp) == 0) http_dispatch(dev, &req, resp);

  sl_writer out;
  sl_writer_init(&out, response, response_cap);
  sl_writer_printf(&out, "HTTP/1.1 %d %s\r\n", resp->status, http_reason(resp->status));
  if (resp->status == 405 && resp->allow) {
    sl_writer_printf(&out, "Allow: %s\r\n", resp->allow);
  }
  if (resp->status == 401) sl_writer_put_str(&out, "WWW-Authenticate: Bearer\r\n");
  if (resp->content_type && !resp->body_writer.truncated) {
    sl_writer_printf(&out, "Content-Type: %s\r\nContent-Length: %zu\r\n", resp->content_type,
                     resp->body_writer.len);
  } else {
    sl_writer_put_str(&out, "Content-Length: 0\r\n");
  }
  sl_writer_put_str(&out, "Connection: close\r\n\r\n");
  if (resp->content_type && !resp->body_writer.truncated) {
    sl_writer_put(&out, resp->body, resp->body_writer.len);
  }
  free(req.body);
  free(resp);
  return out.len;
}
