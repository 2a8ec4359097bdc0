// The outcome of triaging a set of crash inputs: each input with its
// reproduction rate, the findings (one per bug: a cluster of inputs with its
// representative, minimized reproducer, classification and 5.13 mapping), the
// interface verdicts and the campaign extent. Produced by TriagePipeline,
// consumed by the report writers (triage_reports.h).
#ifndef IOTFUZZ_FUZZERS_TRIAGE_FINDING_H_
#define IOTFUZZ_FUZZERS_TRIAGE_FINDING_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/triage/crash_classifier.h"
#include "fuzzers/triage/crash_report.h"
#include "fuzzers/triage/crash_signature.h"
#include "fuzzers/triage/device_profile.h"
#include "fuzzers/triage/provision_mapping.h"

namespace iotfuzz::triage {

// k of N replays crashed with the finding's signature.
struct Reproduction {
  int attempts = 0;    // N
  int reproduced = 0;  // k

  bool reproducible() const { return reproduced > 0; }
  // Reproduced sometimes, not always: kept and flagged, never dropped.
  bool flaky() const { return reproduced > 0 && reproduced < attempts; }
  double rate() const { return attempts == 0 ? 0.0 : static_cast<double>(reproduced) / attempts; }
};

// One crash file as found in an input directory.
struct TriagedInput {
  std::filesystem::path file;
  std::string harness;
  std::string engine_kind;  // what the engine called it: crash, timeout, oom, leak, hang, unknown
  std::uint64_t size = 0;
  std::string sha256;
  Reproduction reproduction;  // for inputs replayed more than once; else attempts = 1
  std::string crash_type;     // from its first crashing replay; "" when it never crashed
  std::string bucket_key;
  std::string finding_id;     // the finding it belongs to ("" when it never crashed)
};

struct MinimizedInput {
  bool attempted = false;
  bool verified = false;           // replayed with the representative's bucket key
  std::string bytes;               // the verified result (== representative when nothing was removed)
  std::filesystem::path file;      // where it was written, when it was
  std::string sha256;
  std::vector<std::string> steps;  // "grammar: 92 -> 61 bytes (34 replays)", ...
};

struct Finding {
  std::string id;  // "F01", in report order
  std::string harness;
  std::string interface_name;
  CrashReport report;  // the representative's replay, symbolised
  CrashSignature signature;
  Classification classification;
  ProvisionMapping mapping;
  std::vector<std::string> bucket_keys;  // exact buckets merged into this finding, founder first
  double lowest_similarity = 1.0;
  std::vector<std::size_t> inputs;       // indices into TriageResult::inputs
  std::size_t representative = 0;        // index into TriageResult::inputs
  std::string representative_bytes;
  Reproduction reproduction;             // the representative's k/N
  MinimizedInput minimized;
  std::string log;                       // the representative's symbolised replay log
  std::filesystem::path log_file;
  std::vector<std::string> replay_command;

  // The reproducer to show: the minimized input when verified, else the representative.
  const std::string& ReproducerBytes() const {
    return minimized.verified ? minimized.bytes : representative_bytes;
  }
};

// One fuzzing campaign (an `iotfuzz run` summary.json) behind the inputs.
struct CampaignExtent {
  std::string harness;
  std::filesystem::path summary_file;
  std::string engine;
  std::string grammar;
  std::string started_at;
  double elapsed_seconds = 0;
  std::uint64_t execs = 0;
  std::optional<std::uint64_t> edges;
  std::optional<std::uint64_t> total_edges;
  std::optional<std::uint64_t> seed;
};

struct TriageSettings {
  int reproduce_attempts = 5;
  bool reproduce_every_input = false;  // false: every input once, representatives N times
  bool minimize = true;
  double replay_timeout_seconds = 10;
  double similarity_threshold = kLikelySameBugSimilarity;
};

struct TriageResult {
  std::string tool_version;
  std::string generated_at;  // UTC ISO 8601
  std::vector<std::filesystem::path> input_dirs;
  std::filesystem::path source_dir;  // for relative source locations
  TriageSettings settings;
  DeviceProfile profile;
  std::vector<CampaignExtent> campaigns;
  std::vector<TriagedInput> inputs;
  std::vector<Finding> findings;  // highest severity first
  std::vector<InterfaceVerdict> verdicts;
  std::vector<std::string> notes;  // what the user should know (skipped files, missing binaries, ...)

  std::size_t reproducible_findings() const;
};

// The first frame of `report` in the component's own code: not in a
// sanitizer or fuzzing runtime, the C/C++ libraries, the replay driver or
// the harness entry point (unless nothing else is left), and with a source
// file. nullptr when there is none.
const StackFrame* FirstOwnFrame(const CrashReport& report);

// `path` relative to `base` when it lies below it, else unchanged.
std::string RelativeSourcePath(const std::string& path, const std::filesystem::path& base);

// The campaigns of `harness` in words: "120 s, 1.2 M executions, 340/1203 edges (2 runs)".
std::string DescribeExtent(const std::vector<CampaignExtent>& campaigns, const std::string& harness);

// The SHA-256 of `bytes` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_FINDING_H_
