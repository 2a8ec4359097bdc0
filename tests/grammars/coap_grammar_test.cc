// grammars/coap.grammar: loads cleanly, its sessions and message rules
// generate inputs that parse back exactly, real messages (RFC examples and
// typical traffic) and the CoAP seed corpora parse completely.
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/grammars/protocol_grammar_support.h"

namespace iotfuzz::grammar::testing {
namespace {

const Grammar& Coap() {
  static const LoadedGrammar loaded = LoadProtocolGrammar("coap.grammar");
  return loaded.grammar;
}

TEST_CASE("coap.grammar loads without warnings; start is the server session in message frames",
          "[grammars][coap]") {
  LoadedGrammar loaded = LoadProtocolGrammar("coap.grammar");
  const Grammar& g = loaded.grammar;
  REQUIRE(g.start != kNone);
  CHECK(g.rule(g.start).name == "server_session");
  const Session* start = g.SessionOfRule(g.start);
  REQUIRE(start != nullptr);
  CHECK(start->framing == SessionFraming::kFrames);
  std::vector<std::string> sessions;
  for (const Session& s : g.sessions) sessions.push_back(s.name);
  CHECK(sessions == std::vector<std::string>{"server_session", "datagrams", "tcp_connection"});
}

TEST_CASE("CoAP sessions: 500 generated inputs each parse back exactly, without raw bytes or lies",
          "[grammars][coap]") {
  for (const char* session : {"server_session", "datagrams", "tcp_connection"}) {
    CheckRoundTrip(Coap(), session, 500, 7252);
  }
}

TEST_CASE("CoAP message rules: 200 generated messages each parse back exactly, without raw bytes or lies",
          "[grammars][coap]") {
  const char* rules[] = {"udp_message", "udp_request", "udp_response", "udp_empty", "tcp_message",
                         "tcp_request", "tcp_response", "tcp_csm", "tcp_ping", "tcp_pong", "tcp_release",
                         "tcp_abort", "tcp_empty", "observe_register", "observe_deregister", "block1_first",
                         "block1_next", "block2_first", "block2_next"};
  for (const char* rule : rules) CheckRoundTrip(Coap(), rule, 200, 7253);
}

TEST_CASE("Real CoAP messages parse completely", "[grammars][coap]") {
  const Grammar& g = Coap();
  // CON GET /.well-known/core, no token.
  CheckExplained(g, "udp_message", Hex("40 01 12 34 bb") + ".well-known" + Hex("04") + "core",
                 "GET /.well-known/core");
  // RFC 7252 appendix A: GET /temperature with a 2-byte token, and the
  // piggybacked 2.05 response.
  CheckExplained(g, "udp_message", Hex("42 01 84 9e 51 55 bb") + "temperature", "GET /temperature");
  CheckExplained(g, "udp_message", Hex("62 45 84 9e 51 55 ff") + "22.3 C", "ACK 2.05 Content");
  // Empty messages: ping, ACK, RST.
  CheckExplained(g, "udp_message", Hex("40 00 12 35"), "CON ping");
  CheckExplained(g, "udp_message", Hex("60 00 12 34"), "empty ACK");
  CheckExplained(g, "udp_message", Hex("70 00 12 34"), "RST");
  // Observe registration (Observe 0 is the empty value) and a CON
  // notification: Observe 12, Content-Format text/plain (empty), Max-Age 60.
  CheckExplained(g, "udp_message", Hex("41 01 00 10 4a 60 56") + "sensor" + Hex("04") + "temp",
                 "GET with Observe 0");
  CheckExplained(g, "udp_message", Hex("41 45 7d 34 4a 61 0c 60 21 3c ff") + "22.5", "Observe notification");
  CheckExplained(g, "udp_message", Hex("51 01 00 11 4a 61 01 56") + "sensor" + Hex("04") + "temp",
                 "NON GET with Observe 1 (deregistration)");
  // 2.05 with Content-Format link-format, Block2 NUM 1 M 1 SZX 2, Size2 1024.
  CheckExplained(g, "udp_message",
                 Hex("62 45 00 02 aa bb c1 28 b1 1a 52 04 00 ff") + "</sensors/temp>;rt=\"temperature\"",
                 "Block2 response");
  // GET with Block2 NUM 3 SZX 2, and a PUT with Block1 NUM 0 M 1 SZX 6 and Size1 2048.
  CheckExplained(g, "udp_message", Hex("40 01 00 20 b6") + "config" + Hex("c1 32"), "GET Block2 NUM 3");
  CheckExplained(g, "udp_message",
                 Hex("42 03 00 21 01 02 b8") + "firmware" + Hex("d1 03 0e d2 14 08 00 ff") + "SLFW....",
                 "PUT Block1 with Size1");
  // NON POST with Uri-Host, Uri-Port 5683, Uri-Path, Content-Format json,
  // Uri-Query, JSON payload.
  CheckExplained(g, "udp_message",
                 Hex("52 02 00 07 ca fe 3c") + "device.local" + Hex("42 16 33 46") + "config" +
                     Hex("11 32 34") + "id=7" + Hex("ff") + "{\"led\":1}",
                 "POST with host, port, path, format, query");
  // Option delta with the one-byte extension: No-Response 26 after Uri-Path.
  CheckExplained(g, "udp_message", Hex("50 01 00 08 b1 78 d1 ea 1a"), "GET with No-Response (delta 13)");
  // Option delta with the two-byte extension: Request-Tag (292) first.
  CheckExplained(g, "udp_message", Hex("40 02 00 09 e1 00 17 aa"), "POST with Request-Tag (delta 14)");
  // Option length with the one-byte extension: a 20-byte Uri-Path segment.
  CheckExplained(g, "udp_message", Hex("40 01 00 0a bd 07") + "abcdefghijklmnopqrst",
                 "GET with a 20-byte path segment (length 13)");
  // 2.01 Created with Location-Path and Location-Query; 4.04 with a diagnostic payload.
  CheckExplained(g, "udp_message", Hex("60 41 00 0b 84") + "data" + Hex("02") + "t1" + Hex("c3") + "v=1",
                 "2.01 Created with Location-Path and Location-Query");
  CheckExplained(g, "udp_message", Hex("60 84 00 0c ff") + "no such resource", "ACK 4.04 with diagnostic");
  // ETag and If-Match on a PUT, If-None-Match on another.
  CheckExplained(g, "udp_message", Hex("40 03 00 0d 14 01 02 03 04 a3") + "led" + Hex("ff") + "on",
                 "PUT with If-Match");
  CheckExplained(g, "udp_message", Hex("40 03 00 0e 50 63") + "led" + Hex("ff") + "on", "PUT with If-None-Match");
  // Options the grammar does not type (opaque values): 2049 and 2053, both critical (odd).
  CheckExplained(g, "udp_message", Hex("40 01 00 0f e1 06 f4 01 41 05"), "GET with options 2049 and 2053");
  // Echo option (252) with an 8-byte value in a 4.01 response.
  CheckExplained(g, "udp_message", Hex("60 81 00 10 d8 ef 01 02 03 04 05 06 07 08"), "4.01 with Echo");
  // RFC 8323: CSM with Max-Message-Size 1152 and Block-Wise-Transfer, then a
  // GET /.well-known/core with the one-byte length extension.
  CheckExplained(g, "tcp_connection",
                 Hex("40 e1 22 04 80 20 d2 04 01 7a 01 bb") + ".well-known" + Hex("04") + "core",
                 "TCP CSM then GET");
  CheckExplained(g, "tcp_message", Hex("00 e2"), "TCP Ping");
  CheckExplained(g, "tcp_message", Hex("10 e3 20"), "TCP Pong with Custody");
  CheckExplained(g, "tcp_message", Hex("20 e4 41 0a"), "TCP Release with Hold-Off 10 s");
  CheckExplained(g, "tcp_message", Hex("01 45 07"), "TCP 2.05 without options");
}

TEST_CASE("An unrecognized critical option is marked for the validation oracle", "[grammars][coap]") {
  const Grammar& g = Coap();
  const RuleId request = RuleNamed(g, "request");
  using Marks = std::vector<std::string>;
  // CON GET /battery with option 65001 (delta 64990 after Uri-Path 11:
  // nibble 14, extension 64990 - 269 = 0xfcd1), one byte of value: critical
  // (odd), experimental, recognized by no general server.
  const std::string unknown_critical = Hex("40 01 00 01 b7") + "battery" + Hex("e1 fc d1 2a");
  CheckExplained(g, "request", unknown_critical, "GET with option 65001");
  CHECK(MustRejectMarks(g, request, unknown_critical) == Marks{"unknown_critical"});
  // The same with 65000 (even: elective, to be ignored): no mark.
  const std::string unknown_elective = Hex("40 01 00 01 b7") + "battery" + Hex("e1 fc d0 2a");
  CheckExplained(g, "request", unknown_elective, "GET with option 65000");
  CHECK(MustRejectMarks(g, request, unknown_elective).empty());
  // OCF's registered 2049 and 2053 are critical but registered: no mark.
  CHECK(MustRejectMarks(g, request, Hex("40 01 00 0f e1 06 f4 01 41 05")).empty());
  // The unassigned 13 (delta 13: nibble 13, extension 0): marked too.
  CheckExplained(g, "request", Hex("40 01 00 02 d1 00 07"), "GET with option 13");
  CHECK(MustRejectMarks(g, request, Hex("40 01 00 02 d1 00 07")) == Marks{"unknown_critical"});
  // Numbers the grammar does not generate still parse, without a lie: 2051
  // (odd, unregistered; delta 2051 - 269 = 0x06f6) is marked, 2050 (even) is
  // not, EDHOC's registered 21 (delta 13 + 8) is not.
  CheckExplained(g, "request", Hex("40 01 00 04 e1 06 f6 41"), "GET with option 2051");
  CHECK(MustRejectMarks(g, request, Hex("40 01 00 04 e1 06 f6 41")) == Marks{"unknown_critical"});
  CheckExplained(g, "request", Hex("40 01 00 05 e1 06 f5 41"), "GET with option 2050");
  CHECK(MustRejectMarks(g, request, Hex("40 01 00 05 e1 06 f5 41")).empty());
  CheckExplained(g, "request", Hex("40 01 00 06 d1 08 41"), "GET with option 21");
  CHECK(MustRejectMarks(g, request, Hex("40 01 00 06 d1 08 41")).empty());
  // Max-Age (14, registered, delta 13 + 1): no mark.
  CheckExplained(g, "request", Hex("40 01 00 03 d1 01 07"), "GET with Max-Age");
  CHECK(MustRejectMarks(g, request, Hex("40 01 00 03 d1 01 07")).empty());
  // Registered options only (the RFC 7252 GET /temperature): no mark.
  CHECK(MustRejectMarks(g, request, Hex("42 01 84 9e 51 55 bb") + "temperature").empty());
  // In the server session, the request's 2.xx answer accepts it.
  const Session* server = nullptr;
  for (const Session& s : g.sessions) {
    if (s.name == "server_session") server = &s;
  }
  REQUIRE(server != nullptr);
  bool accepts_2xx = false;
  std::function<void(const std::vector<SessionStep>&)> walk = [&](const std::vector<SessionStep>& steps) {
    for (const SessionStep& step : steps) {
      if (step.kind == SessionStepKind::kRecv && step.accepts &&
          step.accept_values == std::vector<uint64_t>{65, 66, 67, 68, 69, 95}) {
        accepts_2xx = true;
      }
      walk(step.body);
    }
  };
  walk(server->steps);
  CHECK(accepts_2xx);
}

TEST_CASE("CoAP seed corpora parse completely with the rule of their harness", "[grammars][coap]") {
  const Grammar& g = Coap();
  int checked = 0;
  // Message frames of UDP datagrams to a server.
  for (const char* harness : {"demo_device_coap_fuzzer", "libcoap_server_fuzzer"}) {
    for (const auto& path : CorpusFiles(harness)) {
      std::string bytes = ReadBytes(path);
      CheckExplained(g, "server_session", bytes, path.filename().string());
      CheckExplained(g, "datagrams", bytes, path.filename().string());
      ++checked;
    }
  }
  // libcoap_pdu_parse_fuzzer: a selector byte (bit 0: TCP stream, else one
  // UDP datagram), then the bytes.
  for (const auto& path : CorpusFiles("libcoap_pdu_parse_fuzzer")) {
    std::string bytes = ReadBytes(path);
    REQUIRE(!bytes.empty());
    bool tcp = static_cast<uint8_t>(bytes[0]) & 1;
    CheckExplained(g, tcp ? "tcp_connection" : "udp_message", std::string_view(bytes).substr(1),
                   path.filename().string());
    ++checked;
  }
  CHECK(checked >= 12);
}

}  // namespace
}  // namespace iotfuzz::grammar::testing
