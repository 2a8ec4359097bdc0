#include "fuzzers/grammar/grammar_checker.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

namespace iotfuzz::grammar {
namespace {

// Depth-first search for a labelled expression below `root`, not entering
// rule references.
ExprId FindLabel(const Grammar& g, ExprId root, const std::string& label) {
  std::vector<ExprId> stack{root};
  while (!stack.empty()) {
    ExprId id = stack.back();
    stack.pop_back();
    const Expr& e = g.expr(id);
    // An unlabelled rule reference is a field named after its rule.
    if (e.label == label || (e.label.empty() && e.kind == ExprKind::kRuleRef && e.rule_name == label)) return id;
    for (auto it = e.children.rbegin(); it != e.children.rend(); ++it) stack.push_back(*it);
  }
  return kNone;
}

// Skips groups around an expression (a labelled group of one element names
// that element).
ExprId Unwrap(const Grammar& g, ExprId id) {
  while (g.expr(id).kind == ExprKind::kSequence && g.expr(id).children.size() == 1) id = g.expr(id).children[0];
  return id;
}

class Checker {
 public:
  Checker(const Grammar& g, DiagnosticList& d) : g_(g), d_(d) {}

  void Run() {
    if (g_.rules.empty()) return;
    ComputeNullable();
    CheckProductive();
    CheckLeftRecursion();
    CheckReachable();
    for (RuleId r = 0; r < g_.rules.size(); ++r) CheckFields(r, g_.rules[r].body);
    for (const Expr& e : g_.exprs) {
      if (e.kind == ExprKind::kChoice) CheckChoice(e);
    }
  }

 private:
  // nullable_[e]: the expression can match the empty string.
  void ComputeNullable() {
    nullable_.assign(g_.exprs.size(), false);
    rule_nullable_.assign(g_.rules.size(), false);
    bool changed = true;
    while (changed) {
      changed = false;
      for (ExprId id = 0; id < g_.exprs.size(); ++id) {
        bool n = Nullable(id);
        if (n && !nullable_[id]) nullable_[id] = true, changed = true;
      }
      for (RuleId r = 0; r < g_.rules.size(); ++r) {
        if (g_.rules[r].body != kNone && nullable_[g_.rules[r].body] && !rule_nullable_[r]) {
          rule_nullable_[r] = true;
          changed = true;
        }
      }
    }
  }
  bool Nullable(ExprId id) const {
    const Expr& e = g_.expr(id);
    switch (e.kind) {
      case ExprKind::kLiteral: case ExprKind::kCharClass: case ExprKind::kInteger:
      case ExprKind::kBits: case ExprKind::kBitField: case ExprKind::kVarint:
      case ExprKind::kDecimal: case ExprKind::kHex:
        return false;
      case ExprKind::kVirtual: case ExprKind::kOptional: case ExprKind::kConditional:
        return true;
      case ExprKind::kBytes: case ExprKind::kString:
        return e.min == 0;
      case ExprKind::kRepeat:
        return e.min == 0 || nullable_[e.children[0]];
      case ExprKind::kSequence:
        return std::all_of(e.children.begin(), e.children.end(), [&](ExprId c) { return nullable_[c]; });
      case ExprKind::kChoice:
        return std::any_of(e.children.begin(), e.children.end(), [&](ExprId c) { return nullable_[c]; });
      case ExprKind::kRuleRef:
        return e.rule != kNone && rule_nullable_[e.rule];
    }
    return false;
  }

  // A rule is productive when it can finish: some way through it uses only
  // terminals and productive rules.
  void CheckProductive() {
    std::vector<bool> expr_ok(g_.exprs.size(), false);
    std::vector<bool> rule_ok(g_.rules.size(), false);
    bool changed = true;
    while (changed) {
      changed = false;
      for (ExprId id = 0; id < g_.exprs.size(); ++id) {
        if (expr_ok[id]) continue;
        const Expr& e = g_.expr(id);
        bool ok = false;
        switch (e.kind) {
          case ExprKind::kSequence: case ExprKind::kBits:
            ok = std::all_of(e.children.begin(), e.children.end(), [&](ExprId c) { return expr_ok[c]; });
            break;
          case ExprKind::kChoice:  // generation takes only alternatives of weight 1 or more
            for (size_t i = 0; i < e.children.size(); ++i) ok = ok || (e.weights[i] > 0 && expr_ok[e.children[i]]);
            break;
          case ExprKind::kRepeat:
            ok = e.min == 0 || expr_ok[e.children[0]];
            break;
          case ExprKind::kOptional: case ExprKind::kConditional:
            ok = true;
            break;
          case ExprKind::kRuleRef:
            ok = e.rule != kNone && rule_ok[e.rule];
            break;
          default:
            ok = true;
        }
        if (ok) expr_ok[id] = true, changed = true;
      }
      for (RuleId r = 0; r < g_.rules.size(); ++r) {
        if (!rule_ok[r] && g_.rules[r].body != kNone && expr_ok[g_.rules[r].body]) rule_ok[r] = true, changed = true;
      }
    }
    for (RuleId r = 0; r < g_.rules.size(); ++r) {
      if (!rule_ok[r]) {
        d_.Error(g_.rules[r].pos, fmt::format("rule '{}' can never finish: every way through it recurses or takes "
                                              "an alternative of weight 0 (add an alternative or make the "
                                              "recursion optional)",
                                              g_.rules[r].name));
      }
    }
  }

  // Rules reachable from `id` before any byte is consumed.
  void LeftRefs(ExprId id, std::vector<RuleId>& out) const {
    const Expr& e = g_.expr(id);
    switch (e.kind) {
      case ExprKind::kRuleRef:
        if (e.rule != kNone) out.push_back(e.rule);
        break;
      case ExprKind::kSequence:
        for (ExprId c : e.children) {
          LeftRefs(c, out);
          if (!nullable_[c]) break;
        }
        break;
      case ExprKind::kChoice: case ExprKind::kRepeat: case ExprKind::kOptional: case ExprKind::kConditional:
        for (ExprId c : e.children) LeftRefs(c, out);
        break;
      default:
        break;
    }
  }

  void CheckLeftRecursion() {
    size_t n = g_.rules.size();
    std::vector<std::vector<RuleId>> edges(n);
    for (RuleId r = 0; r < n; ++r) {
      if (g_.rules[r].body != kNone) LeftRefs(g_.rules[r].body, edges[r]);
    }
    // A rule is left-recursive when it reaches itself along these edges.
    for (RuleId r = 0; r < n; ++r) {
      std::vector<bool> seen(n, false);
      std::vector<RuleId> stack(edges[r].begin(), edges[r].end());
      while (!stack.empty()) {
        RuleId x = stack.back();
        stack.pop_back();
        if (x == r) {
          d_.Error(g_.rules[r].pos, fmt::format("rule '{}' is left-recursive: it can reach itself before "
                                                "consuming any byte, so inputs cannot be parsed back",
                                                g_.rules[r].name));
          break;
        }
        if (seen[x]) continue;
        seen[x] = true;
        stack.insert(stack.end(), edges[x].begin(), edges[x].end());
      }
    }
  }

  void CheckReachable() {
    if (g_.start == kNone) return;
    std::vector<bool> seen(g_.rules.size(), false);
    // Sessions are roots too, with the rules they receive.
    std::vector<RuleId> stack{g_.start};
    seen[g_.start] = true;
    for (const Session& s : g_.sessions) {
      std::vector<RuleId> roots = s.recv_rules;
      roots.push_back(s.input_rule);
      for (RuleId r : roots) {
        if (r != kNone && !seen[r]) {
          seen[r] = true;
          stack.push_back(r);
        }
      }
    }
    while (!stack.empty()) {
      RuleId r = stack.back();
      stack.pop_back();
      ForEachExprBelow(g_, g_.rules[r].body, [&](ExprId, const Expr& e) {
        if (e.kind == ExprKind::kRuleRef && e.rule != kNone && !seen[e.rule]) {
          seen[e.rule] = true;
          stack.push_back(e.rule);
        }
      });
    }
    for (RuleId r = 0; r < g_.rules.size(); ++r) {
      if (!seen[r]) {
        d_.Warning(g_.rules[r].pos, fmt::format("rule '{}' is not used (not reachable from start rule '{}' or a session)",
                                                g_.rules[r].name, g_.rules[g_.start].name));
      }
    }
  }

  void CheckPath(RuleId rule, const std::vector<std::string>& path, SourcePos pos, const char* what) {
    if (FindVisibleField(g_, rule, path) == kNone) {
      std::string joined = path.empty() ? std::string() : path[0];
      for (size_t i = 1; i < path.size(); ++i) joined += "." + path[i];
      d_.Error(pos, fmt::format("{} names field '{}', which rule '{}' does not have", what, joined,
                                g_.rules[rule].name));
    }
  }

  void CheckCondition(RuleId rule, ConditionId id) {
    if (id == kNone) return;
    const Condition& c = g_.conditions[id];
    if (c.kind == ConditionKind::kField) CheckPath(rule, c.path, c.pos, "condition");
    CheckCondition(rule, c.lhs);
    CheckCondition(rule, c.rhs);
  }

  void CheckFields(RuleId rule, ExprId id) {
    if (id == kNone) return;
    const Expr& e = g_.expr(id);
    if (e.relation.kind != RelationKind::kNone) {
      const Relation& rel = e.relation;
      ExprId target = FindVisibleField(g_, rule, rel.target);
      if (target == kNone) {
        CheckPath(rule, rel.target, rel.pos, "relation");
      } else {
        const Expr& t = g_.expr(Unwrap(g_, target));
        if (rel.kind == RelationKind::kCount && t.kind != ExprKind::kRepeat) {
          d_.Error(rel.pos, fmt::format("count() needs a repetition, but '{}' is {}", rel.target.back(),
                                        ExprKindName(t.kind)));
        }
        if (rel.kind == RelationKind::kPresent && t.kind != ExprKind::kOptional &&
            t.kind != ExprKind::kConditional) {
          d_.Error(rel.pos, fmt::format("present() needs an optional or conditional field, but '{}' is {}",
                                        rel.target.back(), ExprKindName(t.kind)));
        }
        if (target == id) d_.Error(rel.pos, "a field cannot be related to itself");
      }
    }
    if (e.kind == ExprKind::kConditional) CheckCondition(rule, e.condition);
    if (e.constraint.low_field != kNone) {
      const Condition& low = g_.conditions[e.constraint.low_field];
      ExprId field = FindVisibleField(g_, rule, low.path);
      if (field == kNone) {
        CheckPath(rule, low.path, low.pos, "range");
      } else if (!IsNumberKind(g_.expr(Unwrap(g_, field)).kind)) {
        d_.Error(low.pos, fmt::format("a range starts at a number field, but '{}' is {}", low.path.back(),
                                      ExprKindName(g_.expr(Unwrap(g_, field)).kind)));
      } else if (field == id) {
        d_.Error(low.pos, "a range cannot start at its own field");
      }
    }
    for (ExprId c : e.children) CheckFields(rule, c);
  }

  // The literal an alternative must start with, if it is fixed.
  std::optional<std::string> LeadingLiteral(ExprId id) const {
    const Expr& e = g_.expr(id);
    if (e.kind == ExprKind::kLiteral && !e.case_insensitive) return e.bytes;
    if (e.kind == ExprKind::kSequence && !e.children.empty()) return LeadingLiteral(e.children[0]);
    return std::nullopt;
  }

  void CheckChoice(const Expr& e) {
    for (size_t i = 0; i < e.children.size(); ++i) {
      for (size_t j = i + 1; j < e.children.size(); ++j) {
        const Expr& a = g_.expr(e.children[i]);
        const Expr& b = g_.expr(e.children[j]);
        bool same_literal = a.kind == ExprKind::kLiteral && b.kind == ExprKind::kLiteral && a.bytes == b.bytes &&
                            a.case_insensitive == b.case_insensitive;
        bool same_rule = a.kind == ExprKind::kRuleRef && b.kind == ExprKind::kRuleRef && a.rule == b.rule;
        if (same_literal || same_rule) {
          d_.Warning(b.pos, fmt::format("alternative {} is the same as alternative {}: parsing back always "
                                        "picks the first",
                                        j + 1, i + 1));
          continue;
        }
        // An earlier alternative that is exactly a literal which prefixes a
        // later one wins first when parsing a stream.
        if (a.kind == ExprKind::kLiteral && !a.case_insensitive) {
          auto lead = LeadingLiteral(e.children[j]);
          if (lead && lead->size() > a.bytes.size() && lead->compare(0, a.bytes.size(), a.bytes) == 0) {
            d_.Warning(b.pos, fmt::format("alternative {} starts with alternative {} ('{}'): put the longer "
                                          "one first or parsing back may split it",
                                          j + 1, i + 1, a.bytes));
          }
        }
      }
    }
  }

  const Grammar& g_;
  DiagnosticList& d_;
  std::vector<bool> nullable_;
  std::vector<bool> rule_nullable_;
};

}  // namespace

ExprId FindField(const Grammar& g, RuleId rule, const std::vector<std::string>& path) {
  if (path.empty() || rule == kNone || g.rules[rule].body == kNone) return kNone;
  ExprId current = FindLabel(g, g.rules[rule].body, path[0]);
  for (size_t i = 1; i < path.size() && current != kNone; ++i) {
    ExprId inner = Unwrap(g, current);
    const Expr& e = g.expr(inner);
    if (e.kind == ExprKind::kRuleRef) {
      if (e.rule == kNone) return kNone;
      current = FindLabel(g, g.rules[e.rule].body, path[i]);
    } else {
      // Search below the field itself, not matching the field's own label.
      ExprId found = kNone;
      for (ExprId c : e.children) {
        found = FindLabel(g, c, path[i]);
        if (found != kNone) break;
      }
      current = found;
    }
  }
  return current;
}

ExprId FindVisibleField(const Grammar& g, RuleId rule, const std::vector<std::string>& path) {
  if (rule == kNone) return kNone;
  // Breadth-first over the rule and the rules that use it, nearest first.
  std::vector<bool> seen(g.rules.size(), false);
  std::vector<RuleId> queue{rule};
  seen[rule] = true;
  for (size_t i = 0; i < queue.size(); ++i) {
    ExprId found = FindField(g, queue[i], path);
    if (found != kNone) return found;
    for (RuleId caller = 0; caller < g.rules.size(); ++caller) {
      if (seen[caller] || g.rules[caller].body == kNone) continue;
      std::vector<ExprId> stack{g.rules[caller].body};
      bool uses = false;
      while (!stack.empty() && !uses) {
        const Expr& e = g.expr(stack.back());
        stack.pop_back();
        uses = e.kind == ExprKind::kRuleRef && e.rule == queue[i];
        stack.insert(stack.end(), e.children.begin(), e.children.end());
      }
      if (uses) {
        seen[caller] = true;
        queue.push_back(caller);
      }
    }
  }
  return kNone;
}

void CheckGrammar(const Grammar& grammar, DiagnosticList& diagnostics) {
  Checker(grammar, diagnostics).Run();
}

}  // namespace iotfuzz::grammar
