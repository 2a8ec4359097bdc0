// The grammar IR: what a .grammar file compiles to. Rules and expressions live
// in flat arrays and refer to each other by index, so a tree node can name the
// expression it was built from with one integer. The language itself is
// described in grammars/README.md (docs/grammar-language-design.md for the
// design decisions).
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_H_

#include <bitset>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace iotfuzz::grammar {

using ExprId = uint32_t;
using RuleId = uint32_t;
using ConditionId = uint32_t;
inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

// 1-based line and column in the grammar file.
struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
};

enum class ExprKind : uint8_t {
  kLiteral,      // fixed bytes (`"GET"`, `x"0a"`, `i"host"`)
  kCharClass,    // one byte out of a set (`[a-z]`)
  kSequence,     // children in order
  kChoice,       // one of the children, with weights
  kRepeat,       // child repeated min..max times (`*`, `+`, `{m,n}`)
  kOptional,     // child or nothing (`?`)
  kConditional,  // child present only when `condition` holds
  kRuleRef,      // another rule
  kInteger,      // fixed-width integer, either byte order
  kBits,         // whole bytes split into bit fields (children are kBitField)
  kBitField,     // `width` bits inside a kBits
  kVarint,       // MQTT variable byte integer
  kDecimal,      // unsigned number as ASCII decimal digits
  kHex,          // unsigned number as ASCII hex digits
  kBytes,        // byte blob, bounded or the rest of its enclosing length
  kString,       // bytes out of an alphabet (ascii, utf8, token)
  kVirtual,      // integer kept in the tree, never serialized
};

const char* ExprKindName(ExprKind kind);

// A number field: one that holds a value (constraints, relations, binds).
constexpr bool IsNumberKind(ExprKind k) {
  return k == ExprKind::kInteger || k == ExprKind::kBitField || k == ExprKind::kVarint || k == ExprKind::kDecimal ||
         k == ExprKind::kHex || k == ExprKind::kVirtual;
}

enum class ByteOrder : uint8_t { kBig, kLittle };

// A value computed at serialization time. `target` is a field path
// (`payload`, `flags.qos`); the value is `base(target) * multiplier + addend`.
enum class RelationKind : uint8_t {
  kNone,
  kLength,   // serialized byte length of the target
  kCount,    // number of elements of a repetition
  kPresent,  // 1 if an optional/conditional target is present, else 0
  kDelta,    // target of this element minus target of the previous element
};

const char* RelationKindName(RelationKind kind);

// How a relation's value is split over several fields. CoAP writes an
// option delta or length v as a 4-bit nibble plus an extension:
//   v < 13: nibble v, no extension; v < 269: nibble 13, extension v - 13 (one
//   byte); else nibble 14, extension v - 269 (two bytes). Nibble 15 is
//   reserved.
// `nibble13(r)` is the nibble of relation r, `ext13(r)` its extension; the
// parser adds the decoded parts back up.
enum class RelationCodec : uint8_t { kNone, kNibble13, kExt13 };

const char* RelationCodecName(RelationCodec codec);

struct Relation {
  RelationKind kind = RelationKind::kNone;
  RelationCodec codec = RelationCodec::kNone;
  std::vector<std::string> target;
  int64_t multiplier = 1;
  int64_t addend = 0;
  SourcePos pos;
};

// The field value a codec gives for relation value `v`.
uint64_t EncodeRelationCodec(RelationCodec codec, uint64_t v);
// The part of the relation value a field with `codec` holding `field` stands
// for (nibble 13 stands for 13, nibble 14 for 269). False for reserved
// values (nibble 15).
bool DecodeRelationCodec(RelationCodec codec, uint64_t field, uint64_t& part);

// What values a scalar field may take. Mutation lies by leaving this set.
enum class ConstraintKind : uint8_t {
  kNone,
  kConstant,  // `= 4`
  kRange,     // `in 1..7`
  kSet,       // `in {0, 1, 0xffff}`
  kEnum,      // `enum u8 { a = 1, b = 2 }`
};

struct Constraint {
  ConstraintKind kind = ConstraintKind::kNone;
  uint64_t low = 0;   // kConstant: the value; kRange: bounds
  uint64_t high = 0;
  std::vector<uint64_t> values;       // kSet, kEnum
  std::vector<std::string> names;     // kEnum, parallel to `values`
  std::vector<uint64_t> interesting;  // extra values mutation favours
  // `must_reject`: a message in which this field lies is invalid input a
  // conforming peer must reject (the network executor's validation oracle).
  bool must_reject = false;
  // `from {a, b}` (a kSet): values are generated from the set, but any value
  // is valid — parsed without a lie (CoAP option numbers: the registered
  // ones generated, an unregistered one still a well-formed option).
  bool open = false;
  // `in start..0xffff` (a kRange): the low bound is the value of an earlier
  // field (a kField condition naming it; `low` is then 0). A handle range
  // that must not end before it starts.
  ConditionId low_field = kNone;
};

// A boolean expression over earlier fields, for conditional fields.
// kBitAnd is a value (`number & 1`), binding tighter than the comparisons;
// the others are truth values.
enum class ConditionKind : uint8_t { kField, kConstant, kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr, kNot, kBitAnd };

struct Condition {
  ConditionKind kind = ConditionKind::kConstant;
  std::vector<std::string> path;  // kField
  uint64_t value = 0;             // kConstant
  ConditionId lhs = kNone;
  ConditionId rhs = kNone;
  SourcePos pos;
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  SourcePos pos;
  std::string label;               // field name, empty when unlabelled
  std::vector<ExprId> children;
  std::vector<uint32_t> weights;   // kChoice: one per child
  std::string bytes;               // kLiteral
  bool case_insensitive = false;   // kLiteral
  std::bitset<256> alphabet;       // kCharClass, kString
  bool utf8 = false;               // kString: valid UTF-8 sequences
  uint32_t min = 0;                // kRepeat/kBytes/kString: count bounds
  uint32_t max = 0;
  bool unbounded = false;          // max not given
  uint32_t width = 0;              // kInteger: bytes; kBitField: bits
  ByteOrder order = ByteOrder::kBig;
  bool is_signed = false;
  RuleId rule = kNone;             // kRuleRef
  std::string rule_name;           // kRuleRef, as written
  ConditionId condition = kNone;   // kConditional
  Relation relation;
  Constraint constraint;
  // `must_reject` after an item that is not a number field (a conditional
  // field, a choice alternative, a group): a message in which this item is
  // present is invalid input a conforming peer must reject (a CoAP request
  // with an unrecognized critical option, an HTTP request with both
  // Content-Length and Transfer-Encoding). Number fields say it through
  // `constraint.must_reject`, about their value lying.
  bool must_reject_present = false;
};

struct Rule {
  std::string name;
  ExprId body = kNone;
  SourcePos pos;
};

// Sessions: a message sequence with directions, declared with
// `session NAME [framing stream|frames] { steps }` (grammars/README.md).
//
// What an in-process harness receives is the *sent* messages of a session as
// one input. The parser turns every session into two ordinary rules, so
// generation, parse-back, mutation and serialization work on sessions as on
// any rule:
//   NAME         = messages: NAME.message{0,N}
//   NAME.message = R1 | R2 | ...                               (framing stream)
//   NAME.message = len: u16le = length(message) message: (R1 | R2 | ...)
//                                                              (framing frames,
//                                                   fuzzers/harness/message_frames.h)
//   NAME.message = connection: u8 len: u16le = length(message)
//                  message: (R1 | R2 | ...)        (K connections, declared
//                                              with `connection NAME { ... }`;
//                                              the index is taken modulo K)
// where R1, R2... are the rules the session sends. Any order of messages
// parses back (a message out of protocol order is a session-level lie); the
// steps say the order the generator follows, the responses the network
// executor waits for, and the values bound from one message and used in a
// later one.
enum class SessionFraming : uint8_t {
  kStream,  // messages back to back on one byte stream (TCP: HTTP, MQTT)
  kFrames,  // each message in a u16le-length frame (datagrams: CoAP, ATT PDUs)
};

enum class SessionStepKind : uint8_t { kSend, kRecv, kRepeat, kEither };

// `bind VAR = FIELD`: after the message, VAR holds FIELD's value.
struct SessionBind {
  std::string variable;
  std::vector<std::string> field;
  ExprId field_expr = kNone;  // resolved in the step's rule
  SourcePos pos;
};

// `use FIELD = VAR [+|- N]`: before the message is serialized, FIELD takes
// VAR's value (plus N) when VAR is bound; a use can lie like a relation.
struct SessionUse {
  std::vector<std::string> field;
  ExprId field_expr = kNone;
  std::string variable;
  int64_t addend = 0;
  SourcePos pos;
};

struct SessionStep {
  SessionStepKind kind = SessionStepKind::kSend;
  SourcePos pos;
  std::string rule_name;   // kSend, kRecv
  RuleId rule = kNone;
  std::vector<SessionBind> binds;
  std::vector<SessionUse> uses;                // kSend
  std::vector<std::string> state;              // kRecv: `state(FIELD)`, the response state
  ExprId state_expr = kNone;
  std::vector<SessionUse> expects;             // kRecv: `expect FIELD == VAR [+ N]`, the oracle
  // kRecv: `accepts` / `accepts(FIELD in {V, ...})`: this response (with
  // FIELD in the set) means the peer accepted the message it answers — after
  // a message with a `must_reject` field lying, an "invalid input accepted"
  // finding.
  bool accepts = false;
  std::vector<std::string> accept_field;
  ExprId accept_expr = kNone;
  std::vector<uint64_t> accept_values;
  uint32_t min = 1;                            // kRepeat: `repeat MIN..MAX { ... }`
  uint32_t max = 1;
  std::vector<SessionStep> body;               // kRepeat
  // kEither: `either { ... } or { ... }`, one of the step lists per run (an
  // MQTT connection is v5 or 3.1.1 from its CONNECT on).
  std::vector<std::vector<SessionStep>> alternatives;
  // kSend, kRecv: the connection the message goes over, an index into
  // Session::connections (`connection NAME { ... }`); kNone in a session of
  // one connection.
  uint32_t connection = kNone;
};

struct Session {
  std::string name;
  SourcePos pos;
  SessionFraming framing = SessionFraming::kStream;
  std::vector<SessionStep> steps;
  // Names of the connections the session opens (`connection NAME { ... }`),
  // in order of first appearance; empty for a session over one connection.
  // With connections, every message of an input carries the index of its
  // connection (`connection_field`) before its frame.
  std::vector<std::string> connections;
  ExprId connection_field = kNone;
  RuleId input_rule = kNone;      // NAME: the sent messages as one input
  RuleId message_rule = kNone;    // NAME.message
  ExprId message_list = kNone;    // the repetition, body of input_rule
  ExprId message_choice = kNone;  // the choice of sent rules
  std::vector<RuleId> send_rules; // alternative i of message_choice sends send_rules[i]
  std::vector<RuleId> recv_rules; // every rule the session receives
};

struct Grammar {
  std::string name;
  std::string file;                // path it was loaded from, for messages
  RuleId start = kNone;
  uint32_t lie_numerator = 1;      // default chance a relation lies when mutated
  uint32_t lie_denominator = 32;
  std::vector<Rule> rules;
  std::vector<Expr> exprs;
  std::vector<Condition> conditions;
  std::vector<Session> sessions;
  std::map<std::string, RuleId, std::less<>> rule_index;

  const Expr& expr(ExprId id) const { return exprs[id]; }
  const Rule& rule(RuleId id) const { return rules[id]; }
  std::optional<RuleId> FindRule(std::string_view name) const;
  // The session whose input rule is `rule`, or null.
  const Session* SessionOfRule(RuleId rule) const;
  // The session a tree built from expression `root` (a tree's root node) is
  // an input of, or null.
  const Session* SessionOfRoot(ExprId root) const;
};

// Calls visit(id, expr) for `root` and every expression below it, depth
// first: not entering the rules that rule references name, or, with
// `through_rules`, entering each such rule once.
template <typename Visit>
void ForEachExprBelow(const Grammar& g, ExprId root, Visit&& visit, bool through_rules = false) {
  std::vector<bool> entered(through_rules ? g.rules.size() : 0, false);
  std::vector<ExprId> stack{root};
  while (!stack.empty()) {
    ExprId id = stack.back();
    stack.pop_back();
    if (id == kNone) continue;
    const Expr& e = g.expr(id);
    visit(id, e);
    stack.insert(stack.end(), e.children.begin(), e.children.end());
    if (through_rules && e.kind == ExprKind::kRuleRef && e.rule != kNone && !entered[e.rule]) {
      entered[e.rule] = true;
      stack.push_back(g.rules[e.rule].body);
    }
  }
}

// Calls visit(id, condition) for `root` and every condition below it (the
// operands of comparisons, and, or, not), depth first.
template <typename Visit>
void ForEachCondition(const Grammar& g, ConditionId root, Visit&& visit) {
  std::vector<ConditionId> stack{root};
  while (!stack.empty()) {
    ConditionId id = stack.back();
    stack.pop_back();
    if (id == kNone) continue;
    const Condition& c = g.conditions[id];
    visit(id, c);
    stack.push_back(c.lhs);
    stack.push_back(c.rhs);
  }
}

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_H_
