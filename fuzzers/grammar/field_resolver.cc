#include "fuzzers/grammar/field_resolver.h"

#include <algorithm>

#include "fuzzers/grammar/grammar_checker.h"

namespace iotfuzz::grammar {

FieldResolver::FieldResolver(const Grammar& g)
    : g_(g),
      relation_target_(g.exprs.size(), kNone),
      relations_on_(g.exprs.size()),
      condition_field_(g.conditions.size(), kNone),
      owning_rule_(g.exprs.size(), kNone) {
  for (RuleId r = 0; r < g.rules.size(); ++r) {
    std::vector<ExprId> stack{g.rules[r].body};
    while (!stack.empty()) {
      ExprId id = stack.back();
      stack.pop_back();
      if (id == kNone || owning_rule_[id] != kNone) continue;
      owning_rule_[id] = r;
      const Expr& e = g.expr(id);
      stack.insert(stack.end(), e.children.begin(), e.children.end());
    }
  }
  // Which expressions each rule can hold, through the rules it uses.
  rule_contains_.assign(g.rules.size(), std::vector<bool>(g.exprs.size(), false));
  for (ExprId id = 0; id < g.exprs.size(); ++id) {
    if (owning_rule_[id] != kNone) rule_contains_[owning_rule_[id]][id] = true;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (ExprId id = 0; id < g.exprs.size(); ++id) {
      const Expr& e = g.expr(id);
      if (e.kind != ExprKind::kRuleRef || e.rule == kNone || owning_rule_[id] == kNone) continue;
      std::vector<bool>& outer = rule_contains_[owning_rule_[id]];
      const std::vector<bool>& inner = rule_contains_[e.rule];
      for (ExprId x = 0; x < g.exprs.size(); ++x) {
        if (inner[x] && !outer[x]) outer[x] = true, changed = true;
      }
    }
  }
  for (ExprId id = 0; id < g.exprs.size(); ++id) {
    const Expr& e = g.expr(id);
    RuleId rule = owning_rule_[id];
    if (e.relation.kind != RelationKind::kNone && rule != kNone) {
      relation_target_[id] = FindVisibleField(g, rule, e.relation.target);
      if (relation_target_[id] != kNone) relations_on_[relation_target_[id]].push_back(id);
    }
    if (e.kind == ExprKind::kConditional && rule != kNone) {
      std::vector<ConditionId> stack{e.condition};
      while (!stack.empty()) {
        ConditionId c = stack.back();
        stack.pop_back();
        if (c == kNone) continue;
        const Condition& cond = g.conditions[c];
        if (cond.kind == ConditionKind::kField) condition_field_[c] = FindVisibleField(g, rule, cond.path);
        stack.push_back(cond.lhs);
        stack.push_back(cond.rhs);
      }
    }
  }
}

NodeId FieldResolver::FindBelow(const Tree& tree, NodeId root, ExprId target, NodeId skip) const {
  std::vector<NodeId>& stack = stack_;
  stack.clear();
  stack.push_back(root);
  while (!stack.empty()) {
    NodeId id = stack.back();
    stack.pop_back();
    if (id == skip) continue;
    const Node& n = tree.node(id);
    if (n.expr == target) return id;
    if (n.expr != kNone) {
      const Expr& e = g_.expr(n.expr);
      // A rule instance that cannot hold the target is not searched.
      if (e.kind == ExprKind::kRuleRef && e.rule != kNone && !rule_contains_[e.rule][target]) continue;
    }
    // Children pushed in reverse so the search goes in document order.
    size_t mark = stack.size();
    for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) stack.push_back(c);
    std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(mark), stack.end());
  }
  return kNone;
}

NodeId FieldResolver::Find(const Tree& tree, NodeId from, ExprId target) const {
  if (target == kNone || from == kNone) return kNone;
  NodeId searched = kNone;
  for (NodeId a = from; a != kNone; a = tree.node(a).parent) {
    NodeId found = FindBelow(tree, a, target, searched);
    if (found != kNone) return found;
    searched = a;  // already covered; skip it when searching the parent
  }
  return kNone;
}

NodeId FieldResolver::FindRelated(const Tree& tree, NodeId from, ExprId target) const {
  if (target == kNone || from == kNone) return kNone;
  ExprId from_expr = tree.node(from).expr;
  if (from_expr == kNone || owning_rule_[from_expr] != owning_rule_[target]) return Find(tree, from, target);
  NodeId searched = kNone;
  for (NodeId a = from; a != kNone; a = tree.node(a).parent) {
    NodeId found = FindBelow(tree, a, target, searched);
    if (found != kNone) return found;
    ExprId e = tree.node(a).expr;
    if (e != kNone && g_.expr(e).kind == ExprKind::kRuleRef) return kNone;  // the rule instance ends here
    searched = a;
  }
  return kNone;
}

NodeId FieldResolver::PreviousInRepetition(const Tree& tree, NodeId node) const {
  // Climb to the element: the ancestor whose parent is a repetition.
  NodeId element = node;
  while (element != kNone) {
    NodeId parent = tree.node(element).parent;
    if (parent == kNone) return kNone;
    const Node& p = tree.node(parent);
    if (p.expr != kNone && g_.expr(p.expr).kind == ExprKind::kRepeat) break;
    element = parent;
  }
  if (element == kNone) return kNone;
  NodeId repeat = tree.node(element).parent;
  NodeId previous = kNone;
  for (NodeId c = tree.node(repeat).first_child; c != kNone && c != element; c = tree.node(c).next_sibling) {
    previous = c;
  }
  if (previous == kNone) return kNone;
  return FindBelow(tree, previous, tree.node(node).expr, kNone);
}

}  // namespace iotfuzz::grammar
