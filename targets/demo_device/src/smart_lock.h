/*
 * Smart lock firmware component: shared device state and the four input
 * handlers of the lock's network interfaces.
 *
 * The lock exposes
 *   - an HTTP/1.1 configuration API on its Wi-Fi interface,
 *   - an MQTT 3.1.1 client session with the vendor's broker (the lock
 *     receives commands as PUBLISH messages),
 *   - a CoAP (RFC 7252) server with block-wise firmware upload (RFC 7959),
 *   - a BLE GATT server (ATT protocol) for the phone app.
 *
 * Every handler takes the raw bytes exactly as the device receives them and
 * writes its reply into a caller-supplied buffer. All state lives in one
 * sl_device; the handlers are not thread-safe and expect to be called from the
 * device's single network task.
 */
#ifndef SMART_LOCK_H
#define SMART_LOCK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Factory provisioning. */
#define SL_DEVICE_ID "7f3a9c"
#define SL_DEVICE_MODEL "SL-100"
#define SL_DEVICE_MANUFACTURER "Acme Locks"
#define SL_FIRMWARE_VERSION "1.4.2"
#define SL_DEFAULT_PIN "482913"
/* Per-device API token printed on the installation card; POST /login with
 * the PIN returns it as well. */
#define SL_API_TOKEN "9b1c4e7a2f6d8035b7e1a4c9d2f06e38"
#define SL_API_TOKEN_LEN 32

#define SL_PIN_MAX_LEN 8
#define SL_PIN_MAX_ATTEMPTS 5

/* Configuration store: a small table of key/value strings. */
#define SL_CONFIG_MAX_ENTRIES 8
#define SL_CONFIG_KEY_MAX 31
#define SL_CONFIG_VALUE_MAX 63

/* Firmware images: "SLFW" header followed by the payload (see firmware.c). */
#define SL_FW_MAX_IMAGE 65536u
#define SL_FW_HEADER_LEN 16u
#define SL_FW_VERSION_MAX 15

/* BLE */
#define SL_ATT_DEFAULT_MTU 23u
#define SL_ATT_MAX_MTU 247u
#define SL_BLE_SETTINGS_MAX 128u
#define SL_ATT_PREPARE_QUEUE_ENTRIES 16u
#define SL_ATT_PREPARE_QUEUE_BYTES 512u

/* MQTT */
#define SL_MQTT_QOS2_SLOTS 8u

typedef enum sl_lock_state {
  SL_LOCK_LOCKED = 0,
  SL_LOCK_UNLOCKED = 1
} sl_lock_state;

typedef struct sl_config_entry {
  char key[SL_CONFIG_KEY_MAX + 1];
  char value[SL_CONFIG_VALUE_MAX + 1];
} sl_config_entry;

typedef struct sl_config_table {
  sl_config_entry entries[SL_CONFIG_MAX_ENTRIES];
  size_t count;
} sl_config_table;

/* One slot of the weekly access schedule (delivered over MQTT). */
#define SL_SCHEDULE_AUTO_UNLOCK 0x01u
#define SL_SCHEDULE_GUEST_CODES 0x02u
typedef struct sl_schedule_entry {
  uint8_t weekdays; /* bit 0 = Monday ... bit 6 = Sunday */
  uint8_t start_hour;
  uint8_t start_minute;
  uint8_t end_hour;
  uint8_t end_minute;
  uint8_t flags; /* SL_SCHEDULE_* */
  uint16_t slot; /* position in the table as shown in the app */
} sl_schedule_entry;

/* Firmware update staging: an image is received (in one HTTP body or in CoAP
 * blocks), checked and then marked pending for the bootloader. */
typedef struct sl_fw_staging {
  uint8_t* data;     /* NULL when no transfer is in progress */
  size_t capacity;   /* bytes allocated for data */
  size_t received;   /* contiguous bytes written from offset 0 */
  /* CoAP Block1 transfer state */
  uint32_t next_block;
  uint8_t block_szx;
} sl_fw_staging;

typedef enum sl_mqtt_session_state {
  SL_MQTT_AWAIT_CONNACK = 0,
  SL_MQTT_CONNECTED = 1,
  SL_MQTT_CLOSED = 2
} sl_mqtt_session_state;

typedef struct sl_mqtt_state {
  sl_mqtt_session_state state;
  int subscribed;
  uint16_t subscribe_packet_id;
  uint16_t next_packet_id;
  uint16_t state_publish_unacked; /* packet id of our QoS 1 state report, 0 = none */
  uint16_t qos2_inbound[SL_MQTT_QOS2_SLOTS]; /* ids awaiting PUBREL */
  size_t qos2_count;
} sl_mqtt_state;

typedef struct sl_att_prepared_write {
  uint16_t handle;
  uint16_t offset;
  uint16_t len;
  uint16_t data_offset; /* into sl_ble_state.queue_data */
} sl_att_prepared_write;

typedef struct sl_ble_state {
  uint16_t mtu;
  int mtu_exchanged;
  uint16_t battery_cccd;
  uint16_t lock_state_cccd;
  uint8_t settings[SL_BLE_SETTINGS_MAX];
  size_t settings_len;
  sl_att_prepared_write queue[SL_ATT_PREPARE_QUEUE_ENTRIES];
  size_t queue_count;
  uint8_t queue_data[SL_ATT_PREPARE_QUEUE_BYTES];
  size_t queue_bytes;
} sl_ble_state;

typedef struct sl_device {
  sl_lock_state lock_state;
  uint8_t battery_percent;
  char pin[SL_PIN_MAX_LEN + 1];
  char api_token[SL_API_TOKEN_LEN + 1];
  unsigned failed_pin_attempts;
  uint32_t unlock_count;

  sl_config_table config;

  sl_schedule_entry* schedule; /* heap, schedule_count entries */
  size_t schedule_count;

  sl_fw_staging fw;
  char pending_fw_version[SL_FW_VERSION_MAX + 1]; /* "" when none */

  sl_mqtt_state mqtt;
  sl_ble_state ble;
  uint16_t coap_next_message_id;
} sl_device;

/* Factory state: locked, default PIN, default configuration. */
void sl_device_init(sl_device* dev);
/* Frees everything the device allocated; the device may be re-initialised. */
void sl_device_release(sl_device* dev);

/*
 * HTTP/1.1 configuration API. `request` holds one request as received on the
 * connection (request line, headers, Content-Length body). The response,
 * status line to body, is written to `response` (truncated to response_cap).
 * Returns the response length.
 */
size_t sl_http_handle_request(sl_device* dev, const uint8_t* request, size_t request_len,
                              uint8_t* response, size_t response_cap);

/*
 * MQTT 3.1.1 client. sl_mqtt_connect_packet writes the CONNECT the lock sends
 * when its TCP connection to the broker opens and resets the session.
 * sl_mqtt_receive processes bytes received from the broker: every complete
 * control packet, in order. The first packet must be a CONNACK that accepts
 * the connection; any protocol violation closes the session and the rest of
 * the stream is ignored. Packets the lock sends in reply (SUBSCRIBE, PUBACK,
 * PUBREC, PUBCOMP, state reports) are appended to `out`, up to out_cap bytes,
 * and *out_len is set to their total length. Returns the number of bytes
 * consumed; a trailing incomplete packet is not consumed.
 */
size_t sl_mqtt_connect_packet(sl_device* dev, uint8_t* out, size_t out_cap);
size_t sl_mqtt_receive(sl_device* dev, const uint8_t* data, size_t len, uint8_t* out,
                       size_t out_cap, size_t* out_len);

/*
 * CoAP server. `datagram` is one UDP payload. Writes the response datagram
 * (piggybacked ACK, NON response or RST) and returns its length, 0 when the
 * message gets no response. response_cap must be at least
 * SL_COAP_MAX_RESPONSE.
 */
#define SL_COAP_MAX_RESPONSE 1152u
size_t sl_coap_handle_datagram(sl_device* dev, const uint8_t* datagram, size_t len,
                               uint8_t* response, size_t response_cap);

/*
 * BLE ATT server (GATT database of the lock). `pdu` is one ATT PDU from the
 * L2CAP fixed channel 0x0004. Writes the response PDU and returns its length,
 * 0 for PDUs that take no response (Write Command, unknown commands).
 * response_cap must be at least SL_ATT_MAX_MTU; a response never exceeds the
 * negotiated ATT_MTU.
 */
size_t sl_att_handle_pdu(sl_device* dev, const uint8_t* pdu, size_t len, uint8_t* response,
                         size_t response_cap);

#ifdef __cplusplus
}
#endif

#endif /* SMART_LOCK_H */
