// Tests of the demo_device harnesses against their planted bugs
// (targets/demo_device/README.md):
//   - libFuzzer, started from a copy of the committed seed corpus with a fixed
//     -seed and -runs, finds the SHALLOW bug of each harness, writes exactly
//     one crash file, and that file reproduces the documented crash with the
//     standalone replay binary;
//   - every committed reproducer triggers its bug with the documented
//     sanitizer report;
//   - the seed generator still produces the committed seeds and reproducers.
//
// Calibration (README.md, "Fuzzing tests"): -seed=1..10 were run per
// harness with the flags used here, recording the run at which each found
// its bug. Each test uses one of those seeds and a -runs of at least three
// times the worst of the ten, so it still passes if coverage shifts a little.

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kBinDir = IOTFUZZ_BIN_DIR;
const fs::path kSourceDir = IOTFUZZ_SOURCE_DIR;
const fs::path kSeedGenerator = DEMO_DEVICE_SEED_GENERATOR;
const std::string kSymbolizer = IOTFUZZ_LLVM_SYMBOLIZER;

// The dictionary the build gives `harness` (IOTFUZZ_HARNESS_DICTS lists
// "<harness>=<file>" separated by ',').
fs::path HarnessDictionary(const std::string& harness) {
  const std::string all = IOTFUZZ_HARNESS_DICTS;
  size_t pos = 0;
  while (pos <= all.size()) {
    const size_t end = std::min(all.find(',', pos), all.size());
    const std::string item = all.substr(pos, end - pos);
    if (item.rfind(harness + "=", 0) == 0) return item.substr(harness.size() + 1);
    pos = end + 1;
  }
  FAIL("no dictionary listed for " << harness);
  return {};
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "demo_device_test.XXXXXX").string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) FAIL("mkdtemp failed: " << std::strerror(errno));
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct ProcessResult {
  bool exited = false;
  int exit_code = -1;
  int signal = 0;
  std::string output;  // stdout and stderr, interleaved

  bool Failed() const { return !exited || exit_code != 0; }
};

// Runs argv[0] with its output in `log`; `env` entries are set for the
// child only. The symbolizer is pointed to explicitly so reports name
// functions even when llvm-symbolizer is not on PATH.
ProcessResult Run(const std::vector<std::string>& argv, const fs::path& log,
                  const std::map<std::string, std::string>& env = {}) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_fd = open("/dev/null", O_RDONLY);
    if (fd < 0 || null_fd < 0) _exit(126);
    dup2(null_fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (!kSymbolizer.empty()) setenv("ASAN_SYMBOLIZER_PATH", kSymbolizer.c_str(), 1);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    REQUIRE(errno == EINTR);
  }
  ProcessResult r;
  r.exited = WIFEXITED(status);
  r.exit_code = r.exited ? WEXITSTATUS(status) : -1;
  r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  r.output = ReadText(log);
  return r;
}

// The last part of a log, for failure messages.
std::string Tail(const std::string& s, size_t n = 4000) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

std::vector<fs::path> ListFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void RequireContainsAll(const std::string& output, const std::vector<std::string>& needles) {
  for (const auto& needle : needles) {
    INFO("expected in sanitizer output: " << needle << "\n--- output ---\n" << Tail(output));
    CHECK(output.find(needle) != std::string::npos);
  }
}

fs::path Harness(const std::string& name) { return kBinDir / name; }
fs::path Replay(const std::string& name) { return kBinDir / (name + "_replay"); }

struct ShallowBug {
  std::string id;
  std::string harness;
  unsigned seed;
  unsigned runs;
  std::vector<std::string> report;  // substrings of the replayed crash's report
};

void CheckFuzzerFinds(const ShallowBug& bug) {
  INFO("planted bug " << bug.id << ", harness " << bug.harness);
  TempDir tmp;
  const fs::path corpus = tmp.path() / "corpus";
  const fs::path artifacts = tmp.path() / "artifacts";
  fs::copy(kSourceDir / "corpora" / bug.harness, corpus, fs::copy_options::recursive);
  fs::create_directory(artifacts);

  const fs::path dict = HarnessDictionary(bug.harness);
  REQUIRE(fs::exists(dict));
  ProcessResult fuzz = Run({Harness(bug.harness).string(), "-seed=" + std::to_string(bug.seed),
                            "-runs=" + std::to_string(bug.runs), "-reload=0",
                            "-print_final_stats=1", "-dict=" + dict.string(),
                            "-artifact_prefix=" + artifacts.string() + "/", corpus.string()},
                           tmp.path() / "fuzz.log");
  INFO("--- libFuzzer output ---\n" << Tail(fuzz.output));
  REQUIRE(fuzz.Failed());
  REQUIRE(fuzz.output.find("Test unit written to " + artifacts.string() + "/crash-") !=
          std::string::npos);
  const std::vector<fs::path> found = ListFiles(artifacts);
  REQUIRE(found.size() == 1);
  REQUIRE(found[0].filename().string().rfind("crash-", 0) == 0);

  ProcessResult replay = Run({Replay(bug.harness).string(), found[0].string()},
                             tmp.path() / "replay.log", {{"UBSAN_OPTIONS", "print_stacktrace=1"}});
  INFO("--- replay output ---\n" << Tail(replay.output));
  REQUIRE(replay.Failed());
  RequireContainsAll(replay.output, bug.report);
}

}  // namespace

// ---- libFuzzer finds each shallow bug --------------------------------------

TEST_CASE("libFuzzer finds shallow bug HTTP-1 from the seeds", "[demo_device][fuzz]") {
  CheckFuzzerFinds({"HTTP-1", "demo_device_http_fuzzer", 1, 5000,
                    {"ERROR: AddressSanitizer: heap-buffer-overflow", "READ of size",
                     "http_parse_request"}});
}

TEST_CASE("libFuzzer finds shallow bug MQTT-1 from the seeds", "[demo_device][fuzz]") {
  CheckFuzzerFinds({"MQTT-1", "demo_device_mqtt_fuzzer", 2, 2000,
                    {"runtime error: left shift of", "cannot be represented in type 'int'",
                     "mqtt_decode_remaining_length"}});
}

TEST_CASE("libFuzzer finds shallow bug COAP-1 from the seeds", "[demo_device][fuzz]") {
  CheckFuzzerFinds({"COAP-1", "demo_device_coap_fuzzer", 1, 1000,
                    {"ERROR: AddressSanitizer: stack-buffer-overflow", "WRITE of size",
                     "sl_coap_handle_datagram"}});
}

TEST_CASE("libFuzzer finds shallow bug GATT-1 from the seeds", "[demo_device][fuzz]") {
  CheckFuzzerFinds({"GATT-1", "demo_device_gatt_fuzzer", 1, 200000,
                    {"ERROR: AddressSanitizer: global-buffer-overflow",
                     "global variable 'sl_att_db'", "sl_att_handle_pdu"}});
}

// ---- the committed reproducers crash as documented ------------------------

namespace {

struct Reproducer {
  std::string id;
  std::string harness;
  std::string file;
  std::vector<std::string> report;          // libFuzzer binary
  std::vector<std::string> replay_report;   // replay binary
  std::map<std::string, std::string> replay_env;
};

void CheckReproducer(const Reproducer& r) {
  INFO("planted bug " << r.id << ", reproducer " << r.file);
  TempDir tmp;
  const fs::path input = kSourceDir / "targets/demo_device/reproducers" / r.file;
  REQUIRE(fs::is_regular_file(input));

  ProcessResult fuzzer = Run({Harness(r.harness).string(), input.string()},
                             tmp.path() / "fuzzer.log", {{"UBSAN_OPTIONS", "print_stacktrace=1"}});
  REQUIRE(fuzzer.Failed());
  RequireContainsAll(fuzzer.output, r.report);

  std::map<std::string, std::string> env = r.replay_env;
  env.emplace("UBSAN_OPTIONS", "print_stacktrace=1");
  ProcessResult replay = Run({Replay(r.harness).string(), input.string()}, tmp.path() / "replay.log", env);
  REQUIRE(replay.Failed());
  RequireContainsAll(replay.output, r.replay_report);
}

const std::vector<Reproducer>& Reproducers() {
  static const std::vector<Reproducer> reproducers = {
      {"HTTP-1", "demo_device_http_fuzzer", "HTTP-1_content_length_past_end.http",
       {"ERROR: AddressSanitizer: heap-buffer-overflow", "READ of size 64", "http_parse_request"},
       {"ERROR: AddressSanitizer: heap-buffer-overflow", "READ of size 64", "http_parse_request"},
       {}},
      {"HTTP-2", "demo_device_http_fuzzer", "HTTP-2_config_json_nesting.http",
       {"ERROR: AddressSanitizer: stack-overflow", "json_skip_container"},
       {"ERROR: AddressSanitizer: stack-overflow", "json_skip_container"},
       {}},
      {"MQTT-1", "demo_device_mqtt_fuzzer", "MQTT-1_remaining_length_five_bytes.bin",
       {"runtime error: left shift of 127 by 28 places cannot be represented in type 'int'",
        "mqtt_decode_remaining_length"},
       {"runtime error: left shift of 127 by 28 places cannot be represented in type 'int'",
        "mqtt_decode_remaining_length"},
       {}},
      {"MQTT-2", "demo_device_mqtt_fuzzer", "MQTT-2_schedule_count_wraps_table_size.bin",
       {"ERROR: AddressSanitizer: heap-buffer-overflow", "WRITE of size 8", "mqtt_apply_schedule"},
       {"ERROR: AddressSanitizer: heap-buffer-overflow", "WRITE of size 8", "mqtt_apply_schedule"},
       {}},
      {"COAP-1", "demo_device_coap_fuzzer", "COAP-1_token_length_9.bin",
       {"ERROR: AddressSanitizer: stack-buffer-overflow", "WRITE of size 9",
        "sl_coap_handle_datagram"},
       {"ERROR: AddressSanitizer: stack-buffer-overflow", "WRITE of size 9",
        "sl_coap_handle_datagram"},
       {}},
      // Out of memory is libFuzzer's verdict (-malloc_limit_mb, by default
      // -rss_limit_mb = 2048); the replay binary reports it once ASan is
      // given the same limit.
      {"COAP-2", "demo_device_coap_fuzzer", "COAP-2_block1_size1_4gib.bin",
       {"ERROR: libFuzzer: out-of-memory (malloc(4294967280))", "sl_fw_begin",
        "resource_firmware"},
       {"ERROR: AddressSanitizer: requested allocation size 0xfffffff0", "allocation-size-too-big",
        "sl_fw_begin"},
       {{"ASAN_OPTIONS", "max_allocation_size_mb=2048"}}},
      {"GATT-1", "demo_device_gatt_fuzzer", "GATT-1_read_handle_one_past_database.bin",
       {"ERROR: AddressSanitizer: global-buffer-overflow", "global variable 'sl_att_db'",
        "att_read"},
       {"ERROR: AddressSanitizer: global-buffer-overflow", "global variable 'sl_att_db'",
        "att_read"},
       {}},
      {"GATT-2", "demo_device_gatt_fuzzer", "GATT-2_prepare_write_past_maximum.bin",
       {"ERROR: AddressSanitizer: negative-size-param: (size=-2)", "att_execute_queue"},
       {"ERROR: AddressSanitizer: negative-size-param: (size=-2)", "att_execute_queue"},
       {}},
  };
  return reproducers;
}

void CheckReproducer(const std::string& id) {
  for (const auto& r : Reproducers()) {
    if (r.id == id) {
      CheckReproducer(r);
      return;
    }
  }
  FAIL("no reproducer for " << id);
}

}  // namespace

TEST_CASE("reproducer HTTP-1 crashes as documented", "[demo_device][reproducer]") { CheckReproducer("HTTP-1"); }
TEST_CASE("reproducer HTTP-2 crashes as documented", "[demo_device][reproducer]") { CheckReproducer("HTTP-2"); }
TEST_CASE("reproducer MQTT-1 crashes as documented", "[demo_device][reproducer]") { CheckReproducer("MQTT-1"); }
TEST_CASE("reproducer MQTT-2 crashes as documented", "[demo_device][reproducer]") { CheckReproducer("MQTT-2"); }
TEST_CASE("reproducer COAP-1 crashes as documented", "[demo_device][reproducer]") { CheckReproducer("COAP-1"); }
TEST_CASE("reproducer COAP-2 crashes as documented", "[demo_device][reproducer]") { CheckReproducer("COAP-2"); }
TEST_CASE("reproducer GATT-1 crashes as documented", "[demo_device][reproducer]") { CheckReproducer("GATT-1"); }
TEST_CASE("reproducer GATT-2 crashes as documented", "[demo_device][reproducer]") { CheckReproducer("GATT-2"); }


// ---- the committed files match the generator ------------------------------

TEST_CASE("seed generator output matches the committed files", "[demo_device][seeds]") {
  TempDir tmp;
  ProcessResult gen = Run({kSeedGenerator.string(), tmp.path().string()}, tmp.path() / "gen.log");
  INFO(gen.output);
  REQUIRE_FALSE(gen.Failed());

  const std::vector<fs::path> dirs = {
      "corpora/demo_device_http_fuzzer", "corpora/demo_device_mqtt_fuzzer",
      "corpora/demo_device_coap_fuzzer", "corpora/demo_device_gatt_fuzzer",
      "targets/demo_device/reproducers"};
  for (const auto& dir : dirs) {
    INFO("directory " << dir.string());
    const std::vector<fs::path> generated = ListFiles(tmp.path() / dir);
    const std::vector<fs::path> committed = ListFiles(kSourceDir / dir);
    std::vector<std::string> generated_names, committed_names;
    for (const auto& p : generated) generated_names.push_back(p.filename().string());
    for (const auto& p : committed) committed_names.push_back(p.filename().string());
    REQUIRE(generated_names == committed_names);
    CHECK(generated.size() >= 1);
    for (size_t i = 0; i < generated.size(); ++i) {
      INFO("file " << committed_names[i]);
      CHECK(ReadText(generated[i]) == ReadText(committed[i]));
    }
  }
}
