#include "fuzzers/grammar/session_binder.h"

#include <set>

#include <catch2/catch.hpp>

#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/harness/message_frames.h"
#include "tests/fuzzers/grammar/test_grammars.h"

namespace iotfuzz::grammar {
namespace {

constexpr std::string_view kSessions = testing::kSessions;

std::string FailureReport(std::string_view text) {
  try {
    LoadGrammarText(text, "test.grammar");
  } catch (const GrammarError& e) {
    return std::string(e.what()) + "\n" + e.report();
  }
  FAIL("grammar loaded although it should not");
  return {};
}

// The sent rules of a session input, by name, in order.
std::vector<std::string> MessageRules(const Grammar& g, const Session& s, const Tree& tree) {
  SessionBinder binder(g);
  std::vector<std::string> names;
  NodeId list = SessionBinder::MessageList(s, tree);
  REQUIRE(list != kNone);
  for (NodeId m : tree.Children(list)) {
    RuleId r = binder.RuleOfMessage(s, tree, m);
    names.push_back(r == kNone ? "?" : g.rule(r).name);
  }
  return names;
}

// Serialized bytes of each message of a stream session, split by parsing
// each message rule in turn.
uint16_t PacketId(std::string_view packet) {
  // Both PUBLISH (after the topic) and PUBREL carry it; PUBREL: 62 02 id id.
  return static_cast<uint16_t>((static_cast<uint8_t>(packet[2]) << 8) | static_cast<uint8_t>(packet[3]));
}

TEST_CASE("A session compiles into an input rule over the messages it sends", "[grammar][session]") {
  LoadedGrammar loaded = LoadGrammarText(kSessions, "sessions.grammar");
  const Grammar& g = loaded.grammar;
  REQUIRE(g.sessions.size() == 2);
  const Session& pub = g.sessions[0];
  CHECK(pub.name == "publish_exchange");
  CHECK(pub.framing == SessionFraming::kStream);
  CHECK(g.start == pub.input_rule);
  CHECK(g.SessionOfRule(pub.input_rule) == &pub);
  std::vector<std::string> sent;
  for (RuleId r : pub.send_rules) sent.push_back(g.rule(r).name);
  CHECK(sent == std::vector<std::string>{"connect", "publish", "pubrel", "disconnect"});
  REQUIRE(pub.recv_rules.size() == 1);
  CHECK(g.rule(pub.recv_rules[0]).name == "puback");
  const Session& gatt = g.sessions[1];
  CHECK(gatt.framing == SessionFraming::kFrames);
  CHECK(g.FindRule("gatt_read.message").has_value());
  // Rules used only by sessions are not reported unused.
  CHECK(loaded.warnings.find("not used") == std::string::npos);
}

TEST_CASE("Session declarations with mistakes are rejected with their position", "[grammar][session]") {
  const std::string rules = "grammar t;\nstart s;\na = x\"01\" id: u16be ;\nb = x\"02\" id: u16be ;\n";
  CHECK_THAT(FailureReport(rules + "session s { send a; send c; }\n"),
             Catch::Contains("test.grammar:5:26: undefined rule 'c'\n"));
  CHECK_THAT(FailureReport(rules + "session s { send a bind v = nope; }\n"),
             Catch::Contains("test.grammar:5:29: rule 'a' has no field 'nope'"));
  CHECK_THAT(FailureReport(rules + "session s { send a use id = v; send b bind v = id; }\n"),
             Catch::Contains("test.grammar:5:24: variable 'v' is used before any step binds it"));
  CHECK_THAT(FailureReport(rules + "session a { send b; }\n"),
             Catch::Contains("session 'a' has the name of a rule"));
  CHECK_THAT(FailureReport(rules + "session s framing bytes { send a; }\n"),
             Catch::Contains("expected 'stream' or 'frames' after 'framing'"));
  CHECK_THAT(FailureReport(rules + "session s { send a; repeat 3..1 { send b; } }\n"),
             Catch::Contains("repeat bounds are reversed"));
  CHECK_THAT(FailureReport(rules + "session s { recv a; }\n"), Catch::Contains("session 's' sends no message"));
  CHECK_THAT(FailureReport(rules + "session s { send a use id = v + ; }\n"), Catch::Contains("expected"));
  CHECK_THAT(FailureReport(rules + "session s { send a state(id); }\n"),
             Catch::Contains("expected 'bind', 'use' or ';'"));
}

TEST_CASE("must_reject and accepts declare the validation oracle", "[grammar][session]") {
  const std::string text =
      "grammar t;\nstart s;\n"
      "hello = x\"01\" bits { version:4 = 1 must_reject, flags:4 } ;\n"
      "ack = x\"02\" code: u8 ;\n"
      "session s { send hello; recv ack state(code) accepts(code in {0, 2}); recv ack accepts; }\n";
  Grammar g = LoadGrammarText(text, "oracle.grammar").grammar;
  bool marked = false;
  for (const Expr& e : g.exprs) {
    if (e.label == "version") marked = e.constraint.must_reject;
    if (e.label == "flags") CHECK_FALSE(e.constraint.must_reject);
  }
  CHECK(marked);
  REQUIRE(g.sessions.size() == 1);
  const Session& s = g.sessions[0];
  REQUIRE(s.steps.size() == 3);
  CHECK(s.steps[1].accepts);
  CHECK(s.steps[1].accept_expr != kNone);
  CHECK(s.steps[1].accept_values == std::vector<uint64_t>{0, 2});
  CHECK(s.steps[2].accepts);
  CHECK(s.steps[2].accept_expr == kNone);

  const std::string rules = "grammar t;\nstart s;\na = x\"01\" id: u16be ;\n";
  CHECK_THAT(FailureReport(rules + "session s { send a; recv a accepts(id == 0); }\n"),
             Catch::Contains("'in' and a set of values"));
  CHECK_THAT(FailureReport(rules + "session s { send a accepts; }\n"), Catch::Contains("expected 'bind', 'use' or ';'"));
  CHECK_THAT(FailureReport("grammar t;\nstart a;\na = x\"01\" id: u16be must_reject ;\n"),
             Catch::Contains("'must_reject' only after a number field's constraint or relation"));
}

// The items of `tree` whose expression is marked `must_reject` (present).
std::vector<std::string> PresentRejected(const Grammar& g, const Tree& tree) {
  std::vector<std::string> found;
  for (NodeId id : tree.Reachable()) {
    const Node& n = tree.node(id);
    if (n.expr == kNone || (n.flags & (kAbsent | kRaw)) || !g.expr(n.expr).must_reject_present) continue;
    const Expr& e = g.expr(n.expr);
    found.push_back(e.label.empty() ? e.rule_name : e.label);
  }
  return found;
}

TEST_CASE("must_reject after a conditional field or a choice alternative marks its presence", "[grammar][session]") {
  // An option whose odd number the grammar does not know (a bitwise and in
  // the condition), and a framing alternative no peer may accept.
  const std::string text =
      "grammar t;\nstart msg;\n"
      "msg = kind: u8 number: u8 body: ( known: if (number == 1) u8\n"
      "                                   critical: if (number & 1 == 1 && number != 1) [a-z] must_reject\n"
      "                                   elective: if (number & 1 == 0) [a-z] )\n"
      "      framing: framing ;\n"
      "framing = <5> plain | <1> both must_reject ;\n"
      "plain = \"P\" ;\n"
      "both = \"B\" n: u8 = length(data) data: bytes ;\n";
  LoadedGrammar loaded = LoadGrammarText(text, "presence.grammar");
  const Grammar& g = loaded.grammar;
  int marked = 0;
  for (const Expr& e : g.exprs) {
    if (e.must_reject_present) {
      ++marked;
      CHECK((e.label == "critical" || e.rule_name == "both"));
      CHECK_FALSE(e.constraint.must_reject);
    }
  }
  CHECK(marked == 2);
  InputParser parser(g);
  Serializer serializer(g);
  struct Case {
    std::string input;
    std::vector<std::string> rejected;
  };
  const std::vector<Case> cases = {
      {std::string("\x00\x01\x07P", 4), {}},              // number 1: known
      {std::string("\x00\x03" "aP", 4), {"critical"}},    // 3 & 1 == 1: critical
      {std::string("\x00\x04" "aP", 4), {}},              // 4: elective
      {std::string("\x00\x04" "aB\x02xy", 7), {"both"}},  // the marked alternative
      {std::string("\x00\x05" "aB\x00", 5), {"critical", "both"}},
  };
  for (const Case& c : cases) {
    ParseResult r = parser.Parse(c.input);
    INFO("input of " << c.input.size() << " bytes");
    CHECK(r.complete());
    CHECK(serializer.Serialize(r.tree) == c.input);
    CHECK(PresentRejected(g, r.tree) == c.rejected);
  }
  // `&` binds tighter than the comparison, and only inside conditions.
  CHECK_THAT(FailureReport("grammar t;\nstart a;\na = n: u8 & 1 ;\n"), Catch::Contains("expected"));
}

TEST_CASE("two fields stating one length: the first frames the field, a different second one lies",
          "[grammar][session]") {
  const std::string text =
      "grammar t;\nstart m;\n"
      "m = a: u8 = length(body) b: u8 = length(body) must_reject body: bytes ;\n";
  LoadedGrammar loaded = LoadGrammarText(text, "two_lengths.grammar");
  const Grammar& g = loaded.grammar;
  InputParser parser(g);
  Serializer serializer(g);
  auto lying = [&](const Tree& tree) {
    std::vector<std::string> out;
    for (NodeId id : tree.Reachable()) {
      const Node& n = tree.node(id);
      if ((n.flags & kLying) && n.expr != kNone) out.push_back(g.expr(n.expr).label);
    }
    return out;
  };
  ParseResult same = parser.Parse(std::string("\x02\x02xy", 4));
  CHECK(same.complete());
  CHECK(same.lying_fields == 0);
  ParseResult differ = parser.Parse(std::string("\x02\x03xy", 4));
  CHECK(differ.complete());
  CHECK(serializer.Serialize(differ.tree) == std::string("\x02\x03xy", 4));
  CHECK(lying(differ.tree) == std::vector<std::string>{"b"});
}

TEST_CASE("Generated sessions follow the steps and carry bound values forward", "[grammar][session]") {
  Grammar g = LoadGrammarText(kSessions, "sessions.grammar").grammar;
  const Session& pub = g.sessions[0];
  Generator generator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(7);
  std::set<size_t> publish_counts;
  for (int i = 0; i < 300; ++i) {
    INFO("session " << i);
    Tree tree = generator.Generate(rng);
    std::vector<std::string> rules = MessageRules(g, pub, tree);
    REQUIRE(rules.size() >= 4);
    CHECK(rules.front() == "connect");
    CHECK(rules.back() == "disconnect");
    size_t publishes = (rules.size() - 2) / 2;
    CHECK(rules.size() == 2 + 2 * publishes);
    publish_counts.insert(publishes);
    for (size_t k = 0; k < publishes; ++k) {
      CHECK(rules[1 + 2 * k] == "publish");
      CHECK(rules[2 + 2 * k] == "pubrel");
    }
    // Byte level: every PUBREL carries the packet identifier of the PUBLISH
    // before it; the input parses back exactly and without lies.
    std::string bytes = serializer.Serialize(tree);
    ParseResult parsed = parser.Parse(bytes);
    REQUIRE(serializer.Serialize(parsed.tree) == bytes);
    CHECK(parsed.complete());
    CHECK(parsed.lying_fields == 0);
    uint16_t last_pid = 0;
    size_t pos = 0;
    while (pos < bytes.size()) {
      uint8_t type = static_cast<uint8_t>(bytes[pos]) >> 4;
      size_t len = static_cast<uint8_t>(bytes[pos + 1]);  // all packets here are < 128 bytes
      REQUIRE(len < 128);
      std::string_view packet(bytes.data() + pos, 2 + len);
      if (type == 3) {
        size_t tlen = (static_cast<uint8_t>(packet[2]) << 8) | static_cast<uint8_t>(packet[3]);
        last_pid = static_cast<uint16_t>((static_cast<uint8_t>(packet[4 + tlen]) << 8) |
                                         static_cast<uint8_t>(packet[5 + tlen]));
      } else if (type == 6) {
        CHECK(PacketId(packet) == last_pid);
      }
      pos += 2 + len;
    }
  }
  // Repeat counts cover the declared range 1..5.
  CHECK(publish_counts == std::set<size_t>{1, 2, 3, 4, 5});
}

TEST_CASE("Framed sessions are message frames a harness reads one message at a time", "[grammar][session]") {
  Grammar g = LoadGrammarText(kSessions, "sessions.grammar").grammar;
  const Session& gatt = g.sessions[1];
  Generator generator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(11);
  for (int i = 0; i < 200; ++i) {
    INFO("session " << i);
    Tree tree = generator.Generate(rng, gatt.input_rule);
    std::string bytes = serializer.Serialize(tree);
    std::vector<std::string> messages;
    harness::MessageFrameReader reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    std::span<const uint8_t> m;
    while (reader.Next(m)) messages.emplace_back(reinterpret_cast<const char*>(m.data()), m.size());
    REQUIRE(reader.position() == bytes.size());
    REQUIRE(messages.size() >= 4);
    CHECK(messages[0][0] == '\x02');
    CHECK(messages[1][0] == '\x08');
    uint16_t first = static_cast<uint16_t>(static_cast<uint8_t>(messages[1][1]) | (static_cast<uint8_t>(messages[1][2]) << 8));
    for (size_t k = 2; k + 1 < messages.size(); ++k) {
      REQUIRE(messages[k].size() == 3);
      CHECK(messages[k][0] == '\x0a');
      uint16_t handle = static_cast<uint16_t>(static_cast<uint8_t>(messages[k][1]) | (static_cast<uint8_t>(messages[k][2]) << 8));
      CHECK(handle == static_cast<uint16_t>(first + 1));
    }
    CHECK(messages.back()[0] == '\x12');
    ParseResult parsed = parser.Parse(bytes, gatt.input_rule);
    CHECK(serializer.Serialize(parsed.tree) == bytes);
    CHECK(parsed.complete());
  }
}

TEST_CASE("Session inputs parse back exactly whatever the bytes", "[grammar][session]") {
  Grammar g = LoadGrammarText(kSessions, "sessions.grammar").grammar;
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(5);
  for (const Session& s : g.sessions) {
    for (int i = 0; i < 500; ++i) {
      std::string bytes(rng.Below(200), '\0');
      for (char& c : bytes) c = static_cast<char>(rng.Below(256));
      ParseResult parsed = parser.Parse(bytes, s.input_rule);
      REQUIRE(serializer.Serialize(parsed.tree) == bytes);
    }
  }
}

TEST_CASE("A used field that contradicts its binding parses as a lie and keeps its value", "[grammar][session]") {
  Grammar g = LoadGrammarText(kSessions, "sessions.grammar").grammar;
  const Session& pub = g.sessions[0];
  // CONNECT, PUBLISH id 7, PUBREL id 9 (should be 7), DISCONNECT.
  std::string bytes = std::string("\x10\x0b\x00\x04MQTT\x04\x00\x3c\x00\x00", 13) +
                      std::string("\x32\x06\x00\x01t\x00\x07x", 8) + std::string("\x62\x02\x00\x09", 4) +
                      std::string("\xe0\x00", 2);
  InputParser parser(g);
  Serializer serializer(g);
  SessionBinder binder(g);
  ParseResult parsed = parser.Parse(bytes);
  REQUIRE(parsed.complete());
  CHECK(parsed.lying_fields == 1);
  CHECK(serializer.Serialize(parsed.tree) == bytes);
  // Applying the bindings leaves the lie alone.
  CHECK(binder.Apply(pub, parsed.tree) == 0);
  CHECK(serializer.Serialize(parsed.tree) == bytes);
  // Without the lie mark, Apply corrects the PUBREL to the bound 7.
  for (NodeId id : binder.UsedFields(pub, parsed.tree)) parsed.tree.node(id).flags &= ~kLying;
  CHECK(binder.Apply(pub, parsed.tree) == 1);
  std::string fixed = serializer.Serialize(parsed.tree);
  CHECK(fixed.substr(21, 4) == std::string("\x62\x02\x00\x07", 4));
}

TEST_CASE("A session over two connections tags each message with its connection", "[grammar][session]") {
  Grammar g = LoadGrammarText(testing::kTwoConnections, "two.grammar").grammar;
  REQUIRE(g.sessions.size() == 1);
  const Session& s = g.sessions[0];
  CHECK(s.connections == std::vector<std::string>{"subscriber", "publisher"});
  REQUIRE(s.connection_field != kNone);
  Generator generator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(21);
  std::set<size_t> publishes_seen;
  for (int i = 0; i < 200; ++i) {
    INFO("session " << i);
    Tree tree = generator.Generate(rng);
    std::string bytes = serializer.Serialize(tree);
    // Read as a harness does: connection index, then the message's frame.
    std::vector<std::pair<uint8_t, uint8_t>> sent;  // (connection, packet type)
    harness::ConnectionFrameReader reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    uint8_t connection = 0;
    std::span<const uint8_t> m;
    while (reader.Next(connection, m)) {
      REQUIRE(!m.empty());
      sent.emplace_back(connection, static_cast<uint8_t>(m[0] >> 4));
    }
    REQUIRE(reader.position() == bytes.size());
    // The subscriber's CONNECT and SUBSCRIBE on connection 0, then per
    // round the publisher's CONNECT and PUBLISH on 1 and the subscriber's
    // PUBACK on 0.
    REQUIRE(sent.size() >= 5);
    CHECK(sent[0] == std::pair<uint8_t, uint8_t>{0, 1});
    CHECK(sent[1] == std::pair<uint8_t, uint8_t>{0, 8});
    REQUIRE((sent.size() - 2) % 3 == 0);
    for (size_t k = 2; k < sent.size(); k += 3) {
      CHECK(sent[k] == std::pair<uint8_t, uint8_t>{1, 1});
      CHECK(sent[k + 1] == std::pair<uint8_t, uint8_t>{1, 3});
      CHECK(sent[k + 2] == std::pair<uint8_t, uint8_t>{0, 4});
    }
    publishes_seen.insert((sent.size() - 2) / 3);
    ParseResult parsed = parser.Parse(bytes);
    REQUIRE(serializer.Serialize(parsed.tree) == bytes);
    CHECK(parsed.complete());
    CHECK(parsed.lying_fields == 0);
  }
  CHECK(publishes_seen == std::set<size_t>{1, 2, 3});
  // Any connection index parses (it is taken modulo the connections).
  std::string bytes;
  const std::string puback("\x40\x02\x00\x07", 4);
  harness::AppendConnectionFrame(bytes, 5, std::span(reinterpret_cast<const uint8_t*>(puback.data()), puback.size()));
  ParseResult parsed = parser.Parse(bytes);
  CHECK(serializer.Serialize(parsed.tree) == bytes);
  CHECK(parsed.complete());
  CHECK(MessageRules(g, s, parsed.tree) == std::vector<std::string>{"puback"});
}

TEST_CASE("Connection blocks with mistakes are rejected with their position", "[grammar][session]") {
  const std::string rules = "grammar t;\nstart s;\na = x\"01\" id: u16be ;\nb = x\"02\" id: u16be ;\n";
  CHECK_THAT(FailureReport(rules + "session s {\n  connection one { send a; }\n  send b;\n}\n"),
             Catch::Contains("test.grammar:7:8: 'b' is outside every 'connection' block, in a session with "
                             "connections"));
  CHECK_THAT(FailureReport(rules + "session s { connection one { connection two { send a; } } }\n"),
             Catch::Contains("test.grammar:5:30: 'connection' blocks do not nest (this one is inside connection "
                             "'one')"));
  CHECK_THAT(FailureReport(rules + "session s { connection one { } send a; }\n"),
             Catch::Contains("connection 'one' block has no steps"));
  CHECK_THAT(FailureReport(rules + "session s { connection { send a; } }\n"),
             Catch::Contains("test.grammar:5:24: error: expected the name of the connection, found '{'"));
}

TEST_CASE("Responses bind variables the later messages use", "[grammar][session]") {
  Grammar g = LoadGrammarText(kSessions, "sessions.grammar").grammar;
  const Session& gatt = g.sessions[1];
  InputParser parser(g);
  Serializer serializer(g);
  SessionBinder binder(g);
  Generator generator(g);
  Rng rng(3);
  // A discovery response naming value handle 0x0042.
  RuleId rsp = *g.FindRule("by_type_rsp");
  ParseResult response = parser.Parse(std::string("\x09\x04\x10\x00\x42\x00", 6), rsp);
  REQUIRE(response.complete());
  SessionBinder::Variables variables;
  binder.BindFromResponse(gatt, rsp, response.tree, variables);
  REQUIRE(variables.count("found") == 1);
  CHECK(variables["found"] == 0x42);
  // The network executor applies each sent message in turn with the
  // variables so far: the write request takes the found handle.
  Tree tree = generator.Generate(rng, gatt.input_rule);
  NodeId list = SessionBinder::MessageList(gatt, tree);
  std::vector<NodeId> messages = tree.Children(list);
  NodeId write = messages.back();
  REQUIRE(g.rule(binder.RuleOfMessage(gatt, tree, write)).name == "write_req");
  binder.ApplyToMessage(gatt, tree, write, variables);
  std::string bytes = serializer.Serialize(tree);
  harness::MessageFrameReader reader(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  std::span<const uint8_t> m, last;
  while (reader.Next(m)) last = m;
  REQUIRE(last.size() >= 3);
  CHECK(last[1] == 0x42);
  CHECK(last[2] == 0x00);
}

TEST_CASE("Responses are framed by their rule: complete, need more or no match at every split", "[grammar][session]") {
  Grammar g = LoadGrammarText(kSessions, "sessions.grammar").grammar;
  InputParser parser(g);
  Generator generator(g);
  Serializer serializer(g);
  Rng rng(29);
  for (const char* name : {"puback", "publish", "connect", "by_type_rsp", "disconnect"}) {
    RuleId rule = *g.FindRule(name);
    for (int i = 0; i < 40; ++i) {
      std::string message = serializer.Serialize(generator.Generate(rng, rule));
      std::string next = serializer.Serialize(generator.Generate(rng, rule));
      INFO(name << " message " << i << " of " << message.size() << " bytes");
      // Every cut before the end needs more bytes; the whole message, alone or
      // followed by the start of the next, is complete at its own length.
      for (size_t cut = 0; cut < message.size(); ++cut) {
        PrefixMatch m = parser.ParsePrefix(std::string_view(message).substr(0, cut), rule);
        INFO("cut at " << cut);
        CHECK(m.status == PrefixMatch::kNeedMore);
      }
      for (size_t extra : {size_t{0}, size_t{1}, next.size()}) {
        std::string buffered = message + next.substr(0, extra);
        PrefixMatch m = parser.ParsePrefix(buffered, rule);
        REQUIRE(m.status == PrefixMatch::kComplete);
        CHECK(m.length == message.size());
        CHECK(serializer.Serialize(m.parse.tree) == message);
      }
    }
  }
  // Bytes that cannot start the message.
  CHECK(parser.ParsePrefix(std::string("\x41\x02\x00\x01", 4), *g.FindRule("puback")).status == PrefixMatch::kNoMatch);
  CHECK(parser.ParsePrefix("GET / HTTP/1.1\r\n", *g.FindRule("connect")).status == PrefixMatch::kNoMatch);
  // A PUBLISH whose remaining length promises 100 bytes of which 10 arrived.
  std::string partial = std::string("\x32\x64\x00\x01t\x00\x07", 7) + std::string(3, 'x');
  CHECK(parser.ParsePrefix(partial, *g.FindRule("publish")).status == PrefixMatch::kNeedMore);
}

TEST_CASE("Either steps generate one alternative per session and bind in each", "[grammar][session]") {
  constexpr std::string_view kEither = R"(
grammar either;
start conn;
hello_v5 = x"15" id: u16be ;
hello_v3 = x"13" id: u16be ;
data = x"d0" n: u8 ;
ack = x"a0" id: u16be ;
session conn framing stream {
  either { send hello_v5 bind v = id; repeat 1..3 { send data; } }
  or { send hello_v3 bind v = id; }
  send ack use id = v;
}
)";
  Grammar g = LoadGrammarText(kEither, "either.grammar").grammar;
  const Session& conn = g.sessions[0];
  CHECK(conn.send_rules.size() == 4);
  Generator generator(g);
  Serializer serializer(g);
  InputParser parser(g);
  Rng rng(41);
  int v5 = 0, v3 = 0;
  for (int i = 0; i < 200; ++i) {
    INFO("session " << i);
    Tree tree = generator.Generate(rng);
    std::vector<std::string> rules = MessageRules(g, conn, tree);
    REQUIRE(rules.size() >= 2);
    CHECK(rules.back() == "ack");
    if (rules.front() == "hello_v5") {
      ++v5;
      CHECK(rules.size() >= 3);
      CHECK(rules.size() <= 5);
      for (size_t k = 1; k + 1 < rules.size(); ++k) CHECK(rules[k] == "data");
    } else {
      ++v3;
      CHECK(rules == std::vector<std::string>{"hello_v3", "ack"});
    }
    // The ACK carries the id the hello of either alternative bound.
    std::string bytes = serializer.Serialize(tree);
    CHECK(bytes.substr(bytes.size() - 2) == bytes.substr(1, 2));
    ParseResult parsed = parser.Parse(bytes);
    CHECK(parsed.complete());
    CHECK(parsed.lying_fields == 0);
  }
  CHECK(v5 > 50);
  CHECK(v3 > 50);
  const std::string rules = "grammar t;\nstart s;\na = x\"01\" id: u16be ;\nb = x\"02\" id: u16be ;\n";
  CHECK_THAT(FailureReport(rules + "session s { either { send a; } }\n"),
             Catch::Contains("'either' needs at least one 'or { ... }'"));
  CHECK_THAT(FailureReport(rules + "session s { either { send a; } or { } }\n"),
             Catch::Contains("an alternative of 'either' has no steps"));
  CHECK_THAT(FailureReport(rules + "session s { either { send a; } or { send b bind v = id; } send a use id = w; }\n"),
             Catch::Contains("variable 'w' is used before any step binds it"));
}

}  // namespace
}  // namespace iotfuzz::grammar
