/*
 * The lock's local MQTT 3.1.1 broker ("hub mode"): phone apps and other
 * devices on the home network connect to the lock directly, subscribe to its
 * state topics and publish commands. Independent of the lock state in
 * sl_device; the network server (net/demo_device_server.c) feeds it the bytes
 * of each connection and sends what it writes back.
 *
 * Supported: CONNECT (protocol level 4, clean or persistent sessions, will
 * published when a connection drops without DISCONNECT, username/password), PUBLISH QoS 0/1/2 with delivery to matching
 * subscriptions (+ and # wildcards), PUBACK, PUBREC, PUBREL, PUBCOMP,
 * SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT. A malformed packet closes the
 * connection, as MQTT 3.1.1 requires.
 */
#ifndef SL_MQTT_BROKER_H
#define SL_MQTT_BROKER_H

#include <stddef.h>
#include <stdint.h>

#define SL_BROKER_MAX_CLIENTS 8
#define SL_BROKER_MAX_SUBSCRIPTIONS 4
#define SL_BROKER_MAX_INFLIGHT 4
#define SL_BROKER_TOPIC_MAX 64
#define SL_BROKER_CLIENT_ID_MAX 23
#define SL_BROKER_MAX_PACKET 4096
/* Messages a persistent session keeps queued while delivered QoS 2 messages
 * await acknowledgement, each held in a slot of this many payload bytes. */
#define SL_BROKER_QUEUE_SLOTS 4
#define SL_BROKER_QUEUE_SLOT_BYTES 32

typedef struct sl_broker_subscription {
  char filter[SL_BROKER_TOPIC_MAX + 1];
  uint8_t qos;
} sl_broker_subscription;

typedef struct sl_broker_inflight {
  uint16_t packet_id; /* 0: free */
  char topic[SL_BROKER_TOPIC_MAX + 1];
  uint8_t* payload;
  size_t payload_len;
  int released; /* PUBREL seen */
} sl_broker_inflight;

typedef struct sl_broker_queued {
  uint8_t* payload; /* SL_BROKER_QUEUE_SLOT_BYTES bytes, heap */
  size_t payload_len;
  char topic[SL_BROKER_TOPIC_MAX + 1];
} sl_broker_queued;

typedef struct sl_broker_client {
  int in_use;
  int connected;
  int clean_session;
  char client_id[SL_BROKER_CLIENT_ID_MAX + 1];
  sl_broker_subscription subs[SL_BROKER_MAX_SUBSCRIPTIONS];
  sl_broker_inflight inflight[SL_BROKER_MAX_INFLIGHT]; /* inbound QoS 2 */
  sl_broker_queued queue[SL_BROKER_QUEUE_SLOTS];
  size_t queue_count;
  uint16_t next_packet_id;
  /* The will: published to the other clients' matching subscriptions when
   * the connection closes without a DISCONNECT. */
  int has_will;
  char will_topic[SL_BROKER_TOPIC_MAX + 1];
  uint8_t* will_payload; /* heap, will_len bytes (at least 1 allocated) */
  size_t will_len;
  uint8_t will_qos;
  int will_retain;
} sl_broker_client;

/* Sends `len` bytes to connection `client`. */
typedef void (*sl_broker_send_fn)(void* ctx, int client, const uint8_t* data, size_t len);

typedef struct sl_broker {
  sl_broker_client clients[SL_BROKER_MAX_CLIENTS];
  sl_broker_send_fn send;
  void* send_ctx;
  uint32_t messages_routed;
} sl_broker;

void sl_broker_init(sl_broker* broker, sl_broker_send_fn send, void* ctx);
void sl_broker_release(sl_broker* broker);

/* A new connection: its slot number, or -1 when all are taken. */
int sl_broker_open(sl_broker* broker);
/* The connection closed (by the peer or after an error); its will, unless it
 * sent DISCONNECT, goes to the other clients. */
void sl_broker_close(sl_broker* broker, int client);

/* Processes the complete packets at the start of `data`. Returns the number
 * of bytes consumed (a trailing incomplete packet is left for the next call),
 * or -1 when the connection must be closed (malformed packet, protocol
 * violation, DISCONNECT). */
long sl_broker_receive(sl_broker* broker, int client, const uint8_t* data, size_t len);

#endif /* SL_MQTT_BROKER_H */
