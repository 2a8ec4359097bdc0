// CrashSignature: what makes two crashes "the same bug", for deduplication
// (an exact bucket key) and clustering (a similarity in [0, 1]).
//
// Algorithm.
//  1. Frames. The crashing thread's frames, innermost first, are filtered by a
//     FrameIgnoreList (see `FrameIgnoreList::Default` for the categories:
//     sanitizer runtimes, fuzzing engines, the C and C++ runtime, allocators,
//     abort/raise/assert machinery, logging/CHECK machinery, iotfuzz harness
//     glue, frames without any symbol or module). `LLVMFuzzerTestOneInput` is
//     the harness boundary: frames above it are never used, and it is itself
//     used only when no deeper frame survived (the bug is in the harness); it
//     then appears as the harness source file name (or, unsymbolised, as
//     "LLVMFuzzerTestOneInput (<module>)").
//  2. Normalisation. A symbolised frame becomes its function name without
//     parameter list, return-type-free qualifiers like " const", anonymous
//     namespaces, thunk prefixes and lambda source positions; hex constants of
//     4+ digits become ADDRESS and decimal runs of 4+ digits NUMBER (template
//     arguments, generated names). A frame without a symbol becomes
//     "<module basename>+0x<offset>" (stable across runs, unlike the pc); a
//     frame with only a source location becomes "<file basename>:<line>".
//  3. State. The first `state_frames` (3) normalised frames. For assertion-
//     like types (ASSERT, CHECK/DCHECK failures, Fatal error, Uncaught
//     exception) and Bad-cast ("Bad-cast to B from A") the normalised message
//     comes first, then 2 frames.
//     For Stack-overflow the recursion cycle is found (the shortest run of
//     frames repeated at least 3 times in a row, cycle length up to 10) and
//     rotated to its lexicographically smallest rotation, so the same
//     recursion is one bucket wherever the stack happened to run out.
//     Timeouts and out-of-memory crashes use the stack at the alarm or at the
//     allocation like any other crash, so different hangs stay apart.
//     When no frame survives, `SignatureOptions::fallback_state` is used
//     (e.g. the harness name).
//  4. Bucket key: "<slug of the crash type>-<16 hex digits>", the hex digits
//     being FNV-1a 64 over the crash type and the state lines. It contains only
//     [a-z0-9-{}*], so it can name a directory.
//  5. Similarity of two signatures = type factor x stack similarity.
//     Type factor: 1 for equal crash types, 0.8 for equal categories (access
//     kind or size differ), 0.5 otherwise. Stack similarity compares the first
//     `similarity_frames` (16) normalised frames (message first, as in the
//     state) with a position-weighted edit distance: an edit at position i
//     costs w(i) = 1/(1+i) (a substitution costs the larger weight of its two
//     positions), so differences near the crash point weigh most; the
//     distance D is at most W = max(sum of weights of either stack), and the
//     similarity is 1 - D/W (1 for two empty stacks). Crashes scoring at
//     least `kLikelySameBugSimilarity` are worth clustering together.

#ifndef IOTFUZZ_FUZZERS_TRIAGE_CRASH_SIGNATURE_H_
#define IOTFUZZ_FUZZERS_TRIAGE_CRASH_SIGNATURE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzzers/triage/crash_report.h"

namespace iotfuzz::triage {

// Decides which frames say nothing about where a bug is.
class FrameIgnoreList {
 public:
  // The default list; rules are documented next to each group in crash_signature.cc.
  static FrameIgnoreList Default();
  // Ignores only frames that carry no symbol, module or file.
  static FrameIgnoreList Empty();

  // Matches the function name without parameter list, e.g. "malloc", "operator new".
  void IgnoreFunction(std::string name);
  void IgnoreFunctionPrefix(std::string prefix);
  void IgnoreFunctionSubstring(std::string text);
  void IgnoreFileSubstring(std::string text);
  void IgnoreModuleSubstring(std::string text);

  bool Ignores(const StackFrame& frame) const;

 private:
  std::vector<std::string> functions_;
  std::vector<std::string> function_prefixes_;
  std::vector<std::string> function_substrings_;
  std::vector<std::string> file_substrings_;
  std::vector<std::string> module_substrings_;
};

struct SignatureOptions {
  std::size_t state_frames = 3;
  std::size_t similarity_frames = 16;
  FrameIgnoreList ignore = FrameIgnoreList::Default();
  std::string fallback_state;  // state when no frame survives the ignore list
};

inline constexpr double kLikelySameBugSimilarity = 0.85;

class CrashSignature {
 public:
  static CrashSignature FromReport(const CrashReport& report, const SignatureOptions& options = {});

  const std::string& crash_type() const { return crash_type_; }
  // Up to `state_frames` normalised lines (message first for assertion-like types).
  const std::vector<std::string>& state() const { return state_; }
  // Up to `similarity_frames` normalised lines used by Similarity.
  const std::vector<std::string>& stack() const { return stack_; }

  // The state lines, each followed by '\n' (ClusterFuzz's crash_state layout).
  std::string StateString() const;
  // Stable key for exact deduplication; equal keys mean equal type and state.
  std::string BucketKey() const;

  bool operator==(const CrashSignature&) const = default;

 private:
  std::string crash_type_;
  std::vector<std::string> state_;
  std::vector<std::string> stack_;
};

// The normalised text of one frame ("" when it has no symbol, module or file).
std::string NormaliseFrame(const StackFrame& frame);
// The function name without parameters, qualifiers or anonymous namespaces.
std::string SimplifyFunctionName(std::string_view function);

// Position-weighted edit-distance similarity in [0, 1]; see the header comment.
double StackSimilarity(const std::vector<std::string>& a, const std::vector<std::string>& b);
double Similarity(const CrashSignature& a, const CrashSignature& b);

nlohmann::json ToJson(const CrashSignature& signature);

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_CRASH_SIGNATURE_H_
