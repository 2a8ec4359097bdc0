// Builds random, valid trees from a grammar within depth and size bounds:
// choices follow their weights, constrained fields take allowed values, and
// relation fields are left for the serializer to compute. When a bound is
// reached the generator takes the cheapest way out (the alternative, count
// and presence that produce the fewest bytes), so generation always ends.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_GENERATOR_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fuzzers/grammar/condition_evaluator.h"
#include "fuzzers/grammar/field_resolver.h"
#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/random.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/session_binder.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::grammar {

struct GeneratorLimits {
  uint32_t max_depth = 40;       // nesting of expressions
  uint32_t max_bytes = 1024;     // soft budget for the serialized size
  uint32_t max_repeat = 8;       // extra elements beyond a repetition's minimum
  uint32_t max_blob = 64;        // length of an unbounded bytes/string field
};

class Generator {
 public:
  Generator(const Grammar& grammar, GeneratorLimits limits = {});

  // A fresh tree for `rule` (the start rule by default). A session's input
  // rule generates as GenerateSession.
  Tree Generate(Rng& rng, RuleId rule = kNone);

  // The messages of one run through `session`'s steps (each repeat taking a
  // count within its bounds, at most max_repeat above its minimum), as a
  // tree of the session's input rule. Values the steps bind and use are not
  // applied here: see SessionBinder.
  Tree GenerateSession(const Session& session, Rng& rng);
  // One message of a run through a session's steps: the rule it sends, as
  // an alternative of the session's message choice, and the connection it
  // goes over (0 in a session of one connection).
  struct PlannedMessage {
    uint32_t alternative = 0;
    uint32_t connection = 0;
  };
  // The messages of one run through the steps, at most `limit` of them.
  std::vector<PlannedMessage> PlanSession(const Session& session, Rng& rng, size_t limit) const;

  // Generates `expr` as a new subtree of `tree` below `parent` (which may be
  // kNone); returns its root. Used by the mutator to regenerate a subtree.
  // Conditional fields are decided by their conditions as the tree is while
  // generating, or, with kSettledByCaller, left absent for the caller's
  // RepairConditionals to decide once the subtree is in place (presence
  // announced by a flag is picked at random either way).
  enum class ConditionalFields { kDecidedNow, kSettledByCaller };
  NodeId GenerateInto(Tree& tree, ExprId expr, NodeId parent, Rng& rng, uint32_t byte_budget,
                      ConditionalFields conditionals = ConditionalFields::kDecidedNow);

  // Brings conditional fields in line with the fields their conditions read
  // (after a mutation changed, say, a protocol level or a QoS): a field that
  // should be present is generated, one that should not is marked absent.
  // Fields announced by a presence flag are left alone, as the flag follows
  // them. Returns the number of fields changed. Afterwards serializer()
  // holds the queries of `tree` as it is then (Serializer::BeginQueries), so
  // an unchanged tree serializes with SerializeQueried.
  // With `scope`, only the conditionals in its subtree are settled: right
  // when the tree changed only there and MayAffectConditionsOutside(scope)
  // is false.
  int RepairConditionals(Tree& tree, Rng& rng, uint32_t byte_budget, NodeId scope = kNone);
  // Whether changing the value or bytes of `node` (nothing else in the tree)
  // can change what RepairConditionals decides: `node` or one of its
  // ancestors is a field some condition reads, directly or through the
  // relations that compute it (a CoAP option number feeding the delta
  // nibble that decides the extended delta). False: RepairConditionals
  // would change nothing.
  bool MayAffectConditions(const Tree& tree, NodeId node) const;
  // Whether a change confined to the subtree of `node` (the subtree
  // replaced, or its elements added, dropped or moved) can change what a
  // condition outside that subtree reads: `node` or an ancestor is a field
  // some condition reads (as for MayAffectConditions), or a node of its
  // expression can hold one.
  bool MayAffectConditionsOutside(const Tree& tree, NodeId node) const;
  Serializer& serializer() { return serializer_; }

  // Fewest bytes `expr` can produce (a saturating estimate).
  uint32_t MinSize(ExprId expr) const { return min_size_[expr]; }

  // A value allowed by the field's constraint (or any value of its width).
  // A range whose low bound is another field (`in start..0xffff`) is
  // checked against that field where the tree is at hand.
  uint64_t PickValue(const Expr& e, Rng& rng) const;
  // PickValue for `node` of `tree`, a field-bounded range included.
  uint64_t PickValueAt(const Tree& tree, NodeId node, const Expr& e, Rng& rng);
  // The low bound of `node`'s range constraint: the named field's value for
  // a field-bounded range, else the constant.
  uint64_t RangeLow(const Tree& tree, NodeId node, const Expr& e) {
    return e.constraint.low_field != kNone ? conditions_.Value(tree, node, e.constraint.low_field) : e.constraint.low;
  }
  // The largest value a scalar field can encode.
  static uint64_t MaxValue(const Expr& e);

  const Grammar& grammar() const { return g_; }

 private:
  NodeId Gen(Tree& tree, ExprId expr, NodeId parent, Rng& rng, uint32_t depth);
  bool IsPresenceControlled(ExprId conditional, ConditionId cond) const;
  // The conditional nodes of the subtree of `scope` in document order.
  void CollectConditionals(const Tree& tree, NodeId scope, std::vector<NodeId>& out) const;
  void ComputeMinSizes();
  void FillBlob(Tree& tree, NodeId node, const Expr& e, Rng& rng);

  const Grammar& g_;
  GeneratorLimits limits_;
  FieldResolver resolver_;
  Serializer serializer_;
  ConditionEvaluator conditions_;
  SessionBinder binder_;
  std::vector<uint32_t> min_size_;
  std::vector<uint32_t> rule_min_size_;
  int64_t budget_ = 0;  // bytes left in the current generation
  bool settle_later_ = false;  // GenerateInto with kSettledByCaller in progress
  bool has_conditionals_ = false;
  std::vector<bool> feeds_conditions_;  // per expression: see MayAffectConditions
  std::vector<bool> rule_has_conditionals_;  // per rule: holds a conditional, through the rules it uses
  // Per expression: a node of it (itself included, through the rules it
  // uses) can hold a field that feeds conditions; the nodes below one of it
  // can include a conditional.
  std::vector<bool> holds_feeding_;
  std::vector<bool> conditionals_below_;
  std::vector<NodeId> reachable_;  // scratch of RepairConditionals: its conditional nodes, in document order
  std::vector<std::vector<uint8_t>> alphabets_;  // per string expression: its bytes in order
  std::string blob_;                // scratch of FillBlob
  std::vector<uint64_t> higher_;    // scratch of virtual fields
  // The next generation of `forced_choice_expr_` takes alternative
  // `forced_choice_` (a session's planned message).
  ExprId forced_choice_expr_ = kNone;
  uint32_t forced_choice_ = kNone;
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_GENERATOR_H_
