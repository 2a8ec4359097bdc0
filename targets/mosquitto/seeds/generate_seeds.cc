// Writes the seed corpora of the mosquitto harnesses:
//
//   mosquitto_seed_generator <root>
//
//   <root>/corpora/mosquitto_broker_fuzzer/<seed>.bin
//       the byte stream a client sends on one connection
//       (targets/mosquitto/mosquitto_broker_fuzzer.c)
//   <root>/corpora/mosquitto_client_fuzzer/<seed>.bin
//       one selector byte (bit 0: MQTT 5, bit 1: persistent session), then
//       the byte stream the broker sends (mosquitto_client_fuzzer.c)
//   <root>/targets/mosquitto/regressions/<harness>/<finding>.bin
//       reproducers of the bugs the harnesses found
//       (targets/mosquitto/regressions/README.md)
//
// Every seed is a session a real peer has: MQTT 3.1, 3.1.1 and 5.0 CONNECT
// (with will, credentials, properties), SUBSCRIBE with options, PUBLISH of
// every QoS with its acknowledgements in order, retained messages, topic
// aliases, request/response, PINGREQ, UNSUBSCRIBE, DISCONNECT with reasons.
// The client seeds answer the device application's own packets: its
// SUBSCRIBEs, UNSUBSCRIBE and PUBLISHes after CONNACK carry message ids 1 to 5.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// Packet types (MQTT 5.0 section 2.1.2).
enum : uint8_t {
  kConnect = 1, kConnack, kPublish, kPuback, kPubrec, kPubrel, kPubcomp, kSubscribe,
  kSuback, kUnsubscribe, kUnsuback, kPingreq, kPingresp, kDisconnect, kAuth,
};

// Property identifiers (MQTT 5.0 section 2.2.2.2).
enum : uint8_t {
  kPayloadFormat = 0x01, kMessageExpiry = 0x02, kContentType = 0x03, kResponseTopic = 0x08,
  kCorrelationData = 0x09, kSubscriptionId = 0x0b, kSessionExpiry = 0x11,
  kServerKeepAlive = 0x13, kAuthMethod = 0x15, kAuthData = 0x16, kRequestResponseInfo = 0x19,
  kWillDelay = 0x18, kResponseInfo = 0x1a, kReasonString = 0x1f, kReceiveMaximum = 0x21,
  kTopicAliasMaximum = 0x22, kTopicAlias = 0x23, kMaximumQos = 0x24, kRetainAvailable = 0x25,
  kUserProperty = 0x26, kMaximumPacketSize = 0x27, kWildcardSubAvailable = 0x28,
  kSharedSubAvailable = 0x2a,
};

class Buf {
 public:
  Buf& U8(uint8_t v) { b_.push_back(v); return *this; }
  Buf& U16(uint16_t v) { b_.push_back(uint8_t(v >> 8)); b_.push_back(uint8_t(v)); return *this; }
  Buf& U32(uint32_t v) { U16(uint16_t(v >> 16)); return U16(uint16_t(v)); }
  Buf& Varint(uint32_t v) {
    do {
      uint8_t byte = v % 128;
      v /= 128;
      if (v) byte |= 0x80;
      b_.push_back(byte);
    } while (v);
    return *this;
  }
  Buf& Str(std::string_view s) { U16(uint16_t(s.size())); return Raw(s); }
  Buf& Raw(std::string_view s) { b_.insert(b_.end(), s.begin(), s.end()); return *this; }
  Buf& Raw(const Bytes& b) { b_.insert(b_.end(), b.begin(), b.end()); return *this; }
  // A property list: its length as a variable byte integer, then the properties.
  Buf& Props(const Buf& props) { Varint(uint32_t(props.b_.size())); return Raw(props.b_); }
  Buf& NoProps() { return U8(0); }
  const Bytes& bytes() const { return b_; }

 private:
  Bytes b_;
};

// Fixed header (type, flags), remaining length, then `body`.
Bytes Packet(uint8_t type, uint8_t flags, const Buf& body) {
  Buf p;
  p.U8(uint8_t(type << 4 | flags)).Varint(uint32_t(body.bytes().size())).Raw(body.bytes());
  return p.bytes();
}

struct Will {
  std::string topic, payload;
  uint8_t qos = 1;
  bool retain = false;
  Buf props;  // MQTT 5 only
};

struct ConnectOptions {
  uint8_t version = 4;  // 3 = MQTT 3.1, 4 = 3.1.1, 5 = 5.0
  std::string client_id = "thermostat-7";
  bool clean = true;
  uint16_t keepalive = 60;
  const Will* will = nullptr;
  std::string username, password;
  Buf props;
};

Bytes Connect(const ConnectOptions& o) {
  Buf b;
  b.Str(o.version == 3 ? "MQIsdp" : "MQTT").U8(o.version);
  uint8_t flags = o.clean ? 0x02 : 0;
  if (o.will) flags |= uint8_t(0x04 | o.will->qos << 3 | (o.will->retain ? 0x20 : 0));
  if (!o.username.empty()) flags |= 0x80;
  if (!o.password.empty()) flags |= 0x40;
  b.U8(flags).U16(o.keepalive);
  if (o.version == 5) b.Props(o.props);
  b.Str(o.client_id);
  if (o.will) {
    if (o.version == 5) b.Props(o.will->props);
    b.Str(o.will->topic).Str(o.will->payload);
  }
  if (!o.username.empty()) b.Str(o.username);
  if (!o.password.empty()) b.Str(o.password);
  return Packet(kConnect, 0, b);
}

Bytes Publish(bool v5, std::string_view topic, std::string_view payload, uint8_t qos, uint16_t mid,
              bool retain = false, const Buf* props = nullptr, bool dup = false) {
  Buf b;
  b.Str(topic);
  if (qos) b.U16(mid);
  if (v5) props ? b.Props(*props) : b.NoProps();
  b.Raw(payload);
  return Packet(kPublish, uint8_t((dup ? 8 : 0) | qos << 1 | (retain ? 1 : 0)), b);
}

// PUBACK, PUBREC, PUBREL, PUBCOMP: the id, and for MQTT 5 a reason code.
Bytes Ack(uint8_t type, uint16_t mid, int reason = -1, const Buf* props = nullptr) {
  Buf b;
  b.U16(mid);
  if (reason >= 0) {
    b.U8(uint8_t(reason));
    if (props) b.Props(*props);
  }
  return Packet(type, type == kPubrel ? 2 : 0, b);
}

Bytes Subscribe(bool v5, uint16_t mid, std::initializer_list<std::pair<std::string_view, uint8_t>> filters,
                const Buf* props = nullptr) {
  Buf b;
  b.U16(mid);
  if (v5) props ? b.Props(*props) : b.NoProps();
  for (auto [filter, options] : filters) b.Str(filter).U8(options);
  return Packet(kSubscribe, 2, b);
}

Bytes Unsubscribe(bool v5, uint16_t mid, std::initializer_list<std::string_view> filters) {
  Buf b;
  b.U16(mid);
  if (v5) b.NoProps();
  for (auto f : filters) b.Str(f);
  return Packet(kUnsubscribe, 2, b);
}

// SUBACK / UNSUBACK from the broker.
Bytes SubAck(uint8_t type, bool v5, uint16_t mid, std::initializer_list<uint8_t> codes, const Buf* props = nullptr) {
  Buf b;
  b.U16(mid);
  if (v5) props ? b.Props(*props) : b.NoProps();
  for (uint8_t c : codes) b.U8(c);
  return Packet(type, 0, b);
}

Bytes Connack(bool v5, bool session_present, uint8_t code, const Buf* props = nullptr) {
  Buf b;
  b.U8(session_present ? 1 : 0).U8(code);
  if (v5) props ? b.Props(*props) : b.NoProps();
  return Packet(kConnack, 0, b);
}

Bytes Disconnect(bool v5, int reason = -1, const Buf* props = nullptr) {
  Buf b;
  if (v5 && reason >= 0) {
    b.U8(uint8_t(reason));
    if (props) b.Props(*props);
  }
  return Packet(kDisconnect, 0, b);
}

Bytes Simple(uint8_t type) { return Packet(type, 0, Buf()); }

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class Writer {
 public:
  explicit Writer(fs::path root) : root_(std::move(root)) {}
  void Write(const std::string& harness, const std::string& name, const Bytes& bytes) {
    WriteTo(root_ / "corpora" / harness, name, bytes);
  }
  void WriteRegression(const std::string& harness, const std::string& name, const Bytes& bytes) {
    WriteTo(root_ / "targets" / "mosquitto" / "regressions" / harness, name, bytes);
  }

 private:
  void WriteTo(const fs::path& dir, const std::string& name, const Bytes& bytes) {
    fs::create_directories(dir);
    std::ofstream out(dir / (name + ".bin"), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
      ok_ = false;
    }
  }

 public:
  bool ok() const { return ok_; }

 private:
  fs::path root_;
  bool ok_ = true;
};

void BrokerSeeds(Writer& w) {
  const std::string h = "mosquitto_broker_fuzzer";
  ConnectOptions v311;
  ConnectOptions v5;
  v5.version = 5;

  w.Write(h, "v311_connect_disconnect", Cat({Connect(v311), Simple(kDisconnect)}));
  w.Write(h, "v311_subscribe_publish_qos0_delivered_back",
          Cat({Connect(v311), Subscribe(false, 1, {{"devices/#", 0}}),
               Publish(false, "devices/thermostat-7/status", "online", 0, 0), Simple(kPingreq),
               Simple(kDisconnect)}));
  w.Write(h, "v311_publish_qos1_puback",
          Cat({Connect(v311), Publish(false, "sensors/thermostat-7/temperature", "21.50", 1, 10),
               Publish(false, "sensors/thermostat-7/temperature", "21.50", 1, 10, false, nullptr, true),
               Simple(kDisconnect)}));
  w.Write(h, "v311_publish_qos2_pubrec_pubrel_pubcomp",
          Cat({Connect(v311), Publish(false, "sensors/thermostat-7/humidity", "48", 2, 11), Ack(kPubrel, 11),
               Simple(kDisconnect)}));
  w.Write(h, "v311_subscribe_qos2_receive_own_publish_qos2",
          Cat({Connect(v311), Subscribe(false, 2, {{"devices/thermostat-7/cmd/#", 2}}),
               Publish(false, "devices/thermostat-7/cmd/setpoint", "22.0", 2, 12), Ack(kPubrel, 12),
               Ack(kPubrec, 1), Ack(kPubcomp, 1), Simple(kDisconnect)}));
  w.Write(h, "v311_retained_publish_then_subscribe_then_clear",
          Cat({Connect(v311), Publish(false, "devices/thermostat-7/firmware", "1.4.2", 1, 20, true),
               Subscribe(false, 3, {{"devices/+/firmware", 1}}), Ack(kPuback, 1),
               Publish(false, "devices/thermostat-7/firmware", "", 0, 0, true), Simple(kDisconnect)}));
  w.Write(h, "v311_unsubscribe_pingreq",
          Cat({Connect(v311), Subscribe(false, 4, {{"sensors/#", 1}, {"devices/thermostat-7/#", 0}}),
               Unsubscribe(false, 5, {"sensors/#"}), Simple(kPingreq), Simple(kDisconnect)}));
  Will will;
  will.topic = "devices/thermostat-7/status";
  will.payload = "offline";
  will.retain = true;
  ConnectOptions with_will = v311;
  with_will.will = &will;
  w.Write(h, "v311_will_retained_connection_dropped",
          Cat({Connect(with_will), Subscribe(false, 6, {{"devices/#", 1}})}));
  ConnectOptions admin = v311;
  admin.client_id = "ops-console";
  admin.username = "admin";
  admin.password = "admin-password";
  w.Write(h, "v311_admin_subscribes_all_and_sys",
          Cat({Connect(admin), Subscribe(false, 7, {{"#", 2}, {"$SYS/#", 0}}),
               Publish(false, "factory/reset", "now", 1, 30), Simple(kDisconnect)}));
  w.Write(h, "v311_anonymous_denied_topics",
          Cat({Connect(v311), Subscribe(false, 8, {{"#", 1}, {"factory/+", 1}}),
               Publish(false, "factory/reset", "now", 1, 31), Publish(false, "$SYS/broker/uptime", "0", 0, 0),
               Simple(kDisconnect)}));
  ConnectOptions v31 = v311;
  v31.version = 3;
  v31.client_id = "legacy-sensor";
  w.Write(h, "v31_mqisdp_publish", Cat({Connect(v31), Publish(false, "sensors/legacy/t", "19", 0, 0), Simple(kDisconnect)}));
  ConnectOptions persistent = v311;
  persistent.clean = false;
  w.Write(h, "v311_persistent_session_subscribe",
          Cat({Connect(persistent), Subscribe(false, 9, {{"devices/thermostat-7/ota", 2}}), Simple(kDisconnect)}));
  ConnectOptions empty_id = v311;
  empty_id.client_id = "";
  w.Write(h, "v311_empty_client_id", Cat({Connect(empty_id), Simple(kPingreq), Simple(kDisconnect)}));

  ConnectOptions v5p = v5;
  v5p.props.U8(kSessionExpiry).U32(300).U8(kReceiveMaximum).U16(20).U8(kMaximumPacketSize).U32(65536)
      .U8(kTopicAliasMaximum).U16(8).U8(kRequestResponseInfo).U8(1)
      .U8(kUserProperty).Str("model").Str("TH-7");
  Buf pub_props;
  pub_props.U8(kPayloadFormat).U8(1).U8(kMessageExpiry).U32(600).U8(kTopicAlias).U16(1)
      .U8(kContentType).Str("text/plain").U8(kResponseTopic).Str("devices/thermostat-7/reply")
      .U8(kCorrelationData).Str("req-42").U8(kUserProperty).Str("unit").Str("C");
  Buf alias_only;
  alias_only.U8(kTopicAlias).U16(1);
  w.Write(h, "v5_connect_properties_publish_topic_alias",
          Cat({Connect(v5p), Subscribe(true, 1, {{"sensors/#", 1}}),
               Publish(true, "sensors/thermostat-7/temperature", "21.50", 1, 1, false, &pub_props),
               Publish(true, "", "21.75", 1, 2, false, &alias_only), Ack(kPuback, 1, 0), Ack(kPuback, 2, 0),
               Disconnect(true, 0)}));
  Buf sub_id;
  sub_id.U8(kSubscriptionId).Varint(7);
  // options: QoS 2, no local (0x04), retain as published (0x08), retain handling 1 (0x10)
  w.Write(h, "v5_subscribe_options_subscription_id",
          Cat({Connect(v5), Publish(true, "devices/thermostat-7/mode", "eco", 0, 0, true),
               Subscribe(true, 2, {{"devices/thermostat-7/#", 0x02 | 0x04 | 0x08 | 0x10}}, &sub_id),
               Publish(true, "devices/thermostat-7/mode", "comfort", 2, 3), Ack(kPubrel, 3, 0), Disconnect(true, 0)}));
  w.Write(h, "v5_shared_subscription",
          Cat({Connect(v5), Subscribe(true, 3, {{"$share/heating/sensors/+/temperature", 1}}),
               Publish(true, "sensors/room-2/temperature", "20.5", 1, 4), Ack(kPuback, 1, 0),
               Unsubscribe(true, 4, {"$share/heating/sensors/+/temperature"}), Disconnect(true, 0)}));
  Will will5;
  will5.topic = "devices/thermostat-7/status";
  will5.payload = "offline";
  will5.props.U8(kWillDelay).U32(5).U8(kContentType).Str("text/plain");
  ConnectOptions v5will = v5;
  v5will.will = &will5;
  v5will.props.U8(kSessionExpiry).U32(60);
  w.Write(h, "v5_will_delay_disconnect_with_will",
          Cat({Connect(v5will), Disconnect(true, 0x04)}));  // 0x04: disconnect with will message
  ConnectOptions v5empty = v5;
  v5empty.client_id = "";
  Buf reason;
  reason.U8(kReasonString).Str("rebooting");
  w.Write(h, "v5_assigned_client_id_disconnect_reason",
          Cat({Connect(v5empty), Simple(kPingreq), Disconnect(true, 0, &reason)}));
  ConnectOptions v5auth = v5;
  v5auth.props.U8(kAuthMethod).Str("SCRAM-SHA-1").U8(kAuthData).Str("n,,n=device,r=abc");
  w.Write(h, "v5_enhanced_auth_method_unsupported", Cat({Connect(v5auth), Disconnect(true, 0)}));
}

void ClientSeeds(Writer& w) {
  const std::string h = "mosquitto_client_fuzzer";
  const Bytes v311 = {0x00}, v5 = {0x01}, v311_persistent = {0x02}, v5_persistent = {0x03};

  // The device's packets after CONNACK: SUBSCRIBE mid 1 (QoS 1), SUBSCRIBE
  // mid 2 (QoS 2), UNSUBSCRIBE mid 3, PUBLISH mid 4 (QoS 1), PUBLISH mid 5 (QoS 2).
  w.Write(h, "v311_connack_acks_for_device_packets",
          Cat({v311, Connack(false, false, 0), SubAck(kSuback, false, 1, {1}), SubAck(kSuback, false, 2, {2}),
               SubAck(kUnsuback, false, 3, {}), Ack(kPuback, 4), Ack(kPubrec, 5), Ack(kPubcomp, 5), Simple(kPingresp)}));
  w.Write(h, "v311_connack_not_authorized", Cat({v311, Connack(false, false, 5)}));
  w.Write(h, "v311_command_publish_qos0_qos1",
          Cat({v311, Connack(false, false, 0), SubAck(kSuback, false, 1, {1}),
               Publish(false, "devices/thermostat-7/cmd/setpoint", "22.5", 0, 0),
               Publish(false, "devices/thermostat-7/cmd/mode", "eco", 1, 100)}));
  w.Write(h, "v311_ota_publish_qos2_pubrel",
          Cat({v311, Connack(false, false, 0), SubAck(kSuback, false, 2, {2}),
               Publish(false, "devices/thermostat-7/ota", "https://fw.example/th7-1.4.3.bin", 2, 101),
               Ack(kPubrel, 101)}));
  w.Write(h, "v311_retained_and_duplicate_publish",
          Cat({v311, Connack(false, false, 0),
               Publish(false, "devices/thermostat-7/cmd/schedule", "06:00=21;22:00=17", 1, 102, true),
               Publish(false, "devices/thermostat-7/cmd/schedule", "06:00=21;22:00=17", 1, 102, true, nullptr, true)}));
  w.Write(h, "v311_suback_failure", Cat({v311, Connack(false, false, 0), SubAck(kSuback, false, 1, {0x80}),
                                          SubAck(kSuback, false, 2, {0x80})}));
  w.Write(h, "v311_persistent_session_present_redelivery",
          Cat({v311_persistent, Connack(false, true, 0),
               Publish(false, "devices/thermostat-7/cmd/mode", "off", 2, 7, false, nullptr, true), Ack(kPubrel, 7),
               Ack(kPubrec, 5), Ack(kPubcomp, 5)}));

  Buf connack_props;
  connack_props.U8(kSessionExpiry).U32(0).U8(kReceiveMaximum).U16(5).U8(kMaximumQos).U8(1)
      .U8(kRetainAvailable).U8(1).U8(kMaximumPacketSize).U32(4096)
      .U8(kTopicAliasMaximum).U16(4).U8(kReasonString).Str("welcome").U8(kUserProperty).Str("region").Str("eu-1")
      .U8(kWildcardSubAvailable).U8(1).U8(kSharedSubAvailable).U8(0).U8(kServerKeepAlive).U16(30)
      .U8(kResponseInfo).Str("replies/");
  w.Write(h, "v5_connack_properties_and_acks",
          Cat({v5, Connack(true, false, 0, &connack_props), SubAck(kSuback, true, 1, {1}),
               SubAck(kSuback, true, 2, {2}), SubAck(kUnsuback, true, 3, {0x11}), Ack(kPuback, 4, 0),
               Ack(kPubrec, 5, 0), Ack(kPubcomp, 5, 0)}));
  Buf request;
  request.U8(kPayloadFormat).U8(1).U8(kMessageExpiry).U32(30).U8(kResponseTopic).Str("app/replies/42")
      .U8(kCorrelationData).Str("\x01\x02\x03\x04").U8(kSubscriptionId).Varint(3).U8(kUserProperty).Str("src").Str("app");
  w.Write(h, "v5_request_with_response_topic_and_correlation",
          Cat({v5, Connack(true, false, 0), SubAck(kSuback, true, 1, {1}),
               Publish(true, "devices/thermostat-7/cmd/read", "temperature", 1, 200, false, &request)}));
  Buf alias_set, alias_use;
  alias_set.U8(kTopicAlias).U16(2);
  alias_use.U8(kTopicAlias).U16(2);
  w.Write(h, "v5_topic_alias_set_then_used",
          Cat({v5, Connack(true, false, 0, &connack_props),
               Publish(true, "devices/thermostat-7/cmd/setpoint", "21.0", 0, 0, false, &alias_set),
               Publish(true, "", "21.5", 0, 0, false, &alias_use)}));
  Buf puback_reason;
  puback_reason.U8(kReasonString).Str("quota exceeded");
  w.Write(h, "v5_negative_acks_with_reason_strings",
          Cat({v5, Connack(true, false, 0), SubAck(kSuback, true, 1, {0x87}, &puback_reason),
               SubAck(kSuback, true, 2, {0x97}), Ack(kPuback, 4, 0x97, &puback_reason), Ack(kPubrec, 5, 0x80)}));
  Buf shutdown;
  shutdown.U8(kReasonString).Str("server shutting down").U8(kUserProperty).Str("retry-after").Str("30");
  w.Write(h, "v5_server_disconnect_with_reason",
          Cat({v5, Connack(true, false, 0), Disconnect(true, 0x8b, &shutdown)}));
  Buf auth;
  auth.U8(kAuthMethod).Str("SCRAM-SHA-1").U8(kAuthData).Str("r=abc,s=salt,i=4096");
  Buf auth_body;
  auth_body.U8(0x18).Props(auth);  // continue authentication
  w.Write(h, "v5_auth_continue", Cat({v5, Packet(kAuth, 0, auth_body), Connack(true, false, 0)}));
  w.Write(h, "v5_persistent_session_present_qos2_redelivery",
          Cat({v5_persistent, Connack(true, true, 0), Ack(kPubrec, 5, 0), Ack(kPubcomp, 5, 0),
               Publish(true, "devices/thermostat-7/ota", "rollback", 2, 9, false, nullptr, true), Ack(kPubrel, 9, 0)}));
  w.Write(h, "v5_connack_bad_credentials", Cat({v5, Connack(true, false, 0x86)}));
}

// Reproducers of findings (README.md in targets/mosquitto/regressions/).
void Regressions(Writer& w) {
  // MOSQ-CLIENT-1: a CONNACK whose property list holds an identifier MQTT 5
  // does not define (0x2b); libmosquitto's property__read() logs it with
  // log__printf(NULL, ...), which dereferences the NULL client.
  Buf unknown_property;
  unknown_property.U8(0x2b).U8(0);
  w.WriteRegression("mosquitto_client_fuzzer", "MOSQ-CLIENT-1_connack_unknown_property_null_deref",
                    Cat({Bytes{0x01}, Connack(true, false, 0, &unknown_property)}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <root>\n", argv[0]);
    return 2;
  }
  Writer w{fs::path(argv[1])};
  BrokerSeeds(w);
  ClientSeeds(w);
  Regressions(w);
  return w.ok() ? 0 : 1;
}
