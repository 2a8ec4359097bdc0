// grammars/ble_att.grammar: loads cleanly, generated sessions and PDUs parse
// back exactly without lies, every PDU of BlueZ's unit/test-gatt.c is
// explained in its direction, the GATT harnesses' seeds parse completely, and
// the session's bindings hold in generated inputs.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fuzzers/grammar/session_binder.h"
#include "fuzzers/harness/message_frames.h"
#include "tests/grammars/protocol_grammar_support.h"

namespace iotfuzz::grammar::testing {
namespace {

const LoadedGrammar& Att() {
  static const LoadedGrammar loaded = LoadProtocolGrammar("ble_att.grammar");
  return loaded;
}

// One ATT PDU in a message frame, as the harnesses read it.
std::string Frame(std::string_view pdu) {
  std::string out;
  out.push_back(static_cast<char>(pdu.size() & 0xff));
  out.push_back(static_cast<char>(pdu.size() >> 8));
  out.append(pdu);
  return out;
}

std::string ToHex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  return hex;
}

std::vector<std::string> Pdus(std::string_view frames) {
  std::vector<std::string> pdus;
  harness::MessageFrameReader reader(reinterpret_cast<const uint8_t*>(frames.data()), frames.size());
  std::span<const uint8_t> message;
  while (reader.Next(message)) pdus.emplace_back(reinterpret_cast<const char*>(message.data()), message.size());
  return pdus;
}

TEST_CASE("ble_att.grammar loads without errors or warnings", "[grammars][ble_att]") {
  const Grammar& g = Att().grammar;
  CHECK(Att().warnings.empty());
  CHECK(g.name == "ble_att");
  REQUIRE(g.start != kNone);
  CHECK(g.rule(g.start).name == "gatt_client");
  for (const char* name : {"gatt_client", "att_bearer", "gatt_server_side"}) {
    const Session* s = g.SessionOfRule(RuleNamed(g, name));
    INFO(name);
    REQUIRE(s != nullptr);
    CHECK(s->framing == SessionFraming::kFrames);
  }
  // The BlueZ harness reads up to 256 PDUs: so many parse as one session.
  const Session* client = g.SessionOfRule(g.start);
  CHECK(g.expr(client->message_list).max == 256);
}

TEST_CASE("Generated ATT sessions parse back exactly, completely and without lies", "[grammars][ble_att]") {
  const Grammar& g = Att().grammar;
  CheckRoundTrip(g, "gatt_client", 500, 1);
  CheckRoundTrip(g, "att_bearer", 500, 2);
  CheckRoundTrip(g, "gatt_server_side", 500, 3);
}

// Each PDU rule: 500 generated PDUs, each in a frame, parse back with the
// session of its direction.
TEST_CASE("Generated PDUs of every ATT rule parse back in a frame", "[grammars][ble_att]") {
  const Grammar& g = Att().grammar;
  const std::vector<std::string> client_rules = {
      "client_pdu", "exchange_mtu_req", "find_information_req", "find_by_type_value_req_uuid16",
      "find_by_type_value_req_uuid128", "find_by_type_value_req_any", "read_by_type_req",
      "read_req", "read_blob_req", "read_multiple_req", "read_by_group_type_req", "read_multiple_variable_req",
      "write_req", "write_cmd", "signed_write_cmd", "prepare_write_req", "execute_write_req", "handle_value_cfm",
      "discover_primary_services", "discover_characteristics", "discover_descriptors", "subscribe",
      "long_write_first", "long_write_next"};
  const std::vector<std::string> server_rules = {
      "server_pdu", "error_rsp", "exchange_mtu_rsp", "find_information_rsp", "find_by_type_value_rsp",
      "read_by_type_rsp", "read_rsp", "read_blob_rsp", "read_multiple_rsp", "read_by_group_type_rsp",
      "read_multiple_variable_rsp", "write_rsp", "prepare_write_rsp", "execute_write_rsp", "handle_value_ntf",
      "handle_value_ind", "multiple_handle_value_ntf"};
  Generator generator(g);
  Serializer serializer(g);
  InputParser parser(g);
  uint64_t seed = 100;
  for (bool client : {true, false}) {
    RuleId frames = RuleNamed(g, client ? "att_bearer" : "gatt_server_side");
    for (const std::string& rule : client ? client_rules : server_rules) {
      RuleId id = RuleNamed(g, rule);
      Rng rng(seed++);
      int clean = 0;
      for (int i = 0; i < 500; ++i) {
        std::string pdu = serializer.Serialize(generator.Generate(rng, id));
        std::string framed = Frame(pdu);
        ParseResult parsed = parser.Parse(framed, frames);
        bool ok = serializer.Serialize(parsed.tree) == framed && parsed.complete() && parsed.lying_fields == 0;
        if (!ok) UNSCOPED_INFO(rule << " PDU " << i << ": " << pdu.size() << " bytes");
        clean += ok;
      }
      INFO(rule);
      CHECK(clean == 500);
    }
  }
}

struct TestGattPdu {
  std::string direction;
  std::string pdu;
};

std::vector<TestGattPdu> TestGattPdus() {
  std::ifstream in(kSourceDir / "tests/grammars/data/ble_att_test_gatt_pdus.txt");
  REQUIRE(in);
  std::vector<TestGattPdu> pdus;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    TestGattPdu p;
    std::string hex;
    fields >> p.direction >> hex;
    p.pdu = hex == "-" ? std::string() : Hex(hex);
    pdus.push_back(p);
  }
  return pdus;
}

// PDUs of test-gatt.c that break the specification on purpose (a test sends
// them to check that the server refuses them), with the lie the grammar sees.
const std::map<std::string, const char*>& InvalidTestGattPdus() {
  static const std::map<std::string, const char*> pdus = {
      {"08020001000028", "Read By Type Request of the range 0x0002..0x0001, which ends before it starts"},
      {"0a0000", "Read Request of handle 0x0000"},
      {"120000010203", "Write Request of handle 0x0000"},
      {"1600000000010203", "Prepare Write Request of handle 0x0000"},
      {"1600000000ffffffffffffffffffffffffffffffffffff", "Prepare Write Request of handle 0x0000"},
  };
  return pdus;
}

bool HasRawLeaf(const Tree& tree) {
  for (NodeId id = 0; id < tree.size(); ++id) {
    if (tree.node(id).flags & kRaw) return true;
  }
  return false;
}

TEST_CASE("Every PDU of BlueZ's unit/test-gatt.c is explained in its direction", "[grammars][ble_att]") {
  const Grammar& g = Att().grammar;
  RuleId client = RuleNamed(g, "att_bearer");
  RuleId server = RuleNamed(g, "gatt_server_side");
  std::vector<TestGattPdu> pdus = TestGattPdus();
  std::map<std::string, int> explained;
  std::set<std::string> lying;
  for (const TestGattPdu& p : pdus) {
    std::string hex = ToHex(p.pdu);
    INFO(p.direction << " PDU " << hex);
    if (p.direction == "unknown") {
      // Opcodes ATT does not define, and an empty PDU: never explained
      // without a lie (the empty one is a raw leaf of no bytes).
      InputParser parser(g);
      ParseResult r = parser.Parse(Frame(p.pdu), client);
      CHECK(Serializer(g).Serialize(r.tree) == Frame(p.pdu));
      CHECK((HasRawLeaf(r.tree) || r.lying_fields > 0));
      continue;
    }
    REQUIRE((p.direction == "client" || p.direction == "server"));
    ParseOutcome o = ParseWith(g, p.direction == "client" ? client : server, Frame(p.pdu));
    CHECK(o.exact);
    CHECK(o.raw_bytes == 0);
    if (o.lying_fields == 0) {
      ++explained[p.direction];
    } else {
      lying.insert(hex);
    }
  }
  std::set<std::string> expected_lies;
  for (const auto& [hex, why] : InvalidTestGattPdus()) {
    std::string compact;
    for (char c : hex) {
      if (c != ' ') compact += c;
    }
    expected_lies.insert(compact);
  }
  CHECK(lying == expected_lies);
  // Counts of distinct PDUs in the data file (Bluez 5.66).
  CHECK(explained["client"] + explained["server"] + lying.size() == pdus.size() - 3);
  CHECK(explained["client"] >= 179);
  CHECK(explained["server"] >= 195);
}

// Seeds that break the specification on purpose.
const std::map<std::string, const char*>& InvalidSeeds() {
  static const std::map<std::string, const char*> seeds = {
      {"bluez_gatt_server_fuzzer/find_information_descriptors.bin", "the last request's Ending Handle is 0x0000"},
      {"bluez_gatt_server_fuzzer/refused_requests.bin",
       "handle 0x0000, an unknown opcode 0x3f, a Read By Group Type of 0x2803, a truncated Read Request"},
  };
  return seeds;
}

void CheckGattCorpus(const Grammar& g, const std::string& harness, size_t at_least) {
  RuleId bearer = RuleNamed(g, "att_bearer");
  RuleId session = RuleNamed(g, "gatt_client");
  std::vector<std::filesystem::path> files = CorpusFiles(harness);
  CHECK(files.size() >= at_least);
  for (const auto& file : files) {
    std::string bytes = ReadBytes(file);
    std::string name = file.filename().string();
    INFO(harness << "/" << name);
    // As the start session: complete; a seed that does not follow a
    // binding of the procedures has that field marked as a binding lie.
    ParseOutcome as_session = ParseWith(g, session, bytes);
    CHECK(as_session.exact);
    // Without bindings: every PDU explained, no lie unless on purpose.
    ParseOutcome as_pdus = ParseWith(g, bearer, bytes);
    CHECK(as_pdus.exact);
    if (InvalidSeeds().count(harness + "/" + name)) {
      CHECK(as_pdus.raw_bytes + as_pdus.lying_fields > 0);
      continue;
    }
    CHECK(as_session.raw_bytes == 0);
    CHECK(as_pdus.raw_bytes == 0);
    CHECK(as_pdus.lying_fields == 0);
  }
}

TEST_CASE("The GATT harnesses' seed corpora parse completely", "[grammars][ble_att]") {
  const Grammar& g = Att().grammar;
  CheckGattCorpus(g, "bluez_gatt_server_fuzzer", 21);
  CheckGattCorpus(g, "demo_device_gatt_fuzzer", 14);
}

uint16_t U16(std::string_view pdu, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(pdu[at]) | static_cast<uint8_t>(pdu[at + 1]) << 8);
}

TEST_CASE("Generated GATT sessions keep the long read and long write bindings", "[grammars][ble_att]") {
  const Grammar& g = Att().grammar;
  Generator generator(g);
  Serializer serializer(g);
  Rng rng(21);
  int blobs = 0;
  int fragments = 0;
  for (int i = 0; i < 200; ++i) {
    std::vector<std::string> pdus = Pdus(serializer.Serialize(generator.Generate(rng, g.start)));
    int read_handle = -1;
    int blob_offset = 0;
    int write_handle = -1;
    int write_offset = 0;
    // Up to the procedures' end: the Execute Write Request.
    for (const std::string& pdu : pdus) {
      REQUIRE_FALSE(pdu.empty());
      uint8_t op = static_cast<uint8_t>(pdu[0]);
      if (op == 0x18) break;
      if (op == 0x0a) {
        read_handle = U16(pdu, 1);
        blob_offset = 0;
      } else if (op == 0x0c) {
        REQUIRE(read_handle >= 0);
        CHECK(U16(pdu, 1) == read_handle);
        CHECK(U16(pdu, 3) == blob_offset + 22);
        blob_offset = U16(pdu, 3);
        ++blobs;
      } else if (op == 0x16) {
        CHECK(pdu.size() == 5 + 18);
        if (write_handle < 0) {
          CHECK(U16(pdu, 3) == 0);
          write_handle = U16(pdu, 1);
        } else {
          CHECK(U16(pdu, 1) == write_handle);
          CHECK(U16(pdu, 3) == write_offset + 18);
          ++fragments;
        }
        write_offset = U16(pdu, 3);
      }
    }
  }
  CHECK(blobs > 100);
  CHECK(fragments > 100);
}

TEST_CASE("A Read Blob of another handle than the Read before it is a binding lie", "[grammars][ble_att]") {
  const Grammar& g = Att().grammar;
  RuleId session = RuleNamed(g, "gatt_client");
  std::string read = Frame(Hex("0a 2f 00"));
  ParseOutcome consistent = ParseWith(g, session, read + Frame(Hex("0c 2f 00 16 00")) + Frame(Hex("0c 2f 00 2c 00")));
  CHECK(consistent.exact);
  CHECK(consistent.raw_bytes == 0);
  CHECK(consistent.lying_fields == 0);
  ParseOutcome other_handle = ParseWith(g, session, read + Frame(Hex("0c 30 00 16 00")));
  CHECK(other_handle.raw_bytes == 0);
  CHECK(other_handle.lying_fields == 1);
  ParseOutcome skipped_offset = ParseWith(g, session, read + Frame(Hex("0c 2f 00 2c 00")));
  CHECK(skipped_offset.raw_bytes == 0);
  CHECK(skipped_offset.lying_fields == 1);
}

TEST_CASE("A Signed Write Command's signature is found at the end of its PDU", "[grammars][ble_att]") {
  const Grammar& g = Att().grammar;
  RuleId bearer = RuleNamed(g, "att_bearer");
  for (size_t value = 0; value <= 40; ++value) {
    std::string pdu = Hex("d2 29 00") + std::string(value, '\x5a') + Hex("01 00 00 00 9a 41 0c 77 e3 5b 21 d8");
    INFO(value << "-byte value");
    ParseOutcome o = ParseWith(g, bearer, Frame(pdu));
    CHECK(o.exact);
    CHECK(o.raw_bytes == 0);
    CHECK(o.lying_fields == 0);
  }
  // Shorter than a signature: not a Signed Write Command.
  ParseOutcome short_pdu = ParseWith(g, bearer, Frame(Hex("d2 29 00 01 02 03")));
  CHECK(short_pdu.raw_bytes + short_pdu.lying_fields > 0);
}

}  // namespace
}  // namespace iotfuzz::grammar::testing
