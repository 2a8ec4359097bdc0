#include "fuzzers/common/build_manifest.h"

#include <catch2/catch.hpp>

#include "fuzzers/common/environment.h"
#include "fuzzers/common/error.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

namespace fs = std::filesystem;

// Shaped like the file cmake/IotfuzzHarness.cmake writes.
constexpr const char* kManifest = R"({
  "variant": "libfuzzer-asan",
  "source_dir": "/src",
  "build_dir": "/src/build/libfuzzer-asan",
  "version": "0.1.0",
  "harnesses": [
    {
      "name": "demo_device_coap_fuzzer",
      "target": "demo_device",
      "protocol": "coap",
      "grammar": "",
      "dict": "/src/targets/demo_device/demo_device_coap_fuzzer.dict",
      "options": "",
      "source_dir": "/src/targets/demo_device",
      "seed_corpus": "/src/corpora/demo_device_coap_fuzzer",
      "binaries": {
        "libfuzzer": "/src/build/libfuzzer-asan/bin/demo_device_coap_fuzzer",
        "replay": "/src/build/libfuzzer-asan/bin/demo_device_coap_fuzzer_replay"
      }
    },
    { "name": "demo_device_http_fuzzer", "target": "demo_device", "protocol": "http",
      "binaries": {} }
  ]
})";

TEST_CASE("A build manifest lists its harnesses with their files and binaries") {
  const BuildManifest m = BuildManifest::Parse(kManifest, "iotfuzz-build.json");
  CHECK(m.variant == "libfuzzer-asan");
  CHECK(m.build_dir == "/src/build/libfuzzer-asan");
  CHECK(m.version == "0.1.0");
  CHECK(m.HarnessNames() ==
        std::vector<std::string>{"demo_device_coap_fuzzer", "demo_device_http_fuzzer"});
  const HarnessEntry* coap = m.Find("demo_device_coap_fuzzer");
  REQUIRE(coap != nullptr);
  CHECK(coap->protocol == "coap");
  CHECK(coap->grammar.empty());
  CHECK(coap->dict == "/src/targets/demo_device/demo_device_coap_fuzzer.dict");
  CHECK(coap->seed_corpus == "/src/corpora/demo_device_coap_fuzzer");
  CHECK(coap->binaries.libfuzzer == "/src/build/libfuzzer-asan/bin/demo_device_coap_fuzzer");
  CHECK(coap->binaries.afl.empty());
  CHECK(m.Find("nope") == nullptr);
}

TEST_CASE("Malformed manifest JSON is reported with file, line, column and what was expected") {
  const std::string broken =
      "{\n  \"variant\": \"x\",\n  \"harnesses\": [\n    {\"name\": }\n  ]\n}";
  try {
    BuildManifest::Parse(broken, "/b/iotfuzz-build.json");
    FAIL("accepted");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Catch::StartsWith("/b/iotfuzz-build.json: not valid JSON: line 4, column"));
    CHECK_THAT(message, Catch::Contains("unexpected '}'"));
    CHECK_THAT(message, Catch::Contains("expected"));
    CHECK_THAT(message, !Catch::Contains("json.exception"));
  }
}

TEST_CASE("An empty or truncated manifest is not valid JSON") {
  CHECK_THROWS_WITH(BuildManifest::Parse("", "m.json"),
                    Catch::StartsWith("m.json: not valid JSON"));
  CHECK_THROWS_WITH(BuildManifest::Parse("{\"variant\": \"x\", \"harn", "m.json"),
                    Catch::StartsWith("m.json: not valid JSON: line 1"));
}

TEST_CASE("Missing or mistyped manifest fields are named by their path") {
  CHECK_THROWS_WITH(BuildManifest::Parse(R"({"harnesses": []})", "m.json"),
                    "m.json: missing field 'variant'");
  CHECK_THROWS_WITH(BuildManifest::Parse(R"({"variant": "x"})", "m.json"),
                    "m.json: missing field 'harnesses'");
  CHECK_THROWS_WITH(BuildManifest::Parse(R"({"variant": "x", "harnesses": {}})", "m.json"),
                    "m.json: field 'harnesses' must be an array, found object");
  CHECK_THROWS_WITH(
      BuildManifest::Parse(R"({"variant": "x", "harnesses": [{"target": "t", "protocol": "p"}]})",
                           "m.json"),
      "m.json: missing field 'harnesses[0].name'");
  CHECK_THROWS_WITH(
      BuildManifest::Parse(
          R"({"variant": "x", "harnesses": [{"name": "a", "target": "t", "protocol": "p",
              "binaries": {"afl": 3}}]})",
          "m.json"),
      "m.json: field 'harnesses[0].binaries.afl' must be a string, found number");
  CHECK_THROWS_WITH(BuildManifest::Parse("[1, 2]", "m.json"),
                    "m.json: the top level must be an object, found array");
  CHECK_THROWS_WITH(BuildManifest::Parse(R"({"variant": "x", "harnesses": [7]})", "m.json"),
                    "m.json: 'harnesses[0]' must be an object, found number");
}

TEST_CASE("A network target's reconnect flag is read, and must be a boolean") {
  const std::string server =
      R"({"name": "web", "program": "p", "target": "t", "protocol": "http", "transport": "tcp",
          "grammar": "/src/g.grammar", "session": "connection")";
  BuildManifest m = BuildManifest::Parse(
      R"({"variant": "x", "harnesses": [], "servers": [)" + server + R"(, "reconnect": true}]})", "m.json");
  REQUIRE(m.FindServer("web") != nullptr);
  CHECK(m.FindServer("web")->reconnect);
  BuildManifest without =
      BuildManifest::Parse(R"({"variant": "x", "harnesses": [], "servers": [)" + server + "}]}", "m.json");
  CHECK_FALSE(without.FindServer("web")->reconnect);
  CHECK_THROWS_WITH(
      BuildManifest::Parse(R"({"variant": "x", "harnesses": [], "servers": [)" + server + R"(, "reconnect": 1}]})",
                           "m.json"),
      "m.json: field 'servers[0].reconnect' must be a boolean, found number");
}

TEST_CASE("A harness listed twice in a manifest is an error") {
  CHECK_THROWS_WITH(BuildManifest::Parse(R"({"variant": "x", "harnesses": [
          {"name": "a", "target": "t", "protocol": "p"},
          {"name": "a", "target": "t", "protocol": "p"}]})",
                                         "m.json"),
                    "m.json: harness 'a' is listed twice");
}

TEST_CASE("Loading a missing manifest names the file") {
  CHECK_THROWS_WITH(BuildManifest::Load("/nonexistent/iotfuzz-build.json"),
                    "no build manifest at /nonexistent/iotfuzz-build.json");
}

TEST_CASE("A manifest loads from disk and remembers where it came from") {
  testing::TempDir dir;
  testing::WriteFileText(dir / "iotfuzz-build.json", kManifest);
  const BuildManifest m = BuildManifest::Load(dir / "iotfuzz-build.json");
  CHECK(m.file == dir / "iotfuzz-build.json");
  CHECK(m.harnesses.size() == 2);
}

TEST_CASE("The manifest is found by flag, then environment, then beside the executable") {
  Environment env;
  const fs::path exe = "/b/tree/bin/iotfuzz";
  CHECK(BuildManifest::Locate(std::nullopt, env, exe) == "/b/tree/iotfuzz-build.json");
  env.Set("IOTFUZZ_BUILD_DIR", "/env/tree");
  CHECK(BuildManifest::Locate(std::nullopt, env, exe) == "/env/tree/iotfuzz-build.json");
  CHECK(BuildManifest::Locate(fs::path("/flag/tree"), env, exe) == "/flag/tree/iotfuzz-build.json");
}

}  // namespace
}  // namespace iotfuzz
