// Evaluates the condition of a conditional field against a (partial) tree.
// A relation field in a condition reads either its computed value (while
// generating, where the tree is the truth) or the value it was parsed with
// (while parsing, where the bytes are the truth: a flag decides whether the
// field it announces is read, even if the flag lies).
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_CONDITION_EVALUATOR_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_CONDITION_EVALUATOR_H_

#include "fuzzers/grammar/field_resolver.h"
#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::grammar {

class ConditionEvaluator {
 public:
  enum class RelationValues { kComputed, kAsParsed };

  ConditionEvaluator(const Grammar& grammar, const FieldResolver& resolver, Serializer& serializer,
                     RelationValues mode)
      : g_(grammar), resolver_(resolver), serializer_(serializer), mode_(mode) {}

  // `at` is the conditional's node; fields are found from there outward.
  bool Evaluate(const Tree& tree, NodeId at, ConditionId cond);
  // The same for a tree that has not changed since the serializer's last
  // BeginQueries(tree): computed relations are answered by QueryRelation,
  // which shares its work between the conditions of one tree.
  bool EvaluateUnchanged(const Tree& tree, NodeId at, ConditionId cond) {
    queries_ = true;
    bool result = Evaluate(tree, at, cond);
    queries_ = false;
    return result;
  }
  // The value of a field or number (a range's low bound), found from `at`.
  uint64_t Value(const Tree& tree, NodeId at, ConditionId cond) { return Operand(tree, at, cond); }

 private:
  uint64_t Operand(const Tree& tree, NodeId at, ConditionId cond);

  const Grammar& g_;
  const FieldResolver& resolver_;
  Serializer& serializer_;
  RelationValues mode_;
  bool queries_ = false;  // inside EvaluateUnchanged
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_CONDITION_EVALUATOR_H_
