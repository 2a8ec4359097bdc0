// Parses raw input bytes into a tree of a grammar, exactly:
// Serializer().Serialize(Parse(x)) == x for every byte string x.
//
// Algorithm: recursive descent with PEG semantics (ordered choice, greedy
// repetition), over byte ranges:
//  - a field with a length relation already read (MQTT remaining length, a
//    CoAP length nibble, Content-Length) is parsed inside exactly that many
//    bytes; if it does not parse there, it becomes a raw leaf of that length
//    and the structure around it survives;
//  - constraints (constants, ranges, enums, alphabets) are strict at first;
//    when no alternative of a choice matches strictly, the alternatives are
//    tried again accepting violations, and each violating field is marked
//    lying;
//  - after parsing, every relation is recomputed from the tree; a field whose
//    bytes disagree is marked lying and keeps its bytes;
//  - bytes the grammar cannot explain end up in raw leaves (kRaw);
//  - in a session input, a field a step uses that differs from the value
//    bound earlier is marked lying (SessionBinder::MarkLies).
// A step budget bounds the work on hostile grammars and inputs; past it, the
// rest of the input is a raw leaf.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_INPUT_PARSER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_INPUT_PARSER_H_

#include <bitset>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "fuzzers/grammar/condition_evaluator.h"
#include "fuzzers/grammar/field_resolver.h"
#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/session_binder.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::grammar {

struct ParseLimits {
  uint32_t max_steps = 200000;  // expression matches per parse
  // A choice's strict pass skips the alternatives that cannot begin with the
  // next byte (InputParser::FirstBytes). The parse is the same either way.
  bool first_byte_dispatch = true;
};

struct ParseResult {
  Tree tree;
  size_t raw_bytes = 0;     // bytes in raw leaves
  size_t lying_fields = 0;  // fields whose bytes break a relation or constraint
  // Fields with a value outside their `from {...}` set: valid, but what a
  // typical message of the protocol does not carry (a CoAP option number of
  // no registered option). Telling protocols apart counts them.
  size_t unusual_values = 0;
  bool budget_exhausted = false;
  // True when the whole input was explained by the grammar: no raw bytes.
  bool complete() const { return raw_bytes == 0; }
  // Empty, for a parse into reused buffers (the tree keeps its capacity).
  void Clear() {
    tree.Clear();
    raw_bytes = 0;
    lying_fields = 0;
    unusual_values = 0;
    budget_exhausted = false;
  }
};

// Whether the bytes received so far hold a complete message of a rule: how a
// network executor frames a response without fixed sleeps.
struct PrefixMatch {
  enum Status { kNoMatch, kNeedMore, kComplete };
  Status status = kNoMatch;
  size_t length = 0;   // kComplete: bytes of the message, from the start
  ParseResult parse;   // kComplete: its tree (lies marked, no raw rest)
};

class InputParser {
 public:
  explicit InputParser(const Grammar& grammar, ParseLimits limits = {});

  // Parses `input` as `rule` (the start rule by default).
  ParseResult Parse(std::string_view input, RuleId rule = kNone);
  // The same into `result`, reusing its tree's buffers.
  void ParseInto(std::string_view input, ParseResult& result, RuleId rule = kNone);

  // Matches one message of `rule` at the start of `input` (bytes received
  // so far; more may follow): kComplete with its length when a prefix is a
  // message (constraints relaxed, and the violations marked as lies, when
  // no strict match exists); kNeedMore when the bytes end before a message
  // could — a length read earlier runs past them, a field or literal is cut;
  // kNoMatch otherwise. The rule should delimit itself (a length field, a
  // terminator): an unbounded field at its end takes whatever has arrived.
  PrefixMatch ParsePrefix(std::string_view input, RuleId rule);
  // The same into `match`, whose buffers are reused (no allocation once
  // they have grown).
  void ParsePrefixInto(std::string_view input, RuleId rule, PrefixMatch& match);

 private:
  bool Match(ExprId id, NodeId parent, size_t& pos, size_t end, bool relaxed);
  bool MatchField(ExprId id, NodeId parent, size_t& pos, size_t end, bool relaxed);
  bool MatchNode(ExprId id, NodeId node, size_t& pos, size_t end, bool relaxed);
  bool MatchScalar(const Expr& e, NodeId node, size_t& pos, size_t end, bool relaxed);
  bool MatchBlob(const Expr& e, NodeId node, size_t& pos, size_t end, bool relaxed, bool exact_length);
  // The length/count a relation read earlier demands of `target`, whose node
  // `self` is being matched, if any.
  bool DemandedValue(ExprId target, NodeId self, RelationKind kind, uint64_t& value);
  // `node` is the field's node, for a range whose low bound is another field.
  bool CheckConstraint(const Expr& e, NodeId node, uint64_t value);
  void MarkLies(ParseResult& result);
  // A read refused for want of bytes; at the end of the input (not of a
  // bounded region inside it) more bytes could make it match. Returns false.
  bool RanOut(size_t end) {
    if (end == input_.size()) ran_out_ = true;
    return false;
  }

  // What a match of an expression can begin with: the values its first
  // byte can have in a strict match (`strict`: constraints hold, though a
  // choice inside tries its alternatives with violations too when none fits
  // strictly) and in a relaxed one (`relaxed`: any value of a number field),
  // whether it can match no bytes at all, and how many bytes must be left
  // for its first byte to be checked (a wider field is read whole: with
  // fewer bytes left it runs out instead of failing). Every byte where that
  // is not worked out (blobs, relation targets, whose announced length makes
  // them match as raw bytes, recursion).
  struct FirstBytes {
    std::bitset<256> strict;
    std::bitset<256> relaxed;
    bool nullable = false;
    uint32_t span = 1;
  };
  // first_[id], worked out once; `state` marks the expressions being
  // worked out (recursion) and done.
  const FirstBytes& FirstOf(ExprId id, std::vector<uint8_t>& state);
  FirstBytes ComputeFirstBytes(ExprId id, std::vector<uint8_t>& state);
  // Whether number field `id` may hold any value however it is constrained:
  // a relation's field, a field another one relates to, an open set, a
  // signed number.
  bool TakesAnyValue(ExprId id) const;
  // Calls add(v) for each value number field `id` may hold in a strict
  // match; false when it may hold any (TakesAnyValue, no constraint) or
  // there are too many to list.
  bool ForEachStrictValue(ExprId id, const std::function<void(uint64_t)>& add) const;
  // The values the first byte of number field `id`, `width` bytes wide, can
  // have in a strict match.
  std::bitset<256> NumberFirstBytes(ExprId id, uint32_t width) const;
  std::bitset<256> BitsFirstBytes(const Expr& bits) const;

  const Grammar& g_;
  ParseLimits limits_;
  std::vector<FirstBytes> first_;  // by ExprId; empty without first_byte_dispatch
  FieldResolver resolver_;
  Serializer serializer_;
  ConditionEvaluator conditions_;
  SessionBinder binder_;
  std::string_view input_;
  Tree* tree_ = nullptr;
  static constexpr size_t kNoFill = ~size_t{0};
  size_t fill_end_ = kNoFill;  // end of the bounded region the next choice should fill
  uint32_t steps_ = 0;
  bool exhausted_ = false;
  bool ran_out_ = false;
  bool cut_short_ = false;  // the current match read a field shorter than announced
  bool prefix_mode_ = false;  // inside ParsePrefix
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_INPUT_PARSER_H_
