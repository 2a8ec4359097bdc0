// Minimizing a crashing session: the demo broker's HUB-1 (a heap overflow
// when a released QoS 2 message of more than 32 bytes is queued for a
// persistent session) behind the AFL++ forkserver, a fresh server per
// candidate. Shrinking the remaining messages must end shorter in bytes than
// dropping messages alone, with the same crash, deterministically.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/net/net_executor.h"
#include "fuzzers/net/net_fuzzer.h"
#include "fuzzers/net/session_minimizer.h"

namespace fs = std::filesystem;
using namespace iotfuzz;
using namespace iotfuzz::net;

namespace {

const grammar::Session& SessionNamed(const grammar::Grammar& g, const std::string& name) {
  for (const auto& s : g.sessions) {
    if (s.name == name) return s;
  }
  FAIL("no session " << name);
  throw;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// HUB-1 with padding the crash does not need: two PINGREQs and a 200-byte
// payload on a 9-byte topic (the crash needs more than 32 payload bytes).
std::string PaddedHub1Session() {
  const std::string connect("\x10\x12\x00\x04MQTT\x04\x00\x00\x3c\x00\x06lock-1", 20);
  const std::string ping("\xc0\x00", 2);
  const std::string subscribe("\x82\x06\x00\x01\x00\x01#\x02", 8);
  const std::string topic = "lock/a/bc";
  std::string publish;
  const size_t remaining = 2 + topic.size() + 2 + 200;  // 213: two varint bytes
  publish += '\x34';
  publish += static_cast<char>(0x80 | (remaining & 0x7f));
  publish += static_cast<char>(remaining >> 7);
  publish += std::string("\x00", 1) + static_cast<char>(topic.size()) + topic;
  publish += std::string("\x00\x07", 2);
  publish += std::string(200, 'x');
  const std::string pubrel("\x62\x02\x00\x07", 4);
  return connect + ping + subscribe + ping + publish + pubrel;
}

// The sanitizer summary line of a crash: what must stay the same.
std::string Summary(const ExecResult& r) {
  std::smatch m;
  static const std::regex kSummary(R"(SUMMARY: ([^\n]*))");
  if (!std::regex_search(r.server_log, m, kSummary)) return r.description;
  return std::regex_replace(m[1].str(), std::regex(R"( \(BuildId: [0-9a-f]+\))"), "");
}

}  // namespace

TEST_CASE("a session splits into its messages and back") {
  grammar::LoadedGrammar loaded = grammar::LoadGrammarFile(IOTFUZZ_MQTT_GRAMMAR);
  const grammar::Session& session = SessionNamed(loaded.grammar, "broker_v311");
  SessionMinimizer minimizer(loaded.grammar, session, [](const std::string&) { return false; });
  const std::string input = PaddedHub1Session();
  size_t messages = 0;
  std::vector<std::string> pieces = minimizer.SplitMessages(input, messages);
  CHECK(messages == 6);
  REQUIRE(pieces.size() == 6);
  CHECK(pieces[1] == std::string("\xc0\x00", 2));
  std::string joined;
  for (const auto& p : pieces) joined += p;
  CHECK(joined == input);
  // Bytes the grammar cannot split stay as one last piece.
  pieces = minimizer.SplitMessages(input + "\xff\xff", messages);
  CHECK(messages == 6);
  REQUIRE(pieces.size() == 7);
  CHECK(pieces.back() == "\xff\xff");
  // An oracle that never reproduces: nothing changes, the budget bounds the work.
  SessionMinimizeResult r = minimizer.Minimize(input, 20);
  CHECK(r.bytes == input);
  CHECK(r.executions == 20);
  CHECK(r.budget_reached);
}

TEST_CASE("minimizing HUB-1's session: shrinking messages beats dropping them, with the same crash") {
  const fs::path binary = IOTFUZZ_DEMO_SERVER_AFL;
  INFO("demo_device_server_afl comes with the AFL++ child build (scripts/setup installs afl++)");
  REQUIRE(fs::exists(binary));
  grammar::LoadedGrammar loaded = grammar::LoadGrammarFile(IOTFUZZ_MQTT_GRAMMAR);
  const grammar::Session& session = SessionNamed(loaded.grammar, "broker_v311");
  NetTarget t;
  t.name = "demo_device_mqtt_server";
  t.binary = binary;
  t.args = {"--mqtt", "{port}"};
  t.deferred_forkserver = true;
  t.instrumented = true;
  t.grammar = IOTFUZZ_MQTT_GRAMMAR;
  t.session = "broker_v311";
  ExecutorOptions o;
  o.reset = ResetMode::kForkserver;
  o.work_dir = fs::temp_directory_path() / ("iotfuzz-minimize-test-" + std::to_string(getpid()));
  fs::remove_all(o.work_dir);
  NetExecutor ex(t, o, loaded.grammar, session);
  ex.Start();

  const std::string input = PaddedHub1Session();
  ExecResult first = ex.Execute(input);
  INFO(FormatTranscript(first.session) << first.server_log);
  REQUIRE(first.verdict == ExecResult::Verdict::kCrash);
  const std::string signature = Summary(first);
  REQUIRE(signature.find("heap-buffer-overflow") != std::string::npos);
  auto oracle = [&](const std::string& candidate) {
    ExecResult r = ex.Execute(candidate);
    return r.verdict == ExecResult::Verdict::kCrash && Summary(r) == signature;
  };
  constexpr size_t kBudget = 160;
  SessionMinimizer minimizer(loaded.grammar, session, oracle);
  SessionMinimizeResult dropped = minimizer.Minimize(input, kBudget, /*shrink_messages=*/false);
  SessionMinimizeResult shrunk = minimizer.Minimize(input, kBudget);
  INFO("dropping: " << dropped.Summary() << "\nshrinking: " << shrunk.Summary());
  // Dropping removes the two PINGREQs; nothing else can go.
  CHECK(dropped.messages_before == 6);
  CHECK(dropped.messages_after == 4);
  CHECK(dropped.bytes.size() == input.size() - 4);
  CHECK(shrunk.messages_after == 4);
  CHECK(shrunk.dropped_messages == 2);
  CHECK(shrunk.bytes_removed_shrinking > 0);
  CHECK(shrunk.bytes.size() + shrunk.bytes_removed_dropping + shrunk.bytes_removed_shrinking == input.size());
  CHECK(shrunk.bytes.size() < dropped.bytes.size());
  CHECK(shrunk.executions <= kBudget);
  // The result still crashes the same way, and a second run finds the same.
  ExecResult again = ex.Execute(shrunk.bytes);
  CHECK(again.verdict == ExecResult::Verdict::kCrash);
  CHECK(Summary(again) == signature);
  CHECK(minimizer.Minimize(input, kBudget).bytes == shrunk.bytes);
  ex.Stop();

  // The fuzzing loop writes the same minimized session beside the crash,
  // with what was removed.
  const fs::path work = o.work_dir / "run";
  fs::create_directories(work / "seeds");
  std::ofstream(work / "seeds" / "hub1", std::ios::binary) << input;
  NetFuzzOptions fo;
  fo.executor = o;
  fo.executor.work_dir.clear();
  fo.seed = 1;
  fo.generated_seeds = 0;
  fo.max_sessions = 1;
  fo.minimize_budget = static_cast<int>(kBudget);
  fo.corpus_dirs = {work / "seeds"};
  fo.out_dir = work / "out";
  NetFuzzer fuzzer(t, fo);
  NetFuzzStats stats = fuzzer.Run(nullptr, nullptr, nullptr);
  CHECK(stats.crashes == 1);
  fs::path min;
  for (const auto& e : fs::directory_iterator(fo.out_dir / "crashes")) {
    if (e.path().extension() == ".min") min = e.path();
  }
  REQUIRE(!min.empty());
  CHECK(ReadAll(min) == shrunk.bytes);
  const std::string text = ReadAll(fs::path(min.string() + ".txt"));
  INFO(text);
  CHECK(text.find("removed: 2 message(s), " + std::to_string(input.size() - shrunk.bytes.size()) + " byte(s)") !=
        std::string::npos);
  CHECK(text.find("4 of 6 messages") != std::string::npos);
  fs::remove_all(o.work_dir);
}
