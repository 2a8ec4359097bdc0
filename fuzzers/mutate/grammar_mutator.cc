#include "fuzzers/mutate/grammar_mutator.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace iotfuzz::mutate {

using namespace grammar;  // NOLINT: the mutator works on every grammar type
namespace {

const Expr* ExprOf(const Grammar& g, const Tree& t, NodeId id) {
  const Node& n = t.node(id);
  if (n.expr == kNone || (n.flags & kRaw)) return nullptr;
  return &g.expr(n.expr);
}

// What an expression offers the operations, one bit each, so picking a
// candidate reads a small table rather than the expressions.
enum : uint16_t {
  kStructuredExpr = 1 << 0,   // anything but a bit field
  kChoiceExpr = 1 << 1,       // a choice of two or more
  kRepeatExpr = 1 << 2,
  kOptionalExpr = 1 << 3,     // optional or conditional
  kFreeScalarExpr = 1 << 4,   // a number no relation computes
  kConstrainedExpr = 1 << 5,  // ... with a constraint or interesting values
  kChoosableExpr = 1 << 6,    // ... with a choice of values (a constant has none)
  kRelationExpr = 1 << 7,
  kBlobExpr = 1 << 8,         // bytes or string
  kLeafBytesExpr = 1 << 9,    // bytes, string, literal or character class
};

uint16_t TraitsOf(const Expr& e) {
  uint16_t t = 0;
  if (e.kind != ExprKind::kBitField) t |= kStructuredExpr;
  if (e.kind == ExprKind::kChoice && e.children.size() > 1) t |= kChoiceExpr;
  if (e.kind == ExprKind::kRepeat) t |= kRepeatExpr;
  if (e.kind == ExprKind::kOptional || e.kind == ExprKind::kConditional) t |= kOptionalExpr;
  if (IsNumberKind(e.kind) && e.relation.kind == RelationKind::kNone) {
    t |= kFreeScalarExpr;
    if (e.constraint.kind != ConstraintKind::kNone || !e.constraint.interesting.empty()) {
      t |= kConstrainedExpr;
      if (e.constraint.kind != ConstraintKind::kConstant || !e.constraint.interesting.empty()) t |= kChoosableExpr;
    }
  }
  if (e.relation.kind != RelationKind::kNone) t |= kRelationExpr;
  if (e.kind == ExprKind::kBytes || e.kind == ExprKind::kString) t |= kBlobExpr;
  if (e.kind == ExprKind::kBytes || e.kind == ExprKind::kString || e.kind == ExprKind::kLiteral ||
      e.kind == ExprKind::kCharClass) {
    t |= kLeafBytesExpr;
  }
  return t;
}

// The traits of the node's expression; none for a raw node.
uint16_t TraitsAt(const uint16_t* traits, const Tree& t, NodeId id) {
  const Node& n = t.node(id);
  return n.expr == kNone || (n.flags & kRaw) ? 0 : traits[n.expr];
}

bool AnyStructured(const uint16_t* traits, const Tree& t, NodeId id) {
  return (TraitsAt(traits, t, id) & kStructuredExpr) && t.node(id).parent != kNone && !(t.node(id).flags & kAbsent);
}
bool IsChoice(const uint16_t* traits, const Tree& t, NodeId id) { return TraitsAt(traits, t, id) & kChoiceExpr; }
bool IsRepeat(const uint16_t* traits, const Tree& t, NodeId id) { return TraitsAt(traits, t, id) & kRepeatExpr; }
bool IsNonEmptyRepeat(const uint16_t* traits, const Tree& t, NodeId id) {
  return IsRepeat(traits, t, id) && t.node(id).first_child != kNone;
}
bool IsOptional(const uint16_t* traits, const Tree& t, NodeId id) { return TraitsAt(traits, t, id) & kOptionalExpr; }
bool IsFreeScalar(const uint16_t* traits, const Tree& t, NodeId id) {
  return TraitsAt(traits, t, id) & kFreeScalarExpr;
}
bool IsConstrainedScalar(const uint16_t* traits, const Tree& t, NodeId id) {
  return TraitsAt(traits, t, id) & kConstrainedExpr;
}
// A field with a choice of values (a constant has none; lying about it is ConstraintLie's job).
bool IsChoosableScalar(const uint16_t* traits, const Tree& t, NodeId id) {
  return TraitsAt(traits, t, id) & kChoosableExpr;
}
bool IsRelation(const uint16_t* traits, const Tree& t, NodeId id) { return TraitsAt(traits, t, id) & kRelationExpr; }
bool IsBlob(const uint16_t* traits, const Tree& t, NodeId id) { return TraitsAt(traits, t, id) & kBlobExpr; }
bool IsLeafWithBytes(const uint16_t* traits, const Tree& t, NodeId id) {
  const Node& n = t.node(id);
  if ((n.flags & kRaw) && n.bytes_size > 0) return true;
  return TraitsAt(traits, t, id) & kLeafBytesExpr;
}

}  // namespace

const char* MutationName(MutationKind kind) {
  static constexpr const char* kNames[kMutationKindCount] = {
      "Regenerate", "SwapAlternative", "Splice",     "RepeatInsert",    "RepeatDelete", "RepeatDuplicate",
      "RepeatSwap", "ToggleOptional",  "IntBoundary", "IntDelta",       "EnumValue",    "DictionaryToken",
      "StringLength", "ByteHavoc",     "MessageInsert", "MessageDelete", "MessageDuplicate", "MessageSwap",
      "RelationLie", "ConstraintLie", "BindingLie"};
  return kNames[static_cast<int>(kind)];
}

std::string FormatMutationSequence(const std::vector<MutationKind>& applied) {
  std::string out = fmt::format("MS: {} ", applied.size());
  for (MutationKind k : applied) out += fmt::format("{}-", MutationName(k));
  return out;
}

GrammarMutator::GrammarMutator(const Grammar& grammar, MutatorOptions options)
    : g_(grammar),
      options_(std::move(options)),
      generator_(grammar, options_.generator),
      serializer_(grammar),
      binder_(grammar) {
  std::set<std::string> unique;
  for (const Expr& e : g_.exprs) {
    if (e.kind == ExprKind::kLiteral && !e.bytes.empty()) unique.insert(e.bytes);
  }
  for (const auto& t : options_.dictionary) {
    if (!t.empty()) unique.insert(t);
  }
  tokens_.assign(unique.begin(), unique.end());
  traits_.reserve(g_.exprs.size());
  for (const Expr& e : g_.exprs) traits_.push_back(TraitsOf(e));
  // What the nodes below a node of each expression can offer, through the
  // rules they use.
  std::vector<uint16_t> rule_traits(g_.rules.size(), 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (RuleId r = 0; r < g_.rules.size(); ++r) {
      uint16_t t = rule_traits[r];
      ForEachExprBelow(g_, g_.rules[r].body, [&](ExprId id, const Expr& e) {
        t |= traits_[id];
        if (e.kind == ExprKind::kRuleRef && e.rule != kNone) t |= rule_traits[e.rule];
      });
      if (t != rule_traits[r]) rule_traits[r] = t, changed = true;
    }
  }
  traits_below_.assign(g_.exprs.size(), 0);
  for (ExprId id = 0; id < g_.exprs.size(); ++id) {
    ForEachExprBelow(g_, id, [&](ExprId below, const Expr& e) {
      if (below != id) traits_below_[id] |= traits_[below];
      if (e.kind == ExprKind::kRuleRef && e.rule != kNone) traits_below_[id] |= rule_traits[e.rule];
    });
  }
}

template <bool (*Accept)(const uint16_t*, const Tree&, NodeId), uint16_t kEnterFor>
NodeId GrammarMutator::PickCandidate(const Tree& tree, Rng& rng) const {
  // One pass, no list: each accepted node replaces the pick with
  // probability 1/seen (reservoir sampling), so every candidate is equally
  // likely. Subtrees whose expression cannot hold one (nothing below offers
  // `kEnterFor`) are not entered.
  NodeId pick = kNone;
  uint64_t seen = 0;
  const uint16_t* traits = traits_.data();
  const uint16_t* below = traits_below_.data();
  tree.ForEachReachable([&](NodeId id) {
    if (Accept(traits, tree, id) && rng.Below(++seen) == 0) pick = id;
    const ExprId e = tree.node(id).expr;
    return kEnterFor == 0 || e == kNone || (below[e] & kEnterFor) != 0;
  });
  return pick;
}

std::vector<NodeId>& GrammarMutator::ChildrenOf(const Tree& tree, NodeId id) {
  children_.clear();
  for (NodeId c = tree.node(id).first_child; c != kNone; c = tree.node(c).next_sibling) children_.push_back(c);
  return children_;
}

size_t GrammarMutator::CurrentSize(const Tree& tree, bool queried, bool emit) {
  if (!emit) {
    // A fresh computation: the queries' memo sizes a group that holds its
    // own length field (an MQTT remaining length) provisionally.
    known_size_ = serializer_.SerializedSize(tree);
    return known_size_;
  }
  scratch_.clear();
  if (queried) {
    generator_.serializer().SerializeQueried(tree, scratch_);
  } else {
    serializer_.Serialize(tree, scratch_);
  }
  known_size_ = scratch_.size();
  return known_size_;
}

NodeId GrammarMutator::RegenerateAt(Tree& tree, NodeId old, ExprId expr, Rng& rng) {
  NodeId parent = tree.node(old).parent;
  size_t current = known_size_;
  uint32_t budget = static_cast<uint32_t>(
      std::min<size_t>(options_.generator.max_bytes, options_.max_size > current ? options_.max_size - current : 0) +
      16);
  // Generated under the same parent so a range bounded by another field
  // sees it; its conditional fields are settled after the operation.
  NodeId fresh = generator_.GenerateInto(tree, expr, parent, rng, budget, Generator::ConditionalFields::kSettledByCaller);
  if (parent != kNone) tree.Remove(fresh);
  tree.Replace(old, fresh);
  return fresh;
}

bool GrammarMutator::SetLeafBytes(Tree& tree, NodeId node, std::string_view data) {
  // The input's size as the next stacked operation sees it (Mutate measures
  // the exact size once, after the last).
  const size_t before = tree.node(node).bytes_size;
  known_size_ = known_size_ + data.size() >= before ? known_size_ + data.size() - before : 0;
  tree.SetBytes(node, data);
  tree.node(node).flags &= static_cast<uint8_t>(~kExact);
  return true;
}

bool GrammarMutator::Regenerate(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<AnyStructured, 0>(tree, rng);
  if (id == kNone) return false;
  changed_root_ = RegenerateAt(tree, id, tree.node(id).expr, rng);
  return true;
}

bool GrammarMutator::SwapAlternative(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsChoice, kChoiceExpr>(tree, rng);
  if (id == kNone) return false;
  const Expr& e = g_.expr(tree.node(id).expr);
  uint64_t current = tree.node(id).value;
  uint64_t pick = rng.Below(e.children.size() - 1);
  if (pick >= current) ++pick;
  NodeId child = tree.node(id).first_child;
  if (child == kNone) return false;
  RegenerateAt(tree, child, e.children[pick], rng);
  tree.node(id).value = pick;
  changed_root_ = id;
  return true;
}

bool GrammarMutator::Splice(Tree& tree, Rng& rng, const Tree* donor) {
  if (!donor || donor->empty()) return false;
  // Scratch lists are members: no allocation per call once warm.
  std::vector<NodeId>& mine = splice_mine_;
  mine.clear();
  tree.Reachable(reachable_);
  for (NodeId id : reachable_) {
    if (AnyStructured(traits_.data(), tree, id)) mine.push_back(id);
  }
  if (mine.empty()) return false;
  std::vector<NodeId>& theirs = splice_theirs_;
  donor->Reachable(theirs);
  // A few tries to find a node whose expression the donor also has; among
  // those, one picked by reservoir sampling.
  for (int attempt = 0; attempt < 8; ++attempt) {
    NodeId target = mine[rng.Below(mine.size())];
    ExprId expr = tree.node(target).expr;
    NodeId pick = kNone;
    uint64_t seen = 0;
    for (NodeId d : theirs) {
      if (donor->node(d).expr == expr && !(donor->node(d).flags & kAbsent) && rng.Below(++seen) == 0) pick = d;
    }
    if (pick == kNone) continue;
    NodeId copy = tree.CopySubtree(*donor, pick);
    tree.Replace(target, copy);
    changed_root_ = copy;
    return true;
  }
  return false;
}

bool GrammarMutator::RepeatInsert(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsRepeat, kRepeatExpr>(tree, rng);
  if (id == kNone) return false;
  return InsertElement(tree, id, rng);
}

bool GrammarMutator::InsertElement(Tree& tree, NodeId id, Rng& rng) {
  const Expr& e = g_.expr(tree.node(id).expr);
  size_t count = tree.ChildCount(id);
  // Past the maximum only now and then: that too is a malformed input.
  if (!e.unbounded && count >= e.max && !rng.Chance(1, 8)) return false;
  size_t current = known_size_;
  uint32_t budget = static_cast<uint32_t>(options_.max_size > current ? options_.max_size - current : 0);
  NodeId fresh =
      generator_.GenerateInto(tree, e.children[0], id, rng, budget, Generator::ConditionalFields::kSettledByCaller);
  tree.Remove(fresh);
  std::vector<NodeId>& kids = ChildrenOf(tree, id);
  size_t at = rng.Below(kids.size() + 1);
  if (at == 0) {
    tree.InsertFirst(id, fresh);
  } else {
    tree.InsertAfter(kids[at - 1], fresh);
  }
  changed_root_ = id;
  return true;
}

bool GrammarMutator::RepeatDelete(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsNonEmptyRepeat, kRepeatExpr>(tree, rng);
  if (id == kNone) return false;
  const Expr& e = g_.expr(tree.node(id).expr);
  std::vector<NodeId>& kids = ChildrenOf(tree, id);
  if (kids.size() <= e.min && !rng.Chance(1, 8)) return false;
  tree.Remove(kids[rng.Below(kids.size())]);
  changed_root_ = id;
  return true;
}

bool GrammarMutator::RepeatDuplicate(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsNonEmptyRepeat, kRepeatExpr>(tree, rng);
  if (id == kNone) return false;
  std::vector<NodeId>& kids = ChildrenOf(tree, id);
  NodeId element = kids[rng.Below(kids.size())];
  NodeId copy = tree.CopySubtree(tree, element);
  tree.InsertAfter(element, copy);
  changed_root_ = id;
  return true;
}

bool GrammarMutator::RepeatSwap(Tree& tree, Rng& rng) {
  std::vector<NodeId>& repeats = candidates_;
  repeats.clear();
  tree.Reachable(reachable_);
  for (NodeId r : reachable_) {
    if (IsNonEmptyRepeat(traits_.data(), tree, r) && tree.ChildCount(r) >= 2) repeats.push_back(r);
  }
  if (repeats.empty()) return false;
  return SwapElements(tree, repeats[rng.Below(repeats.size())], rng);
}

bool GrammarMutator::SwapElements(Tree& tree, NodeId id, Rng& rng) {
  std::vector<NodeId>& kids = ChildrenOf(tree, id);
  if (kids.size() < 2) return false;
  size_t a = rng.Below(kids.size());
  size_t b = rng.Below(kids.size() - 1);
  if (b >= a) ++b;
  // Move element a right after element b (or first).
  tree.Remove(kids[a]);
  tree.InsertAfter(kids[b], kids[a]);
  changed_root_ = id;
  return true;
}

bool GrammarMutator::ToggleOptional(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsOptional, kOptionalExpr>(tree, rng);
  if (id == kNone) return false;
  Node& n = tree.node(id);
  if (n.flags & kAbsent) {
    n.flags &= static_cast<uint8_t>(~kAbsent);
    size_t current = known_size_;
    uint32_t budget = static_cast<uint32_t>(options_.max_size > current ? options_.max_size - current : 0);
    generator_.GenerateInto(tree, g_.expr(tree.node(id).expr).children[0], id, rng, budget);
  } else {
    tree.node(id).first_child = tree.node(id).last_child = kNone;
    tree.node(id).flags |= kAbsent;
  }
  return true;
}

bool GrammarMutator::IntBoundary(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsFreeScalar, kFreeScalarExpr>(tree, rng);
  if (id == kNone) return false;
  touched_leaf_ = id;
  uint64_t max = Generator::MaxValue(g_.expr(tree.node(id).expr));
  const uint64_t edges[] = {0, 1, max, max - 1, max >> 1, (max >> 1) + 1, 0x7f & max, 0x80 & max, 0xff & max};
  Node& n = tree.node(id);
  n.value = edges[rng.Below(std::size(edges))];
  n.flags &= static_cast<uint8_t>(~kExact);
  return true;
}

bool GrammarMutator::IntDelta(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsFreeScalar, kFreeScalarExpr>(tree, rng);
  if (id == kNone) return false;
  touched_leaf_ = id;
  uint64_t max = Generator::MaxValue(g_.expr(tree.node(id).expr));
  Node& n = tree.node(id);
  uint64_t delta = 1 + rng.Below(16);
  n.value = (rng.Chance(1, 2) ? n.value + delta : n.value - delta) & max;
  n.flags &= static_cast<uint8_t>(~kExact);
  return true;
}

bool GrammarMutator::EnumValue(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsChoosableScalar, kChoosableExpr>(tree, rng);
  if (id == kNone) return false;
  touched_leaf_ = id;
  const Expr& e = g_.expr(tree.node(id).expr);
  Node& n = tree.node(id);
  const auto& interesting = e.constraint.interesting;
  if (!interesting.empty() && rng.Chance(1, 3)) {
    n.value = interesting[rng.Below(interesting.size())];
  } else {
    n.value = generator_.PickValueAt(tree, id, e, rng);
  }
  n.flags &= static_cast<uint8_t>(~kExact);
  return true;
}

bool GrammarMutator::DictionaryToken(Tree& tree, Rng& rng) {
  if (tokens_.empty()) return false;
  NodeId id = PickCandidate<IsBlob, kBlobExpr>(tree, rng);
  if (id == kNone) return false;
  touched_leaf_ = id;
  const std::string& token = tokens_[rng.Below(tokens_.size())];
  std::string& data = leaf_;
  data.assign(tree.Bytes(id));
  if (rng.Chance(1, 2) || data.empty()) {
    data = token;
  } else {
    data.insert(rng.Below(data.size() + 1), token);
  }
  return SetLeafBytes(tree, id, data);
}

bool GrammarMutator::StringLength(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsBlob, kBlobExpr>(tree, rng);
  if (id == kNone) return false;
  touched_leaf_ = id;
  const Expr& e = g_.expr(tree.node(id).expr);
  std::string& data = leaf_;
  data.assign(tree.Bytes(id));
  size_t current = known_size_;
  size_t room = options_.max_size > current ? options_.max_size - current : 0;
  switch (rng.Below(3)) {
    case 0: data.clear(); break;
    case 1: {
      size_t target = e.unbounded ? data.size() + room : std::max<size_t>(e.max, data.size());
      target = std::min(target, data.size() + room);
      char fill = data.empty() ? 'A' : data[rng.Below(data.size())];
      data.resize(target, fill);
      break;
    }
    default: {
      size_t target = std::min(data.size() + room, data.size() * 2 + 1);
      std::string& copy = leaf_copy_;
      copy.assign(data.empty() ? std::string_view("A") : std::string_view(data));
      while (data.size() < target) data += copy;
      data.resize(target);
    }
  }
  return SetLeafBytes(tree, id, data);
}

bool GrammarMutator::ByteHavoc(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsLeafWithBytes, 0>(tree, rng);
  if (id == kNone) return false;
  touched_leaf_ = id;
  std::string& data = leaf_;
  data.assign(tree.Bytes(id));
  size_t current = known_size_;
  size_t room = options_.max_size > current ? options_.max_size - current : 0;
  size_t capacity = std::max<size_t>(data.size() + std::min<size_t>(room, 64), 1);
  data.resize(capacity);
  size_t size = tree.node(id).bytes_size;
  if (byte_mutator_) {
    size = byte_mutator_(reinterpret_cast<uint8_t*>(data.data()), size, capacity);
  } else {
    // Flip, set or insert a byte.
    switch (rng.Below(3)) {
      case 0: if (size) data[rng.Below(size)] ^= static_cast<char>(1 << rng.Below(8)); break;
      case 1: if (size) data[rng.Below(size)] = static_cast<char>(rng.Below(256)); break;
      default:
        if (size < capacity) {
          size_t at = rng.Below(size + 1);
          data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(rng.Below(256)));
          ++size;
        }
    }
  }
  data.resize(std::min(size, capacity));
  // A literal whose bytes changed no longer matches the grammar: it is raw now.
  const Expr* e = ExprOf(g_, tree, id);
  if (e && (e->kind == ExprKind::kLiteral || e->kind == ExprKind::kCharClass)) tree.node(id).flags |= kRaw;
  return SetLeafBytes(tree, id, data);
}

bool GrammarMutator::RelationLie(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsRelation, kRelationExpr>(tree, rng);
  if (id == kNone) return false;
  Node& n = tree.node(id);
  if ((n.flags & kLying) && rng.Chance(1, 4)) {
    n.flags &= static_cast<uint8_t>(~(kLying | kExact));  // tell the truth again
    return true;
  }
  const Expr& e = g_.expr(n.expr);
  uint64_t truth = serializer_.ComputeRelation(tree, id);
  uint64_t max = Generator::MaxValue(e);
  uint64_t lie = truth;
  switch (rng.Below(6)) {
    case 0: lie = truth + 1; break;
    case 1: lie = truth - 1; break;
    case 2: lie = 0; break;
    case 3: lie = max; break;
    case 4: lie = truth * 2 + 1; break;
    default: lie = rng.InRange(0, max);
  }
  if (e.relation.kind == RelationKind::kPresent) lie = truth ? 0 : 1;
  tree.node(id).value = lie & max;
  tree.node(id).flags |= kLying;
  tree.node(id).flags &= static_cast<uint8_t>(~kExact);
  return true;
}

bool GrammarMutator::ConstraintLie(Tree& tree, Rng& rng) {
  NodeId id = PickCandidate<IsConstrainedScalar, kConstrainedExpr>(tree, rng);
  if (id == kNone) return false;
  const Expr& e = g_.expr(tree.node(id).expr);
  const Constraint& c = e.constraint;
  uint64_t max = Generator::MaxValue(e);
  uint64_t value = rng.InRange(0, max);
  // Values just outside the allowed set are the reserved ones peers must reject.
  switch (c.kind) {
    case ConstraintKind::kConstant: value = rng.Chance(1, 2) ? c.low + 1 : value; break;
    case ConstraintKind::kRange: {
      // A range from another field's value up: just below that value.
      const uint64_t low = c.low_field != kNone ? generator_.RangeLow(tree, id, e) : c.low;
      value = rng.Chance(1, 2) ? c.high + 1 : (low ? low - 1 : value);
      break;
    }
    case ConstraintKind::kSet: case ConstraintKind::kEnum: {
      uint64_t top = *std::max_element(c.values.begin(), c.values.end());
      value = rng.Chance(1, 2) ? top + 1 : value;
      break;
    }
    case ConstraintKind::kNone: break;
  }
  Node& n = tree.node(id);
  n.value = value & max;
  // A value outside an open set (`from {...}`) is no lie, only a rare one.
  if (!c.open) n.flags |= kLying;
  n.flags &= static_cast<uint8_t>(~kExact);
  return true;
}

bool GrammarMutator::MessageInsert(Tree& tree, Rng& rng) {
  const Session* session = binder_.SessionOf(tree);
  if (!session) return false;
  return InsertElement(tree, SessionBinder::MessageList(*session, tree), rng);
}

bool GrammarMutator::MessageDelete(Tree& tree, Rng& rng) {
  const Session* session = binder_.SessionOf(tree);
  if (!session) return false;
  std::vector<NodeId>& messages = ChildrenOf(tree, SessionBinder::MessageList(*session, tree));
  if (messages.empty()) return false;
  tree.Remove(messages[rng.Below(messages.size())]);
  return true;
}

bool GrammarMutator::MessageDuplicate(Tree& tree, Rng& rng) {
  const Session* session = binder_.SessionOf(tree);
  if (!session) return false;
  std::vector<NodeId>& messages = ChildrenOf(tree, SessionBinder::MessageList(*session, tree));
  if (messages.empty()) return false;
  NodeId message = messages[rng.Below(messages.size())];
  tree.InsertAfter(message, tree.CopySubtree(tree, message));
  return true;
}

bool GrammarMutator::MessageSwap(Tree& tree, Rng& rng) {
  const Session* session = binder_.SessionOf(tree);
  if (!session) return false;
  return SwapElements(tree, SessionBinder::MessageList(*session, tree), rng);
}

bool GrammarMutator::BindingLie(Tree& tree, Rng& rng) {
  const Session* session = binder_.SessionOf(tree);
  if (!session) return false;
  std::vector<NodeId> used = binder_.UsedFields(*session, tree);
  if (used.empty()) return false;
  NodeId id = used[rng.Below(used.size())];
  Node& n = tree.node(id);
  if ((n.flags & kLying) && rng.Chance(1, 4)) {
    n.flags &= static_cast<uint8_t>(~(kLying | kExact));  // follow the binding again
    return true;
  }
  uint64_t max = Generator::MaxValue(g_.expr(n.expr));
  uint64_t lie = n.value;
  switch (rng.Below(4)) {
    case 0: lie = n.value + 1; break;
    case 1: lie = n.value - 1; break;
    case 2: lie = 0; break;
    default: lie = rng.InRange(0, max);
  }
  n.value = lie & max;
  n.flags |= kLying;
  n.flags &= static_cast<uint8_t>(~kExact);
  return true;
}

bool GrammarMutator::Apply(MutationKind kind, Tree& tree, Rng& rng, const Tree* donor, size_t input_size) {
  if (input_size == kUnknownSize) {
    CurrentSize(tree);
  } else {
    known_size_ = input_size;
  }
  return ApplyAndRepair(kind, tree, rng, donor);
}

bool GrammarMutator::ApplyAndRepair(MutationKind kind, Tree& tree, Rng& rng, const Tree* donor) {
  PendingRepair pending;
  if (!ApplyNoting(kind, tree, rng, donor, pending)) return false;
  Settle(tree, rng, pending);
  return true;
}

bool GrammarMutator::KeepsConsistency(MutationKind kind) {
  return kind != MutationKind::kRelationLie && kind != MutationKind::kConstraintLie &&
         kind != MutationKind::kBindingLie && kind != MutationKind::kToggleOptional;
}

bool GrammarMutator::ApplyNoting(MutationKind kind, Tree& tree, Rng& rng, const Tree* donor, PendingRepair& pending) {
  queried_ = false;
  touched_leaf_ = kNone;
  changed_root_ = kNone;
  if (!ApplyUnrepaired(kind, tree, rng, donor)) return false;
  // Lies and presence toggles break consistency on purpose; everything else
  // keeps conditional fields in line with what they depend on. A new value
  // of a field no condition depends on leaves them as they were: no repair
  // (so a presence toggle stacked before it stays, as when it comes last).
  const bool repair_needed = touched_leaf_ == kNone || generator_.MayAffectConditions(tree, touched_leaf_);
  if (repair_needed && KeepsConsistency(kind)) {
    // A change confined to a subtree nothing any condition reads sits in
    // or holds needs only the conditionals inside it settled; two changes
    // need them all.
    const NodeId scope =
        changed_root_ != kNone && !generator_.MayAffectConditionsOutside(tree, changed_root_) ? changed_root_ : kNone;
    pending.scope = pending.needed ? kNone : scope;
    pending.needed = true;
  }
  // Values flow from message to message again after any change.
  BindSession(tree);
  return true;
}

void GrammarMutator::Settle(Tree& tree, Rng& rng, PendingRepair& pending) {
  if (!pending.needed) return;
  size_t current = known_size_;
  uint32_t budget = static_cast<uint32_t>(options_.max_size > current ? options_.max_size - current : 0);
  generator_.RepairConditionals(tree, rng, budget, pending.scope);
  queried_ = true;
  pending = PendingRepair();
  BindSession(tree);
}

void GrammarMutator::BindSession(Tree& tree) {
  if (g_.sessions.empty()) return;
  if (const Session* session = binder_.SessionOf(tree)) {
    if (binder_.Apply(*session, tree) != 0) queried_ = false;
  }
}

bool GrammarMutator::ApplyUnrepaired(MutationKind kind, Tree& tree, Rng& rng, const Tree* donor) {
  switch (kind) {
    case MutationKind::kRegenerate: return Regenerate(tree, rng);
    case MutationKind::kSwapAlternative: return SwapAlternative(tree, rng);
    case MutationKind::kSplice: return Splice(tree, rng, donor);
    case MutationKind::kRepeatInsert: return RepeatInsert(tree, rng);
    case MutationKind::kRepeatDelete: return RepeatDelete(tree, rng);
    case MutationKind::kRepeatDuplicate: return RepeatDuplicate(tree, rng);
    case MutationKind::kRepeatSwap: return RepeatSwap(tree, rng);
    case MutationKind::kToggleOptional: return ToggleOptional(tree, rng);
    case MutationKind::kIntBoundary: return IntBoundary(tree, rng);
    case MutationKind::kIntDelta: return IntDelta(tree, rng);
    case MutationKind::kEnumValue: return EnumValue(tree, rng);
    case MutationKind::kDictionaryToken: return DictionaryToken(tree, rng);
    case MutationKind::kStringLength: return StringLength(tree, rng);
    case MutationKind::kByteHavoc: return ByteHavoc(tree, rng);
    case MutationKind::kMessageInsert: return MessageInsert(tree, rng);
    case MutationKind::kMessageDelete: return MessageDelete(tree, rng);
    case MutationKind::kMessageDuplicate: return MessageDuplicate(tree, rng);
    case MutationKind::kMessageSwap: return MessageSwap(tree, rng);
    case MutationKind::kRelationLie: return RelationLie(tree, rng);
    case MutationKind::kConstraintLie: return ConstraintLie(tree, rng);
    case MutationKind::kBindingLie: return BindingLie(tree, rng);
  }
  return false;
}

MutationKind GrammarMutator::PickKind(Rng& rng) {
  if (rng.Chance(g_.lie_numerator, g_.lie_denominator)) {
    if (!g_.sessions.empty() && rng.Chance(1, 3)) return MutationKind::kBindingLie;
    return rng.Chance(1, 2) ? MutationKind::kRelationLie : MutationKind::kConstraintLie;
  }
  // Structure and values, lies excluded; message operations only where
  // the grammar has sessions.
  int last = static_cast<int>(g_.sessions.empty() ? MutationKind::kMessageInsert : MutationKind::kRelationLie);
  return static_cast<MutationKind>(rng.Below(last));
}

bool GrammarMutator::TakeOutput(std::string& out) {
  if (!output_ready_) return false;
  std::swap(out, scratch_);
  output_ready_ = false;
  return true;
}

bool GrammarMutator::Mutate(Tree& tree, Rng& rng, const Tree* donor, std::vector<MutationKind>* applied,
                            size_t input_size, const Tree* original) {
  output_ready_ = false;
  if (tree.empty()) return false;
  if (input_size == kUnknownSize) {
    CurrentSize(tree);
  } else {
    known_size_ = input_size;
  }
  const size_t original_size = known_size_;
  // The undo copy: the caller's, or a member (its buffers reused from call
  // to call).
  if (!original) {
    backup_ = tree;
    original = &backup_;
  }
  const Tree& backup = *original;
  uint32_t stacked = 1 + static_cast<uint32_t>(rng.Below(options_.max_stacked));
  size_t done = 0;
  std::vector<MutationKind>& names = names_;
  names.clear();
  // Conditionals are settled once for a run of operations that keep the
  // tree consistent, before a lie or a presence toggle (which must stay as
  // it leaves the tree) and after the last operation.
  PendingRepair pending;
  for (int attempt = 0; attempt < 32 && done < stacked; ++attempt) {
    MutationKind kind = PickKind(rng);
    if (!KeepsConsistency(kind)) Settle(tree, rng, pending);
    if (!ApplyNoting(kind, tree, rng, donor, pending)) continue;
    names.push_back(kind);
    if (++done < stacked) continue;
    Settle(tree, rng, pending);
    // The size is measured once, after the last operation, by writing the
    // output (the operations before sized what they added by the input's
    // size and the leaf bytes they changed).
    if (CurrentSize(tree, std::exchange(queried_, false), true) > options_.max_size) {
      tree = backup;  // over the size limit: undo everything and start over
      known_size_ = original_size;
      pending = PendingRepair();
      names.clear();
      done = 0;
      continue;
    }
    output_ready_ = true;
  }
  // Attempts ran out before the last operation: what was applied stands if
  // it fits.
  if (done > 0 && !output_ready_) {
    Settle(tree, rng, pending);
    if (CurrentSize(tree, std::exchange(queried_, false), true) > options_.max_size) {
      tree = backup;
      names.clear();
      done = 0;
    } else {
      output_ready_ = true;
    }
  }
  MaybeCompact(tree, backup.size());
  if (applied) applied->insert(applied->end(), names.begin(), names.end());
  return done > 0;
}

bool GrammarMutator::CrossOver(Tree& tree, Rng& rng, const Tree& donor, size_t input_size) {
  output_ready_ = false;
  if (tree.empty()) return false;
  known_size_ = input_size;
  const size_t size_before = tree.size();
  for (int attempt = 0; attempt < 4; ++attempt) {
    // A splice that finds no place leaves the tree as it was.
    if (!ApplyAndRepair(MutationKind::kSplice, tree, rng, &donor)) continue;
    if (CurrentSize(tree, std::exchange(queried_, false), true) > options_.max_size) return false;
    output_ready_ = true;
    MaybeCompact(tree, size_before);
    return true;
  }
  return false;
}

void GrammarMutator::MaybeCompact(Tree& tree, size_t size_before) {
  // A tree mutated call after call gathers unreachable nodes slowly: hence
  // the check every 16th call as well.
  if (tree.size() > 64 && (tree.size() > 2 * size_before || ++calls_since_compaction_check_ >= 16)) {
    calls_since_compaction_check_ = 0;
    tree.Reachable(reachable_);
    if (tree.size() > 2 * reachable_.size()) tree.Compact();
  }
}

}  // namespace iotfuzz::mutate
