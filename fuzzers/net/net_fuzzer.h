// The network fuzzing loop (`iotfuzz net`): seeds (the output directory's
// corpus when resuming, given corpus directories, sessions generated from the
// grammar), grammar mutations of the session inputs, execution against the
// server (NetExecutor), and what is kept:
//   corpus/   sessions that reached new edges or new response-state
//             transitions (pairs of consecutive response states)
//   crashes/  crash-<hash> (the session), .log (the server's report), .txt
//             (the transcript: each message and its responses), .min (the
//             session minimized: messages the crash does not need dropped,
//             the others shrunk; SessionMinimizer), .min.txt (how many
//             messages and bytes were removed, and the transcript of the
//             minimized session)
//   hangs/    the same for hangs (minimized with a quarter of the budget:
//             a candidate that still hangs costs the hang timeout);
//   accepted/ the same for invalid input the server accepted (validation
//             oracle), minimized while the same item is accepted;
//   unreachable/ black-box probe failures (not minimized)
//   summary.json  figures of the run
// With NetFuzzOptions::merge, corpus/ is replaced by the sessions of the
// merge (corpus.merge/ is built beside it, then swapped in).
// Every file is written atomically; a run killed at any moment resumes from
// its corpus with `iotfuzz net` again. With NetFuzzOptions::jobs > 1 each
// worker's server works in server/<worker>/.
#ifndef IOTFUZZ_FUZZERS_NET_NET_FUZZER_H_
#define IOTFUZZ_FUZZERS_NET_NET_FUZZER_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fuzzers/net/net_executor.h"

namespace iotfuzz::net {

struct NetFuzzOptions {
  ExecutorOptions executor;
  uint64_t seed = 1;
  uint64_t max_sessions = 0;             // 0: no limit
  std::chrono::seconds max_time{0};      // 0: no limit
  bool keep_going = false;               // continue after a crash
  bool use_grammar = true;               // false: byte-level mutations only
  // Runs the seeds of the output directory's corpus and `corpus_dirs` once
  // and stops: no generated seeds, no mutation (regression checks).
  bool replay_only = false;
  // Merges the corpus: runs the output directory's corpus and `corpus_dirs`
  // once, smallest first, keeps the sessions that reach edges (hit-count
  // buckets) or response states none before them did, and swaps them in as
  // the output directory's corpus (SwapInDirectory). No mutation.
  bool merge = false;
  size_t max_size = 4096;                // bytes per session input
  // Parallel workers, each with its own server (own port, own coverage map)
  // and pinned with it to one CPU; they share the corpus, coverage, response
  // states and findings. 1: one worker on the calling thread, unpinned, the
  // run repeatable for a seed. Merges run one.
  size_t jobs = 1;
  size_t generated_seeds = 16;           // sessions generated from the grammar at start
  std::vector<std::filesystem::path> corpus_dirs;  // extra seeds, read only
  std::filesystem::path out_dir;
  std::chrono::milliseconds status_interval{1000};
  // Executions spent minimizing each new crash or invalid-input-accepted
  // finding (dropping and shrinking messages; a quarter for hangs); 0: off.
  int minimize_budget = 64;
};

struct NetFuzzStats {
  uint64_t sessions = 0;
  uint64_t messages = 0;
  size_t edges = 0;
  size_t states = 0;        // distinct response states
  size_t transitions = 0;   // distinct (state, next state) pairs
  size_t corpus = 0;
  uint64_t crashes = 0;     // sessions that crashed the server
  uint64_t unique_crashes = 0;
  uint64_t hangs = 0;
  uint64_t unreachable = 0;
  uint64_t invalid_accepted = 0;  // sessions where the validation oracle fired
  uint64_t restarts = 0;
  // --merge: sessions run and sessions kept.
  size_t merge_before = 0;
  size_t merge_after = 0;
  double seconds = 0;
  // (seconds, sessions, edges, response states) about once a second.
  struct Point {
    double seconds;
    uint64_t sessions;
    size_t edges;
    size_t states;
  };
  std::vector<Point> timeline;
  double sessions_per_second() const { return seconds > 0 ? sessions / seconds : 0; }
};

struct NetFinding {
  std::string kind;  // "crash", "hang", "server exited", "unreachable", "invalid input accepted"
  std::filesystem::path input;
  std::string description;
};

class NetFuzzer {
 public:
  using StatusFn = std::function<void(const NetFuzzStats&)>;
  using FindingFn = std::function<void(const NetFinding&)>;

  NetFuzzer(NetTarget target, NetFuzzOptions options);
  ~NetFuzzer();

  // Runs until the session or time budget is spent, a crash (unless
  // keep_going) or `stop()` returns true. Throws Error when the server cannot
  // be started or the grammar has no such session.
  NetFuzzStats Run(const std::function<bool()>& stop, const StatusFn& status, const FindingFn& finding);
  const std::vector<NetFinding>& findings() const { return findings_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<NetFinding> findings_;
};

// Writes a readable transcript of a session result: each message sent (rule,
// bytes) and each response (rule, state, bytes).
std::string FormatTranscript(const SessionResult& result);

}  // namespace iotfuzz::net

#endif  // IOTFUZZ_FUZZERS_NET_NET_FUZZER_H_
