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
};

// A boolean expression over earlier fields, for conditional fields.
enum class ConditionKind : uint8_t { kField, kConstant, kEq, kNe, kLt, kLe, kGt, kGe, kAnd, kOr, kNot };

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
};

struct Rule {
  std::string name;
  ExprId body = kNone;
  SourcePos pos;
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
  std::map<std::string, RuleId, std::less<>> rule_index;

  const Expr& expr(ExprId id) const { return exprs[id]; }
  const Rule& rule(RuleId id) const { return rules[id]; }
  std::optional<RuleId> FindRule(std::string_view name) const;
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_H_
