/*
 * The lock's local MQTT 3.1.1 broker (mqtt_broker.h).
 */
#include "mqtt_broker.h"

#include <stdlib.h>
#include <string.h>

enum {
  PKT_CONNECT = 1,
  PKT_CONNACK = 2,
  PKT_PUBLISH = 3,
  PKT_PUBACK = 4,
  PKT_PUBREC = 5,
  PKT_PUBREL = 6,
  PKT_PUBCOMP = 7,
  PKT_SUBSCRIBE = 8,
  PKT_SUBACK = 9,
  PKT_UNSUBSCRIBE = 10,
  PKT_UNSUBACK = 11,
  PKT_PINGREQ = 12,
  PKT_PINGRESP = 13,
  PKT_DISCONNECT = 14
};

#define CLOSE_CONNECTION (-1)

typedef struct reader {
  const uint8_t* p;
  size_t len;
  size_t pos;
  int failed;
} reader;

static uint8_t read_u8(reader* r) {
  if (r->pos + 1 > r->len) {
    r->failed = 1;
    return 0;
  }
  return r->p[r->pos++];
}

static uint16_t read_u16(reader* r) {
  if (r->pos + 2 > r->len) {
    r->failed = 1;
    return 0;
  }
  uint16_t v = (uint16_t)((r->p[r->pos] << 8) | r->p[r->pos + 1]);
  r->pos += 2;
  return v;
}

/* A length-prefixed string or binary field; its bytes stay in the packet. */
static const uint8_t* read_field(reader* r, size_t* out_len) {
  size_t n = read_u16(r);
  if (r->failed || r->pos + n > r->len) {
    r->failed = 1;
    *out_len = 0;
    return NULL;
  }
  const uint8_t* s = r->p + r->pos;
  r->pos += n;
  *out_len = n;
  return s;
}

/* MQTT strings must be UTF-8 without U+0000; checked for NUL and structure. */
static int valid_utf8(const uint8_t* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t extra;
    if (c == 0) return 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return 0;
    }
    if (i + extra >= n && extra > 0) return 0; /* sequence cut at the end */
    for (size_t k = 1; k <= extra; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return 0;
    }
    i += extra + 1;
  }
  return 1;
}

static void send_bytes(sl_broker* b, int client, const uint8_t* data, size_t len) {
  if (b->send) b->send(b->send_ctx, client, data, len);
}

static void send_ack(sl_broker* b, int client, int type, uint8_t flags, uint16_t packet_id) {
  uint8_t pkt[4] = {(uint8_t)((type << 4) | flags), 2, (uint8_t)(packet_id >> 8), (uint8_t)packet_id};
  send_bytes(b, client, pkt, sizeof pkt);
}

/* Topic filter matching with + (one level) and # (the rest). */
static int topic_matches(const char* filter, const char* topic) {
  while (*filter) {
    if (filter[0] == '#') return 1;
    if (filter[0] == '+') {
      while (*topic && *topic != '/') ++topic;
      ++filter;
      continue;
    }
    if (*filter != *topic) {
      /* "a/#" also matches "a" */
      return *topic == 0 && filter[0] == '/' && filter[1] == '#' && filter[2] == 0;
    }
    ++filter;
    ++topic;
  }
  return *topic == 0;
}

static int valid_filter(const char* f, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; ++i) {
    if (f[i] == '#' && (i + 1 != n || (i > 0 && f[i - 1] != '/'))) return 0;
    if (f[i] == '+' && ((i > 0 && f[i - 1] != '/') || (i + 1 < n && f[i + 1] != '/'))) return 0;
  }
  return 1;
}

static void free_client(sl_broker_client* c) {
  for (size_t i = 0; i < SL_BROKER_MAX_INFLIGHT; ++i) {
    free(c->inflight[i].payload);
  }
  for (size_t i = 0; i < SL_BROKER_QUEUE_SLOTS; ++i) {
    free(c->queue[i].payload);
  }
  free(c->will_payload);
  memset(c, 0, sizeof *c);
}

static void deliver(sl_broker* b, const char* topic, const uint8_t* payload, size_t len, uint8_t qos,
                    int retain);

void sl_broker_init(sl_broker* broker, sl_broker_send_fn send, void* ctx) {
  memset(broker, 0, sizeof *broker);
  broker->send = send;
  broker->send_ctx = ctx;
}

void sl_broker_release(sl_broker* broker) {
  for (int i = 0; i < SL_BROKER_MAX_CLIENTS; ++i) free_client(&broker->clients[i]);
}

int sl_broker_open(sl_broker* broker) {
  for (int i = 0; i < SL_BROKER_MAX_CLIENTS; ++i) {
    if (!broker->clients[i].in_use) {
      memset(&broker->clients[i], 0, sizeof broker->clients[i]);
      broker->clients[i].in_use = 1;
      broker->clients[i].next_packet_id = 1;
      return i;
    }
  }
  return -1;
}

void sl_broker_close(sl_broker* broker, int client) {
  if (client < 0 || client >= SL_BROKER_MAX_CLIENTS) return;
  sl_broker_client* c = &broker->clients[client];
  if (!c->in_use) return;
  int publish_will = c->connected && c->has_will;
  char topic[SL_BROKER_TOPIC_MAX + 1];
  memcpy(topic, c->will_topic, sizeof topic);
  const uint8_t* payload = c->will_payload;
  size_t len = c->will_len;
  uint8_t qos = c->will_qos;
  int retain = c->will_retain;
  c->connected = 0; /* the closing client is sent nothing */
#ifdef SL_WITHOUT_PLANTED_BUGS
  if (publish_will) deliver(broker, topic, payload, len, qos, retain);
  free_client(c);
#else
  /* PLANTED BUG HUB-3: the client's slot (its will message included) is
   * freed before the will is published: a heap-use-after-free read of the
   * will message when another client's subscription matches the will topic.
   * Needs two connections: a subscriber, and a client with a will whose
   * connection drops without DISCONNECT (a malformed packet, a reset). */
  free_client(c);
  if (publish_will) deliver(broker, topic, payload, len, qos, retain);
#endif
}

/* A persistent session keeps each QoS 2 message it is sent until the
 * subscriber's PUBREC, so it can be sent again after a reconnect. */
static void queue_for_redelivery(sl_broker_client* c, const char* topic, const uint8_t* payload,
                                 size_t len) {
  if (c->queue_count == SL_BROKER_QUEUE_SLOTS) {
    free(c->queue[0].payload);
    memmove(&c->queue[0], &c->queue[1], sizeof c->queue[0] * (SL_BROKER_QUEUE_SLOTS - 1));
    memset(&c->queue[SL_BROKER_QUEUE_SLOTS - 1], 0, sizeof c->queue[0]);
    c->queue_count--;
  }
  sl_broker_queued* q = &c->queue[c->queue_count];
#ifdef SL_WITHOUT_PLANTED_BUGS
  size_t slot = len > SL_BROKER_QUEUE_SLOT_BYTES ? len : SL_BROKER_QUEUE_SLOT_BYTES;
#else
  /* PLANTED BUG HUB-1: the slot has room for SL_BROKER_QUEUE_SLOT_BYTES
   * bytes, but the whole payload is copied into it: a heap buffer overflow
   * when a persistent session subscribed with QoS 2 is sent a released QoS 2
   * message longer than 32 bytes. */
  size_t slot = SL_BROKER_QUEUE_SLOT_BYTES;
#endif
  q->payload = malloc(slot);
  if (!q->payload) return;
  memcpy(q->payload, payload, len);
  q->payload_len = len;
  strcpy(q->topic, topic);
  c->queue_count++;
}

static void deliver(sl_broker* b, const char* topic, const uint8_t* payload, size_t len, uint8_t qos,
                    int retain) {
  (void)retain;
  b->messages_routed++;
  for (int i = 0; i < SL_BROKER_MAX_CLIENTS; ++i) {
    sl_broker_client* c = &b->clients[i];
    if (!c->in_use || !c->connected) continue;
    int best = -1;
    for (int s = 0; s < SL_BROKER_MAX_SUBSCRIPTIONS; ++s) {
      if (c->subs[s].filter[0] && topic_matches(c->subs[s].filter, topic) && c->subs[s].qos > best) {
        best = c->subs[s].qos;
      }
    }
    if (best < 0) continue;
    uint8_t q = qos < best ? qos : (uint8_t)best;
    size_t topic_len = strlen(topic);
    size_t remaining = 2 + topic_len + (q ? 2 : 0) + len;
    uint8_t header[5];
    size_t h = 0;
    header[h++] = (uint8_t)((PKT_PUBLISH << 4) | (q << 1));
    size_t r = remaining;
    do {
      uint8_t digit = r % 128;
      r /= 128;
      header[h++] = (uint8_t)(digit | (r ? 0x80 : 0));
    } while (r && h < sizeof header);
    uint8_t* pkt = malloc(h + remaining);
    if (!pkt) continue;
    size_t p = 0;
    memcpy(pkt, header, h);
    p = h;
    pkt[p++] = (uint8_t)(topic_len >> 8);
    pkt[p++] = (uint8_t)topic_len;
    memcpy(pkt + p, topic, topic_len);
    p += topic_len;
    if (q) {
      uint16_t id = c->next_packet_id++;
      if (c->next_packet_id == 0) c->next_packet_id = 1;
      pkt[p++] = (uint8_t)(id >> 8);
      pkt[p++] = (uint8_t)id;
    }
    if (len) memcpy(pkt + p, payload, len);
    p += len;
    send_bytes(b, i, pkt, p);
    free(pkt);
    if (q == 2 && !c->clean_session) queue_for_redelivery(c, topic, payload, len);
  }
}

static long handle_connect(sl_broker* b, int client, reader* r, uint8_t flags) {
  sl_broker_client* c = &b->clients[client];
  if (flags != 0 || c->connected) return CLOSE_CONNECTION;
  size_t n;
  const uint8_t* name = read_field(r, &n);
  if (r->failed || n != 4 || memcmp(name, "MQTT", 4) != 0) return CLOSE_CONNECTION;
  uint8_t level = read_u8(r);
  uint8_t cflags = read_u8(r);
  (void)read_u16(r); /* keep alive */
  if (r->failed) return CLOSE_CONNECTION;
  if (level != 4) {
    uint8_t refuse[4] = {PKT_CONNACK << 4, 2, 0, 1}; /* unacceptable protocol version */
    send_bytes(b, client, refuse, sizeof refuse);
    return CLOSE_CONNECTION;
  }
#ifdef SL_WITHOUT_PLANTED_BUGS
  if (cflags & 0x01) return CLOSE_CONNECTION; /* reserved flag */
#endif
  /* PLANTED BUG HUB-2 (validation, no crash): MQTT 3.1.1 requires a server to
   * disconnect a client whose CONNECT has the reserved flag set
   * (MQTT-3.1.2-3); the broker does not check it and accepts the connection. */
  int will = (cflags >> 2) & 1;
  uint8_t will_qos = (cflags >> 3) & 3;
  if (will_qos == 3 || (!will && (will_qos || (cflags & 0x20)))) return CLOSE_CONNECTION;
  if (!(cflags & 0x80) && (cflags & 0x40)) return CLOSE_CONNECTION; /* password without user */
  const uint8_t* id = read_field(r, &n);
  if (r->failed || !valid_utf8(id, n)) return CLOSE_CONNECTION;
  int clean = (cflags >> 1) & 1;
  if (n > SL_BROKER_CLIENT_ID_MAX || (n == 0 && !clean)) {
    uint8_t refuse[4] = {PKT_CONNACK << 4, 2, 0, 2}; /* identifier rejected */
    send_bytes(b, client, refuse, sizeof refuse);
    return CLOSE_CONNECTION;
  }
  memcpy(c->client_id, id, n);
  c->client_id[n] = 0;
  const uint8_t* will_topic = NULL;
  size_t will_topic_len = 0;
  const uint8_t* will_message = NULL;
  size_t will_message_len = 0;
  if (will) {
    will_topic = read_field(r, &will_topic_len);
    if (r->failed || will_topic_len == 0 || will_topic_len > SL_BROKER_TOPIC_MAX ||
        !valid_utf8(will_topic, will_topic_len) || memchr(will_topic, '+', will_topic_len) ||
        memchr(will_topic, '#', will_topic_len)) {
      return CLOSE_CONNECTION;
    }
    will_message = read_field(r, &will_message_len);
    if (r->failed) return CLOSE_CONNECTION;
  }
  if (cflags & 0x80) {
    const uint8_t* user = read_field(r, &n);
    if (r->failed || !valid_utf8(user, n)) return CLOSE_CONNECTION;
  }
  if (cflags & 0x40) {
    (void)read_field(r, &n);
    if (r->failed) return CLOSE_CONNECTION;
  }
  if (r->pos != r->len) return CLOSE_CONNECTION;
  if (will) {
    c->will_payload = malloc(will_message_len ? will_message_len : 1);
    if (!c->will_payload) return CLOSE_CONNECTION;
    if (will_message_len) memcpy(c->will_payload, will_message, will_message_len);
    c->will_len = will_message_len;
    memcpy(c->will_topic, will_topic, will_topic_len);
    c->will_topic[will_topic_len] = 0;
    c->will_qos = will_qos;
    c->will_retain = (cflags >> 5) & 1;
    c->has_will = 1;
  }
  c->connected = 1;
  c->clean_session = clean;
  uint8_t ack[4] = {PKT_CONNACK << 4, 2, 0, 0};
  send_bytes(b, client, ack, sizeof ack);
  return 0;
}

static long handle_publish(sl_broker* b, int client, reader* r, uint8_t flags) {
  sl_broker_client* c = &b->clients[client];
  uint8_t qos = (flags >> 1) & 3;
  int retain = flags & 1;
  if (qos == 3) return CLOSE_CONNECTION;
  if (qos == 0 && (flags & 0x08)) return CLOSE_CONNECTION; /* DUP on QoS 0 */
  size_t n;
  const uint8_t* topic = read_field(r, &n);
  if (r->failed || n == 0 || n > SL_BROKER_TOPIC_MAX || !valid_utf8(topic, n)) return CLOSE_CONNECTION;
  char name[SL_BROKER_TOPIC_MAX + 1];
  memcpy(name, topic, n);
  name[n] = 0;
  if (strchr(name, '+') || strchr(name, '#')) return CLOSE_CONNECTION;
  uint16_t id = 0;
  if (qos) {
    id = read_u16(r);
    if (r->failed || id == 0) return CLOSE_CONNECTION;
  }
  const uint8_t* payload = r->p + r->pos;
  size_t payload_len = r->len - r->pos;
  if (qos == 0) {
    deliver(b, name, payload, payload_len, 0, retain);
  } else if (qos == 1) {
    deliver(b, name, payload, payload_len, 1, retain);
    send_ack(b, client, PKT_PUBACK, 0, id);
  } else {
    /* Stored until PUBREL; a repeated id replaces nothing (exactly once). */
    int slot = -1;
    for (int i = 0; i < SL_BROKER_MAX_INFLIGHT; ++i) {
      if (c->inflight[i].packet_id == id) slot = -2;
    }
    for (int i = 0; slot == -1 && i < SL_BROKER_MAX_INFLIGHT; ++i) {
      if (c->inflight[i].packet_id == 0) slot = i;
    }
    if (slot == -1) return CLOSE_CONNECTION; /* receive maximum exceeded */
    if (slot >= 0) {
      sl_broker_inflight* f = &c->inflight[slot];
      f->payload = malloc(payload_len ? payload_len : 1);
      if (!f->payload) return CLOSE_CONNECTION;
      if (payload_len) memcpy(f->payload, payload, payload_len);
      f->payload_len = payload_len;
      f->packet_id = id;
      f->released = 0;
      strcpy(f->topic, name);
    }
    send_ack(b, client, PKT_PUBREC, 0, id);
  }
  return 0;
}

static long handle_pubrel(sl_broker* b, int client, reader* r, uint8_t flags) {
  sl_broker_client* c = &b->clients[client];
  if (flags != 2) return CLOSE_CONNECTION;
  uint16_t id = read_u16(r);
  if (r->failed || r->pos != r->len || id == 0) return CLOSE_CONNECTION;
  for (int i = 0; i < SL_BROKER_MAX_INFLIGHT; ++i) {
    sl_broker_inflight* f = &c->inflight[i];
    if (f->packet_id == id) {
      char topic[SL_BROKER_TOPIC_MAX + 1];
      strcpy(topic, f->topic);
      uint8_t* payload = f->payload;
      size_t len = f->payload_len;
      memset(f, 0, sizeof *f);
      deliver(b, topic, payload, len, 2, 0);
      free(payload);
      break;
    }
  }
  send_ack(b, client, PKT_PUBCOMP, 0, id);
  return 0;
}

/* Acknowledgements of the QoS 1/2 messages the broker sent the client. */
static long handle_client_ack(sl_broker* b, int client, reader* r, uint8_t type, uint8_t flags) {
  sl_broker_client* c = &b->clients[client];
  if (flags != 0) return CLOSE_CONNECTION;
  uint16_t id = read_u16(r);
  if (r->failed || r->pos != r->len) return CLOSE_CONNECTION;
  if (type == PKT_PUBREC) {
    if (c->queue_count) {
      free(c->queue[0].payload);
      memmove(&c->queue[0], &c->queue[1], sizeof c->queue[0] * (SL_BROKER_QUEUE_SLOTS - 1));
      memset(&c->queue[SL_BROKER_QUEUE_SLOTS - 1], 0, sizeof c->queue[0]);
      c->queue_count--;
    }
    send_ack(b, client, PKT_PUBREL, 2, id);
  }
  return 0;
}

static long handle_subscribe(sl_broker* b, int client, reader* r, uint8_t flags, int unsubscribe) {
  sl_broker_client* c = &b->clients[client];
  if (flags != 2) return CLOSE_CONNECTION;
  uint16_t id = read_u16(r);
  if (r->failed || id == 0) return CLOSE_CONNECTION;
  uint8_t codes[16];
  size_t count = 0;
  while (r->pos < r->len) {
    size_t n;
    const uint8_t* f = read_field(r, &n);
    if (r->failed || !valid_utf8(f, n)) return CLOSE_CONNECTION;
    uint8_t qos = 0;
    if (!unsubscribe) {
      qos = read_u8(r);
      if (r->failed || qos > 2) return CLOSE_CONNECTION;
    }
    if (count == sizeof codes) return CLOSE_CONNECTION;
    char filter[SL_BROKER_TOPIC_MAX + 1];
    if (n > SL_BROKER_TOPIC_MAX || !valid_filter((const char*)f, n)) {
      codes[count++] = 0x80;
      continue;
    }
    memcpy(filter, f, n);
    filter[n] = 0;
    int slot = -1;
    for (int s = 0; s < SL_BROKER_MAX_SUBSCRIPTIONS; ++s) {
      if (strcmp(c->subs[s].filter, filter) == 0) slot = s;
    }
    if (unsubscribe) {
      if (slot >= 0) memset(&c->subs[slot], 0, sizeof c->subs[slot]);
      continue;
    }
    for (int s = 0; slot < 0 && s < SL_BROKER_MAX_SUBSCRIPTIONS; ++s) {
      if (c->subs[s].filter[0] == 0) slot = s;
    }
    if (slot < 0) {
      codes[count++] = 0x80;
      continue;
    }
    strcpy(c->subs[slot].filter, filter);
    c->subs[slot].qos = qos;
    codes[count++] = qos;
  }
  if (!unsubscribe && count == 0) return CLOSE_CONNECTION; /* no topic filter */
  if (unsubscribe) {
    send_ack(b, client, PKT_UNSUBACK, 0, id);
    return 0;
  }
  uint8_t ack[4 + sizeof codes];
  ack[0] = PKT_SUBACK << 4;
  ack[1] = (uint8_t)(2 + count);
  ack[2] = (uint8_t)(id >> 8);
  ack[3] = (uint8_t)id;
  memcpy(ack + 4, codes, count);
  send_bytes(b, client, ack, 4 + count);
  return 0;
}

static long handle_packet(sl_broker* b, int client, uint8_t type, uint8_t flags, const uint8_t* body,
                          size_t len) {
  sl_broker_client* c = &b->clients[client];
  reader r = {body, len, 0, 0};
  if (type != PKT_CONNECT && !c->connected) return CLOSE_CONNECTION;
  switch (type) {
    case PKT_CONNECT:
      return handle_connect(b, client, &r, flags);
    case PKT_PUBLISH:
      return handle_publish(b, client, &r, flags);
    case PKT_PUBACK:
    case PKT_PUBREC:
    case PKT_PUBCOMP:
      return handle_client_ack(b, client, &r, type, flags);
    case PKT_PUBREL:
      return handle_pubrel(b, client, &r, flags);
    case PKT_SUBSCRIBE:
      return handle_subscribe(b, client, &r, flags, 0);
    case PKT_UNSUBSCRIBE:
      return handle_subscribe(b, client, &r, flags, 1);
    case PKT_PINGREQ: {
      if (flags != 0 || len != 0) return CLOSE_CONNECTION;
      uint8_t pong[2] = {PKT_PINGRESP << 4, 0};
      send_bytes(b, client, pong, sizeof pong);
      return 0;
    }
    case PKT_DISCONNECT:
      /* A normal disconnect: the will is discarded. */
      if (flags != 0 || len != 0) return CLOSE_CONNECTION;
      free(c->will_payload);
      c->will_payload = NULL;
      c->has_will = 0;
      return CLOSE_CONNECTION;
    default:
      return CLOSE_CONNECTION; /* CONNACK, SUBACK, ... from a client; 0, 15 reserved */
  }
}

long sl_broker_receive(sl_broker* broker, int client, const uint8_t* data, size_t len) {
  if (client < 0 || client >= SL_BROKER_MAX_CLIENTS || !broker->clients[client].in_use) {
    return CLOSE_CONNECTION;
  }
  size_t consumed = 0;
  while (consumed < len) {
    const uint8_t* p = data + consumed;
    size_t avail = len - consumed;
    if (avail < 2) break;
    size_t remaining = 0;
    size_t i = 1;
    int complete_length = 0;
    for (int shift = 0; i < avail && i <= 4; ++i, shift += 7) {
      remaining |= (size_t)(p[i] & 0x7F) << shift;
      if (!(p[i] & 0x80)) {
        complete_length = 1;
        ++i;
        break;
      }
    }
    if (!complete_length) {
      if (i > 4) return CLOSE_CONNECTION; /* more than four length bytes */
      break;
    }
    if (remaining > SL_BROKER_MAX_PACKET) return CLOSE_CONNECTION;
    if (avail - i < remaining) break;
    long rc = handle_packet(broker, client, p[0] >> 4, p[0] & 0x0F, p + i, remaining);
    if (rc < 0) return CLOSE_CONNECTION;
    consumed += i + remaining;
  }
  return (long)consumed;
}
