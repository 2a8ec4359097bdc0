// grammars/mqtt.grammar: loads cleanly, its sessions and packet rules
// generate inputs that parse back exactly, real packets and the MQTT seed
// corpora parse completely.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/grammars/protocol_grammar_support.h"

namespace iotfuzz::grammar::testing {
namespace {

const Grammar& Mqtt() {
  static const LoadedGrammar loaded = LoadProtocolGrammar("mqtt.grammar");
  return loaded.grammar;
}

TEST_CASE("mqtt.grammar loads without warnings; start is the broker-facing v5 session", "[grammars][mqtt]") {
  LoadedGrammar loaded = LoadProtocolGrammar("mqtt.grammar");
  const Grammar& g = loaded.grammar;
  REQUIRE(g.start != kNone);
  CHECK(g.rule(g.start).name == "broker_v5");
  std::vector<std::string> sessions;
  for (const Session& s : g.sessions) {
    sessions.push_back(s.name);
    CHECK(s.framing == SessionFraming::kStream);
  }
  CHECK(sessions == std::vector<std::string>{"broker_v5", "broker_v311", "client_v5", "client_v311"});
}

TEST_CASE("MQTT sessions: 500 generated inputs each parse back exactly, without raw bytes or lies",
          "[grammars][mqtt]") {
  for (const char* session : {"broker_v5", "broker_v311", "client_v5", "client_v311"}) {
    CheckRoundTrip(Mqtt(), session, 500, 5130);
  }
}

TEST_CASE("MQTT packet rules: 200 generated packets each parse back exactly, without raw bytes or lies",
          "[grammars][mqtt]") {
  const char* rules[] = {
      "connect_v5", "connect_v311", "connack_v5", "connack_v311", "publish_qos0_v5", "publish_qos1_v5",
      "publish_qos2_v5", "publish_qos0_v311", "publish_qos1_v311", "publish_qos2_v311", "puback_v5",
      "pubrec_v5", "pubrel_v5", "pubcomp_v5", "puback_v311", "pubrec_v311", "pubrel_v311", "pubcomp_v311",
      "subscribe_v5", "subscribe_v311", "suback_v5", "suback_v311", "unsubscribe_v5", "unsubscribe_v311",
      "unsuback_v5", "unsuback_v311", "pingreq", "pingresp", "disconnect_v5", "server_disconnect_v5",
      "disconnect_v311", "auth_v5"};
  for (const char* rule : rules) CheckRoundTrip(Mqtt(), rule, 200, 5131);
}

TEST_CASE("Real MQTT packets parse completely", "[grammars][mqtt]") {
  const Grammar& g = Mqtt();
  // 3.1.1 CONNECT, clean session, keep alive 60, client id "mosq-test".
  CheckExplained(g, "connect_v311", Hex("10 15 00 04") + "MQTT" + Hex("04 02 00 3c 00 09") + "mosq-test",
                 "v3.1.1 CONNECT");
  // 3.1 CONNECT ("MQIsdp", level 3).
  CheckExplained(g, "connect_v311", Hex("10 14 00 06") + "MQIsdp" + Hex("03 02 00 3c 00 06") + "client",
                 "v3.1 CONNECT");
  // 3.1.1 CONNECT with a retained QoS 1 will, user name and password.
  CheckExplained(g, "connect_v311",
                 Hex("10 30 00 04") + "MQTT" + Hex("04 ee 00 1e 00 02") + "d1" + Hex("00 0a") + "dev/d1/lwt" +
                     Hex("00 07") + "offline" + Hex("00 04") + "user" + Hex("00 05") + "s3cr3",
                 "v3.1.1 CONNECT with will and credentials");
  // 5.0 CONNECT: Session Expiry 3600, Receive Maximum 20, Topic Alias Maximum
  // 10, a user property, user name and password.
  CheckExplained(g, "connect_v5",
                 Hex("10 34 00 04") + "MQTT" + Hex("05 c2 00 3c 12 11 00 00 0e 10 21 00 14 22 00 0a 26 00 01") +
                     "a" + Hex("00 01") + "b" + Hex("00 06") + "sensor" + Hex("00 05") + "alice" + Hex("00 06") +
                     "secret",
                 "v5 CONNECT with properties");
  // 5.0 CONNECT with a QoS 1 will: Will Delay 30, Payload Format 1.
  CheckExplained(g, "connect_v5",
                 Hex("10 2f 00 04") + "MQTT" + Hex("05 0e 00 1e 00 00 02") + "d1" +
                     Hex("07 18 00 00 00 1e 01 01 00 0d") + "dev/d1/status" + Hex("00 07") + "offline",
                 "v5 CONNECT with will properties");
  // 5.0 CONNECT, properties in another order than generated.
  CheckExplained(g, "connect_v5",
                 Hex("10 17 00 04") + "MQTT" + Hex("05 02 00 0a 08 21 00 05 11 00 00 00 3c 00 02") + "c9",
                 "v5 CONNECT, Receive Maximum before Session Expiry");
  CheckExplained(g, "connack_v311", Hex("20 02 01 00"), "v3.1.1 CONNACK, session present");
  CheckExplained(g, "connack_v311", Hex("20 02 00 05"), "v3.1.1 CONNACK, not authorized");
  // 5.0 CONNACK: Receive Maximum 20, Maximum QoS 1, Retain Available,
  // Assigned Client Identifier, Topic Alias Maximum 10, no shared subscriptions.
  CheckExplained(g, "connack_v5",
                 Hex("20 18 00 00 15 21 00 14 24 01 25 01 12 00 06") + "auto-1" + Hex("22 00 0a 2a 00"),
                 "v5 CONNACK with properties");
  CheckExplained(g, "connack_v5", Hex("20 03 00 86 00"), "v5 CONNACK, bad user name or password");
  // 5.0 SUBSCRIBE: Subscription Identifier 5; a filter with '+' and options
  // Retain Handling 1, Retain As Published, No Local, QoS 1; a filter with '#'.
  CheckExplained(g, "subscribe_v5",
                 Hex("82 25 00 01 02 0b 05 00 12") + "home/+/temperature" + Hex("1d 00 08") + "alerts/#" +
                     Hex("02"),
                 "v5 SUBSCRIBE with options");
  CheckExplained(g, "subscribe_v311", Hex("82 0e 00 0a 00 09") + "sensors/#" + Hex("01"), "v3.1.1 SUBSCRIBE");
  CheckExplained(g, "subscribe_v311", Hex("82 06 00 0b 00 01") + "#" + Hex("00"), "v3.1.1 SUBSCRIBE to #");
  CheckExplained(g, "suback_v5", Hex("90 05 00 01 00 01 80"), "v5 SUBACK");
  CheckExplained(g, "suback_v311", Hex("90 03 00 0a 02"), "v3.1.1 SUBACK");
  CheckExplained(g, "publish_qos1_v311", Hex("32 0c 00 03") + "a/b" + Hex("00 07") + "hello",
                 "v3.1.1 PUBLISH QoS 1");
  CheckExplained(g, "publish_qos0_v311", Hex("31 0a 00 06") + "$SYS/x" + "on", "v3.1.1 PUBLISH retained");
  // 5.0 PUBLISH QoS 0: Payload Format 1, Message Expiry 60, Content Type.
  CheckExplained(g, "publish_qos0_v5",
                 Hex("30 1c 00 01") + "t" + Hex("14 01 01 02 00 00 00 3c 03 00 0a") + "text/plain" + "21.5",
                 "v5 PUBLISH with properties");
  // 5.0 PUBLISH QoS 2, retained, Topic Alias 3.
  CheckExplained(g, "publish_qos2_v5", Hex("35 0d 00 03") + "x/y" + Hex("12 34 03 23 00 03") + "on",
                 "v5 PUBLISH QoS 2 with a topic alias");
  // 5.0 PUBLISH naming its topic by alias only (empty topic).
  CheckExplained(g, "publish_qos0_v5", Hex("30 08 00 00 03 23 00 03") + "on", "v5 PUBLISH by topic alias");
  CheckExplained(g, "puback_v5", Hex("40 09 00 01 10 05 1f 00 02") + "ok", "v5 PUBACK with reason string");
  CheckExplained(g, "puback_v5", Hex("40 02 00 01"), "v5 PUBACK, success implied");
  CheckExplained(g, "pubrec_v5", Hex("50 03 00 02 80"), "v5 PUBREC with reason only");
  CheckExplained(g, "pubrel_v5", Hex("62 02 00 05"), "v5 PUBREL");
  CheckExplained(g, "pubcomp_v5", Hex("70 04 00 05 92 00"), "v5 PUBCOMP, packet identifier not found");
  CheckExplained(g, "pubrel_v311", Hex("62 02 12 34"), "v3.1.1 PUBREL");
  CheckExplained(g, "unsubscribe_v5", Hex("a2 0b 00 02 00 00 06") + "home/#", "v5 UNSUBSCRIBE");
  CheckExplained(g, "unsubscribe_v311", Hex("a2 09 00 03 00 05") + "a/+/b", "v3.1.1 UNSUBSCRIBE");
  CheckExplained(g, "unsuback_v5", Hex("b0 04 00 02 00 11"), "v5 UNSUBACK");
  CheckExplained(g, "unsuback_v311", Hex("b0 02 00 02"), "v3.1.1 UNSUBACK");
  CheckExplained(g, "pingreq", Hex("c0 00"), "PINGREQ");
  CheckExplained(g, "pingresp", Hex("d0 00"), "PINGRESP");
  CheckExplained(g, "disconnect_v311", Hex("e0 00"), "v3.1.1 DISCONNECT");
  CheckExplained(g, "disconnect_v5", Hex("e0 01 04"), "v5 DISCONNECT with will message");
  CheckExplained(g, "server_disconnect_v5", Hex("e0 0d 8b 0b 1f 00 08") + "shutdown",
                 "v5 server DISCONNECT, server shutting down");
  // 5.0 AUTH: continue authentication, SCRAM-SHA-1 with data.
  CheckExplained(g, "auth_v5", Hex("f0 17 18 15 15 00 0b") + "SCRAM-SHA-1" + Hex("16 00 04 de ad be ef"),
                 "v5 AUTH");
  // A whole v3.1.1 connection: CONNECT, SUBSCRIBE, PUBLISH QoS 2, PUBREL,
  // PINGREQ, DISCONNECT.
  CheckExplained(g, "broker_v311",
                 Hex("10 0e 00 04") + "MQTT" + Hex("04 02 00 3c 00 02") + "c1" + Hex("82 08 00 01 00 03") +
                     "a/#" + Hex("02") + Hex("34 09 00 03") + "a/b" + Hex("00 02") + "hi" + Hex("62 02 00 02") +
                     Hex("c0 00 e0 00"),
                 "v3.1.1 connection");
}

TEST_CASE("MQTT seed corpora parse completely with the session of their harness", "[grammars][mqtt]") {
  const Grammar& g = Mqtt();
  int checked = 0;
  // Broker harness: the client's byte stream; the version is in the name.
  for (const auto& path : CorpusFiles("mosquitto_broker_fuzzer")) {
    std::string name = path.filename().string();
    CheckExplained(g, name.rfind("v5_", 0) == 0 ? "broker_v5" : "broker_v311", ReadBytes(path), name);
    ++checked;
  }
  // Client harness: a selector byte (bit 0: MQTT 5), then the broker's stream.
  for (const auto& path : CorpusFiles("mosquitto_client_fuzzer")) {
    std::string bytes = ReadBytes(path);
    REQUIRE(!bytes.empty());
    bool v5 = static_cast<uint8_t>(bytes[0]) & 1;
    CheckExplained(g, v5 ? "client_v5" : "client_v311", std::string_view(bytes).substr(1),
                   path.filename().string());
    ++checked;
  }
  // Demo smart lock: the broker's stream to its MQTT 3.1.1 client.
  for (const auto& path : CorpusFiles("demo_device_mqtt_fuzzer")) {
    CheckExplained(g, "client_v311", ReadBytes(path), path.filename().string());
    ++checked;
  }
  CHECK(checked >= 13);
}

}  // namespace
}  // namespace iotfuzz::grammar::testing
