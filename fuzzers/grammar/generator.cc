#include "fuzzers/grammar/generator.h"

#include <algorithm>

namespace iotfuzz::grammar {
namespace {

constexpr uint32_t kInfinite = 1u << 30;

uint32_t SatAdd(uint32_t a, uint32_t b) { return std::min<uint64_t>(uint64_t{a} + b, kInfinite); }
uint32_t SatMul(uint32_t a, uint32_t b) { return std::min<uint64_t>(uint64_t{a} * b, kInfinite); }

}  // namespace

Generator::Generator(const Grammar& grammar, GeneratorLimits limits)
    : g_(grammar),
      limits_(limits),
      resolver_(grammar),
      serializer_(grammar),
      conditions_(grammar, resolver_, serializer_, ConditionEvaluator::RelationValues::kComputed),
      binder_(grammar) {
  ComputeMinSizes();
  for (const Expr& e : grammar.exprs) has_conditionals_ |= e.kind == ExprKind::kConditional;
  // Which rules hold conditionals, directly or through the rules they use.
  rule_has_conditionals_.assign(grammar.rules.size(), false);
  std::vector<std::vector<RuleId>> uses(grammar.rules.size());
  for (RuleId r = 0; r < grammar.rules.size(); ++r) {
    ForEachExprBelow(grammar, grammar.rules[r].body, [&](ExprId, const Expr& e) {
      if (e.kind == ExprKind::kConditional) rule_has_conditionals_[r] = true;
      if (e.kind == ExprKind::kRuleRef && e.rule != kNone) uses[r].push_back(e.rule);
    });
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (RuleId r = 0; r < grammar.rules.size(); ++r) {
      if (rule_has_conditionals_[r]) continue;
      for (RuleId used : uses[r]) {
        if (rule_has_conditionals_[used]) {
          rule_has_conditionals_[r] = true;
          changed = true;
          break;
        }
      }
    }
  }
  // The fields conditions read, then what computes them, transitively.
  feeds_conditions_.assign(grammar.exprs.size(), false);
  std::vector<ExprId> fields;
  for (const Expr& e : grammar.exprs) {
    if (e.kind != ExprKind::kConditional) continue;
    ForEachCondition(grammar, e.condition, [&](ConditionId c, const Condition& cond) {
      if (cond.kind != ConditionKind::kField) return;
      ExprId field = resolver_.ConditionField(c);
      if (field != kNone && !feeds_conditions_[field]) {
        feeds_conditions_[field] = true;
        fields.push_back(field);
      }
    });
  }
  // A group whose length feeds a condition is as long as its fields: a
  // relation inside it (a varint length) sizes it from its own target too.
  auto mark = [&](ExprId id) {
    if (id != kNone && !feeds_conditions_[id]) {
      feeds_conditions_[id] = true;
      fields.push_back(id);
    }
  };
  while (!fields.empty()) {
    ExprId field = fields.back();
    fields.pop_back();
    if (grammar.expr(field).relation.kind == RelationKind::kNone) {
      ForEachExprBelow(
          grammar, field,
          [&](ExprId below, const Expr& e) {
            if (e.relation.kind != RelationKind::kNone) mark(below);
          },
          /*through_rules=*/true);
      continue;
    }
    mark(resolver_.RelationTarget(field));
  }
  // Per expression: whether what a node of it holds (itself included,
  // through the rules it uses) can feed a condition; per conditional,
  // whether what it holds has conditionals of its own (RepairConditionals'
  // scope).
  std::vector<bool> rule_feeds(grammar.rules.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (RuleId r = 0; r < grammar.rules.size(); ++r) {
      if (rule_feeds[r]) continue;
      ForEachExprBelow(grammar, grammar.rules[r].body, [&](ExprId below, const Expr& b) {
        if (feeds_conditions_[below] || (b.kind == ExprKind::kRuleRef && b.rule != kNone && rule_feeds[b.rule])) {
          if (!rule_feeds[r]) rule_feeds[r] = changed = true;
        }
      });
    }
  }
  holds_feeding_.assign(grammar.exprs.size(), false);
  conditionals_below_.assign(grammar.exprs.size(), false);
  for (ExprId id = 0; id < grammar.exprs.size(); ++id) {
    ForEachExprBelow(grammar, id, [&](ExprId below, const Expr& b) {
      if (feeds_conditions_[below] || (b.kind == ExprKind::kRuleRef && b.rule != kNone && rule_feeds[b.rule])) {
        holds_feeding_[id] = true;
      }
      if (below != id && (b.kind == ExprKind::kConditional ||
                          (b.kind == ExprKind::kRuleRef && b.rule != kNone && rule_has_conditionals_[b.rule]))) {
        conditionals_below_[id] = true;
      }
    });
    const Expr& e = grammar.expr(id);
    if (e.kind == ExprKind::kRuleRef && e.rule != kNone && rule_has_conditionals_[e.rule]) conditionals_below_[id] = true;
  }
  alphabets_.resize(grammar.exprs.size());
  for (ExprId id = 0; id < grammar.exprs.size(); ++id) {
    const Expr& e = grammar.expr(id);
    if (e.kind != ExprKind::kString) continue;
    for (int b = 0; b < 256; ++b) {
      if (e.alphabet.test(b)) alphabets_[id].push_back(static_cast<uint8_t>(b));
    }
  }
}

void Generator::ComputeMinSizes() {
  min_size_.assign(g_.exprs.size(), kInfinite);
  rule_min_size_.assign(g_.rules.size(), kInfinite);
  bool changed = true;
  while (changed) {
    changed = false;
    for (ExprId id = 0; id < g_.exprs.size(); ++id) {
      const Expr& e = g_.expr(id);
      uint32_t size = kInfinite;
      switch (e.kind) {
        case ExprKind::kLiteral: size = static_cast<uint32_t>(e.bytes.size()); break;
        case ExprKind::kCharClass: size = 1; break;
        case ExprKind::kInteger: case ExprKind::kBits: size = e.width; break;
        case ExprKind::kVarint: case ExprKind::kDecimal: case ExprKind::kHex: size = 1; break;
        case ExprKind::kBitField: case ExprKind::kVirtual: case ExprKind::kOptional: case ExprKind::kConditional:
          size = 0;
          break;
        case ExprKind::kBytes: case ExprKind::kString: size = e.min; break;
        case ExprKind::kRepeat: size = e.min == 0 ? 0 : SatMul(min_size_[e.children[0]], e.min); break;
        case ExprKind::kSequence:
          size = 0;
          for (ExprId c : e.children) size = SatAdd(size, min_size_[c]);
          break;
        case ExprKind::kChoice:  // only what generation takes: weight 1 or more
          for (size_t i = 0; i < e.children.size(); ++i) {
            if (e.weights[i] > 0) size = std::min(size, min_size_[e.children[i]]);
          }
          break;
        case ExprKind::kRuleRef: size = e.rule == kNone ? kInfinite : rule_min_size_[e.rule]; break;
      }
      if (size < min_size_[id]) min_size_[id] = size, changed = true;
    }
    for (RuleId r = 0; r < g_.rules.size(); ++r) {
      uint32_t size = g_.rules[r].body == kNone ? kInfinite : min_size_[g_.rules[r].body];
      if (size < rule_min_size_[r]) rule_min_size_[r] = size, changed = true;
    }
  }
}

uint64_t Generator::MaxValue(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kInteger: return e.width >= 8 ? ~0ull : (1ull << (8 * e.width)) - 1;
    case ExprKind::kBitField: return e.width >= 64 ? ~0ull : (1ull << e.width) - 1;
    case ExprKind::kVarint: return 268435455;  // four bytes of seven bits
    case ExprKind::kVirtual: return e.width >= 8 ? ~0ull : (1ull << (8 * e.width)) - 1;
    default: return 0xffffffffull;
  }
}

uint64_t Generator::PickValue(const Expr& e, Rng& rng) const {
  const Constraint& c = e.constraint;
  switch (c.kind) {
    case ConstraintKind::kConstant: return c.low;
    case ConstraintKind::kRange: return rng.InRange(c.low, c.high);
    case ConstraintKind::kSet: case ConstraintKind::kEnum: return c.values[rng.Below(c.values.size())];
    case ConstraintKind::kNone: break;
  }
  uint64_t max = MaxValue(e);
  switch (rng.Below(4)) {
    case 0: case 1: return std::min<uint64_t>(rng.Below(17), max);
    case 2: return rng.InRange(0, max);
    default: {
      const uint64_t edges[] = {0, 1, max, max - 1, max >> 1, (max >> 1) + 1};
      return edges[rng.Below(6)];
    }
  }
}

uint64_t Generator::PickValueAt(const Tree& tree, NodeId node, const Expr& e, Rng& rng) {
  uint64_t value = PickValue(e, rng);
  if (e.constraint.low_field != kNone) {
    // A range from an earlier field's value up.
    const uint64_t low = RangeLow(tree, node, e);
    if (value < low) value = low <= e.constraint.high ? rng.InRange(low, e.constraint.high) : low;
  }
  return value;
}

bool Generator::IsPresenceControlled(ExprId conditional, ConditionId cond) const {
  const Condition& c = g_.conditions[cond];
  if (c.kind != ConditionKind::kField) return false;
  ExprId field = resolver_.ConditionField(cond);
  if (field == kNone) return false;
  const Expr& f = g_.expr(field);
  return f.relation.kind == RelationKind::kPresent && resolver_.RelationTarget(field) == conditional;
}

void Generator::FillBlob(Tree& tree, NodeId node, const Expr& e, Rng& rng) {
  uint32_t max = e.unbounded ? std::max(e.min, limits_.max_blob) : e.max;
  uint32_t cap = static_cast<uint32_t>(std::max<int64_t>(budget_, 0)) + e.min;
  max = std::max(e.min, std::min(max, cap));
  uint32_t length = static_cast<uint32_t>(rng.InRange(e.min, max));
  std::string& data = blob_;  // reused: no allocation per blob
  data.clear();
  data.reserve(length);
  if (e.kind == ExprKind::kBytes) {
    for (uint32_t i = 0; i < length; ++i) data.push_back(static_cast<char>(rng.Below(256)));
  } else {
    const std::vector<uint8_t>& alphabet = alphabets_[static_cast<ExprId>(&e - g_.exprs.data())];
    while (data.size() < length) {
      if (e.utf8 && length - data.size() >= 2 && rng.Chance(1, 8)) {
        // A two-byte UTF-8 sequence (U+0080..U+07FF).
        uint32_t cp = static_cast<uint32_t>(rng.InRange(0x80, 0x7ff));
        data.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        data.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else if (!alphabet.empty()) {
        data.push_back(static_cast<char>(alphabet[rng.Below(alphabet.size())]));
      } else {
        break;
      }
    }
  }
  budget_ -= static_cast<int64_t>(data.size());
  tree.SetBytes(node, data);
}

NodeId Generator::Gen(Tree& tree, ExprId id, NodeId parent, Rng& rng, uint32_t depth) {
  NodeId node = tree.Add(id, parent);
  const Expr& e = g_.expr(id);
  bool cheap = depth >= limits_.max_depth || budget_ <= 0;
  switch (e.kind) {
    case ExprKind::kLiteral:
      tree.SetBytes(node, e.bytes);
      budget_ -= static_cast<int64_t>(e.bytes.size());
      break;
    case ExprKind::kCharClass: {
      uint32_t k = static_cast<uint32_t>(rng.Below(e.alphabet.count()));
      for (int b = 0; b < 256; ++b) {
        if (e.alphabet.test(b) && k-- == 0) {
          char c = static_cast<char>(b);
          tree.SetBytes(node, std::string_view(&c, 1));
          break;
        }
      }
      budget_ -= 1;
      break;
    }
    case ExprKind::kSequence: case ExprKind::kBits:
      for (ExprId c : e.children) Gen(tree, c, node, rng, depth + 1);
      if (e.kind == ExprKind::kBits) budget_ -= e.width;
      break;
    case ExprKind::kChoice: {
      size_t pick = 0;
      if (id == forced_choice_expr_ && forced_choice_ < e.children.size() &&
          min_size_[e.children[forced_choice_]] < kInfinite) {
        pick = forced_choice_;
        forced_choice_ = kNone;
      } else if (cheap) {
        while (e.weights[pick] == 0) ++pick;  // the parser ensures one weight > 0
        for (size_t i = pick + 1; i < e.children.size(); ++i) {
          if (e.weights[i] > 0 && min_size_[e.children[i]] < min_size_[e.children[pick]]) pick = i;
        }
      } else {
        uint64_t total = 0;
        for (size_t i = 0; i < e.children.size(); ++i) {
          if (min_size_[e.children[i]] < kInfinite) total += e.weights[i];
        }
        uint64_t r = rng.Below(total);
        for (size_t i = 0; i < e.children.size(); ++i) {
          if (min_size_[e.children[i]] >= kInfinite) continue;
          if (r < e.weights[i]) {
            pick = i;
            break;
          }
          r -= e.weights[i];
        }
      }
      tree.node(node).value = pick;
      Gen(tree, e.children[pick], node, rng, depth + 1);
      break;
    }
    case ExprKind::kRepeat: {
      uint32_t max = e.unbounded ? e.min + limits_.max_repeat : std::min(e.max, e.min + limits_.max_repeat);
      uint32_t count = cheap ? e.min : static_cast<uint32_t>(rng.InRange(e.min, max));
      for (uint32_t i = 0; i < count; ++i) {
        if (i >= e.min && budget_ <= 0) break;
        Gen(tree, e.children[0], node, rng, depth + 1);
      }
      break;
    }
    case ExprKind::kOptional:
      if (!cheap && rng.Chance(1, 2)) {
        Gen(tree, e.children[0], node, rng, depth + 1);
      } else {
        tree.node(node).flags |= kAbsent;
      }
      break;
    case ExprKind::kConditional: {
      // Settled later (GenerateInto's caller repairs): left absent for now.
      bool present = IsPresenceControlled(id, e.condition) ? (!cheap && rng.Chance(1, 2))
                     : settle_later_                       ? false
                                                           : conditions_.Evaluate(tree, node, e.condition);
      if (present) {
        Gen(tree, e.children[0], node, rng, depth + 1);
      } else {
        tree.node(node).flags |= kAbsent;
      }
      break;
    }
    case ExprKind::kRuleRef:
      Gen(tree, g_.rules[e.rule].body, node, rng, depth + 1);
      break;
    case ExprKind::kInteger: case ExprKind::kBitField: case ExprKind::kVarint:
    case ExprKind::kDecimal: case ExprKind::kHex:
      if (e.relation.kind == RelationKind::kNone) tree.node(node).value = PickValueAt(tree, node, e, rng);
      if (e.kind == ExprKind::kInteger) budget_ -= e.width;
      else if (e.kind != ExprKind::kBitField) budget_ -= 2;
      break;
    case ExprKind::kVirtual: {
      uint64_t value = PickValue(e, rng);
      // A field that others take a delta of never goes down along its list.
      NodeId previous = resolver_.PreviousInRepetition(tree, node);
      if (previous != kNone) {
        uint64_t floor = tree.node(previous).value;
        if (value < floor) {
          const Constraint& c = e.constraint;
          value = floor + (c.kind == ConstraintKind::kNone ? rng.Below(8) : 0);
          if (c.kind == ConstraintKind::kSet || c.kind == ConstraintKind::kEnum) {
            std::vector<uint64_t>& higher = higher_;
            higher.clear();
            for (uint64_t v : c.values) {
              if (v >= floor) higher.push_back(v);
            }
            if (!higher.empty()) value = higher[rng.Below(higher.size())];
          }
        }
      }
      tree.node(node).value = value;
      break;
    }
    case ExprKind::kBytes: case ExprKind::kString:
      FillBlob(tree, node, e, rng);
      break;
  }
  return node;
}

void Generator::CollectConditionals(const Tree& tree, NodeId scope, std::vector<NodeId>& out) const {
  // Not entering subtrees that cannot hold a conditional.
  out.clear();
  tree.ForEachBelow(scope, [&](NodeId id) {
    const Node& n = tree.node(id);
    if (n.expr == kNone) return true;
    if (g_.expr(n.expr).kind == ExprKind::kConditional) out.push_back(id);
    return static_cast<bool>(conditionals_below_[n.expr]);
  });
}

bool Generator::MayAffectConditionsOutside(const Tree& tree, NodeId node) const {
  if (!has_conditionals_) return false;
  const ExprId e = tree.node(node).expr;
  return e == kNone || holds_feeding_[e] || MayAffectConditions(tree, node);
}

bool Generator::MayAffectConditions(const Tree& tree, NodeId node) const {
  if (!has_conditionals_) return false;
  // A relation computed from a group (the length of a sequence) reads every
  // field below it: any ancestor counts.
  for (NodeId a = node; a != kNone; a = tree.node(a).parent) {
    ExprId e = tree.node(a).expr;
    if (e != kNone && feeds_conditions_[e]) return true;
  }
  return false;
}

int Generator::RepairConditionals(Tree& tree, Rng& rng, uint32_t byte_budget, NodeId scope) {
  // Whether `id` still hangs from the root through present nodes.
  auto attached = [&](NodeId id) {
    if (id == tree.root()) return true;
    for (NodeId a = tree.node(id).parent; a != kNone; a = tree.node(a).parent) {
      if (tree.node(a).flags & kAbsent) return false;
      if (a == tree.root()) return true;
    }
    return false;
  };
  int repaired = 0;
  if (!has_conditionals_) {
    serializer_.BeginQueries(tree);
    return 0;
  }
  // A repair can add conditionals of its own, which the next pass sees.
  for (int pass = 0; pass < 16; ++pass) {
    bool again = false;    // a repair may have changed a condition already read, or added conditionals
    bool dropped = false;  // a repair removed fields (conditionals among them, perhaps)
    CollectConditionals(tree, scope == kNone ? tree.root() : scope, reachable_);
    // Conditions are read from the tree as it is until a repair changes
    // what they read.
    serializer_.BeginQueries(tree);
    for (NodeId id : reachable_) {
      const Node& n = tree.node(id);
      if (n.expr == kNone || (n.flags & kRaw)) continue;
      const ExprId expr = n.expr;
      const Expr& e = g_.expr(expr);
      if (e.kind != ExprKind::kConditional || IsPresenceControlled(expr, e.condition)) continue;
      if (dropped && !attached(id)) continue;  // dropped by an earlier repair in this pass
      bool should = conditions_.EvaluateUnchanged(tree, id, e.condition);
      bool is = !(n.flags & kAbsent);
      if (should == is) continue;
      // A field that neither sits inside nor holds anything a condition
      // reads (an extended CoAP delta) changes no condition: the answers
      // so far stand, and the pass goes on with them.
      const bool feeds = holds_feeding_[expr] || MayAffectConditions(tree, id);
      tree.node(id).first_child = tree.node(id).last_child = kNone;
      if (should) {
        tree.node(id).flags &= static_cast<uint8_t>(~kAbsent);
        budget_ = byte_budget;
        Gen(tree, e.children[0], id, rng, 1);
      } else {
        tree.node(id).flags |= kAbsent;
        dropped = true;
      }
      ++repaired;
      if (feeds) {
        again = true;
        serializer_.BeginQueries(tree);
      } else {
        // No answer so far depends on the new nodes (none is a field a
        // condition reads, nor inside one): the queries keep them.
        serializer_.KeepQueries(tree);
        again = again || (should && conditionals_below_[expr]);
      }
    }
    if (!again) break;
  }
  return repaired;
}

NodeId Generator::GenerateInto(Tree& tree, ExprId expr, NodeId parent, Rng& rng, uint32_t byte_budget,
                               ConditionalFields conditionals) {
  budget_ = byte_budget;
  settle_later_ = conditionals == ConditionalFields::kSettledByCaller;
  NodeId node = Gen(tree, expr, parent, rng, 0);
  settle_later_ = false;
  return node;
}

namespace {

void PlanSteps(const std::vector<SessionStep>& steps, const std::vector<RuleId>& send_rules, Rng& rng,
               uint32_t max_repeat, size_t limit, std::vector<Generator::PlannedMessage>& out) {
  for (const SessionStep& step : steps) {
    if (out.size() >= limit) return;
    if (step.kind == SessionStepKind::kSend) {
      auto it = std::find(send_rules.begin(), send_rules.end(), step.rule);
      if (it != send_rules.end()) {
        out.push_back({static_cast<uint32_t>(it - send_rules.begin()),
                       step.connection == kNone ? 0 : step.connection});
      }
    } else if (step.kind == SessionStepKind::kEither) {
      if (!step.alternatives.empty()) {
        PlanSteps(step.alternatives[rng.Below(step.alternatives.size())], send_rules, rng, max_repeat, limit, out);
      }
    } else if (step.kind == SessionStepKind::kRepeat) {
      uint32_t high = std::min<uint32_t>(step.max, step.min + max_repeat);
      uint64_t count = rng.InRange(step.min, std::max(step.min, high));
      for (uint64_t i = 0; i < count && out.size() < limit; ++i) {
        PlanSteps(step.body, send_rules, rng, max_repeat, limit, out);
      }
    }
  }
}

}  // namespace

std::vector<Generator::PlannedMessage> Generator::PlanSession(const Session& session, Rng& rng, size_t limit) const {
  std::vector<PlannedMessage> plan;
  PlanSteps(session.steps, session.send_rules, rng, limits_.max_repeat, limit, plan);
  return plan;
}

Tree Generator::GenerateSession(const Session& session, Rng& rng) {
  Tree tree;
  if (session.message_list == kNone) return tree;
  const Expr& list = g_.expr(session.message_list);
  std::vector<PlannedMessage> plan = PlanSession(session, rng, list.max);
  NodeId root = tree.Add(session.message_list, kNone);
  tree.set_root(root);
  int64_t per_message = static_cast<int64_t>(limits_.max_bytes / std::max<size_t>(plan.size(), 1)) + 32;
  for (const PlannedMessage& planned : plan) {
    forced_choice_expr_ = session.message_choice;
    forced_choice_ = planned.alternative;
    budget_ = per_message;
    NodeId message = Gen(tree, list.children[0], root, rng, 1);
    if (session.connection_field != kNone && message != kNone) {
      NodeId connection = SessionBinder::FindField(tree, message, session.connection_field);
      if (connection != kNone) {
        tree.node(connection).value = planned.connection;
        tree.node(connection).flags &= static_cast<uint8_t>(~kExact);
      }
    }
  }
  forced_choice_expr_ = kNone;
  forced_choice_ = kNone;
  RepairConditionals(tree, rng, limits_.max_bytes / 4 + 16);
  binder_.Apply(session, tree);
  return tree;
}

Tree Generator::Generate(Rng& rng, RuleId rule) {
  if (rule == kNone) rule = g_.start;
  Tree tree;
  if (rule == kNone) return tree;
  if (const Session* session = g_.SessionOfRule(rule)) return GenerateSession(*session, rng);
  budget_ = limits_.max_bytes;
  tree.set_root(Gen(tree, g_.rules[rule].body, kNone, rng, 0));
  // Conditions on fields generated later (an extension present only when a
  // computed nibble says 13) are settled once the whole tree exists.
  RepairConditionals(tree, rng, limits_.max_bytes / 4 + 16);
  return tree;
}

}  // namespace iotfuzz::grammar
