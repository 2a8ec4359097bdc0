#include "fuzzers/corpus/pcap_import.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "fuzzers/common/error.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "tests/fuzzers/corpus/pcap_builder.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz::corpus {
namespace {

using namespace iotfuzz::testing;
namespace fs = std::filesystem;

const grammar::Grammar& ProtocolGrammar(const std::string& protocol) {
  static std::map<std::string, grammar::LoadedGrammar> loaded;
  auto it = loaded.find(protocol);
  if (it == loaded.end())
    it = loaded.emplace(protocol, grammar::LoadGrammarFile(std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/" + protocol +
                                                           ".grammar"))
             .first;
  return it->second.grammar;
}

ImportResult Import(const std::string& protocol, std::string capture, std::vector<uint16_t> ports = {}) {
  std::FILE* stream = fmemopen(capture.data(), capture.size(), "rb");
  REQUIRE(stream != nullptr);
  PcapReader reader(stream, "test.pcap");
  ImportOptions options;
  options.ports = std::move(ports);
  return ImportPcap(ProtocolGrammar(protocol), *FindProtocolProfile(protocol), reader, options);
}

// MQTT 3.1.1 packets.
const std::string kConnect = std::string("\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04" "dev1", 18);
const std::string kConnack = std::string("\x20\x02\x00\x00", 4);
const std::string kPublish = std::string("\x30\x07\x00\x03" "a/bhi", 9);
const std::string kPingreq = std::string("\xc0\x00", 2);
const std::string kPingresp = std::string("\xd0\x00", 2);
const std::string kDisconnect = std::string("\xe0\x00", 2);

const std::string kGet = "GET /status HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n";
const std::string kPost = "POST /api/config HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12\r\n\r\n{\"led\":true}";
const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// CoAP over UDP: CON GET /temp (token aa), its ACK 2.05 "21".
const std::string kCoapGet = std::string("\x41\x01\x12\x34\xaa\xb4temp", 10);
const std::string kCoapContent = std::string("\x61\x45\x12\x34\xaa\xff" "21", 8);

TEST_CASE("an MQTT connection with out-of-order, retransmitted and overlapping segments splits exactly") {
  uint32_t link = kLinkEthernet;
  std::string c2s = kConnect + kPublish + kPingreq + kDisconnect;
  PcapFile file(link);
  file.Add(TcpFrame(link, 40001, 1883, 1000, kSyn, ""));
  file.Add(TcpFrame(link, 1883, 40001, 5000, kSyn | kAck, ""));
  file.Add(TcpFrame(link, 40001, 1883, 1001 + 10, kAck, c2s.substr(10, 12)));  // before its predecessor
  file.Add(TcpFrame(link, 40001, 1883, 1001, kAck, c2s.substr(0, 10)));
  file.Add(TcpFrame(link, 40001, 1883, 1001, kAck, c2s.substr(0, 10)));        // retransmission
  file.Add(TcpFrame(link, 1883, 40001, 5001, kAck, kConnack));
  file.Add(TcpFrame(link, 40001, 1883, 1001 + 18, kAck, c2s.substr(18)));       // overlaps 4 bytes
  file.Add(TcpFrame(link, 1883, 40001, 5005, kAck, kPingresp));
  ImportResult r = Import("mqtt", file.bytes());
  REQUIRE(r.flows.size() == 1);
  const ImportedFlow& f = r.flows[0];
  CHECK(f.client.ToString() == "127.0.0.1:40001");
  CHECK(f.server.ToString() == "127.0.0.1:1883");
  CHECK(f.dialect == "v311");
  CHECK(f.messages[0] == 4);
  CHECK(f.messages[1] == 2);
  CHECK(f.unsplit_bytes[0] == 0);
  CHECK(f.unsplit_bytes[1] == 0);
  CHECK(f.retransmitted_bytes[0] == 14);
  REQUIRE(r.messages.size() == 6);
  CHECK(r.messages[0].rule == "connect_v311");
  CHECK(r.messages[0].bytes == kConnect);
  CHECK(r.messages[1].rule == "publish_qos0_v311");
  CHECK(r.messages[1].bytes == kPublish);
  CHECK(r.messages[2].rule == "pingreq");
  CHECK(r.messages[3].rule == "disconnect_v311");
  CHECK(r.messages[4].rule == "connack_v311");
  CHECK(r.messages[4].direction == Direction::kServerToClient);
  CHECK(r.messages[5].rule == "pingresp");
  for (const ImportedMessage& m : r.messages) {
    CHECK(m.check.exact);
    CHECK(m.check.raw_bytes == 0);
    CHECK(m.check.lying_fields == 0);
  }
  CHECK(f.session_name[0] == "broker_v311");
  CHECK(f.session_bytes[0] == c2s);
  CHECK(f.session_name[1] == "client_v311");
  CHECK(f.session_bytes[1] == kConnack + kPingresp);
  CHECK(r.warnings.empty());
}

TEST_CASE("MQTT 5 is told from 3.1.1 by its CONNECT") {
  // CONNECT v5: level 5, properties length 0, client id "d".
  std::string connect5("\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01" "d", 16);
  connect5[1] = static_cast<char>(connect5.size() - 2);
  std::string connack5("\x20\x03\x00\x00\x00", 5);
  PcapFile file(kLinkEthernet);
  file.Add(TcpFrame(kLinkEthernet, 40002, 1883, 1, kAck, connect5));
  file.Add(TcpFrame(kLinkEthernet, 1883, 40002, 9, kAck, connack5));
  ImportResult r = Import("mqtt", file.bytes());
  REQUIRE(r.flows.size() == 1);
  CHECK(r.flows[0].dialect == "v5");
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].rule == "connect_v5");
  CHECK(r.messages[1].rule == "connack_v5");
  CHECK(r.unsplit_bytes() == 0);
}

TEST_CASE("a gap in a stream is reported and the bytes the grammar cannot place are counted") {
  std::string c2s = kGet + kPost + kGet;
  PcapFile file(kLinkEthernet);
  file.Add(TcpFrame(kLinkEthernet, 40003, 80, 0, kSyn, ""));
  file.Add(TcpFrame(kLinkEthernet, 40003, 80, 1, kAck, c2s.substr(0, kGet.size() + 10)));
  // 20 bytes inside the POST were not captured.
  size_t resume = kGet.size() + 30;
  file.Add(TcpFrame(kLinkEthernet, 40003, 80, static_cast<uint32_t>(1 + resume), kAck, c2s.substr(resume)));
  file.Add(TcpFrame(kLinkEthernet, 80, 40003, 0, kAck, kOk + kOk));
  ImportResult r = Import("http", file.bytes());
  REQUIRE(r.flows.size() == 1);
  const ImportedFlow& f = r.flows[0];
  CHECK(f.gap_bytes[0] == 20);
  CHECK(f.messages[0] == 1);  // the GET before the gap
  CHECK(f.messages[1] == 2);
  CHECK(f.unsplit_bytes[0] == 10 + (c2s.size() - resume));
  CHECK(r.unsplit_bytes() == f.unsplit_bytes[0]);
  bool gap_warned = false, unsplit_warned = false;
  for (const std::string& w : r.warnings) {
    gap_warned = gap_warned || (w.find("20 bytes missing at stream offset " + std::to_string(kGet.size() + 10)) !=
                                    std::string::npos &&
                                w.find("test.pcap: flow 1") != std::string::npos);
    unsplit_warned = unsplit_warned || w.find("not split") != std::string::npos;
  }
  CHECK(gap_warned);
  CHECK(unsplit_warned);
}

TEST_CASE("a capture with both TCP and UDP: each protocol takes its own flows") {
  PcapFile file(kLinkEthernet);
  file.Add(TcpFrame(kLinkEthernet, 40004, 1883, 1, kAck, kConnect));
  file.Add(UdpFrame(kLinkEthernet, 50004, 5683, kCoapGet));
  file.Add(TcpFrame(kLinkEthernet, 1883, 40004, 1, kAck, kConnack));
  file.Add(UdpFrame(kLinkEthernet, 5683, 50004, kCoapContent));
  file.Add(UdpFrame(kLinkEthernet, 50004, 5683, kCoapGet));  // the same datagram again

  ImportResult mqtt = Import("mqtt", file.bytes());
  CHECK(mqtt.flows_seen == 2);
  CHECK(mqtt.flows_skipped == 1);
  REQUIRE(mqtt.flows.size() == 1);
  CHECK(mqtt.flows[0].transport == Transport::kTcp);
  CHECK(mqtt.messages.size() == 2);

  ImportResult coap = Import("coap", file.bytes());
  CHECK(coap.flows_skipped == 1);
  REQUIRE(coap.flows.size() == 1);
  const ImportedFlow& f = coap.flows[0];
  CHECK(f.transport == Transport::kUdp);
  CHECK(f.dialect == "udp");
  CHECK(f.server.port == 5683);
  REQUIRE(coap.messages.size() == 3);
  CHECK(coap.messages[0].what == "con-get");
  CHECK(coap.messages[0].bytes == kCoapGet);
  CHECK(coap.messages[2].what == "ack-2.05");
  CHECK(coap.messages[2].direction == Direction::kServerToClient);
  for (const ImportedMessage& m : coap.messages) {
    CHECK(m.check.exact);
    CHECK(m.check.raw_bytes == 0);
  }
  // Client datagrams in message frames: u16 little-endian length, then the datagram.
  std::string frame = std::string("\x0a\x00", 2) + kCoapGet;
  CHECK(f.session_name[0] == "server_session");
  CHECK(f.session_bytes[0] == frame + frame);
  CHECK(f.session_name[1] == "datagrams");
  CHECK(f.session_bytes[1] == std::string("\x08\x00", 2) + kCoapContent);
}

TEST_CASE("HTTP over IPv6 in a Linux cooked v2 capture") {
  PcapFile file(kLinkSll2);
  file.Add(TcpFrame(kLinkSll2, 40005, 8080, 7, kAck, kGet + kPost, /*v6=*/true));
  file.Add(TcpFrame(kLinkSll2, 8080, 40005, 70, kAck, kOk + kOk, /*v6=*/true));
  ImportResult r = Import("http", file.bytes());
  REQUIRE(r.flows.size() == 1);
  CHECK(r.flows[0].client.ToString() == "[::1]:40005");
  REQUIRE(r.messages.size() == 4);
  CHECK(r.messages[0].what == "get");
  CHECK(r.messages[1].what == "post");
  CHECK(r.messages[1].bytes == kPost);
  CHECK(r.messages[2].what == "status-200");
  CHECK(r.raw_bytes() == 0);
  CHECK(r.unsplit_bytes() == 0);
  CHECK(r.link_type == "LINUX_SLL2");
}

TEST_CASE("the answer to a HEAD request is read without the body its fields announce") {
  const std::string head = "HEAD /firmware.bin HTTP/1.1\r\nHost: localhost\r\n\r\n";
  const std::string head_answer = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  const std::string put = "PUT /api/config HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                          "Content-Length: 2\r\n\r\n{}";
  const std::string continue_answer = "HTTP/1.1 100 Continue\r\n\r\n";
  // GET, HEAD, PUT with a 100 Continue before its answer, GET: five answers
  // for four requests, the second without a body.
  PcapFile file(kLinkEthernet);
  file.Add(TcpFrame(kLinkEthernet, 40006, 80, 1, kAck, kGet + head + put + kGet));
  file.Add(TcpFrame(kLinkEthernet, 80, 40006, 1, kAck, kOk + head_answer + continue_answer + kOk + kOk));
  ImportResult r = Import("http", file.bytes());
  REQUIRE(r.flows.size() == 1);
  REQUIRE(r.messages.size() == 9);
  std::vector<std::string> answers;
  for (const ImportedMessage& m : r.messages) {
    if (m.direction == Direction::kServerToClient) answers.push_back(m.bytes);
  }
  CHECK(answers == std::vector<std::string>{kOk, head_answer, continue_answer, kOk, kOk});
  CHECK(r.unsplit_bytes() == 0);
  CHECK(r.raw_bytes() == 0);
  CHECK(r.inexact_messages() == 0);
}

TEST_CASE("a truncated capture imports what was read and warns") {
  PcapFile file(kLinkRaw);
  file.Add(TcpFrame(kLinkRaw, 40006, 80, 1, kAck, kGet));
  file.Add(TcpFrame(kLinkRaw, 80, 40006, 1, kAck, kOk));
  std::string bytes = file.bytes();
  ImportResult r = Import("http", bytes.substr(0, bytes.size() - 5));
  CHECK(r.truncated);
  REQUIRE(r.messages.size() == 1);
  CHECK(r.messages[0].bytes == kGet);
  REQUIRE_FALSE(r.warnings.empty());
  CHECK_THAT(r.warnings[0], Catch::StartsWith("test.pcap: packet 2: ") && Catch::Contains("truncated"));
}

TEST_CASE("a server port is found by parsing unless ports are given") {
  PcapFile file(kLinkNull);
  file.Add(TcpFrame(kLinkNull, 40007, 12345, 0, kSyn, ""));
  file.Add(TcpFrame(kLinkNull, 40007, 12345, 1, kAck, kConnect + kDisconnect));
  file.Add(TcpFrame(kLinkNull, 12345, 40007, 1, kAck, kConnack));
  file.Add(TcpFrame(kLinkNull, 40008, 12346, 1, kAck, "not mqtt at all"));
  ImportResult found = Import("mqtt", file.bytes());
  REQUIRE(found.flows.size() == 1);
  CHECK(found.flows[0].autodetected);
  CHECK(found.flows[0].server.port == 12345);
  CHECK(found.flows_skipped == 1);
  CHECK(found.messages.size() == 3);

  CHECK(Import("mqtt", file.bytes(), {1883}).flows.empty());
  ImportResult given = Import("mqtt", file.bytes(), {12345});
  REQUIRE(given.flows.size() == 1);
  CHECK_FALSE(given.flows[0].autodetected);
}

TEST_CASE("written files are named by flow, index and type, and content already present is not written again") {
  PcapFile file(kLinkLoop);
  file.Add(TcpFrame(kLinkLoop, 40009, 1883, 1, kAck, kConnect + kPingreq + kPingreq));
  file.Add(TcpFrame(kLinkLoop, 1883, 40009, 1, kAck, kConnack));
  ImportResult r = Import("mqtt", file.bytes());
  TempDir out;
  WriteStats first = WriteImport(r, out.path());
  CHECK(first.messages_written == 3);  // the second PINGREQ is the same bytes as the first
  CHECK(first.sessions_written == 2);
  CHECK(first.duplicates == 1);
  CHECK(ReadFileText(out / "messages/mqtt-c2s-flow001-0001-connect-v311.bin") == kConnect);
  CHECK(ReadFileText(out / "messages/mqtt-c2s-flow001-0002-pingreq.bin") == kPingreq);
  CHECK_FALSE(fs::exists(out / "messages/mqtt-c2s-flow001-0003-pingreq.bin"));
  CHECK(ReadFileText(out / "messages/mqtt-s2c-flow001-0001-connack-v311.bin") == kConnack);
  CHECK(ReadFileText(out / "sessions/mqtt-c2s-flow001-broker_v311-3msgs.bin") == kConnect + kPingreq + kPingreq);
  CHECK(ReadFileText(out / "sessions/mqtt-s2c-flow001-client_v311-1msgs.bin") == kConnack);
  nlohmann::json summary = nlohmann::json::parse(ReadFileText(out / "import-summary.json"));
  CHECK(summary["messages"] == 4);
  CHECK(summary["raw_bytes"] == 0);
  CHECK(summary["messages_by_type"]["pingreq"] == 2);

  WriteStats second = WriteImport(r, out.path());
  CHECK(second.messages_written == 0);
  CHECK(second.sessions_written == 0);
  CHECK(second.duplicates == 6);
  std::string text = FormatImportSummary(r, second);
  CHECK_THAT(text, Catch::Contains("round trip: 4 of 4 messages exact, 0 raw bytes"));
  CHECK_THAT(text, Catch::Contains("pingreq 2"));
}

TEST_CASE("a grammar without the protocol's rules and sessions is an error") {
  grammar::LoadedGrammar other = grammar::LoadGrammarText("start m; m = \"x\" ;", "other.grammar");
  std::string capture = PcapFile().bytes();
  std::FILE* stream = fmemopen(capture.data(), capture.size(), "rb");
  PcapReader reader(stream, "empty.pcap");
  CHECK_THROWS_WITH(ImportPcap(other.grammar, *FindProtocolProfile("mqtt"), reader),
                    Catch::Contains("other.grammar") && Catch::Contains("session broker_v5"));
}

}  // namespace
}  // namespace iotfuzz::corpus
