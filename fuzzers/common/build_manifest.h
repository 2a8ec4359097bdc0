// The build manifest: what one build tree holds. Every configured build tree
// writes <build>/iotfuzz-build.json (cmake/IotfuzzHarness.cmake); the iotfuzz
// CLI reads it to find harnesses, their binaries, dictionaries, options and
// seed corpora.
#ifndef IOTFUZZ_FUZZERS_COMMON_BUILD_MANIFEST_H_
#define IOTFUZZ_FUZZERS_COMMON_BUILD_MANIFEST_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iotfuzz {

class Environment;

// Binaries of one harness that this build tree's variant produces. An empty
// path means the variant does not produce that binary; a non-empty path may
// still not exist yet (not built).
struct HarnessBinaries {
  std::filesystem::path libfuzzer;  // <h>: libFuzzer + ASan + UBSan
  std::filesystem::path replay;     // <h>_replay: standalone replay driver
  std::filesystem::path afl;        // <h>_afl: AFL++ (libAFLDriver)
  std::filesystem::path coverage;   // <h>_cov: source-based coverage
};

// One harness as declared with iotfuzz_add_harness. Optional paths (grammar,
// dict, options) are empty when the harness has none.
struct HarnessEntry {
  std::string name;      // e.g. "demo_device_coap_fuzzer"
  std::string target;    // firmware component, e.g. "demo_device"
  std::string protocol;  // "http", "mqtt", "coap", "ble-att", ...
  std::filesystem::path grammar;
  std::filesystem::path dict;
  std::filesystem::path options;
  std::filesystem::path source_dir;
  std::filesystem::path seed_corpus;  // committed seeds; read, never written
  HarnessBinaries binaries;
};

// A server for network mode, as declared with iotfuzz_add_network_target
// (cmake/IotfuzzServer.cmake): how to launch it and what to send it.
struct ServerEntry {
  std::string name;       // e.g. "demo_device_mqtt_server"
  std::string program;    // the server program the binaries are built from
  std::string target;     // firmware component
  std::string protocol;   // "http", "mqtt", "coap", "ble-att"
  std::string transport;  // "tcp" or "udp"
  std::filesystem::path grammar;
  std::string session;    // the grammar's session that drives it
  std::string liveness;   // probe kind for black-box runs, may be empty
  std::vector<std::string> args;  // {port}, {source_dir}, {work_dir} placeholders
  bool deferred_forkserver = false;
  bool reconnect = false;  // sessions go on over a new connection after the server closes one
  std::filesystem::path source_dir;
  std::filesystem::path asan_binary;  // ASan + UBSan, no coverage
  std::filesystem::path afl_binary;   // AFL++ edge coverage + ASan + UBSan
};

class BuildManifest {
 public:
  static constexpr std::string_view kFileName = "iotfuzz-build.json";

  // Reads and validates `file`. Throws Error naming `file` when it is
  // missing or unreadable, when it is not JSON (with line, column and what
  // was expected), or when a field is missing or of the wrong type (with the
  // field's path, e.g. "harnesses[2].name").
  static BuildManifest Load(const std::filesystem::path& file);

  // As Load, from text; `origin` names the source in error messages.
  static BuildManifest Parse(std::string_view json_text, const std::string& origin);

  // Where the manifest to use lives, first match wins: `build_dir_option`
  // (the --build-dir flag), then $IOTFUZZ_BUILD_DIR, then the build tree
  // holding `executable` (<build>/bin/iotfuzz -> <build>/iotfuzz-build.json).
  static std::filesystem::path Locate(const std::optional<std::filesystem::path>& build_dir_option,
                                      const Environment& env,
                                      const std::filesystem::path& executable);

  // The harness called `name`, or nullptr.
  const HarnessEntry* Find(std::string_view name) const;
  std::vector<std::string> HarnessNames() const;
  // The network target called `name`, or nullptr.
  const ServerEntry* FindServer(std::string_view name) const;

  std::filesystem::path file;  // where the manifest was read from
  std::string variant;         // libfuzzer-asan, afl, coverage or release
  std::filesystem::path source_dir;
  std::filesystem::path build_dir;
  std::string version;
  std::vector<HarnessEntry> harnesses;
  std::vector<ServerEntry> servers;  // absent in manifests of older builds: empty
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_BUILD_MANIFEST_H_
