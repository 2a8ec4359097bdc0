// CrashMinimizer: shrinks a crashing input while it keeps crashing the same
// way. "The same way" is decided by an oracle the caller provides (the triage
// pipeline replays the candidate and compares its bucket key with the
// representative's), so every accepted step is verified by replay and re-parse.
//
// Grammar-aware pass (when the harness has a grammar): the input is parsed
// into a tree (InputParser; serialize(parse(x)) == x), then, until a round
// makes no progress or `max_grammar_tests` candidates were tried:
//   1. list elements: every repetition's elements are removed in chunks
//      (half of them, then quarters, ... then one by one, respecting the
//      repetition's minimum count);
//   2. subtrees: optional and conditional parts are made absent;
//   3. leaves: byte blobs, strings and raw leaves are cut to half, a quarter,
//      ... of their bytes, then to nothing.
// Candidates are serialized with every relation recomputed (lengths, counts,
// presence flags, CoAP deltas), so the structure around a removed part stays
// valid; fields the parser found lying keep their lie, since the crash may
// depend on it. A candidate is tested only when it is shorter.
//
// Prefix pass: a binary search for the shortest prefix that still crashes
// the same way (at most about log2(size) replays). Harnesses that take a
// stream of messages stop at the crashing one, so whatever follows it goes
// here, which libFuzzer's random erasures rarely hit exactly.
//
// Byte-level pass: libFuzzer's crash minimizer, one step at a time: the
// libFuzzer binary runs `-minimize_crash_internal_step=1 -runs=<runs>
// -seed=1 -exact_artifact_path=<file>` on the current input (the step that
// `-minimize_crash=1` repeats); a step's result is accepted when the oracle
// confirms it, and steps continue from it until a step finds nothing smaller
// or `max_libfuzzer_steps` steps ran. A step whose result the oracle rejects
// (a smaller input that crashes differently, often another bug) is repeated
// with the next seed, twice at most. Fixed seeds and run counts make it
// deterministic.
#ifndef IOTFUZZ_FUZZERS_TRIAGE_CRASH_MINIMIZER_H_
#define IOTFUZZ_FUZZERS_TRIAGE_CRASH_MINIMIZER_H_

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fuzzers/common/environment.h"
#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::triage {

struct MinimizeOptions {
  std::size_t max_grammar_tests = 400;
  std::size_t max_libfuzzer_steps = 12;
  std::size_t libfuzzer_runs = 1000;  // mutations tried per libFuzzer step
  int timeout_seconds = 10;           // libFuzzer -timeout per input
};

struct MinimizeOutcome {
  std::string bytes;               // the smallest confirmed input (the original when nothing worked)
  std::vector<std::string> steps;  // one line per pass that ran
  std::size_t oracle_calls = 0;
};

class CrashMinimizer {
 public:
  // True when `candidate` still crashes with the same signature.
  using Oracle = std::function<bool(const std::string& candidate)>;

  CrashMinimizer(Oracle oracle, MinimizeOptions options) : oracle_(std::move(oracle)), options_(options) {}

  // The grammar-aware pass over `input`.
  MinimizeOutcome MinimizeWithGrammar(const grammar::Grammar& grammar, const std::string& input);

  // The prefix pass over `input`.
  MinimizeOutcome TrimToShortestPrefix(const std::string& input);

  // The byte-level pass with `libfuzzer_binary`, in `work_dir` (created if
  // needed; step files are left there), under `env`.
  MinimizeOutcome MinimizeWithLibFuzzer(const std::filesystem::path& libfuzzer_binary, const std::string& input,
                                        const std::filesystem::path& work_dir, const Environment& env);

 private:
  bool Test(const std::string& candidate, MinimizeOutcome& outcome);

  Oracle oracle_;
  MinimizeOptions options_;
};

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_CRASH_MINIMIZER_H_
