/*
 * MQTT 3.1.1 client session of the lock with the vendor's broker.
 *
 * After CONNACK accepts the connection the lock subscribes to
 * "lock/<id>/#" and reports its state on "lock/<id>/state". It acts on
 * PUBLISH messages to
 *   lock/<id>/cmd       "lock" | "unlock <pin>" | "status"
 *   lock/<id>/config    "<key>=<value>"
 *   lock/<id>/schedule  binary weekly access schedule:
 *                         u8 version (1), u16 BE count,
 *                         count x { u8 weekdays, u8 start_hour, u8 start_minute,
 *                                   u8 end_hour, u8 end_minute, u8 flags }
 * Inbound QoS 2 messages are delivered on PUBLISH and their packet ids kept
 * until PUBREL, so a retransmission is not acted on twice.
 */
#include <stdlib.h>
#include <string.h>

#include "sl_internal.h"

enum {
  MQTT_CONNECT = 1,
  MQTT_CONNACK = 2,
  MQTT_PUBLISH = 3,
  MQTT_PUBACK = 4,
  MQTT_PUBREC = 5,
  MQTT_PUBREL = 6,
  MQTT_PUBCOMP = 7,
  MQTT_SUBSCRIBE = 8,
  MQTT_SUBACK = 9,
  MQTT_PINGRESP = 13
};

#define TOPIC_PREFIX "lock/" SL_DEVICE_ID "/"
#define TOPIC_FILTER TOPIC_PREFIX "#"
#define TOPIC_CMD TOPIC_PREFIX "cmd"
#define TOPIC_CONFIG TOPIC_PREFIX "config"
#define TOPIC_SCHEDULE TOPIC_PREFIX "schedule"
#define TOPIC_STATE TOPIC_PREFIX "state"
#define CLIENT_ID "lock-" SL_DEVICE_ID
#define KEEP_ALIVE_S 60

#define SCHEDULE_FORMAT_VERSION 1
#define SCHEDULE_WIRE_ENTRY 6u

typedef enum mqtt_decode_result { MQTT_DECODED, MQTT_NEED_MORE, MQTT_MALFORMED } mqtt_decode_result;

/* Remaining Length: 1 to 4 bytes, 7 bits each, least significant first. */
static mqtt_decode_result mqtt_decode_remaining_length(const uint8_t* p, size_t avail,
                                                       uint32_t* value, size_t* used) {
  int length = 0;
  /* PLANTED BUG MQTT-1: MQTT 3.1.1 section 2.2.3 allows at most four length
   * bytes, but the loop accepts a fifth. Its 7 bits are shifted left by 28
   * into a signed int, which overflows (undefined behaviour, CWE-190) as soon
   * as that byte is 8 or more; the loop bound must be 4. */
#ifdef SL_WITHOUT_PLANTED_BUGS
  for (int i = 0; i < 4; ++i) {
#else
  for (int i = 0; i < 5; ++i) {
#endif
    if ((size_t)i >= avail) return MQTT_NEED_MORE;
    uint8_t b = p[i];
    length += (b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      *value = (uint32_t)length;
      *used = (size_t)i + 1;
      return MQTT_DECODED;
    }
  }
  return MQTT_MALFORMED;
}

static void mqtt_put_remaining_length(sl_writer* w, uint32_t n) {
  do {
    uint8_t b = (uint8_t)(n & 0x7F);
    n >>= 7;
    if (n) b |= 0x80;
    sl_writer_put_u8(w, b);
  } while (n);
}

static void mqtt_put_string(sl_writer* w, const char* s) {
  size_t n = strlen(s);
  sl_writer_put_u16be(w, (uint16_t)n);
  sl_writer_put(w, s, n);
}

static uint16_t mqtt_next_packet_id(sl_mqtt_state* m) {
  uint16_t id = m->next_packet_id;
  m->next_packet_id = (uint16_t)(id == 0xFFFF ? 1 : id + 1);
  return id;
}

static void mqtt_put_ack(sl_writer* w, uint8_t type, uint8_t flags, uint16_t packet_id) {
  sl_writer_put_u8(w, (uint8_t)((type << 4) | flags));
  sl_writer_put_u8(w, 2);
  sl_writer_put_u16be(w, packet_id);
}

static void mqtt_publish_state(sl_device* dev, sl_writer* w) {
  char payload[64];
  sl_writer pw;
  sl_writer_init(&pw, (uint8_t*)payload, sizeof payload);
  sl_writer_printf(&pw, "{\"state\":\"%s\",\"battery\":%u}", sl_lock_state_name(dev->lock_state),
                   dev->battery_percent);
  uint16_t id = mqtt_next_packet_id(&dev->mqtt);
  dev->mqtt.state_publish_unacked = id;
  /* QoS 1, retained */
  sl_writer_put_u8(w, (uint8_t)((MQTT_PUBLISH << 4) | 0x02 | 0x01));
  mqtt_put_remaining_length(w, (uint32_t)(2 + strlen(TOPIC_STATE) + 2 + pw.len));
  mqtt_put_string(w, TOPIC_STATE);
  sl_writer_put_u16be(w, id);
  sl_writer_put(w, payload, pw.len);
}

size_t sl_mqtt_connect_packet(sl_device* dev, uint8_t* out, size_t out_cap) {
  memset(&dev->mqtt, 0, sizeof dev->mqtt);
  dev->mqtt.state = SL_MQTT_AWAIT_CONNACK;
  dev->mqtt.next_packet_id = 1;

  sl_writer w;
  sl_writer_init(&w, out, out_cap);
  const uint32_t remaining = (2 + 4) + 1 + 1 + 2 + (uint32_t)(2 + strlen(CLIENT_ID)) +
                             (uint32_t)(2 + strlen(SL_DEVICE_ID)) + (2 + SL_API_TOKEN_LEN);
  sl_writer_put_u8(&w, MQTT_CONNECT << 4);
  mqtt_put_remaining_length(&w, remaining);
  mqtt_put_string(&w, "MQTT");
  sl_writer_put_u8(&w, 4);    /* protocol level 3.1.1 */
  sl_writer_put_u8(&w, 0xC2); /* user name, password, clean session */
  sl_writer_put_u16be(&w, KEEP_ALIVE_S);
  mqtt_put_string(&w, CLIENT_ID);
  mqtt_put_string(&w, SL_DEVICE_ID);
  mqtt_put_string(&w, dev->api_token);
  return w.truncated ? 0 : w.len;
}

/* Well-formed UTF-8 without NUL, overlong forms or surrogates (MQTT 1.5.3). */
static int mqtt_utf8_valid(const uint8_t* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c == 0) return 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t extra;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07u;
    } else {
      return 0;
    }
    if (n - i - 1 < extra) return 0;
    for (size_t k = 1; k <= extra; ++k) {
      uint8_t cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    i += extra + 1;
  }
  return 1;
}

static int schedule_entry_valid(const sl_schedule_entry* e) {
  if (e->weekdays == 0 || e->weekdays > 0x7F) return 0;
  if (e->start_hour > 23 || e->end_hour > 23 || e->start_minute > 59 || e->end_minute > 59) {
    return 0;
  }
  if (e->start_hour * 60 + e->start_minute >= e->end_hour * 60 + e->end_minute) return 0;
  return (e->flags & ~(SL_SCHEDULE_AUTO_UNLOCK | SL_SCHEDULE_GUEST_CODES)) == 0;
}

/* Replaces the access schedule; an invalid schedule leaves the old one. */
static int mqtt_apply_schedule(sl_device* dev, const uint8_t* p, size_t n) {
  if (n < 3 || p[0] != SCHEDULE_FORMAT_VERSION) return -1;
  uint16_t count = sl_load_u16be(p + 1);
  if (count == 0) {
    free(dev->schedule);
    dev->schedule = NULL;
    dev->schedule_count = 0;
    return 0;
  }
  /* PLANTED BUG MQTT-2: the table size is computed in 16 bits. For a count of
   * 8192 or more, count * 8 wraps (CWE-190), the allocation is smaller than
   * the table and storing the entries writes past it (CWE-787). The count is
   * only compared with the entries actually present after they have been
   * stored. The size must be computed in size_t (or the count bounded first). */
#ifdef SL_WITHOUT_PLANTED_BUGS
  size_t table_bytes = (size_t)count * sizeof(sl_schedule_entry);
#else
  uint16_t table_bytes = (uint16_t)(count * sizeof(sl_schedule_entry));
#endif
  sl_schedule_entry* table = malloc(table_bytes);
  if (!table) return -1;
  const uint8_t* e = p + 3;
  size_t left = n - 3;
  size_t stored = 0;
  while (stored < count && left >= SCHEDULE_WIRE_ENTRY) {
    sl_schedule_entry entry;
    entry.weekdays = e[0];
    entry.start_hour = e[1];
    entry.start_minute = e[2];
    entry.end_hour = e[3];
    entry.end_minute = e[4];
    entry.flags = e[5];
    entry.slot = (uint16_t)stored;
    if (!schedule_entry_valid(&entry)) {
      free(table);
      return -1;
    }
    table[stored++] = entry;
    e += SCHEDULE_WIRE_ENTRY;
    left -= SCHEDULE_WIRE_ENTRY;
  }
  if (stored != count || left != 0) {
    free(table);
    return -1;
  }
  free(dev->schedule);
  dev->schedule = table;
  dev->schedule_count = count;
  return 0;
}

static void mqtt_apply_command(sl_device* dev, const uint8_t* p, size_t n, sl_writer* w) {
  static const char kUnlock[] = "unlock ";
  const size_t unlock_len = sizeof kUnlock - 1;
  if (sl_token_equals(p, n, "lock")) {
    sl_lock_engage(dev);
  } else if (n > unlock_len && memcmp(p, kUnlock, unlock_len) == 0) {
    sl_lock_release(dev, p + unlock_len, n - unlock_len);
  } else if (!sl_token_equals(p, n, "status")) {
    return; /* unknown commands are ignored */
  }
  mqtt_publish_state(dev, w);
}

static void mqtt_apply_config(sl_device* dev, const uint8_t* p, size_t n) {
  const uint8_t* eq = n ? memchr(p, '=', n) : NULL;
  if (!eq) return;
  sl_config_set(&dev->config, (const char*)p, (size_t)(eq - p), (const char*)eq + 1,
                n - (size_t)(eq - p) - 1);
}

static void mqtt_deliver(sl_device* dev, const uint8_t* topic, size_t topic_len,
                         const uint8_t* payload, size_t payload_len, sl_writer* w) {
  if (sl_token_equals(topic, topic_len, TOPIC_CMD)) {
    mqtt_apply_command(dev, payload, payload_len, w);
  } else if (sl_token_equals(topic, topic_len, TOPIC_CONFIG)) {
    mqtt_apply_config(dev, payload, payload_len);
  } else if (sl_token_equals(topic, topic_len, TOPIC_SCHEDULE)) {
    mqtt_apply_schedule(dev, payload, payload_len);
  }
}

static int mqtt_qos2_find(const sl_mqtt_state* m, uint16_t id) {
  for (size_t i = 0; i < m->qos2_count; ++i) {
    if (m->qos2_inbound[i] == id) return (int)i;
  }
  return -1;
}

/* Returns 0, or -1 for a protocol violation. */
static int mqtt_handle_publish(sl_device* dev, uint8_t flags, const uint8_t* body, size_t len,
                               sl_writer* w) {
  unsigned qos = (flags >> 1) & 0x03;
  int dup = (flags & 0x08) != 0;
  if (qos == 3 || (qos == 0 && dup)) return -1;
  if (len < 2) return -1;
  size_t topic_len = sl_load_u16be(body);
  if (topic_len == 0 || topic_len > len - 2) return -1;
  const uint8_t* topic = body + 2;
  if (!mqtt_utf8_valid(topic, topic_len) || memchr(topic, '+', topic_len) ||
      memchr(topic, '#', topic_len)) {
    return -1;
  }
  size_t pos = 2 + topic_len;
  uint16_t packet_id = 0;
  if (qos > 0) {
    if (len - pos < 2) return -1;
    packet_id = sl_load_u16be(body + pos);
    if (packet_id == 0) return -1;
    pos += 2;
  }
  const uint8_t* payload = body + pos;
  size_t payload_len = len - pos;

  if (qos == 2) {
    if (mqtt_qos2_find(&dev->mqtt, packet_id) < 0) {
      if (dev->mqtt.qos2_count == SL_MQTT_QOS2_SLOTS) return -1; /* broker ignores flow control */
      dev->mqtt.qos2_inbound[dev->mqtt.qos2_count++] = packet_id;
      mqtt_deliver(dev, topic, topic_len, payload, payload_len, w);
    }
    mqtt_put_ack(w, MQTT_PUBREC, 0, packet_id);
    return 0;
  }
  mqtt_deliver(dev, topic, topic_len, payload, payload_len, w);
  if (qos == 1) mqtt_put_ack(w, MQTT_PUBACK, 0, packet_id);
  return 0;
}

static int mqtt_handle_packet(sl_device* dev, uint8_t first, const uint8_t* body, size_t len,
                              sl_writer* w) {
  sl_mqtt_state* m = &dev->mqtt;
  uint8_t type = first >> 4;
  uint8_t flags = first & 0x0F;

  if (m->state == SL_MQTT_AWAIT_CONNACK) {
    if (type != MQTT_CONNACK || flags != 0 || len != 2) return -1;
    if ((body[0] & 0xFE) != 0 || body[1] != 0) return -1; /* reserved flags, refused */
    m->state = SL_MQTT_CONNECTED;
    m->subscribe_packet_id = mqtt_next_packet_id(m);
    sl_writer_put_u8(w, (MQTT_SUBSCRIBE << 4) | 0x02);
    mqtt_put_remaining_length(w, (uint32_t)(2 + 2 + strlen(TOPIC_FILTER) + 1));
    sl_writer_put_u16be(w, m->subscribe_packet_id);
    mqtt_put_string(w, TOPIC_FILTER);
    sl_writer_put_u8(w, 1); /* requested QoS */
    mqtt_publish_state(dev, w);
    return 0;
  }

  if (type == MQTT_PUBLISH) return mqtt_handle_publish(dev, flags, body, len, w);
  if (type == MQTT_PUBREL ? flags != 0x02 : flags != 0) return -1;
  switch (type) {
    case MQTT_PUBACK: {
      if (len != 2) return -1;
      uint16_t id = sl_load_u16be(body);
      if (id == m->state_publish_unacked) m->state_publish_unacked = 0;
      return 0;
    }
    case MQTT_PUBREL: {
      if (len != 2) return -1;
      uint16_t id = sl_load_u16be(body);
      int slot = mqtt_qos2_find(m, id);
      if (slot >= 0) {
        m->qos2_inbound[slot] = m->qos2_inbound[m->qos2_count - 1];
        m->qos2_count--;
      }
      mqtt_put_ack(w, MQTT_PUBCOMP, 0, id);
      return 0;
    }
    case MQTT_SUBACK: {
      if (len != 3 || sl_load_u16be(body) != m->subscribe_packet_id) return -1;
      uint8_t code = body[2];
      if (code <= 0x02) {
        m->subscribed = 1;
      } else if (code == 0x80) {
        m->subscribed = 0;
      } else {
        return -1;
      }
      return 0;
    }
    case MQTT_PINGRESP:
      return len == 0 ? 0 : -1;
    default:
      /* CONNACK twice, PUBREC/PUBCOMP (the lock never publishes with QoS 2),
       * client-to-server packets and reserved types. */
      return -1;
  }
}

size_t sl_mqtt_receive(sl_device* dev, const uint8_t* data, size_t len, uint8_t* out,
                       size_t out_cap, size_t* out_len) {
  sl_writer w;
  sl_writer_init(&w, out, out_cap);
  size_t pos = 0;
  while (dev->mqtt.state != SL_MQTT_CLOSED && len - pos >= 2) {
    uint32_t remaining;
    size_t length_bytes;
    mqtt_decode_result r =
        mqtt_decode_remaining_length(data + pos + 1, len - pos - 1, &remaining, &length_bytes);
    if (r == MQTT_NEED_MORE) break;
    if (r == MQTT_MALFORMED) {
      dev->mqtt.state = SL_MQTT_CLOSED;
      break;
    }
    size_t header = 1 + length_bytes;
    if (remaining > len - pos - header) break; /* packet not complete yet */
    if (mqtt_handle_packet(dev, data[pos], data + pos + header, remaining, &w) != 0) {
      dev->mqtt.state = SL_MQTT_CLOSED;
    }
    pos += header + remaining;
  }
  if (dev->mqtt.state == SL_MQTT_CLOSED) pos = len;
  if (out_len) *out_len = w.len;
  return pos;
}
