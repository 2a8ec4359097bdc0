// Runs the built iotfuzz binary the way a user does and checks what it
// prints, writes and exits with. Fuzzing runs use fixed seeds and run counts.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <poll.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <nlohmann/json.hpp>
#include <map>
#include <sstream>
#include <thread>

#include "fuzzers/common/dictionary_file.h"
#include "fuzzers/engine/process.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ReadFileText;
using testing::TempDir;
using testing::WriteFileText;

const fs::path kBuildDir = IOTFUZZ_TEST_BUILD_DIR;
const fs::path kSourceDir = IOTFUZZ_TEST_SOURCE_DIR;
const fs::path kSelftestDir = IOTFUZZ_SELFTEST_DIR;

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The environment iotfuzz gets in tests: the user's, minus anything that
// would change where it looks for its build or how it prints.
Environment TestEnvironment() {
  Environment env = Environment::Current();
  env.Unset("IOTFUZZ_BUILD_DIR");
  env.Unset("CI");
  env.Unset("ASAN_OPTIONS");
  env.Unset("UBSAN_OPTIONS");
  return env;
}

ProcessSpec CliSpec(const std::vector<std::string>& args, const TempDir& scratch,
                    const Environment& env, const fs::path& program = IOTFUZZ_CLI) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" >cli.out 2>cli.err", program.string()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = env;
  spec.working_dir = scratch.path();
  return spec;
}

CliResult RunCli(const std::vector<std::string>& args, const TempDir& scratch,
                 const Environment& env = TestEnvironment(),
                 const fs::path& program = IOTFUZZ_CLI) {
  Process process = Process::Spawn(CliSpec(args, scratch, env, program));
  const ExitStatus status = process.Wait();
  CliResult result;
  result.exit_code = status.signaled ? 128 + status.signal : status.code;
  result.out = ReadFileText(scratch / "cli.out");
  result.err = ReadFileText(scratch / "cli.err");
  return result;
}

std::size_t CountLines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Checks the error contract: one "iotfuzz: error: ..." line on stderr,
// nothing on stdout, exit status 1.
void CheckOneErrorLine(const CliResult& r, const std::string& starts_with) {
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(CountLines(r.err) == 1);
  CHECK_THAT(r.err, Catch::StartsWith("iotfuzz: error: " + starts_with));
  CHECK_THAT(r.err, !Catch::Contains("terminate") && !Catch::Contains("exception"));
}

// Writes <dir>/iotfuzz-build.json listing the two known-answer harnesses;
// their seed corpora live in <dir>/seeds/<name>.
fs::path WriteSelftestBuild(const TempDir& dir) {
  json harnesses = json::array();
  for (const std::string name : {"selftest_crash_fuzzer", "selftest_clean_fuzzer"}) {
    harnesses.push_back({{"name", name},
                         {"target", "selftest"},
                         {"protocol", "raw"},
                         {"grammar", ""},
                         {"dict", ""},
                         {"options", ""},
                         {"source_dir", ""},
                         {"seed_corpus", (dir / "seeds" / name).string()},
                         {"binaries",
                          {{"libfuzzer", (kSelftestDir / name).string()},
                           {"replay", (kSelftestDir / (name + "_replay")).string()}}}});
  }
  const json manifest = {{"variant", "libfuzzer-asan"},
                         {"source_dir", "/src"},
                         {"build_dir", dir.path().string()},
                         {"version", IOTFUZZ_TEST_VERSION},
                         {"harnesses", harnesses}};
  WriteFileText(dir / "iotfuzz-build.json", manifest.dump(2));
  WriteFileText(dir / "seeds" / "selftest_clean_fuzzer" / "get", "GET");
  return dir.path();
}

TEST_CASE("iotfuzz --version prints its version") {
  TempDir scratch;
  const CliResult r = RunCli({"--version"}, scratch);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "iotfuzz " IOTFUZZ_TEST_VERSION "\n");
}

TEST_CASE("iotfuzz --help lists the subcommands and the exit statuses") {
  TempDir scratch;
  const CliResult r = RunCli({"--help"}, scratch);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("list") && Catch::Contains("run") &&
                        Catch::Contains("--build-dir") && Catch::Contains("2 findings"));
  const CliResult run_help = RunCli({"run", "--help"}, scratch);
  CHECK(run_help.exit_code == 0);
  CHECK_THAT(run_help.out, Catch::Contains("--engine") && Catch::Contains("--keep-going") &&
                               Catch::Contains("--time") && Catch::Contains("--runs"));
}

TEST_CASE("iotfuzz list shows the four demo harnesses of the build") {
  TempDir scratch;
  const CliResult r = RunCli({"--build-dir", kBuildDir.string(), "list"}, scratch);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  for (const char* name : {"demo_device_http_fuzzer", "demo_device_mqtt_fuzzer",
                           "demo_device_coap_fuzzer", "demo_device_gatt_fuzzer"}) {
    CHECK_THAT(r.out, Catch::Contains(name));
  }
  CHECK_THAT(r.out, Catch::Contains("libfuzzer"));
}

TEST_CASE("iotfuzz list finds the build it belongs to without being told") {
  TempDir scratch;
  const CliResult r = RunCli({"list"}, scratch, TestEnvironment(), kBuildDir / "bin" / "iotfuzz");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("demo_device_coap_fuzzer"));
}

TEST_CASE("iotfuzz list --json says which engine binaries are built") {
  TempDir build;
  WriteSelftestBuild(build);
  TempDir scratch;
  const CliResult r = RunCli({"--build-dir", build.path().string(), "list", "--json"}, scratch);
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  CHECK(doc["variant"] == "libfuzzer-asan");
  REQUIRE(doc["harnesses"].size() == 2);
  const json& clean = doc["harnesses"][1];
  CHECK(clean["name"] == "selftest_clean_fuzzer");
  CHECK(clean["engines"]["libfuzzer"]["built"] == true);
  CHECK(clean["engines"]["replay"]["built"] == true);
  CHECK_FALSE(clean["engines"].contains("afl"));
  CHECK(clean["seed_count"] == 1);
  CHECK(clean["grammar"].is_null());
}

TEST_CASE("IOTFUZZ_BUILD_DIR chooses the build") {
  TempDir build;
  WriteSelftestBuild(build);
  TempDir scratch;
  Environment env = TestEnvironment();
  env.Set("IOTFUZZ_BUILD_DIR", build.path().string());
  const CliResult r = RunCli({"list"}, scratch, env);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("selftest_crash_fuzzer"));
}

TEST_CASE("An unknown harness is one error line listing the known ones") {
  TempDir scratch;
  const CliResult r =
      RunCli({"--build-dir", kBuildDir.string(), "run", "nope", "--runs", "1"}, scratch);
  CheckOneErrorLine(r, "unknown harness 'nope'; known harnesses: ");
  CHECK_THAT(r.err, Catch::Contains("demo_device_coap_fuzzer"));
}

TEST_CASE("A bad duration is one error line saying what is expected") {
  TempDir scratch;
  for (const char* bad : {"5x", "", "1.5h", "-3"}) {
    const CliResult r =
        RunCli({"--build-dir", kBuildDir.string(), "run", "demo_device_coap_fuzzer", "--time", bad},
               scratch);
    CheckOneErrorLine(r, std::string("invalid duration '") + bad + "'");
  }
  CheckOneErrorLine(
      RunCli({"--build-dir", kBuildDir.string(), "run", "demo_device_coap_fuzzer", "--time", "0"},
             scratch),
      "--time must be longer than 0s");
}

TEST_CASE("A missing build is one error line saying how to make one") {
  TempDir scratch;
  const CliResult r = RunCli({"--build-dir", "/nonexistent/build", "list"}, scratch);
  CheckOneErrorLine(r, "no build manifest at /nonexistent/build/iotfuzz-build.json");
  CHECK_THAT(r.err, Catch::Contains("cmake --preset libfuzzer-asan"));
}

TEST_CASE("An iotfuzz outside any build tree says where it looked") {
  TempDir tree;
  fs::create_directories(tree / "bin");
  fs::copy_file(IOTFUZZ_CLI, tree / "bin" / "iotfuzz");
  TempDir scratch;
  const CliResult r = RunCli({"list"}, scratch, TestEnvironment(), tree / "bin" / "iotfuzz");
  CheckOneErrorLine(r, "no build manifest at " + (tree / "iotfuzz-build.json").string());
}

TEST_CASE("A malformed manifest is one error line with its file, line and column") {
  TempDir build;
  WriteFileText(build / "iotfuzz-build.json", "{\n  \"variant\": \"libfuzzer-asan\",\n  oops\n}\n");
  TempDir scratch;
  const CliResult r = RunCli({"--build-dir", build.path().string(), "list"}, scratch);
  CheckOneErrorLine(r,
                    (build / "iotfuzz-build.json").string() + ": not valid JSON: line 3, column");
}

TEST_CASE("An engine that is not built is one error line saying how to build it") {
  TempDir build;
  WriteSelftestBuild(build);
  TempDir scratch;
  const CliResult afl = RunCli({"--build-dir", build.path().string(), "run",
                                "selftest_clean_fuzzer", "--engine", "afl", "--runs", "10"},
                               scratch);
  CheckOneErrorLine(afl, "selftest_clean_fuzzer has no AFL++ binary");
  CHECK_THAT(afl.err, Catch::Contains("cmake --preset afl"));

  json manifest = json::parse(ReadFileText(build / "iotfuzz-build.json"));
  manifest["harnesses"][1]["binaries"]["libfuzzer"] = (build / "bin" / "not_built").string();
  WriteFileText(build / "iotfuzz-build.json", manifest.dump());
  const CliResult missing =
      RunCli({"--build-dir", build.path().string(), "run", "selftest_clean_fuzzer", "--runs", "10"},
             scratch);
  CheckOneErrorLine(missing, "selftest_clean_fuzzer is not built yet");
  CHECK_THAT(missing.err, Catch::Contains("cmake --build " + build.path().string() +
                                          " --target selftest_clean_fuzzer"));
}

TEST_CASE("Usage errors are one short line and a non-zero exit") {
  TempDir scratch;
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{},
                                             {"bogus"},
                                             {"run"},
                                             {"run", "h", "--engine", "honggfuzz"},
                                             {"run", "h", "--time", "5s", "--runs", "5"},
                                             {"run", "h", "--jobs", "0"},
                                             {"list", "--", "x"}}) {
    const CliResult r = RunCli(args, scratch);
    INFO("args: " << fmt::format("{}", fmt::join(args, " ")) << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(CountLines(r.err) == 1);
    CHECK_THAT(r.err, Catch::StartsWith("iotfuzz: error: "));
  }
  CheckOneErrorLine(RunCli({"--build-dir", kBuildDir.string(), "run", "demo_device_coap_fuzzer",
                            "--runs", "many"},
                           scratch),
                    "--runs expects a positive whole number, got 'many'");
}

TEST_CASE("A run that hits a crash exits 2 and reports the crash with a working replay command") {
  TempDir build;
  WriteSelftestBuild(build);
  WriteFileText(build / "seeds" / "selftest_crash_fuzzer" / "crasher", "CRASH");
  TempDir scratch;
  const fs::path out = scratch / "out";
  const CliResult r = RunCli({"--build-dir", build.path().string(), "run", "selftest_crash_fuzzer",
                              "--runs", "200", "--seed", "1", "--out", out.string()},
                             scratch);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  const json summary = json::parse(ReadFileText(out / "summary.json"));
  CHECK(summary["exit_code"] == 2);
  CHECK(summary["result"] == "findings");
  CHECK(summary["seed"] == 1);
  REQUIRE(summary["findings"].size() == 1);
  const json& crash = summary["findings"][0];
  CHECK(crash["kind"] == "crash");
  CHECK(crash["type"] == "heap-buffer-overflow");
  const std::vector<std::string> replay = crash["replay_command"];
  CHECK(replay[0] == (kSelftestDir / "selftest_crash_fuzzer_replay").string());
  CHECK(fs::path(replay[1]).parent_path() == out / "crashes");
  CHECK_THAT(r.out, Catch::Contains("heap-buffer-overflow") &&
                        Catch::Contains("replay: " + replay[0] + " " + replay[1]));

  // The replay command reproduces the crash on its own.
  ProcessSpec spec;
  spec.argv = replay;
  spec.env = TestEnvironment();
  spec.capture_output = true;
  Process p = Process::Spawn(spec);
  std::string replay_output;
  while (p.output_fd() >= 0) {
    pollfd fd{p.output_fd(), POLLIN, 0};
    ::poll(&fd, 1, 1000);
    replay_output += p.ReadOutput();
  }
  CHECK_FALSE(p.Wait().success());
  CHECK_THAT(replay_output, Catch::Contains("ERROR: AddressSanitizer: heap-buffer-overflow"));
}

TEST_CASE("A crash found again in a later run is reported again") {
  TempDir build;
  WriteSelftestBuild(build);
  WriteFileText(build / "seeds" / "selftest_crash_fuzzer" / "crasher", "CRASH");
  TempDir scratch;
  const std::vector<std::string> args = {"--build-dir", build.path().string(),
                                         "run",         "selftest_crash_fuzzer",
                                         "--runs",      "200",
                                         "--seed",      "1",
                                         "--out",       (scratch / "out").string()};
  CHECK(RunCli(args, scratch).exit_code == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a distinct modification time
  CHECK(RunCli(args, scratch).exit_code == 2);
  CHECK(json::parse(ReadFileText(scratch / "out" / "summary.json"))["findings"].size() == 1);
}

TEST_CASE("A clean run exits 0 with its executions, corpus and logs on disk") {
  TempDir build;
  WriteSelftestBuild(build);
  TempDir scratch;
  Environment env = TestEnvironment();
  env.Set("CI", "true");
  const CliResult r = RunCli({"--build-dir", build.path().string(), "run", "selftest_clean_fuzzer",
                              "--runs", "2000", "--seed", "1"},
                             scratch, env);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 0);
  // Default output directory, under the current directory.
  const fs::path out = scratch / "iotfuzz-out" / "selftest_clean_fuzzer" / "libfuzzer";
  const json summary = json::parse(ReadFileText(out / "summary.json"));
  CHECK(summary["exit_code"] == 0);
  CHECK(summary["result"] == "clean");
  CHECK(summary["findings"].empty());
  CHECK(summary["stats"]["execs"] == 2000);
  CHECK(summary["stats"]["edges"].get<int>() > 0);
  CHECK(summary["stop_reason"] == "finished");
  CHECK(summary["corpus"]["dir"] == (out / "corpus").string());
  CHECK(fs::is_directory(out / "corpus"));
  CHECK(fs::is_directory(out / "crashes"));
  CHECK(fs::exists(out / "logs" / "libfuzzer.log"));
  // The committed seed corpus is read, never written.
  CHECK(std::distance(fs::directory_iterator(build / "seeds" / "selftest_clean_fuzzer"),
                      fs::directory_iterator()) == 1);
  CHECK_THAT(r.out, Catch::Contains("executions   2000"));
  // Not a terminal: plain status lines, no carriage returns.
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK_THAT(r.err, Catch::Contains("execs "));
}

TEST_CASE("With --keep-going a run goes on past crashes in fork mode and still exits 2") {
  TempDir build;
  WriteSelftestBuild(build);
  TempDir scratch;
  const fs::path out = scratch / "out";
  const CliResult r =
      RunCli({"--build-dir", build.path().string(), "run", "selftest_crash_fuzzer", "--runs",
              "20000", "--seed", "1", "--keep-going", "--out", out.string()},
             scratch);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  const json summary = json::parse(ReadFileText(out / "summary.json"));
  CHECK(summary["commands"][0]["argv"].dump().find("-fork=1") != std::string::npos);
  CHECK(summary["stats"]["execs"].get<long>() >= 20000);
  REQUIRE_FALSE(summary["findings"].empty());
  for (const json& finding : summary["findings"]) {
    CHECK(finding["type"] == "heap-buffer-overflow");
  }
}

TEST_CASE("Extra arguments after -- reach the engine") {
  TempDir build;
  WriteSelftestBuild(build);
  TempDir scratch;
  const fs::path out = scratch / "out";
  const CliResult r =
      RunCli({"--build-dir", build.path().string(), "run", "selftest_clean_fuzzer", "--runs", "100",
              "--seed", "3", "--out", out.string(), "--", "-max_len=8", "-only_ascii=1"},
             scratch);
  CHECK(r.exit_code == 0);
  const std::string argv =
      json::parse(ReadFileText(out / "summary.json"))["commands"][0]["argv"].dump();
  CHECK_THAT(argv, Catch::Contains("-max_len=8") && Catch::Contains("-only_ascii=1"));
  CHECK_THAT(ReadFileText(out / "logs" / "libfuzzer.log"),
             !Catch::Contains("-max_len is not provided"));
}

TEST_CASE("Ctrl-C stops the engine, prints the summary and exits cleanly") {
  TempDir build;
  WriteSelftestBuild(build);
  TempDir scratch;
  const fs::path out = scratch / "out";
  Process cli =
      Process::Spawn(CliSpec({"--build-dir", build.path().string(), "run", "selftest_clean_fuzzer",
                              "--seed", "1", "--out", out.string()},
                             scratch, TestEnvironment()));
  // Wait until libFuzzer is fuzzing (bounded), then press Ctrl-C: SIGINT to
  // the foreground process group.
  for (int i = 0; i < 600; ++i) {
    std::error_code ec;
    if (fs::exists(out / "logs" / "libfuzzer.log", ec) &&
        ReadFileText(out / "logs" / "libfuzzer.log").find("INITED") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  cli.SignalGroup(SIGINT);
  const ExitStatus status = cli.Wait();
  const std::string stdout_text = ReadFileText(scratch / "cli.out");
  INFO("stdout: " << stdout_text << "\nstderr: " << ReadFileText(scratch / "cli.err"));
  CHECK_FALSE(status.signaled);
  CHECK(status.code == 0);
  CHECK_THAT(stdout_text, Catch::Contains("interrupted"));
  const json summary = json::parse(ReadFileText(out / "summary.json"));
  CHECK(summary["stop_reason"] == "interrupted");
  CHECK(summary["stats"]["execs"].get<long>() > 0);
}

TEST_CASE("A demo device CoAP run writes summary.json and exits by what it found") {
  TempDir scratch;
  const fs::path out = scratch / "out";
  const CliResult r = RunCli({"--build-dir", kBuildDir.string(), "run", "demo_device_coap_fuzzer",
                              "--runs", "5000", "--seed", "1", "--out", out.string()},
                             scratch);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 2));
  const json summary = json::parse(ReadFileText(out / "summary.json"));
  CHECK(summary["harness"] == "demo_device_coap_fuzzer");
  CHECK(summary["exit_code"] == r.exit_code);
  CHECK(summary["findings"].empty() == (r.exit_code == 0));
  CHECK(summary["stats"]["execs"].get<long>() > 0);
  for (const json& finding : summary["findings"]) {
    CHECK(fs::exists(finding["file"].get<std::string>()));
    CHECK(finding["replay_command"][0] ==
          (kBuildDir / "bin" / "demo_device_coap_fuzzer_replay").string());
  }
}

#if IOTFUZZ_TEST_AFL_BUILT
TEST_CASE("A demo device CoAP run under AFL++ writes summary.json and exits by what it found") {
  TempDir scratch;
  const fs::path out = scratch / "out";
  Environment env = TestEnvironment();
  env.Set("CI", "true");
  const CliResult r =
      RunCli({"--build-dir", kBuildDir.string(), "run", "demo_device_coap_fuzzer", "--engine",
              "afl", "--runs", "5000", "--seed", "1", "--out", out.string()},
             scratch, env);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 2));
  const json summary = json::parse(ReadFileText(out / "summary.json"));
  CHECK(summary["engine"] == "afl");
  CHECK(summary["exit_code"] == r.exit_code);
  CHECK(summary["findings"].empty() == (r.exit_code == 0));
  CHECK(summary["stats"]["execs"].get<long>() >= 5000);
  CHECK(summary["corpus"]["files"].get<long>() >= 1);
  CHECK(fs::exists(out / "afl" / "default" / "fuzzer_stats"));
}
#endif

// ---- iotfuzz grammar dict ---------------------------------------------------

// The entries of a dictionary file, counted the way libFuzzer counts them.
std::size_t CountEntries(const std::string& dict) {
  std::size_t entries = 0;
  std::istringstream lines(dict);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') ++entries;
  }
  return entries;
}

// Runs a libFuzzer binary for no input with `dict`; returns its output.
CliResult LoadInLibFuzzer(const fs::path& fuzzer, const fs::path& dict, const TempDir& scratch) {
  return RunCli({"-dict=" + dict.string(), "-runs=0", "-seed=1"}, scratch, TestEnvironment(), fuzzer);
}

TEST_CASE("grammar dict writes each protocol's dictionary, which libFuzzer loads entry for entry") {
  TempDir scratch;
  for (const std::string name : {"http", "mqtt", "coap", "ble_att"}) {
    INFO(name);
    const fs::path dict = scratch / (name + ".dict");
    const CliResult r = RunCli({"grammar", "dict", (kSourceDir / "grammars" / (name + ".grammar")).string(),
                                "--out", dict.string()},
                               scratch);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string text = ReadFileText(dict);
    const std::size_t entries = CountEntries(text);
    CHECK(r.out == fmt::format("{}: {} grammar tokens\n", dict.string(), entries));
    CHECK(entries >= 5);
    const CliResult fuzz = LoadInLibFuzzer(kSelftestDir / "selftest_clean_fuzzer", dict, scratch);
    INFO("libFuzzer: " << fuzz.err);
    CHECK(fuzz.exit_code == 0);
    CHECK_THAT(fuzz.err, Catch::Contains(fmt::format("Dictionary: {} entries", entries)));
    CHECK_THAT(fuzz.err, !Catch::Contains("ParseDictionaryFile"));
  }
  // Written atomically: nothing but the four files is left in the directory.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(scratch.path())) {
    if (entry.path().extension() == ".dict") ++files;
  }
  CHECK(files == 4);
}

TEST_CASE("grammar dict merges a hand-picked dictionary and prints the same file without --out") {
  TempDir scratch;
  const std::string grammar = (kSourceDir / "targets/demo_device/demo_device_coap_fuzzer.grammar").string();
  const std::string hand = (kSourceDir / "targets/demo_device/demo_device_coap_fuzzer.dict").string();
  const fs::path dict = scratch / "coap.dict";
  const CliResult written = RunCli({"grammar", "dict", grammar, "--extra", hand, "--out", dict.string()}, scratch);
  INFO("stderr: " << written.err);
  REQUIRE(written.exit_code == 0);
  CHECK_THAT(written.out, Catch::Contains("grammar tokens, ") && Catch::Contains(" hand-picked entries ("));
  const std::string text = ReadFileText(dict);
  CHECK_THAT(text, Catch::Contains("\nuri_path_lock=\"\\xb4lock\"\n"));  // a hand-picked entry
  CHECK_THAT(text, Catch::Contains("\noption_value=\"battery\"\n"));       // a grammar token

  const CliResult printed = RunCli({"grammar", "dict", grammar, "--extra", hand}, scratch);
  CHECK(printed.exit_code == 0);
  CHECK(printed.out == text);
  CHECK(printed.err.empty());
}

TEST_CASE("grammar dict of a bad grammar reports file:line:col and exits 1 without writing") {
  TempDir scratch;
  WriteFileText(scratch / "bad.grammar", "grammar bad;\nstart m;\nm = \"ab\" missing ;\n");
  const fs::path dict = scratch / "bad.dict";
  const CliResult r = RunCli({"grammar", "dict", (scratch / "bad.grammar").string(), "--out", dict.string()},
                             scratch);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("bad.grammar:3:10: error: undefined rule 'missing'"));
  CHECK_THAT(r.err, Catch::EndsWith("iotfuzz: error: " + (scratch / "bad.grammar").string() +
                                    ":3:10: undefined rule 'missing'\n"));
  CHECK_FALSE(fs::exists(dict));

  WriteFileText(scratch / "bad.dict", "ok=\"ab\"\nbroken=\"\\q\"\n");
  const CliResult extra = RunCli({"grammar", "dict", (kSourceDir / "grammars/mqtt.grammar").string(), "--extra",
                                  (scratch / "bad.dict").string()},
                                 scratch);
  CheckOneErrorLine(extra, (scratch / "bad.dict").string() + ":2:9: expected an escape");

  const CliResult start = RunCli({"grammar", "dict", (kSourceDir / "grammars/mqtt.grammar").string(), "--start",
                                  "no_such_rule"},
                                 scratch);
  CheckOneErrorLine(start, "grammar " + (kSourceDir / "grammars/mqtt.grammar").string() +
                               " has no rule or session 'no_such_rule'");
}

TEST_CASE("A grammar harness fuzzes with the derived dictionary, others with their own") {
  TempDir scratch;
  const CliResult r = RunCli({"--build-dir", kBuildDir.string(), "list", "--json"}, scratch);
  REQUIRE(r.exit_code == 0);
  const json list = json::parse(r.out);
  std::map<std::string, json> harnesses;
  for (const json& h : list["harnesses"]) harnesses[h["name"].get<std::string>()] = h;
  REQUIRE(harnesses.count("demo_device_coap_fuzzer") == 1);
  REQUIRE(harnesses.count("demo_device_http_fuzzer") == 1);
  CHECK(harnesses["demo_device_http_fuzzer"]["dict"] ==
        (kSourceDir / "targets/demo_device/demo_device_http_fuzzer.dict").string());

  const fs::path dict = harnesses["demo_device_coap_fuzzer"]["dict"].get<std::string>();
  CHECK(dict == kBuildDir / "dictionaries" / "demo_device_coap_fuzzer.dict");
  const std::string text = ReadFileText(dict);
  CHECK_THAT(text, Catch::StartsWith("# Fuzzing dictionary derived from "
                                     "targets/demo_device/demo_device_coap_fuzzer.grammar"));
  // Every hand-picked entry is in it, by name or as a grammar token.
  const std::string hand = ReadFileText(kSourceDir / "targets/demo_device/demo_device_coap_fuzzer.dict");
  CHECK(CountEntries(text) > CountEntries(hand));
  CHECK_THAT(text, Catch::Contains("\nuri_path_lock=\"\\xb4lock\"\n"));
  CHECK_THAT(text, Catch::Contains("\ncon_get=\"@\\x01\"\n"));

  const fs::path fuzzer = harnesses["demo_device_coap_fuzzer"]["engines"]["libfuzzer"]["path"].get<std::string>();
  const CliResult fuzz = LoadInLibFuzzer(fuzzer, dict, scratch);
  INFO("libFuzzer: " << fuzz.err);
  CHECK_THAT(fuzz.err, Catch::Contains(fmt::format("Dictionary: {} entries", CountEntries(text))));

  // Every dictionary the build lists (derived ones of the real components'
  // grammar harnesses too, once built) is well-formed, entry for entry.
  for (const auto& [name, h] : harnesses) {
    if (h["dict"].is_null() || !fs::exists(h["dict"].get<std::string>())) continue;
    INFO(name);
    const std::string file = h["dict"].get<std::string>();
    CHECK(ReadDictionaryFile(file).size() == CountEntries(ReadFileText(file)));
  }
}

}  // namespace
}  // namespace iotfuzz
