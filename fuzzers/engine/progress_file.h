// A progress file: the latest figures of a running fuzzer as one small JSON
// object, replaced atomically about once a second, so that a supervisor
// (`iotfuzz campaign`) can show every job at once and plot coverage over time
// without parsing engine output. `iotfuzz run` and `iotfuzz net` write one
// with --progress-file FILE.
//
// {"elapsed_seconds": 12.5, "execs": 120000, "execs_per_sec": 9600.0,
//  "edges": 345, "corpus": 120, "crashes": 1, "hangs": 0, "finished": false}
#ifndef IOTFUZZ_FUZZERS_ENGINE_PROGRESS_FILE_H_
#define IOTFUZZ_FUZZERS_ENGINE_PROGRESS_FILE_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "fuzzers/engine/run_observer.h"

namespace iotfuzz {

struct ProgressRecord {
  double elapsed_seconds = 0;
  std::uint64_t execs = 0;  // executions (network mode: sessions)
  double execs_per_sec = 0;
  std::uint64_t edges = 0;
  std::uint64_t corpus = 0;
  std::uint64_t crashes = 0;
  std::uint64_t hangs = 0;
  bool finished = false;  // the run has ended

  bool operator==(const ProgressRecord&) const = default;
};

// Replaces `path` with `record` atomically (the directory must exist).
void WriteProgressFile(const std::filesystem::path& path, const ProgressRecord& record);

// The record in `path`; nullopt when the file is missing or is not a
// progress record (a reader polls, so a missing file only means "not yet").
std::optional<ProgressRecord> ReadProgressFile(const std::filesystem::path& path);

// Forwards every call to `next` (may be null) and writes the progress file at
// most once per `interval`, and once more, finished, at the end.
class ProgressFileWriter : public RunObserver {
 public:
  ProgressFileWriter(std::filesystem::path path, RunObserver* next,
                     std::chrono::milliseconds interval = std::chrono::seconds(1));

  void OnProgress(const RunProgress& progress) override;
  void OnFinish() override;

  static ProgressRecord FromProgress(const RunProgress& progress);

 private:
  std::filesystem::path path_;
  RunObserver* next_;
  std::chrono::milliseconds interval_;
  std::optional<std::chrono::milliseconds> last_written_;
  ProgressRecord last_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_PROGRESS_FILE_H_
