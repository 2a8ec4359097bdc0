#include "fuzzers/grammar/field_resolver.h"

#include <algorithm>

#include "fuzzers/grammar/grammar_checker.h"

namespace iotfuzz::grammar {

FieldResolver::FieldResolver(const Grammar& g)
    : g_(g),
      relation_target_(g.exprs.size(), kNone),
      relations_on_(g.exprs.size()),
      condition_field_(g.conditions.size(), kNone),
      owning_rule_(g.exprs.size(), kNone),
      expr_parent_(g.exprs.size(), kNone),
      child_index_(g.exprs.size(), 0),
      shared_(g.exprs.size(), false),
      path_slots_(g.exprs.size()) {
  for (ExprId p = 0; p < g.exprs.size(); ++p) {
    const Expr& e = g.expr(p);
    for (uint32_t i = 0; i < e.children.size(); ++i) {
      ExprId c = e.children[i];
      if (expr_parent_[c] != kNone) shared_[c] = true;
      expr_parent_[c] = p;
      child_index_[c] = i;
    }
  }
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
    if (e.constraint.low_field != kNone && rule != kNone) {
      condition_field_[e.constraint.low_field] = FindVisibleField(g, rule, g.conditions[e.constraint.low_field].path);
    }
    if (e.kind == ExprKind::kConditional && rule != kNone) {
      ForEachCondition(g, e.condition, [&](ConditionId c, const Condition& cond) {
        if (cond.kind == ConditionKind::kField) condition_field_[c] = FindVisibleField(g, rule, cond.path);
      });
    }
  }
}

NodeId FieldResolver::FindBelow(const Tree& tree, NodeId root, ExprId target, NodeId skip) const {
  // Pre-order walk along the links (first child, next sibling, parent), so
  // nodes are visited in document order without a stack.
  NodeId id = root;
  while (true) {
    bool descend = false;
    if (id != skip) {
      const Node& n = tree.node(id);
      if (n.expr == target) return id;
      descend = n.first_child != kNone;
      if (descend && n.expr != kNone) {
        const Expr& e = g_.expr(n.expr);
        // A rule instance that cannot hold the target is not searched.
        if (e.kind == ExprKind::kRuleRef && e.rule != kNone && !rule_contains_[e.rule][target]) descend = false;
      }
      if (descend) {
        id = n.first_child;
        continue;
      }
    }
    // Next in document order: a following sibling of `id` or of an
    // ancestor below `root`.
    while (id != root && id != kNone && tree.node(id).next_sibling == kNone) id = tree.node(id).parent;
    if (id == root || id == kNone) return kNone;
    id = tree.node(id).next_sibling;
  }
}

bool FieldResolver::ReachesThroughRules(ExprId root, ExprId target) const {
  std::vector<ExprId> stack{root};
  while (!stack.empty()) {
    ExprId id = stack.back();
    stack.pop_back();
    const Expr& e = g_.expr(id);
    if (e.kind == ExprKind::kRuleRef && e.rule != kNone && rule_contains_[e.rule][target]) return true;
    stack.insert(stack.end(), e.children.begin(), e.children.end());
  }
  return false;
}

FieldResolver::DirectPath FieldResolver::BuildPath(ExprId from, ExprId target) const {
  DirectPath path;
  if (from == kNone || target == kNone || owning_rule_[from] == kNone || owning_rule_[from] != owning_rule_[target]) {
    return path;
  }
  // Ancestors of the target, itself first.
  std::vector<ExprId> target_chain;
  for (ExprId t = target; t != kNone; t = expr_parent_[t]) {
    if (shared_[t]) return path;
    target_chain.push_back(t);
  }
  // Climb from `from` to the first expression on the target's chain.
  ExprId common = kNone;
  std::vector<ExprId> up;
  for (ExprId a = from; a != kNone; a = expr_parent_[a]) {
    if (shared_[a]) return path;
    auto it = std::find(target_chain.begin(), target_chain.end(), a);
    if (it != target_chain.end()) {
      common = a;
      path.down.assign(target_chain.begin(), it);        // the target up to just below `common`
      std::reverse(path.down.begin(), path.down.end());  // top-down
      break;
    }
    up.push_back(a);
  }
  if (common == kNone || common == from) return path;  // a field naming itself or its own ancestor: general walk
  // No repetition between the common ancestor and the target (which element?).
  ExprId parent = common;
  for (ExprId d : path.down) {
    ExprKind k = g_.expr(parent).kind;
    if (k != ExprKind::kSequence && k != ExprKind::kBits && k != ExprKind::kChoice &&
        k != ExprKind::kOptional && k != ExprKind::kConditional) {
      return path;
    }
    parent = d;
  }
  // Recursion could put another instance of the target in a subtree the
  // general walk searches first: only the nearest-first order is safe then.
  if (ReachesThroughRules(common, target)) return path;
  // The climb passes the expressions `up[1..]`; `up[0]` is `from` itself.
  path.up.assign(up.begin() + 1, up.end());
  path.up.push_back(common);
  path.valid = true;
  return path;
}

const FieldResolver::DirectPath& FieldResolver::PathBetween(ExprId from, ExprId target) const {
  // A field looks for one target almost always: one slot per field, the
  // map behind it for the rest.
  PathSlot& slot = path_slots_[from];
  if (slot.path && slot.target == target) return *slot.path;
  uint64_t key = (uint64_t{from} << 32) | target;
  auto it = paths_.find(key);
  if (it == paths_.end()) it = paths_.emplace(key, BuildPath(from, target)).first;
  slot.target = target;
  slot.path = &it->second;  // unordered_map nodes do not move
  return it->second;
}

NodeId FieldResolver::FollowPath(const Tree& tree, NodeId from, const DirectPath& path) const {
  NodeId node = from;
  for (ExprId expected : path.up) {
    node = tree.node(node).parent;
    if (node == kNone || tree.node(node).expr != expected) return kNone;
  }
  for (ExprId want : path.down) {
    const Node& n = tree.node(node);
    if (n.flags & kRaw) return kNone;
    const Expr& e = g_.expr(n.expr);
    NodeId child = kNone;
    if (e.kind == ExprKind::kSequence || e.kind == ExprKind::kBits) {
      uint32_t index = child_index_[want];
      child = n.first_child;
      for (uint32_t i = 0; i < index && child != kNone; ++i) child = tree.node(child).next_sibling;
    } else if (e.kind == ExprKind::kChoice) {
      if (n.value != child_index_[want]) return kNone;
      child = n.first_child;
    } else {  // optional, conditional
      child = n.first_child;
    }
    if (child == kNone || tree.node(child).expr != want) return kNone;
    node = child;
  }
  return node;
}

NodeId FieldResolver::Search(const Tree& tree, NodeId from, ExprId target, bool within_rule_instance) const {
  if (target == kNone || from == kNone) return kNone;
  ExprId from_expr = tree.node(from).expr;
  if (from_expr != kNone) {
    const DirectPath& path = PathBetween(from_expr, target);
    if (path.valid) {
      NodeId found = FollowPath(tree, from, path);
      if (found != kNone) return found;
    }
  }
  NodeId searched = kNone;
  for (NodeId a = from; a != kNone; a = tree.node(a).parent) {
    NodeId found = FindBelow(tree, a, target, searched);
    if (found != kNone) return found;
    ExprId e = tree.node(a).expr;
    if (within_rule_instance && e != kNone && g_.expr(e).kind == ExprKind::kRuleRef) return kNone;  // the instance ends here
    searched = a;  // already covered; skip it when searching the parent
  }
  return kNone;
}

NodeId FieldResolver::Find(const Tree& tree, NodeId from, ExprId target) const {
  return Search(tree, from, target, false);
}

NodeId FieldResolver::FindRelated(const Tree& tree, NodeId from, ExprId target) const {
  if (target == kNone || from == kNone) return kNone;
  ExprId from_expr = tree.node(from).expr;
  bool same_rule = from_expr != kNone && owning_rule_[from_expr] == owning_rule_[target];
  return Search(tree, from, target, same_rule);
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
