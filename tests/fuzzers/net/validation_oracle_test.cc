// The validation oracle over the network, for CoAP and HTTP: a request the
// protocol requires a server to reject (grammars/coap.grammar's
// unrecognized critical option, grammars/http.grammar's Content-Length with
// Transfer-Encoding and conflicting Content-Lengths) answered with a success
// is "invalid input accepted"; refused, it is no finding. Servers on free
// loopback ports, one persistent process per test: the demo device's server
// (planted gaps COAP-3 and HTTP-3, targets/demo_device/README.md), and when
// built, libcoap's and Boost.Beast's device servers.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/net/net_executor.h"
#include "fuzzers/net/net_fuzzer.h"

namespace fs = std::filesystem;
using namespace iotfuzz;
using namespace iotfuzz::net;

namespace {

struct Loaded {
  grammar::LoadedGrammar loaded;
  const grammar::Session* session = nullptr;
  Loaded(const std::string& file, const std::string& name) : loaded(grammar::LoadGrammarFile(file)) {
    for (const auto& s : loaded.grammar.sessions) {
      if (s.name == name) session = &s;
    }
    REQUIRE(session != nullptr);
  }
};

fs::path WorkDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("iotfuzz-oracle-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

NetTarget Server(const std::string& name, const fs::path& binary, std::vector<std::string> args, Transport transport,
                 const std::string& grammar, const std::string& session) {
  NetTarget t;
  t.name = name;
  t.binary = binary;
  t.args = std::move(args);
  t.transport = transport;
  t.grammar = grammar;
  t.session = session;
  return t;
}

ExecutorOptions Persistent(const std::string& name) {
  ExecutorOptions o;
  o.reset = ResetMode::kPersistent;
  o.work_dir = WorkDir(name);
  o.timeouts.hang = std::chrono::milliseconds(3000);
  return o;
}

// A session input of framed datagrams.
std::string Frames(std::initializer_list<std::string> datagrams) {
  std::string out;
  for (const std::string& d : datagrams) {
    out += static_cast<char>(d.size() & 0xff);
    out += static_cast<char>(d.size() >> 8);
    out += d;
  }
  return out;
}

// CON GET /<path> (message id `mid`, no token) with one more option of
// number `option` (after Uri-Path 11) and a one-byte value.
std::string CoapGetWithOption(const std::string& path, uint16_t option, uint16_t mid) {
  std::string d("\x40\x01", 2);
  d += static_cast<char>(mid >> 8);
  d += static_cast<char>(mid & 0xff);
  d += static_cast<char>(0xb0 | path.size());  // Uri-Path, delta 11
  d += path;
  const unsigned delta = option - 11u;
  if (delta < 13) {
    d += static_cast<char>(delta << 4 | 1);
  } else if (delta < 269) {
    d += static_cast<char>(0xd1);
    d += static_cast<char>(delta - 13);
  } else {
    d += static_cast<char>(0xe1);
    d += static_cast<char>((delta - 269) >> 8);
    d += static_cast<char>((delta - 269) & 0xff);
  }
  d += '\x2a';
  return d;
}

constexpr uint16_t kExperimentalCritical = 65001;  // odd, registered for no option
constexpr uint16_t kUnassignedCritical = 13;       // odd, unassigned, below 2048

const std::string kClTe =
    "GET /status HTTP/1.1\r\nHost: lock\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
const std::string kTeCl =
    "GET /status HTTP/1.1\r\nHost: lock\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n";
// The body fits the first length (the grammar frames it with that one); the
// demo's network server frames a request with the last one, so the second
// is the shorter: the whole request has arrived either way.
const std::string kTwoLengths =
    "POST /login HTTP/1.1\r\nHost: lock\r\nContent-Length: 10\r\nContent-Length: 8\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n\r\npin=482913";

}  // namespace

TEST_CASE("validation oracle, CoAP: an unrecognized critical option served with 2.05 by the demo (COAP-3)") {
  Loaded f(IOTFUZZ_COAP_GRAMMAR, "server_session");
  ExecutorOptions o = Persistent("coap-demo");
  NetExecutor ex(Server("demo_device_coap_server", IOTFUZZ_DEMO_SERVER, {"--coap", "{port}"}, Transport::kUdp,
                        IOTFUZZ_COAP_GRAMMAR, "server_session"),
                 o, f.loaded.grammar, *f.session);
  ex.Start();
  // Option 65001: the demo skips numbers from 2048 up (COAP-3).
  ExecResult high = ex.Execute(Frames({CoapGetWithOption("battery", kExperimentalCritical, 0x0101)}));
  INFO(FormatTranscript(high.session) << high.description);
  REQUIRE(high.session.exchanges.size() == 1);
  CHECK(high.session.exchanges[0].rule == "request");
  CHECK(high.session.exchanges[0].invalid_field == "unknown_critical");
  CHECK(high.session.exchanges[0].invalid_present);
  REQUIRE(high.session.exchanges[0].responses.size() == 1);
#ifdef IOTFUZZ_DEMO_WITHOUT_PLANTED_BUGS
  CHECK(high.verdict == ExecResult::Verdict::kOk);
  CHECK(high.session.exchanges[0].responses[0].state == "response:82");  // 4.02
#else
  CHECK(high.verdict == ExecResult::Verdict::kInvalidAccepted);
  CHECK(high.session.exchanges[0].responses[0].state == "response:45");  // 2.05
  CHECK(high.description.find("'unknown_critical'") != std::string::npos);
  CHECK(high.description.find("answered response:45") != std::string::npos);
#endif
  // Option 13: critical, below 2048, refused with 4.02 Bad Option.
  ExecResult low = ex.Execute(Frames({CoapGetWithOption("battery", kUnassignedCritical, 0x0102)}));
  INFO(FormatTranscript(low.session));
  CHECK(low.verdict == ExecResult::Verdict::kOk);
  REQUIRE(low.session.exchanges.size() == 1);
  CHECK(low.session.exchanges[0].invalid_field == "unknown_critical");
  REQUIRE(low.session.exchanges[0].responses.size() == 1);
  CHECK(low.session.exchanges[0].responses[0].state == "response:82");
  // An elective option the server does not know (65000) is ignored: 2.05,
  // and no finding, since nothing had to be rejected.
  ExecResult elective = ex.Execute(Frames({CoapGetWithOption("battery", 65000, 0x0103)}));
  CHECK(elective.verdict == ExecResult::Verdict::kOk);
  REQUIRE(elective.session.exchanges.size() == 1);
  CHECK(elective.session.exchanges[0].invalid_field.empty());
  REQUIRE(elective.session.exchanges[0].responses.size() == 1);
  CHECK(elective.session.exchanges[0].responses[0].state == "response:45");
  fs::remove_all(o.work_dir);
}

#ifdef IOTFUZZ_LIBCOAP_SERVER
TEST_CASE("validation oracle, CoAP: libcoap refuses an unrecognized critical option with 4.02") {
  Loaded f(IOTFUZZ_COAP_GRAMMAR, "server_session");
  ExecutorOptions o = Persistent("coap-libcoap");
  NetExecutor ex(Server("libcoap_server", IOTFUZZ_LIBCOAP_SERVER, {"--port", "{port}"}, Transport::kUdp,
                        IOTFUZZ_COAP_GRAMMAR, "server_session"),
                 o, f.loaded.grammar, *f.session);
  ex.Start();
  for (uint16_t option : {kExperimentalCritical, kUnassignedCritical}) {
    ExecResult r = ex.Execute(Frames({CoapGetWithOption("sensors", option, 0x0201)}));
    INFO("option " << option << "\n" << FormatTranscript(r.session) << r.description);
    CHECK(r.verdict == ExecResult::Verdict::kOk);
    REQUIRE(r.session.exchanges.size() == 1);
    CHECK(r.session.exchanges[0].invalid_field == "unknown_critical");
    REQUIRE(r.session.exchanges[0].responses.size() == 1);
    // 4.02 (libcoap echoes the option and adds "Bad Option": whichever recv
    // rule explains it, the code is the state's value).
    CHECK(r.session.exchanges[0].responses[0].state.ends_with(":82"));
    CHECK_FALSE(r.session.exchanges[0].responses[0].accepts);
  }
  fs::remove_all(o.work_dir);
}
#endif

TEST_CASE("validation oracle, HTTP: Content-Length then Transfer-Encoding served with 200 by the demo (HTTP-3)") {
  Loaded f(IOTFUZZ_HTTP_GRAMMAR, "connection");
  ExecutorOptions o = Persistent("http-demo");
  NetExecutor ex(Server("demo_device_http_server", IOTFUZZ_DEMO_SERVER, {"--http", "{port}"}, Transport::kTcp,
                        IOTFUZZ_HTTP_GRAMMAR, "connection"),
                 o, f.loaded.grammar, *f.session);
  ex.Start();
  ExecResult cl_te = ex.Execute(kClTe);
  INFO(FormatTranscript(cl_te.session) << cl_te.description);
  REQUIRE(cl_te.session.exchanges.size() == 1);
  CHECK(cl_te.session.exchanges[0].invalid_field == "request_length_and_chunked");
  REQUIRE(cl_te.session.exchanges[0].responses.size() == 1);
#ifdef IOTFUZZ_DEMO_WITHOUT_PLANTED_BUGS
  CHECK(cl_te.verdict == ExecResult::Verdict::kOk);
  CHECK(cl_te.session.exchanges[0].responses[0].state == "response:343030");  // 400
#else
  CHECK(cl_te.verdict == ExecResult::Verdict::kInvalidAccepted);
  CHECK(cl_te.session.exchanges[0].responses[0].state == "response:323030");  // 200
  CHECK(cl_te.description.find("'request_length_and_chunked'") != std::string::npos);
#endif
  // Transfer-Encoding first: 501 Not Implemented, no finding.
  ExecResult te_cl = ex.Execute(kTeCl);
  INFO(FormatTranscript(te_cl.session));
  CHECK(te_cl.verdict == ExecResult::Verdict::kOk);
  REQUIRE(te_cl.session.exchanges.size() == 1);
  CHECK(te_cl.session.exchanges[0].invalid_field == "request_length_and_chunked");
  REQUIRE(te_cl.session.exchanges[0].responses.size() == 1);
  CHECK(te_cl.session.exchanges[0].responses[0].state == "response:353031");
  // Two different Content-Lengths: 400 Bad Request, no finding.
  ExecResult two = ex.Execute(kTwoLengths);
  INFO(FormatTranscript(two.session));
  CHECK(two.verdict == ExecResult::Verdict::kOk);
  REQUIRE(two.session.exchanges.size() == 1);
  CHECK(two.session.exchanges[0].invalid_field == "length");
  CHECK_FALSE(two.session.exchanges[0].invalid_present);
  REQUIRE(two.session.exchanges[0].responses.size() == 1);
  CHECK(two.session.exchanges[0].responses[0].state == "response:343030");
  fs::remove_all(o.work_dir);
}

#ifdef IOTFUZZ_BEAST_SERVER
TEST_CASE("validation oracle, HTTP: Boost.Beast answers both framing fields and conflicting lengths with 400") {
  Loaded f(IOTFUZZ_HTTP_GRAMMAR, "connection");
  ExecutorOptions o = Persistent("http-beast");
  NetExecutor ex(Server("beast_http_server", IOTFUZZ_BEAST_SERVER, {"--port", "{port}"}, Transport::kTcp,
                        IOTFUZZ_HTTP_GRAMMAR, "connection"),
                 o, f.loaded.grammar, *f.session);
  ex.Start();
  const std::string cl_te_api =
      "GET /api/v1/status HTTP/1.1\r\nHost: lock\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  const std::string two_api =
      "GET /api/v1/status HTTP/1.1\r\nHost: lock\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}";
  for (const std::string& request : {cl_te_api, two_api}) {
    ExecResult r = ex.Execute(request);
    INFO(FormatTranscript(r.session) << r.description);
    CHECK(r.verdict == ExecResult::Verdict::kOk);
    REQUIRE(r.session.exchanges.size() == 1);
    CHECK_FALSE(r.session.exchanges[0].invalid_field.empty());
    // 400 Bad Request (bad transfer encoding, bad content length).
    REQUIRE(r.session.exchanges[0].responses.size() == 1);
    CHECK(r.session.exchanges[0].responses[0].state == "response:343030");
    CHECK_FALSE(r.session.exchanges[0].responses[0].accepts);
  }
  fs::remove_all(o.work_dir);
}
#endif

TEST_CASE("iotfuzz net keeps an invalid-input-accepted record for the demo, none for a refusing server") {
  // One seed session each, run by the fuzzing loop with nothing generated and
  // no mutation (the budget is the seed): the record is the oracle's alone.
  auto run = [](const std::string& name, NetTarget target, const std::string& seed) {
    fs::path work = WorkDir("net-" + name);
    fs::create_directories(work / "seeds");
    std::ofstream(work / "seeds" / "session", std::ios::binary) << seed;
    NetFuzzOptions o;
    o.executor = Persistent(name);
    o.seed = 1;
    o.max_sessions = 1;
    o.generated_seeds = 0;
    o.minimize_budget = 0;  // a finding's minimization would run more sessions
    o.corpus_dirs = {work / "seeds"};
    o.out_dir = work / "out";
    NetFuzzer fuzzer(std::move(target), o);
    NetFuzzStats stats = fuzzer.Run(nullptr, nullptr, nullptr);
    CHECK(stats.sessions == 1);
    std::vector<std::string> signatures;
    for (const auto& e : fs::directory_iterator(o.out_dir / "accepted")) {
      if (e.path().extension() == ".sig") {
        std::ifstream in(e.path());
        signatures.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
    }
    fs::remove_all(work);
    fs::remove_all(o.executor.work_dir);
    return std::make_pair(stats.invalid_accepted, signatures);
  };
  const NetTarget coap = Server("demo_device_coap_server", IOTFUZZ_DEMO_SERVER, {"--coap", "{port}"},
                                Transport::kUdp, IOTFUZZ_COAP_GRAMMAR, "server_session");
  const NetTarget http = Server("demo_device_http_server", IOTFUZZ_DEMO_SERVER, {"--http", "{port}"},
                                Transport::kTcp, IOTFUZZ_HTTP_GRAMMAR, "connection");
  auto [coap_low, coap_low_sigs] = run("coap-low", coap, Frames({CoapGetWithOption("battery", 13, 7)}));
  CHECK(coap_low == 0);
  CHECK(coap_low_sigs.empty());
  auto [http_te_cl, http_te_cl_sigs] = run("http-te-cl", http, kTeCl);
  CHECK(http_te_cl == 0);
  CHECK(http_te_cl_sigs.empty());
#ifndef IOTFUZZ_DEMO_WITHOUT_PLANTED_BUGS
  auto [coap_high, coap_high_sigs] = run("coap-high", coap, Frames({CoapGetWithOption("battery", 65001, 7)}));
  CHECK(coap_high == 1);
  CHECK(coap_high_sigs == std::vector<std::string>{"accepted: request.unknown_critical present, answered response"});
  auto [http_cl_te, http_cl_te_sigs] = run("http-cl-te", http, kClTe);
  CHECK(http_cl_te == 1);
  CHECK(http_cl_te_sigs ==
        std::vector<std::string>{"accepted: request.request_length_and_chunked present, answered response"});
#endif
}
