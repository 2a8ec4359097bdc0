// Splitting a byte stream (one direction of a TCP connection) or a datagram
// into the messages of a grammar, and checking that each message parses back
// exactly.
//
// At each position every candidate rule is tried with
// InputParser::ParsePrefix; the first rule, in the order given, that
// explains a prefix strictly (no lying field, no raw bytes) wins, else the
// first one that explains it with lies. When no rule matches, the rest of
// the stream cannot be split (a stream offers no resynchronisation point);
// when the bytes end inside a message, that message is incomplete.
#ifndef IOTFUZZ_FUZZERS_CORPUS_MESSAGE_SPLITTER_H_
#define IOTFUZZ_FUZZERS_CORPUS_MESSAGE_SPLITTER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"

namespace iotfuzz::corpus {

struct SplitMessage {
  size_t offset = 0;   // in the split bytes
  size_t length = 0;
  size_t rule = 0;     // index into the splitter's rules
  size_t lying_fields = 0;
  size_t raw_bytes = 0;
  size_t unusual_values = 0;  // values outside `from {...}` sets (grammar::ParseResult)
};

struct SplitResult {
  std::vector<SplitMessage> messages;
  size_t split_bytes = 0;    // bytes in messages
  size_t unsplit_bytes = 0;  // bytes after the last message
  // Why bytes were left: "no rule matches" or "message incomplete"; empty
  // when every byte was split.
  std::string stop_reason;
};

// What a full parse of one message says.
struct MessageCheck {
  bool exact = false;     // serialize(parse(x)) == x
  size_t raw_bytes = 0;   // bytes the grammar could not explain
  size_t lying_fields = 0;
  bool budget_exhausted = false;
};

class MessageSplitter {
 public:
  // Parse steps allowed per input byte beyond `limits`: a large message (a
  // JSON body of megabytes) gets a budget that grows with it.
  static constexpr uint64_t kStepsPerByte = 100;

  // `rules` in order of preference; they must belong to `grammar`. `limits`
  // is the budget of a parse of any size.
  MessageSplitter(const grammar::Grammar& grammar, std::vector<grammar::RuleId> rules,
                  grammar::ParseLimits limits = {});

  // Which rules may explain the next message of a stream, asked before each
  // one with the bytes it starts with: an index into rules() to try that
  // rule alone, or -1 for all of them. (An HTTP response to a HEAD request
  // has no body although its fields announce one: only the request tells.)
  using RuleChooser = std::function<int(std::string_view rest)>;
  void set_rule_chooser(RuleChooser chooser) { chooser_ = std::move(chooser); }

  // Splits contiguous stream bytes into messages. With `strict_start` (bytes
  // after a gap, which may begin inside a message), the first message must
  // match strictly, or none is taken: relaxed matching would explain the
  // middle of a message as a run of lying ones.
  SplitResult SplitStream(std::string_view bytes, bool strict_start = false);
  // Matches one datagram as a whole message: the first rule (in order) that
  // parses all of it strictly, else without raw bytes, else (with raw bytes)
  // the first rule. The result has one message; `unsplit_bytes` holds its
  // raw bytes when no rule explains it.
  SplitResult SplitDatagram(std::string_view datagram);

  // Parses `message` as rule `rule` (an index into rules()) from scratch
  // and serializes the tree.
  MessageCheck Check(std::string_view message, size_t rule);

  const std::vector<grammar::RuleId>& rules() const { return rules_; }
  const std::string& rule_name(size_t rule) const { return grammar_.rule(rules_[rule]).name; }

 private:
  // The parser whose budget covers `size` bytes.
  grammar::InputParser& ParserFor(size_t size);

  const grammar::Grammar& grammar_;
  std::vector<grammar::RuleId> rules_;
  grammar::ParseLimits limits_;
  grammar::InputParser parser_;
  std::unique_ptr<grammar::InputParser> large_parser_;  // for inputs past limits_
  uint64_t large_steps_ = 0;
  grammar::Serializer serializer_;
  RuleChooser chooser_;
};

}  // namespace iotfuzz::corpus

#endif  // IOTFUZZ_FUZZERS_CORPUS_MESSAGE_SPLITTER_H_
