#include "fuzzers/grammar/condition_evaluator.h"

namespace iotfuzz::grammar {

uint64_t ConditionEvaluator::Operand(const Tree& tree, NodeId at, ConditionId cond) {
  const Condition& c = g_.conditions[cond];
  if (c.kind == ConditionKind::kConstant) return c.value;
  if (c.kind == ConditionKind::kBitAnd) return Operand(tree, at, c.lhs) & Operand(tree, at, c.rhs);
  if (c.kind != ConditionKind::kField) return Evaluate(tree, at, cond) ? 1 : 0;
  NodeId node = resolver_.FindRelated(tree, at, resolver_.ConditionField(cond));
  if (node == kNone) return 0;
  const Node& n = tree.node(node);
  if (n.flags & kAbsent) return 0;
  if (mode_ == RelationValues::kComputed && g_.expr(n.expr).relation.kind != RelationKind::kNone &&
      !(n.flags & kLying)) {
    return queries_ ? serializer_.QueryRelation(tree, node) : serializer_.ComputeRelation(tree, node);
  }
  return n.value;
}

bool ConditionEvaluator::Evaluate(const Tree& tree, NodeId at, ConditionId cond) {
  const Condition& c = g_.conditions[cond];
  switch (c.kind) {
    case ConditionKind::kField: case ConditionKind::kConstant: case ConditionKind::kBitAnd:
      return Operand(tree, at, cond) != 0;
    case ConditionKind::kNot: return !Evaluate(tree, at, c.lhs);
    case ConditionKind::kAnd: return Evaluate(tree, at, c.lhs) && Evaluate(tree, at, c.rhs);
    case ConditionKind::kOr: return Evaluate(tree, at, c.lhs) || Evaluate(tree, at, c.rhs);
    default: break;
  }
  uint64_t a = Operand(tree, at, c.lhs);
  uint64_t b = Operand(tree, at, c.rhs);
  switch (c.kind) {
    case ConditionKind::kEq: return a == b;
    case ConditionKind::kNe: return a != b;
    case ConditionKind::kLt: return a < b;
    case ConditionKind::kLe: return a <= b;
    case ConditionKind::kGt: return a > b;
    case ConditionKind::kGe: return a >= b;
    default: return false;
  }
}

}  // namespace iotfuzz::grammar
