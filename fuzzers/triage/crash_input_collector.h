// CrashInputCollector: finds the crash inputs in the directories given to
// `iotfuzz triage`, the harness they belong to and the campaign behind them.
//
// A directory may be
//  - an `iotfuzz run` output directory (it has summary.json naming the
//    harness; inputs are the files of its crashes directory), or a
//    directory inside one (its parent has summary.json);
//  - an AFL++ output directory: every `crashes/` and `hangs/` directory at
//    most two levels down (e.g. out/default/crashes), README.txt skipped;
//    fuzzer_stats beside them gives the campaign's extent;
//  - a libFuzzer artifact directory or any directory of inputs: its regular
//    files (crash-, leak-, timeout-, oom-, minimized-from- artifacts and any
//    other name; slow-unit- files are no finding and are skipped with a note).
// A single file is accepted as one input. The harness comes from
// `harness_option` when given, else from the summary.json; without either
// the directory is rejected with an error saying to pass --harness.
#ifndef IOTFUZZ_FUZZERS_TRIAGE_CRASH_INPUT_COLLECTOR_H_
#define IOTFUZZ_FUZZERS_TRIAGE_CRASH_INPUT_COLLECTOR_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fuzzers/triage/finding.h"

namespace iotfuzz::triage {

struct CollectedInputs {
  std::vector<TriagedInput> inputs;         // file, harness, engine_kind, size, sha256 filled
  std::vector<CampaignExtent> campaigns;
  std::vector<std::string> notes;
};

// Collects from every directory in `dirs`, in order, files sorted by name.
// Throws iotfuzz::Error naming the directory (or summary.json, with what was
// expected) when it cannot be read or its harness is unknown.
CollectedInputs CollectCrashInputs(const std::vector<std::filesystem::path>& dirs,
                                   const std::optional<std::string>& harness_option);

// What an engine's file name says about an input: "crash", "leak",
// "timeout", "oom", "hang" (AFL++ hangs/), or "unknown".
std::string EngineKindFromPath(const std::filesystem::path& file);

// Reads an `iotfuzz run` summary.json; throws iotfuzz::Error naming the file
// and the field when it is malformed.
CampaignExtent ReadRunSummary(const std::filesystem::path& summary_file, std::string* crashes_dir);

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_CRASH_INPUT_COLLECTOR_H_
