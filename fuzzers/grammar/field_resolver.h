// Finds, inside a tree, the node a relation or condition refers to. The
// grammar names fields by path; the checker resolves each path to an IR
// expression once (FindVisibleField); here the nearest tree node built from
// that expression is found, searching outward from the referring node — so in
// a list of CoAP options each option's length nibble finds its own value.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_FIELD_RESOLVER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_FIELD_RESOLVER_H_

#include <vector>

#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::grammar {

class FieldResolver {
 public:
  explicit FieldResolver(const Grammar& grammar);

  // The IR expression a relation on `field_expr` targets, kNone if none.
  ExprId RelationTarget(ExprId field_expr) const { return relation_target_[field_expr]; }
  // The relation fields whose target is `target_expr` (the inverse of
  // RelationTarget), used by the parser to bound a field by its length.
  const std::vector<ExprId>& RelationsOn(ExprId target_expr) const { return relations_on_[target_expr]; }
  // The IR expression a kField condition names.
  ExprId ConditionField(ConditionId id) const { return condition_field_[id]; }
  // The rule whose body contains `expr` (kNone for expressions of no rule).
  RuleId OwningRule(ExprId expr) const { return owning_rule_[expr]; }

  // The tree node built from `target` nearest to `from`: searched in the
  // subtrees of `from`'s ancestors, innermost first. kNone when absent.
  NodeId Find(const Tree& tree, NodeId from, ExprId target) const;

  // Like Find, but for a field of the same rule as `from`'s: the search stops
  // at the enclosing rule instance, so an absent field of this CoAP option is
  // not mistaken for the same field of the previous option. Falls back to
  // Find when `target` belongs to another rule.
  NodeId FindRelated(const Tree& tree, NodeId from, ExprId target) const;

  // For a node inside an element of a repetition: the same field in the
  // previous element, kNone for the first element.
  NodeId PreviousInRepetition(const Tree& tree, NodeId node) const;

 private:
  NodeId FindBelow(const Tree& tree, NodeId root, ExprId target, NodeId skip) const;

  const Grammar& g_;
  // rule_contains_[r][e]: an instance of rule r can hold a node of expression
  // e (directly or through the rules it uses); the search skips rule
  // instances that cannot.
  std::vector<std::vector<bool>> rule_contains_;
  mutable std::vector<NodeId> stack_;  // reused by FindBelow
  std::vector<ExprId> relation_target_;
  std::vector<std::vector<ExprId>> relations_on_;
  std::vector<ExprId> condition_field_;
  std::vector<RuleId> owning_rule_;
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_FIELD_RESOLVER_H_
