// libmosquitto 2.0.11 as the MQTT client of a device, facing a hostile
// broker: CONNACK, SUBACK, UNSUBACK, PUBLISH of every QoS, PUBACK, PUBREC,
// PUBREL, PUBCOMP, PINGRESP, DISCONNECT and AUTH as the broker sends them.
//
// Input: one selector byte, then the byte stream the broker sends on the
// connection (MQTT packets back to back), then end of stream.
//   selector bit 0: 0 = MQTT 3.1.1, 1 = MQTT 5.0 (CONNECT with properties)
//   selector bit 1: 1 = persistent session (clean session / clean start off)
//
// The client connects the way a device does, with mosquitto_connect() and
// the library's own connect path (net__socket_connect, send__connect), to a
// broker address that is a Unix socket the harness listens on in a private
// temporary directory (mosquitto connects to a Unix socket when the port is
// 0), so no network is involved. The harness accepts the connection, reads
// and discards what the client sends (CONNECT, then SUBSCRIBE, PUBLISH...),
// writes the input as the broker's bytes and shuts its end down for writing.
// The client then runs mosquitto_loop() -- select, mosquitto_loop_read() ->
// packet__read() -> handle__packet(), mosquitto_loop_write(), and the
// library's error handling and on_disconnect -- until the connection ends.
//
// The application's callbacks are those of a thermostat: on CONNACK it
// subscribes to its command and firmware topics (QoS 1 and 2), unsubscribes
// from a legacy topic and publishes its status (QoS 1, retained) and a reading
// (QoS 2), so the broker's SUBACK/UNSUBACK/PUBACK/PUBREC/PUBCOMP have
// messages to match (message ids 1 to 5); on a message it checks the topic
// against its subscriptions, reads the payload and, for MQTT 5 requests with
// a response topic, publishes a reply carrying the correlation data. A new
// client (mosquitto_new) per input, destroyed at the end.

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mosquitto.h"
#include "mosquitto_internal.h"
#include "net_mosq.h"
#include "mqtt_protocol.h"

enum { kMaxInput = 128 * 1024 };

static char g_dir[] = "/tmp/mosquitto_client_fuzzer.XXXXXX";
static char g_socket_path[sizeof(g_dir) + 16];
static int g_listener = -1;
static bool g_verbose;
static volatile uint64_t g_sink;

static void Touch(const void* p, size_t len) {
  const uint8_t* b = (const uint8_t*)p;
  uint64_t sum = 0;
  for (size_t i = 0; i < len; ++i) sum += b[i];
  g_sink = g_sink ^ sum;
}

static void RemoveSocket(void) {
  unlink(g_socket_path);
  rmdir(g_dir);
}

int LLVMFuzzerInitialize(int* argc, char*** argv) {
  (void)argc;
  (void)argv;
  const char* debug = getenv("MOSQUITTO_FUZZER_DEBUG");
  g_verbose = debug && *debug && *debug != '0';
  mosquitto_lib_init();
  if (!mkdtemp(g_dir)) {
    perror("mosquitto_client_fuzzer: mkdtemp");
    abort();
  }
  snprintf(g_socket_path, sizeof(g_socket_path), "%s/broker", g_dir);
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", g_socket_path);
  g_listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (g_listener < 0 || bind(g_listener, (struct sockaddr*)&addr, sizeof(addr)) != 0 ||
      listen(g_listener, 4) != 0) {
    perror("mosquitto_client_fuzzer: cannot listen on a Unix socket");
    abort();
  }
  atexit(RemoveSocket);
  return 0;
}

// ---- the device application --------------------------------------------

static const char* const kSubscriptions[] = {"devices/thermostat-7/cmd/#", "devices/thermostat-7/ota"};

static void OnConnect(struct mosquitto* mosq, void* obj, int rc, int flags, const mosquitto_property* props) {
  (void)obj;
  (void)flags;
  if (props) {
    uint16_t receive_maximum = 0;
    uint8_t max_qos = 2;
    char* assigned_id = NULL;
    mosquitto_property_read_int16(props, MQTT_PROP_RECEIVE_MAXIMUM, &receive_maximum, false);
    mosquitto_property_read_byte(props, MQTT_PROP_MAXIMUM_QOS, &max_qos, false);
    if (mosquitto_property_read_string(props, MQTT_PROP_ASSIGNED_CLIENT_IDENTIFIER, &assigned_id, false)) {
      Touch(assigned_id, strlen(assigned_id));
      free(assigned_id);
    }
    g_sink = g_sink ^ receive_maximum ^ max_qos;
  }
  if (rc != 0) return;
  int mid;
  mosquitto_subscribe(mosq, &mid, kSubscriptions[0], 1);
  mosquitto_subscribe(mosq, &mid, kSubscriptions[1], 2);
  mosquitto_unsubscribe(mosq, &mid, "devices/thermostat-7/legacy");
  mosquitto_publish(mosq, &mid, "devices/thermostat-7/status", 6, "online", 1, true);
  mosquitto_publish(mosq, &mid, "sensors/thermostat-7/temperature", 5, "21.50", 2, false);
}

static void OnMessage(struct mosquitto* mosq, void* obj, const struct mosquitto_message* msg,
                      const mosquitto_property* props) {
  (void)obj;
  bool match = false;
  for (size_t i = 0; i < sizeof(kSubscriptions) / sizeof(kSubscriptions[0]); ++i) {
    bool m = false;
    mosquitto_topic_matches_sub(kSubscriptions[i], msg->topic, &m);
    match = match || m;
  }
  Touch(msg->topic, strlen(msg->topic));
  Touch(msg->payload, (size_t)msg->payloadlen);
  g_sink = g_sink ^ (uint64_t)match ^ (uint64_t)msg->qos ^ (uint64_t)msg->retain;

  char* response_topic = NULL;
  void* correlation = NULL;
  uint16_t correlation_len = 0;
  if (props && mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC, &response_topic, false)) {
    mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &correlation, &correlation_len, false);
    mosquitto_property* reply_props = NULL;
    if (correlation) mosquitto_property_add_binary(&reply_props, MQTT_PROP_CORRELATION_DATA, correlation, correlation_len);
    mosquitto_publish_v5(mosq, NULL, response_topic, 2, "ok", 1, false, reply_props);
    mosquitto_property_free_all(&reply_props);
    free(correlation);
    free(response_topic);
  }
}

static void OnSubscribe(struct mosquitto* mosq, void* obj, int mid, int qos_count, const int* granted_qos,
                        const mosquitto_property* props) {
  (void)mosq;
  (void)obj;
  (void)props;
  g_sink = g_sink ^ (uint64_t)mid;
  Touch(granted_qos, (size_t)qos_count * sizeof(int));
}

static void OnUnsubscribe(struct mosquitto* mosq, void* obj, int mid, const mosquitto_property* props) {
  (void)mosq;
  (void)obj;
  (void)props;
  g_sink = g_sink ^ (uint64_t)mid;
}

static void OnPublish(struct mosquitto* mosq, void* obj, int mid, int reason, const mosquitto_property* props) {
  (void)mosq;
  (void)obj;
  (void)props;
  g_sink = g_sink ^ (uint64_t)mid ^ (uint64_t)reason;
}

static void OnDisconnect(struct mosquitto* mosq, void* obj, int rc, const mosquitto_property* props) {
  (void)mosq;
  (void)obj;
  char* reason = NULL;
  if (props && mosquitto_property_read_string(props, MQTT_PROP_REASON_STRING, &reason, false)) {
    Touch(reason, strlen(reason));
    free(reason);
  }
  g_sink = g_sink ^ (uint64_t)rc;
}

static void OnLog(struct mosquitto* mosq, void* obj, int level, const char* text) {
  (void)mosq;
  (void)obj;
  (void)level;
  if (g_verbose) fprintf(stderr, "libmosquitto: %s\n", text);
}

// ---- the harness ---------------------------------------------------------

// Reads and discards what the client sent, keeping errno as the client's
// code left it (its read path looks at errno).
static void DrainClientBytes(int fd) {
  int saved = errno;
  uint8_t buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    if (g_verbose) fprintf(stderr, "client sent %zd bytes\n", n);
  }
  errno = saved;
}

static int PendingBytes(int fd) {
  int n = 0;
  if (ioctl(fd, FIONREAD, &n) != 0) return -1;
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > kMaxInput) return 0;
  const bool v5 = data[0] & 1;
  const bool persistent = data[0] & 2;
  data++;
  size--;

  struct mosquitto* mosq = mosquitto_new("thermostat-7", !persistent, NULL);
  if (!mosq) abort();
  mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  mosquitto_username_pw_set(mosq, "thermostat-7", "s3cret");
  mosquitto_will_set(mosq, "devices/thermostat-7/status", 7, "offline", 1, true);
  mosquitto_connect_v5_callback_set(mosq, OnConnect);
  mosquitto_message_v5_callback_set(mosq, OnMessage);
  mosquitto_subscribe_v5_callback_set(mosq, OnSubscribe);
  mosquitto_unsubscribe_v5_callback_set(mosq, OnUnsubscribe);
  mosquitto_publish_v5_callback_set(mosq, OnPublish);
  mosquitto_disconnect_v5_callback_set(mosq, OnDisconnect);
  mosquitto_log_callback_set(mosq, OnLog);

  mosquitto_property* connect_props = NULL;
  if (v5) {
    mosquitto_property_add_int32(&connect_props, MQTT_PROP_SESSION_EXPIRY_INTERVAL, persistent ? 3600 : 0);
    mosquitto_property_add_int16(&connect_props, MQTT_PROP_RECEIVE_MAXIMUM, 10);
    mosquitto_property_add_int32(&connect_props, MQTT_PROP_MAXIMUM_PACKET_SIZE, 65536);
    mosquitto_property_add_int16(&connect_props, MQTT_PROP_TOPIC_ALIAS_MAXIMUM, 5);
  }
  int rc = mosquitto_connect_bind_v5(mosq, g_socket_path, 0, 60, NULL, connect_props);
  mosquitto_property_free_all(&connect_props);
  if (rc != MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "mosquitto_client_fuzzer: mosquitto_connect failed: %s\n", mosquitto_strerror(rc));
    abort();
  }
  int broker = accept(g_listener, NULL, NULL);
  if (broker < 0) {
    perror("mosquitto_client_fuzzer: accept");
    abort();
  }
  int bufsize = 2 * kMaxInput;
  setsockopt(broker, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
  size_t written = 0;
  while (written < size) {
    ssize_t n = write(broker, data + written, size - written);
    if (n <= 0) {
      perror("mosquitto_client_fuzzer: write");
      abort();
    }
    written += (size_t)n;
  }
  shutdown(broker, SHUT_WR);
  fcntl(broker, F_SETFL, fcntl(broker, F_GETFL) | O_NONBLOCK);

  // The device's loop until the connection ends. A step at the end of the
  // stream that leaves the connection open (a read of 0 bytes inside a
  // packet is "try again" when errno says EAGAIN) is where the client would
  // wait for keep-alive to expire: the harness stops there.
  int idle_steps = 0;
  while (mosq->sock != INVALID_SOCKET && idle_steps < 2) {
    int before = PendingBytes(mosq->sock);
    rc = mosquitto_loop(mosq, 0, 1);
    DrainClientBytes(broker);
    if (rc != MOSQ_ERR_SUCCESS) break;
    if (before == 0) ++idle_steps;
  }

  mosquitto_destroy(mosq);
  close(broker);
  return 0;
}
