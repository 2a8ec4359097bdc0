// Minimizes a session input that makes a server fail (a crash with a given
// signature, as the caller's oracle decides), within a budget of executions,
// deterministically (no randomness; the order of candidates is fixed):
//
//   1. messages dropped: last message first; after each success the list is
//      tried again from its end;
//   2. messages shrunk, the largest first, each on its own (the message's
//      subtree of the session's parse):
//        grammar-aware — elements of repetitions removed in chunks (half of
//        them, a quarter, ... one), blobs, strings and raw leaves cut to
//        nothing, an eighth, a quarter, half, three quarters of their bytes,
//        optional and conditional parts made absent, choices regenerated as
//        their smallest alternative; the message is serialized with its
//        relations recomputed (lengths, counts, deltas) and lying fields
//        keeping their lie, since the failure may depend on it;
//        byte-level — the message cut to a half, three quarters ... of its
//        bytes, then chunks of half, a quarter, ... one byte deleted (a
//        framed message keeps a frame of the right length around it).
//      A candidate is executed only when it is shorter than the current
//      session and does not split into more messages (a cut that leaves the
//      rest parsing as several small messages is no simpler session); it
//      replaces the session when the oracle says the failure reproduced.
//
// The result says how many messages and bytes were removed.
#ifndef IOTFUZZ_FUZZERS_NET_SESSION_MINIMIZER_H_
#define IOTFUZZ_FUZZERS_NET_SESSION_MINIMIZER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::net {

struct SessionMinimizeResult {
  std::string bytes;  // the smallest session that reproduced (the input when nothing did)
  size_t messages_before = 0;
  size_t messages_after = 0;
  size_t bytes_before = 0;
  size_t executions = 0;           // oracle calls
  size_t dropped_messages = 0;     // messages removed by step 1
  size_t bytes_removed_dropping = 0;
  size_t bytes_removed_shrinking = 0;
  bool budget_reached = false;
  // One line: "N of M messages, X of Y bytes (...)".
  std::string Summary() const;
};

class SessionMinimizer {
 public:
  // True when `candidate` still fails the same way.
  using Oracle = std::function<bool(const std::string& candidate)>;

  SessionMinimizer(const grammar::Grammar& grammar, const grammar::Session& session, Oracle oracle);

  // At most `budget` oracle calls. `shrink_messages` false: step 1 only.
  SessionMinimizeResult Minimize(const std::string& input, size_t budget, bool shrink_messages = true);

  // The messages of `input` as the session's parse splits them, each as its
  // container bytes (a framed message with its frame), then what the grammar
  // could not split (raw bytes, kept as one last piece). Concatenated, they
  // are `input` again.
  std::vector<std::string> SplitMessages(const std::string& input, size_t& messages) const;

 private:
  bool Test(const std::string& candidate, SessionMinimizeResult& result, size_t budget);
  void DropMessages(SessionMinimizeResult& result, size_t budget);
  void ShrinkMessage(std::vector<std::string>& pieces, size_t index, SessionMinimizeResult& result, size_t budget);

  const grammar::Grammar& g_;
  const grammar::Session& session_;
  Oracle oracle_;
};

}  // namespace iotfuzz::net

#endif  // IOTFUZZ_FUZZERS_NET_SESSION_MINIMIZER_H_
