// Access to the labelled ClusterFuzz sanitizer logs (data/README.md) and the
// rules that decide which entries the agreement test holds the parser to.

#ifndef IOTFUZZ_TESTS_FUZZERS_TRIAGE_LABELLED_LOGS_H_
#define IOTFUZZ_TESTS_FUZZERS_TRIAGE_LABELLED_LOGS_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/triage/crash_signature.h"
#include "fuzzers/triage/sanitizer_log_parser.h"

namespace iotfuzz::triage::testing {

// Exit status of a test that skips itself; ctest reports it as skipped.
inline constexpr int kSkipExitCode = 77;

struct LabelledLogs {
  std::filesystem::path directory;
  std::string source;  // which location was used, for the test output
};

// $IOTFUZZ_SANITIZER_LOGS, else the shared data set, else the in-repo copy;
// nullopt when none holds labels.json. Throws if $IOTFUZZ_SANITIZER_LOGS is
// set but holds no labels.json (a user error, not a skip).
std::optional<LabelledLogs> FindLabelledLogs();

// Prints why and ends the test process with kSkipExitCode.
[[noreturn]] void SkipTest(const std::string& reason);

// The labelled logs, or a skip of the calling test when there are none.
LabelledLogs RequireLabelledLogs();

struct LabelledEntry {
  std::string file;
  std::string test;
  std::string crash_type;
  std::string crash_address;
  std::string crash_state;
  bool security = false;
  std::vector<std::string> env;
};

std::vector<LabelledEntry> LoadLabels(const LabelledLogs& logs);
std::string ReadFile(const std::filesystem::path& path);

// ClusterFuzz's job settings of an entry mapped onto iotfuzz options.
struct Emulation {
  ParseOptions parse;
  SignatureOptions signature;
  std::string unsupported;  // the first setting that cannot be emulated, or ""
};

// REPORT_OOMS_AND_HANGS absent (ClusterFuzz's default), or REDZONE above 64
// without FORCE, turns report_ooms_and_hangs off; ASSERTS_/CHECKS_HAVE_SECURITY_
// IMPLICATION map to the SecurityPolicy; FUZZ_TARGET becomes the fallback
// state; centipede.trim_logs needs no emulation (the parser strips the
// "CRASH LOG: " prefix itself). Anything else (patched ClusterFuzz config) is
// unsupported.
Emulation EmulateSettings(const LabelledEntry& entry);

// "" when the entry is in scope of the agreement threshold, else the reason.
// In scope: entries whose expected crash type a sanitizer or fuzzing engine
// report determines (or "" = no crash). Out of scope: types ClusterFuzz takes
// from the program's own assertion or log message in Chromium, V8, glog,
// Envoy or GLib formats (ASSERT, CHECK/DCHECK failure, Security DCHECK
// failure, Fatal error) - iotfuzz reports those too, but their exact kind
// depends on Chrome-specific conventions - and entries whose settings cannot
// be emulated.
std::string OutOfScopeReason(const LabelledEntry& entry, const Emulation& emulation);

// ClusterFuzz's state lines (without empty lines); "NULL" stands for none.
std::vector<std::string> ExpectedStateLines(const LabelledEntry& entry);

}  // namespace iotfuzz::triage::testing

#endif  // IOTFUZZ_TESTS_FUZZERS_TRIAGE_LABELLED_LOGS_H_
