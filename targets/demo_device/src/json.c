/*
 * Minimal JSON reader (RFC 8259) for the configuration API: walks one
 * object and hands each top-level member to a callback. Nested objects and
 * arrays are validated and skipped; strings longer than SL_JSON_STRING_MAX
 * bytes after decoding are refused. Input is length-delimited, never
 * NUL-terminated.
 */
#include <string.h>

#include "sl_internal.h"

typedef struct json_cursor {
  const char* p;
  const char* end;
  int depth; /* open containers; bounded only with SL_WITHOUT_PLANTED_BUGS */
} json_cursor;

static void json_skip_ws(json_cursor* c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) {
    c->p++;
  }
}

static int json_peek(const json_cursor* c) {
  return c->p < c->end ? (unsigned char)*c->p : -1;
}

static int json_hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Appends one byte to out (capacity cap including the terminating NUL);
 * remembers when the string did not fit. */
static void json_append(char* out, size_t cap, size_t* n, int* too_long, unsigned char ch) {
  if (*n + 1 < cap) {
    out[*n] = (char)ch;
    (*n)++;
  } else {
    *too_long = 1;
  }
}

/* Decodes a string starting at the opening quote into out (NUL-terminated). */
static int json_parse_string(json_cursor* c, char* out, size_t cap, size_t* out_len) {
  size_t n = 0;
  int too_long = 0;
  c->p++; /* opening quote */
  while (c->p < c->end) {
    unsigned char ch = (unsigned char)*c->p++;
    if (ch == '"') {
      out[n] = '\0';
      *out_len = n;
      return too_long ? SL_JSON_TOO_LONG : SL_JSON_OK;
    }
    if (ch < 0x20) return SL_JSON_SYNTAX;
    if (ch != '\\') {
      json_append(out, cap, &n, &too_long, ch);
      continue;
    }
    if (c->p >= c->end) return SL_JSON_SYNTAX;
    char esc = *c->p++;
    switch (esc) {
      case '"': case '\\': case '/': json_append(out, cap, &n, &too_long, (unsigned char)esc); break;
      case 'b': json_append(out, cap, &n, &too_long, '\b'); break;
      case 'f': json_append(out, cap, &n, &too_long, '\f'); break;
      case 'n': json_append(out, cap, &n, &too_long, '\n'); break;
      case 'r': json_append(out, cap, &n, &too_long, '\r'); break;
      case 't': json_append(out, cap, &n, &too_long, '\t'); break;
      case 'u': {
        if (c->end - c->p < 4) return SL_JSON_SYNTAX;
        unsigned cp = 0;
        for (int i = 0; i < 4; ++i) {
          int h = json_hex_value(c->p[i]);
          if (h < 0) return SL_JSON_SYNTAX;
          cp = (cp << 4) | (unsigned)h;
        }
        c->p += 4;
        /* Surrogate pairs are not needed for any configuration value. */
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return SL_JSON_SYNTAX;
        if (cp < 0x80) {
          json_append(out, cap, &n, &too_long, (unsigned char)cp);
        } else if (cp < 0x800) {
          json_append(out, cap, &n, &too_long, (unsigned char)(0xC0 | (cp >> 6)));
          json_append(out, cap, &n, &too_long, (unsigned char)(0x80 | (cp & 0x3F)));
        } else {
          json_append(out, cap, &n, &too_long, (unsigned char)(0xE0 | (cp >> 12)));
          json_append(out, cap, &n, &too_long, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
          json_append(out, cap, &n, &too_long, (unsigned char)(0x80 | (cp & 0x3F)));
        }
        break;
      }
      default:
        return SL_JSON_SYNTAX;
    }
  }
  return SL_JSON_SYNTAX; /* unterminated */
}

static int json_is_digit(int ch) { return ch >= '0' && ch <= '9'; }

/* Validates a number and keeps its source text in v->text. */
static int json_parse_number(json_cursor* c, sl_json_value* v) {
  const char* start = c->p;
  if (json_peek(c) == '-') c->p++;
  if (json_peek(c) == '0') {
    c->p++;
  } else if (json_is_digit(json_peek(c))) {
    while (json_is_digit(json_peek(c))) c->p++;
  } else {
    return SL_JSON_SYNTAX;
  }
  if (json_peek(c) == '.') {
    c->p++;
    if (!json_is_digit(json_peek(c))) return SL_JSON_SYNTAX;
    while (json_is_digit(json_peek(c))) c->p++;
  }
  if (json_peek(c) == 'e' || json_peek(c) == 'E') {
    c->p++;
    if (json_peek(c) == '+' || json_peek(c) == '-') c->p++;
    if (!json_is_digit(json_peek(c))) return SL_JSON_SYNTAX;
    while (json_is_digit(json_peek(c))) c->p++;
  }
  size_t len = (size_t)(c->p - start);
  if (len > SL_JSON_STRING_MAX) return SL_JSON_TOO_LONG;
  memcpy(v->text, start, len);
  v->text[len] = '\0';
  v->text_len = len;
  v->type = SL_JSON_NUMBER;
  return SL_JSON_OK;
}

static int json_parse_literal(json_cursor* c, const char* literal, sl_json_type type,
                              sl_json_value* v) {
  size_t n = strlen(literal);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, literal, n) != 0) return SL_JSON_SYNTAX;
  c->p += n;
  v->type = type;
  v->text[0] = '\0';
  v->text_len = 0;
  return SL_JSON_OK;
}

static int json_parse_value(json_cursor* c, sl_json_value* v);

/* Validates an object or array whose opening bracket is at c->p. Each
 * element is parsed like a top-level member value and then discarded. */
static int json_skip_container_body(json_cursor* c, char close);

static int json_skip_container(json_cursor* c, char close) {
#ifdef SL_WITHOUT_PLANTED_BUGS
  if (c->depth >= 32) return SL_JSON_SYNTAX;
  c->depth++;
  int r = json_skip_container_body(c, close);
  c->depth--;
  return r;
#else
  return json_skip_container_body(c, close);
#endif
}

static int json_skip_container_body(json_cursor* c, char close) {
  sl_json_value element;
  char key[SL_JSON_KEY_MAX + 1];
  size_t key_len;
  c->p++; /* opening bracket */
  json_skip_ws(c);
  if (json_peek(c) == close) {
    c->p++;
    return SL_JSON_OK;
  }
  for (;;) {
    if (close == '}') {
      if (json_peek(c) != '"') return SL_JSON_SYNTAX;
      int r = json_parse_string(c, key, sizeof key, &key_len);
      if (r != SL_JSON_OK) return r;
      json_skip_ws(c);
      if (json_peek(c) != ':') return SL_JSON_SYNTAX;
      c->p++;
    }
    int r = json_parse_value(c, &element);
    if (r != SL_JSON_OK) return r;
    json_skip_ws(c);
    int ch = json_peek(c);
    if (ch == ',') {
      c->p++;
      json_skip_ws(c);
      continue;
    }
    if (ch == close) {
      c->p++;
      return SL_JSON_OK;
    }
    return SL_JSON_SYNTAX;
  }
}

static int json_parse_value(json_cursor* c, sl_json_value* v) {
  json_skip_ws(c);
  v->text[0] = '\0';
  v->text_len = 0;
  switch (json_peek(c)) {
    case '{':
      v->type = SL_JSON_OBJECT;
      /* PLANTED BUG HTTP-2: nested objects and arrays recurse without a depth
       * limit. Each level costs a json_skip_container + json_parse_value frame
       * (a few hundred bytes), so a body of tens of thousands of '[' or '{"a":'
       * exhausts the stack (CWE-674). A fixed maximum depth, checked here, is
       * missing. */
      return json_skip_container(c, '}');
    case '[':
      v->type = SL_JSON_ARRAY;
      return json_skip_container(c, ']');
    case '"':
      v->type = SL_JSON_STRING;
      return json_parse_string(c, v->text, sizeof v->text, &v->text_len);
    case 't':
      return json_parse_literal(c, "true", SL_JSON_TRUE, v);
    case 'f':
      return json_parse_literal(c, "false", SL_JSON_FALSE, v);
    case 'n':
      return json_parse_literal(c, "null", SL_JSON_NULL, v);
    default:
      return json_parse_number(c, v);
  }
}

int sl_json_parse_object(const char* text, size_t len, sl_json_member_fn on_member, void* ctx) {
  json_cursor c = {text, text + len};
  sl_json_value value;
  char key[SL_JSON_KEY_MAX + 1];
  size_t key_len;

  json_skip_ws(&c);
  if (json_peek(&c) != '{') return SL_JSON_SYNTAX;
  c.p++;
  json_skip_ws(&c);
  if (json_peek(&c) == '}') {
    c.p++;
  } else {
    for (;;) {
      if (json_peek(&c) != '"') return SL_JSON_SYNTAX;
      int r = json_parse_string(&c, key, sizeof key, &key_len);
      if (r != SL_JSON_OK) return r;
      json_skip_ws(&c);
      if (json_peek(&c) != ':') return SL_JSON_SYNTAX;
      c.p++;
      r = json_parse_value(&c, &value);
      if (r != SL_JSON_OK) return r;
      r = on_member(ctx, key, key_len, &value);
      if (r != 0) return r;
      json_skip_ws(&c);
      int ch = json_peek(&c);
      if (ch == ',') {
        c.p++;
        json_skip_ws(&c);
        continue;
      }
      if (ch != '}') return SL_JSON_SYNTAX;
      c.p++;
      break;
    }
  }
  json_skip_ws(&c);
  return c.p == c.end ? SL_JSON_OK : SL_JSON_SYNTAX;
}
