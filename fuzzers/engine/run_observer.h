// Observers of a running campaign: they see progress as it happens.
#ifndef IOTFUZZ_FUZZERS_ENGINE_RUN_OBSERVER_H_
#define IOTFUZZ_FUZZERS_ENGINE_RUN_OBSERVER_H_

#include <chrono>

#include "fuzzers/engine/fuzzer_stats.h"
#include "fuzzers/engine/run_config.h"

namespace iotfuzz {

struct RunProgress {
  FuzzerStats stats;
  std::chrono::milliseconds elapsed{0};
  RunBudget budget;
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // Called a few times a second while the engine runs, and once after it ended.
  virtual void OnProgress(const RunProgress& progress) = 0;
  // Called once when the engine has ended, before the summary is printed.
  virtual void OnFinish() = 0;
};

// Ignores everything; for tests and quiet runs.
class NullRunObserver : public RunObserver {
 public:
  void OnProgress(const RunProgress&) override {}
  void OnFinish() override {}
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_RUN_OBSERVER_H_
