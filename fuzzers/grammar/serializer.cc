#include "fuzzers/grammar/serializer.h"

#include <algorithm>

namespace iotfuzz::grammar {

Serializer::Serializer(const Grammar& grammar) : g_(grammar), resolver_(grammar) {}

void Serializer::EncodeInteger(uint64_t value, uint32_t width, ByteOrder order, std::string& out) {
  for (uint32_t i = 0; i < width; ++i) {
    uint32_t shift = order == ByteOrder::kBig ? 8 * (width - 1 - i) : 8 * i;
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void Serializer::EncodeVarint(uint64_t value, std::string& out) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    if (value) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (value);
}

size_t Serializer::VarintSize(uint64_t value) {
  size_t n = 1;
  while (value >>= 7) ++n;
  return n;
}

size_t Serializer::DecimalSize(uint64_t value) {
  size_t n = 1;
  while (value >= 10) value /= 10, ++n;
  return n;
}

size_t Serializer::HexSize(uint64_t value) {
  size_t n = 1;
  while (value >>= 4) ++n;
  return n;
}

uint64_t Serializer::ComputeRelation(const Tree& tree, NodeId field) {
  Prepare(tree);
  return Relate(tree, field);
}

uint64_t Serializer::QueryRelation(const Tree& tree, NodeId field) {
  if (size_stamp_.size() < tree.size()) Prepare(tree);
  if (value_stamp_[field] == stamp_) return value_memo_[field];
  cycle_hit_ = false;
  uint64_t v = Relate(tree, field);
  if (cycle_hit_) {
    // Sizes found on the way may hold a field's stored value in place of
    // its relation (a field inside its own target): a later query must not
    // see them, as a fresh ComputeRelation would not.
    Prepare(tree);
  } else {
    // Without a cycle the value does not depend on `field` being in
    // progress: it is what ScalarValue would compute too.
    value_stamp_[field] = stamp_;
    value_memo_[field] = v;
  }
  return v;
}

void Serializer::Grow(const Tree& tree) {
  if (size_stamp_.size() >= tree.size()) return;
  size_stamp_.resize(tree.size(), 0);
  size_memo_.resize(tree.size(), 0);
  in_progress_.resize(tree.size(), 0);
  target_stamp_.resize(tree.size(), 0);
  target_memo_.resize(tree.size(), kNone);
  value_stamp_.resize(tree.size(), 0);
  value_memo_.resize(tree.size(), 0);
}

void Serializer::Prepare(const Tree& tree) {
  Grow(tree);
  if (++stamp_ == 0) {  // wrapped: invalidate everything
    std::fill(size_stamp_.begin(), size_stamp_.end(), 0);
    std::fill(target_stamp_.begin(), target_stamp_.end(), 0);
    std::fill(value_stamp_.begin(), value_stamp_.end(), 0);
    stamp_ = 1;
  }
}

NodeId Serializer::TargetOf(const Tree& tree, NodeId field) {
  // The target node of each relation field, found once per serialization.
  if (target_stamp_[field] == stamp_) return target_memo_[field];
  NodeId target = resolver_.Find(tree, field, resolver_.RelationTarget(tree.node(field).expr));
  target_stamp_[field] = stamp_;
  target_memo_[field] = target;
  return target;
}

uint64_t Serializer::Relate(const Tree& tree, NodeId field) {
  const Node& n = tree.node(field);
  const Relation& rel = g_.expr(n.expr).relation;
  const NodeId target = TargetOf(tree, field);
  int64_t base = 0;
  switch (rel.kind) {
    case RelationKind::kNone:
      return n.value;
    case RelationKind::kLength:
      if (target != kNone && !(tree.node(target).flags & kAbsent)) base = static_cast<int64_t>(Size(tree, target));
      break;
    case RelationKind::kCount:
      if (target != kNone) base = static_cast<int64_t>(tree.ChildCount(target));
      break;
    case RelationKind::kPresent:
      base = target != kNone && !(tree.node(target).flags & kAbsent) ? 1 : 0;
      break;
    case RelationKind::kDelta: {
      if (target == kNone) break;
      NodeId previous = resolver_.PreviousInRepetition(tree, target);
      base = static_cast<int64_t>(tree.node(target).value) -
             (previous == kNone ? 0 : static_cast<int64_t>(tree.node(previous).value));
      break;
    }
  }
  return EncodeRelationCodec(rel.codec, static_cast<uint64_t>(base * rel.multiplier + rel.addend));
}

uint64_t Serializer::ScalarValue(const Tree& tree, NodeId id) {
  const Node& n = tree.node(id);
  if (n.flags & kLying) return n.value;
  if (g_.expr(n.expr).relation.kind == RelationKind::kNone) return n.value;
  if (value_stamp_[id] == stamp_) return value_memo_[id];
  if (in_progress_[id]) {  // a field inside its own target: keep what it has
    cycle_hit_ = true;
    return n.value;
  }
  in_progress_[id] = 1;
  bool outer_hit = cycle_hit_;
  cycle_hit_ = false;
  uint64_t v = Relate(tree, id);
  in_progress_[id] = 0;
  if (!cycle_hit_) {
    value_stamp_[id] = stamp_;
    value_memo_[id] = v;
  }
  cycle_hit_ = cycle_hit_ || outer_hit;
  return v;
}

bool Serializer::UseExactBytes(const Tree& tree, NodeId id) {
  const Node& n = tree.node(id);
  if (!(n.flags & kExact)) return false;
  if (n.flags & kLying) return true;
  return ScalarValue(tree, id) == n.value;
}

size_t Serializer::ScalarSize(const Tree& tree, NodeId id) {
  const Node& n = tree.node(id);
  const Expr& e = g_.expr(n.expr);
  switch (e.kind) {
    case ExprKind::kInteger: return UseExactBytes(tree, id) ? n.bytes_size : e.width;
    case ExprKind::kVarint: return UseExactBytes(tree, id) ? n.bytes_size : VarintSize(ScalarValue(tree, id));
    case ExprKind::kDecimal: return UseExactBytes(tree, id) ? n.bytes_size : DecimalSize(ScalarValue(tree, id));
    case ExprKind::kHex: return UseExactBytes(tree, id) ? n.bytes_size : HexSize(ScalarValue(tree, id));
    default: return 0;
  }
}

size_t Serializer::Size(const Tree& tree, NodeId id) {
  if (size_stamp_[id] == stamp_) return size_memo_[id];
  const Node& n = tree.node(id);
  size_t size = 0;
  if (n.flags & kAbsent) {
    size = 0;
  } else if ((n.flags & kRaw) || n.expr == kNone) {
    size = n.bytes_size;
    for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) size += Size(tree, c);
  } else {
    const Expr& e = g_.expr(n.expr);
    switch (e.kind) {
      case ExprKind::kLiteral: case ExprKind::kCharClass: case ExprKind::kBytes: case ExprKind::kString:
        size = n.bytes_size;
        break;
      case ExprKind::kInteger: case ExprKind::kVarint: case ExprKind::kDecimal: case ExprKind::kHex:
        size = ScalarSize(tree, id);
        break;
      case ExprKind::kBits:
        size = e.width;
        break;
      case ExprKind::kBitField: case ExprKind::kVirtual:
        size = 0;
        break;
      default:
        for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) size += Size(tree, c);
    }
  }
  size_stamp_[id] = stamp_;
  size_memo_[id] = static_cast<uint32_t>(size);
  return size;
}

void Serializer::Emit(const Tree& tree, NodeId id, std::string& out) {
  const Node& n = tree.node(id);
  if (n.flags & kAbsent) return;
  if ((n.flags & kRaw) || n.expr == kNone) {
    out.append(tree.Bytes(id));
    EmitChildren(tree, n, out);
    return;
  }
  const Expr& e = g_.expr(n.expr);
  switch (e.kind) {
    case ExprKind::kLiteral: case ExprKind::kCharClass: case ExprKind::kBytes: case ExprKind::kString:
      out.append(tree.Bytes(id));
      return;
    case ExprKind::kInteger:
      if (DeferLength(tree, id, e, out)) return;
      if (UseExactBytes(tree, id)) return out.append(tree.Bytes(id)), void();
      EncodeInteger(ScalarValue(tree, id), e.width, e.order, out);
      return;
    case ExprKind::kVarint:
      if (UseExactBytes(tree, id)) return out.append(tree.Bytes(id)), void();
      EncodeVarint(ScalarValue(tree, id), out);
      return;
    case ExprKind::kDecimal:
      if (UseExactBytes(tree, id)) return out.append(tree.Bytes(id)), void();
      out.append(std::to_string(ScalarValue(tree, id)));
      return;
    case ExprKind::kHex: {
      if (UseExactBytes(tree, id)) return out.append(tree.Bytes(id)), void();
      uint64_t v = ScalarValue(tree, id);
      static constexpr char kDigits[] = "0123456789abcdef";
      size_t digits = HexSize(v);
      for (size_t i = digits; i-- > 0;) out.push_back(kDigits[(v >> (4 * i)) & 0xf]);
      return;
    }
    case ExprKind::kBits: {
      // Fields most significant first, packed into e.width bytes big-endian.
      uint64_t packed = 0;
      for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) {
        const Expr& f = g_.expr(tree.node(c).expr);
        uint64_t mask = f.width >= 64 ? ~0ull : ((1ull << f.width) - 1);
        packed = (f.width >= 64 ? 0 : packed << f.width) | (ScalarValue(tree, c) & mask);
      }
      EncodeInteger(packed, e.width, ByteOrder::kBig, out);
      return;
    }
    case ExprKind::kBitField: case ExprKind::kVirtual:
      return;
    default:
      EmitChildren(tree, n, out);
  }
}

void Serializer::EmitChildren(const Tree& tree, const Node& n, std::string& out) {
  for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) {
    const size_t start = out.size();
    Emit(tree, c, out);
    for (size_t i = 0; i < deferred_.size(); ++i) {
      if (deferred_[i].target == c) {
        FinishLength(tree, i, start, out);
        break;
      }
    }
  }
}

void Serializer::EmitRoot(const Tree& tree, std::string& out) {
  deferred_.clear();
  Emit(tree, tree.root(), out);
  // A group never written (not reachable along its siblings after all):
  // its length computed as usual.
  while (!deferred_.empty()) {
    const DeferredLength d = deferred_.back();
    deferred_.pop_back();
    FillRoom(tree, d, ScalarValue(tree, d.field), out);
  }
}

void Serializer::FillRoom(const Tree& tree, const DeferredLength& d, uint64_t value, std::string& out) {
  const Expr& e = g_.expr(tree.node(d.field).expr);
  scratch_.clear();
  if (UseExactBytes(tree, d.field)) {
    scratch_.append(tree.Bytes(d.field));
  } else {
    EncodeInteger(value, e.width, e.order, scratch_);
  }
  out.replace(d.offset, scratch_.size(), scratch_);
}

bool Serializer::DeferLength(const Tree& tree, NodeId id, const Expr& e, std::string& out) {
  // A fixed-width length written before the group it measures (a frame's
  // length, then the frame): room is kept and filled once the group is
  // written, its size read off the output rather than computed by a walk
  // of its own.
  const Node& n = tree.node(id);
  if (e.relation.kind != RelationKind::kLength || (n.flags & kLying) || value_stamp_[id] == stamp_) return false;
  const NodeId target = TargetOf(tree, id);
  if (target == kNone || (tree.node(target).flags & kAbsent)) return false;
  NodeId s = n.next_sibling;
  while (s != kNone && s != target) s = tree.node(s).next_sibling;
  if (s == kNone) return false;  // not a following sibling: computed as usual
  deferred_.push_back({id, target, out.size()});
  out.append(e.width, '\0');
  return true;
}

void Serializer::FinishLength(const Tree& tree, size_t i, size_t start, std::string& out) {
  const DeferredLength d = deferred_[i];
  deferred_.erase(deferred_.begin() + static_cast<std::ptrdiff_t>(i));
  const Expr& e = g_.expr(tree.node(d.field).expr);
  const size_t size = out.size() - start;
  size_stamp_[d.target] = stamp_;
  size_memo_[d.target] = static_cast<uint32_t>(size);
  // What Relate computes; a value found meanwhile (a field of the group
  // that reads this one) stands, as it would have been found first.
  if (value_stamp_[d.field] != stamp_) {
    value_stamp_[d.field] = stamp_;
    value_memo_[d.field] = EncodeRelationCodec(
        e.relation.codec, static_cast<uint64_t>(static_cast<int64_t>(size) * e.relation.multiplier + e.relation.addend));
  }
  FillRoom(tree, d, value_memo_[d.field], out);
}

void Serializer::Serialize(const Tree& tree, std::string& out) {
  if (tree.empty() || tree.root() == kNone) return;
  Prepare(tree);
  EmitRoot(tree, out);
}

void Serializer::SerializeQueried(const Tree& tree, std::string& out) {
  if (tree.empty() || tree.root() == kNone) return;
  // Sizes and values kept by the queries met no field inside its own target
  // (QueryRelation drops everything after one that did), so they are what
  // a fresh serialization computes for those nodes too.
  if (size_stamp_.size() < tree.size()) Prepare(tree);
  EmitRoot(tree, out);
}

size_t Serializer::SerializedSize(const Tree& tree) {
  if (tree.empty() || tree.root() == kNone) return 0;
  Prepare(tree);
  return Size(tree, tree.root());
}

}  // namespace iotfuzz::grammar
