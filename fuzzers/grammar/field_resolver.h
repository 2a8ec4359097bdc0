// Finds, inside a tree, the node a relation or condition refers to. The
// grammar names fields by path; the checker resolves each path to an IR
// expression once (FindVisibleField); here the nearest tree node built from
// that expression is found, searching outward from the referring node — so in
// a list of CoAP options each option's length nibble finds its own value.
//
// Fast path: when the referring field and its target sit in the same rule
// body with no repetition between their common ancestor and the target, and
// no recursion could put another instance of the target nearer, the tree
// mirrors the IR there, so the target is reached by climbing a fixed number
// of parents and descending fixed child positions (a DirectPath, computed
// once per pair of expressions). Every step is checked against the IR; when
// one does not fit (a partial parse, a raw leaf, another alternative taken)
// the search falls back to the general walk, so the result is the same.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_FIELD_RESOLVER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_FIELD_RESOLVER_H_

#include <cstdint>
#include <unordered_map>
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
  // Find, or FindRelated when `within_rule_instance`: the direct path first,
  // then outward through the ancestors.
  NodeId Search(const Tree& tree, NodeId from, ExprId target, bool within_rule_instance) const;

  struct DirectPath {
    bool valid = false;
    std::vector<ExprId> up;     // expressions of the ancestors to climb, nearest first
    std::vector<ExprId> down;   // expressions from below the common ancestor to the target
  };
  const DirectPath& PathBetween(ExprId from, ExprId target) const;
  DirectPath BuildPath(ExprId from, ExprId target) const;
  // kNone when the direct path does not fit this tree.
  NodeId FollowPath(const Tree& tree, NodeId from, const DirectPath& path) const;
  // Whether the IR subtree of `root` can hold `target` through a rule reference.
  bool ReachesThroughRules(ExprId root, ExprId target) const;

  const Grammar& g_;
  // rule_contains_[r][e]: an instance of rule r can hold a node of expression
  // e (directly or through the rules it uses); the search skips rule
  // instances that cannot.
  std::vector<std::vector<bool>> rule_contains_;
  std::vector<ExprId> relation_target_;
  std::vector<std::vector<ExprId>> relations_on_;
  std::vector<ExprId> condition_field_;
  std::vector<RuleId> owning_rule_;
  std::vector<ExprId> expr_parent_;      // the expression whose child each one is (kNone: a rule body)
  std::vector<uint32_t> child_index_;    // its position among the parent's children
  std::vector<bool> shared_;             // child of more than one expression: no direct paths through it
  mutable std::unordered_map<uint64_t, DirectPath> paths_;
  struct PathSlot {
    ExprId target = kNone;
    const DirectPath* path = nullptr;
  };
  mutable std::vector<PathSlot> path_slots_;  // per `from` expression: its last target's path
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_FIELD_RESOLVER_H_
