#include "fuzzers/grammar/input_parser.h"

#include <algorithm>
#include <cctype>

namespace iotfuzz::grammar {
namespace {

bool IsContainer(ExprKind kind) {
  switch (kind) {
    case ExprKind::kSequence: case ExprKind::kChoice: case ExprKind::kRepeat: case ExprKind::kOptional:
    case ExprKind::kConditional: case ExprKind::kRuleRef:
      return true;
    default:
      return false;
  }
}

// Length of the valid UTF-8 sequence starting at `s[i]`, 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  uint8_t b = static_cast<uint8_t>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<uint8_t>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  if (n == 2 && b < 0xc2) return 0;  // overlong
  return n;
}

}  // namespace

InputParser::InputParser(const Grammar& grammar, ParseLimits limits)
    : g_(grammar),
      limits_(limits),
      resolver_(grammar),
      serializer_(grammar),
      conditions_(grammar, resolver_, serializer_, ConditionEvaluator::RelationValues::kAsParsed),
      binder_(grammar) {
  // Without dispatch the table stays empty: no choice consults it.
  if (!limits_.first_byte_dispatch) return;
  first_.resize(g_.exprs.size());
  std::vector<uint8_t> state(g_.exprs.size(), 0);  // 0 not yet, 1 being worked out, 2 done
  for (ExprId id = 0; id < g_.exprs.size(); ++id) FirstOf(id, state);
}

const InputParser::FirstBytes& InputParser::FirstOf(ExprId id, std::vector<uint8_t>& state) {
  if (state[id] == 2) return first_[id];
  if (state[id] == 1) {
    // Recursion (a rule reached again before its first byte is known).
    static const FirstBytes kAny = [] {
      FirstBytes any;
      any.strict.set();
      any.relaxed.set();
      any.nullable = true;
      return any;
    }();
    return kAny;
  }
  state[id] = 1;
  first_[id] = ComputeFirstBytes(id, state);
  state[id] = 2;
  return first_[id];
}

bool InputParser::TakesAnyValue(ExprId id) const {
  const Expr& e = g_.expr(id);
  return e.relation.kind != RelationKind::kNone || !resolver_.RelationsOn(id).empty() || e.constraint.open ||
         e.is_signed;
}

bool InputParser::ForEachStrictValue(ExprId id, const std::function<void(uint64_t)>& add) const {
  if (TakesAnyValue(id)) return false;
  const Constraint& c = g_.expr(id).constraint;
  switch (c.kind) {
    case ConstraintKind::kConstant:
      add(c.low);
      return true;
    case ConstraintKind::kSet: case ConstraintKind::kEnum:
      for (uint64_t v : c.values) add(v);
      return true;
    case ConstraintKind::kRange:
      if (c.high < c.low || c.high - c.low > 4096) return false;
      for (uint64_t v = c.low;; ++v) {
        add(v);
        if (v == c.high) break;
      }
      return true;
    case ConstraintKind::kNone:
      return false;
  }
  return false;
}

std::bitset<256> InputParser::NumberFirstBytes(ExprId id, uint32_t width) const {
  const Expr& e = g_.expr(id);
  std::bitset<256> bytes;
  if (width == 0 || width > 8 || TakesAnyValue(id)) return bytes.set();
  const uint32_t shift = e.order == ByteOrder::kBig ? 8 * (width - 1) : 0;
  const Constraint& c = e.constraint;
  if (c.kind == ConstraintKind::kRange && e.order == ByteOrder::kBig) {
    // The leading byte of a big-endian range runs from low's to high's.
    if (c.high < c.low) return bytes.set();
    const uint64_t top = std::min<uint64_t>(c.high >> shift, 255);
    for (uint64_t b = c.low >> shift; b <= top; ++b) bytes.set(b);
    return bytes;
  }
  if (!ForEachStrictValue(id, [&](uint64_t v) { bytes.set((v >> shift) & 0xff); })) bytes.set();
  return bytes;
}

std::bitset<256> InputParser::BitsFirstBytes(const Expr& bits) const {
  // The fields from the most significant bit: a first byte is possible when
  // the bits of each field in it are the top of a value the field may hold.
  struct Part {
    uint8_t mask;              // the field's bits in the first byte
    std::bitset<256> values;   // what they may be, in place
  };
  std::vector<Part> parts;
  uint32_t offset = 0;
  for (ExprId c : bits.children) {
    if (offset >= 8) break;
    const Expr& f = g_.expr(c);
    const uint32_t inside = std::min<uint32_t>(f.width, 8 - offset);
    const uint32_t place = 8 - offset - inside;
    const uint64_t mask = (uint64_t{1} << inside) - 1;
    offset += f.width;
    Part part{static_cast<uint8_t>(mask << place), {}};
    const bool listed = f.width > 0 && f.width <= 64 && ForEachStrictValue(c, [&](uint64_t v) {
      part.values.set(static_cast<size_t>(((v >> (f.width - inside)) & mask) << place));
    });
    if (listed) parts.push_back(part);  // a field that may hold anything leaves its bits free
  }
  std::bitset<256> bytes;
  for (size_t x = 0; x < 256; ++x) {
    bool possible = true;
    for (const Part& part : parts) possible = possible && part.values.test(x & part.mask);
    if (possible) bytes.set(x);
  }
  return bytes;
}

InputParser::FirstBytes InputParser::ComputeFirstBytes(ExprId id, std::vector<uint8_t>& state) {
  const Expr& e = g_.expr(id);
  FirstBytes f;
  FirstBytes any;
  any.strict.set();
  any.relaxed.set();
  any.nullable = true;
  // A field another one gives the length or count of is matched as raw
  // bytes when nothing else fits it.
  if (!resolver_.RelationsOn(id).empty()) return any;
  switch (e.kind) {
    case ExprKind::kLiteral:
      if (e.bytes.empty()) {
        f.nullable = true;
      } else {
        const auto b = static_cast<unsigned char>(e.bytes[0]);
        f.strict.set(b);
        if (e.case_insensitive) {
          f.strict.set(static_cast<unsigned char>(std::tolower(b)));
          f.strict.set(static_cast<unsigned char>(std::toupper(b)));
        }
      }
      f.relaxed = f.strict;
      return f;
    case ExprKind::kCharClass:
      f.strict = f.relaxed = e.alphabet;
      return f;
    case ExprKind::kSequence: {
      f.nullable = true;
      f.span = 0;
      for (ExprId c : e.children) {
        const FirstBytes& child = FirstOf(c, state);
        f.strict |= child.strict;
        f.relaxed |= child.relaxed;
        f.span = std::max(f.span, child.span);
        if (!child.nullable) {
          f.nullable = false;
          break;
        }
      }
      return f;
    }
    case ExprKind::kChoice:
      // Each alternative is tried strictly, then with violations.
      f.span = 0;
      for (ExprId c : e.children) {
        const FirstBytes& child = FirstOf(c, state);
        f.relaxed |= child.relaxed;
        f.nullable = f.nullable || child.nullable;
        f.span = std::max(f.span, child.span);
      }
      f.strict = f.relaxed;
      return f;
    case ExprKind::kRepeat: case ExprKind::kOptional: case ExprKind::kConditional: {
      if (e.children.empty()) return any;
      f = FirstOf(e.children[0], state);
      if (e.kind != ExprKind::kRepeat || e.min == 0) f.nullable = true;
      return f;
    }
    case ExprKind::kRuleRef:
      if (e.rule == kNone) return any;
      return FirstOf(g_.rules[e.rule].body, state);
    case ExprKind::kInteger:
      f.strict = NumberFirstBytes(id, e.width);
      f.relaxed.set();
      f.span = e.width;
      return f;
    case ExprKind::kBits:
      f.strict = BitsFirstBytes(e);
      f.relaxed.set();
      f.span = e.width;
      return f;
    case ExprKind::kDecimal: case ExprKind::kHex:
      for (int c = '0'; c <= '9'; ++c) f.strict.set(static_cast<size_t>(c));
      if (e.kind == ExprKind::kHex) {
        for (int c = 'a'; c <= 'f'; ++c) f.strict.set(static_cast<size_t>(c));
        for (int c = 'A'; c <= 'F'; ++c) f.strict.set(static_cast<size_t>(c));
      }
      f.relaxed = f.strict;
      return f;
    case ExprKind::kVirtual:
      // Reads no bytes.
      f.nullable = true;
      f.span = 0;
      return f;
    case ExprKind::kVarint: case ExprKind::kBytes: case ExprKind::kString: case ExprKind::kBitField:
      return any;
  }
  return any;
}

bool InputParser::CheckConstraint(const Expr& e, NodeId node, uint64_t value) {
  const Constraint& c = e.constraint;
  if (c.open) return true;
  switch (c.kind) {
    case ConstraintKind::kNone: return true;
    case ConstraintKind::kConstant: return value == c.low;
    case ConstraintKind::kRange:
      if (c.low_field != kNone && value < conditions_.Value(*tree_, node, c.low_field)) return false;
      return value >= c.low && value <= c.high;
    case ConstraintKind::kSet: case ConstraintKind::kEnum:
      return std::find(c.values.begin(), c.values.end(), value) != c.values.end();
  }
  return true;
}

bool InputParser::DemandedValue(ExprId target, NodeId self, RelationKind kind, uint64_t& value) {
  NodeId parent = tree_->node(self).parent;
  if (parent == kNone) return false;
  // The fields holding parts of the relation (one, or a nibble and its
  // extension) add up to its value.
  bool found = false;
  int64_t sum = 0;
  int64_t multiplier = 1;
  int64_t addend = 0;
  // Two whole fields stating the same relation (an HTTP request's
  // Content-Length repeated) are not parts of one value: the first one read
  // frames the target, and the other is checked against it afterwards like
  // any relation (a disagreeing one is marked as a lie).
  NodeId whole = kNone;
  const std::vector<ExprId>& relations = resolver_.RelationsOn(target);
  for (size_t i = 0; relations.size() > 1 && i < relations.size(); ++i) {
    ExprId field_expr = relations[i];
    const Relation& rel = g_.expr(field_expr).relation;
    if (rel.kind != kind || rel.codec != RelationCodec::kNone) continue;
    NodeId field = resolver_.FindRelated(*tree_, parent, field_expr);
    if (field == kNone || (tree_->node(field).flags & kAbsent)) continue;
    NodeId read = resolver_.Find(*tree_, field, target);
    if (read != kNone && read != self) continue;
    // Nodes are added in input order: the smaller id was read first.
    if (whole == kNone || field < whole) whole = field;
  }
  for (ExprId field_expr : resolver_.RelationsOn(target)) {
    const Relation& rel = g_.expr(field_expr).relation;
    if (rel.kind != kind) continue;
    NodeId field = resolver_.FindRelated(*tree_, parent, field_expr);
    if (field == kNone || (tree_->node(field).flags & kAbsent)) continue;
    if (rel.codec == RelationCodec::kNone && whole != kNone && field != whole) continue;
    // Only a field whose target has not been read yet speaks about this one.
    NodeId read = resolver_.Find(*tree_, field, target);
    if (read != kNone && read != self) continue;
    uint64_t part = 0;
    if (!DecodeRelationCodec(rel.codec, tree_->node(field).value, part)) return false;
    sum += static_cast<int64_t>(part);
    multiplier = rel.multiplier;
    addend = rel.addend;
    found = true;
  }
  if (!found) return false;
  int64_t raw = sum - addend;
  if (raw < 0 || multiplier <= 0 || raw % multiplier != 0) return false;
  value = static_cast<uint64_t>(raw / multiplier);
  return true;
}

bool InputParser::MatchScalar(const Expr& e, NodeId node, size_t& pos, size_t end, bool relaxed) {
  uint64_t value = 0;
  size_t start = pos;
  size_t p = pos;
  switch (e.kind) {
    case ExprKind::kInteger: {
      if (end - p < e.width) return RanOut(end);
      for (uint32_t i = 0; i < e.width; ++i) {
        uint64_t byte = static_cast<uint8_t>(input_[p + i]);
        uint32_t shift = e.order == ByteOrder::kBig ? 8 * (e.width - 1 - i) : 8 * i;
        value |= byte << shift;
      }
      p += e.width;
      break;
    }
    case ExprKind::kVarint: {
      size_t limit = relaxed ? 10 : 4;
      int shift = 0;
      while (true) {
        if (p >= end) return RanOut(end);
        if (p - start >= limit) return false;
        uint8_t b = static_cast<uint8_t>(input_[p++]);
        if (shift < 64) value |= uint64_t{b & 0x7fu} << shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
      break;
    }
    case ExprKind::kDecimal: case ExprKind::kHex: {
      bool hex = e.kind == ExprKind::kHex;
      bool overflow = false;
      while (p < end && p - start < 20) {
        char c = input_[p];
        int digit = (c >= '0' && c <= '9') ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
        if (digit < 0) break;
        uint64_t base = hex ? 16 : 10;
        if (value > (~0ull - digit) / base) overflow = true;
        value = value * base + digit;
        ++p;
      }
      if (p == start) return false;
      if (overflow) {
        if (!relaxed) return false;
        tree_->node(node).flags |= kLying;
      }
      break;
    }
    default:
      return false;
  }
  Node& n = tree_->node(node);
  n.value = value;
  if (e.relation.kind == RelationKind::kNone && !CheckConstraint(e, node, value)) {
    if (!relaxed) return false;
    n.flags |= kLying;
  }
  tree_->SetBytes(node, input_.substr(start, p - start));
  tree_->node(node).flags |= kExact;
  pos = p;
  return true;
}

bool InputParser::MatchBlob(const Expr& e, NodeId node, size_t& pos, size_t end, bool relaxed,
                            bool exact_length) {
  size_t available = end - pos;
  size_t length = 0;
  bool violates = false;
  if (exact_length) {
    length = available;
    if (length < e.min || (!e.unbounded && length > e.max)) violates = true;
  } else if (e.kind == ExprKind::kBytes) {
    length = e.unbounded ? available : std::min<size_t>(e.max, available);
    if (length < e.min) return RanOut(end);
  } else {
    // Greedy over the alphabet.
    size_t max = e.unbounded ? available : std::min<size_t>(e.max, available);
    while (length < max) {
      uint8_t b = static_cast<uint8_t>(input_[pos + length]);
      if (e.alphabet.test(b)) {
        ++length;
        continue;
      }
      size_t n = e.utf8 && b >= 0x80 ? Utf8SequenceLength(input_.substr(0, pos + max), pos + length) : 0;
      if (n == 0) break;
      length += n;
    }
    if (length < e.min) return false;
  }
  if (e.kind == ExprKind::kString && exact_length) {
    for (size_t i = 0; i < length;) {
      uint8_t b = static_cast<uint8_t>(input_[pos + i]);
      if (e.alphabet.test(b)) {
        ++i;
        continue;
      }
      size_t n = e.utf8 && b >= 0x80 ? Utf8SequenceLength(input_.substr(0, pos + length), pos + i) : 0;
      if (n == 0) {
        violates = true;
        break;
      }
      i += n;
    }
  }
  if (violates) {
    if (!relaxed) return false;
    tree_->node(node).flags |= kLying;
  }
  tree_->SetBytes(node, input_.substr(pos, length));
  pos += length;
  return true;
}

bool InputParser::Match(ExprId id, NodeId parent, size_t& pos, size_t end, bool relaxed) {
  // cut_short_ tells whether the match that succeeded (not an attempt that
  // failed on the way) read a field shorter than its length announced.
  const bool cut_before = cut_short_;
  cut_short_ = false;
  const bool ok = MatchField(id, parent, pos, end, relaxed);
  cut_short_ = ok ? cut_short_ || cut_before : cut_before;
  return ok;
}

bool InputParser::MatchField(ExprId id, NodeId parent, size_t& pos, size_t end, bool relaxed) {
  if (++steps_ > limits_.max_steps) {
    exhausted_ = true;
    return false;
  }
  size_t node_mark = tree_->size();
  size_t byte_mark = tree_->byte_size();
  NodeId node = tree_->Add(id, parent);

  // A length read earlier bounds this field to exactly that many bytes.
  uint64_t demanded = 0;
  bool has_demand = DemandedValue(id, node, RelationKind::kLength, demanded);
  if (has_demand && demanded > end - pos) {
    RanOut(end);
    // Framing a message still arriving: its length says more is coming.
    if (prefix_mode_ && end == input_.size()) {
      tree_->Truncate(node_mark, byte_mark, parent);
      return false;
    }
    cut_short_ = true;  // read with what there is; the length will be a lie
  }
  if (has_demand && demanded <= end - pos) {
    size_t sub_end = pos + static_cast<size_t>(demanded);
    size_t p = pos;
    const Expr& e = g_.expr(id);
    bool ok = (e.kind == ExprKind::kBytes || e.kind == ExprKind::kString)
                  ? MatchBlob(e, node, p, sub_end, relaxed, /*exact_length=*/true) ||
                        MatchBlob(e, node, p, sub_end, true, true)
                  : (fill_end_ = sub_end, MatchNode(id, node, p, sub_end, relaxed)) ||
                        (!relaxed && (fill_end_ = sub_end, MatchNode(id, node, p, sub_end, true)));
    if (ok && p < sub_end) {
      if (IsContainer(e.kind)) {
        NodeId rest = tree_->Add(kNone, node);
        tree_->node(rest).flags |= kRaw;
        tree_->SetBytes(rest, input_.substr(p, sub_end - p));
      } else {
        ok = false;
      }
    }
    if (!ok) {
      // Keep the field, as raw bytes of the announced length.
      tree_->Truncate(node_mark + 1, byte_mark, node);
      Node& n = tree_->node(node);
      n.first_child = n.last_child = kNone;
      n.flags = kRaw;
      tree_->SetBytes(node, input_.substr(pos, sub_end - pos));
    }
    pos = sub_end;
    return true;
  }

  size_t p = pos;
  if (MatchNode(id, node, p, end, relaxed)) {
    pos = p;
    return true;
  }
  tree_->Truncate(node_mark, byte_mark, parent);
  return false;
}

bool InputParser::MatchNode(ExprId id, NodeId node, size_t& pos, size_t end, bool relaxed) {
  const Expr& e = g_.expr(id);
  // The wish to fill a bounded region passes through rule references and
  // groups to the choice below them; anything else drops it.
  bool passes_fill = e.kind == ExprKind::kRuleRef || e.kind == ExprKind::kChoice ||
                     (e.kind == ExprKind::kSequence && e.children.size() == 1);
  if (!passes_fill) fill_end_ = kNoFill;
  size_t node_mark = tree_->size();
  size_t byte_mark = tree_->byte_size();
  auto reset = [&] {
    tree_->Truncate(node_mark, byte_mark, node);
    Node& n = tree_->node(node);
    n.flags &= static_cast<uint8_t>(~(kLying | kAbsent | kExact));
  };
  switch (e.kind) {
    case ExprKind::kLiteral: {
      size_t n = e.bytes.size();
      if (end - pos < n) {
        // Only a literal the bytes so far begin could still match.
        std::string_view got = input_.substr(pos, end - pos);
        bool prefix = e.case_insensitive
                          ? std::equal(got.begin(), got.end(), e.bytes.begin(),
                                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                                   std::tolower(static_cast<unsigned char>(b)); })
                          : e.bytes.compare(0, got.size(), got) == 0;
        return prefix ? RanOut(end) : false;
      }
      std::string_view got = input_.substr(pos, n);
      bool same = e.case_insensitive
                      ? std::equal(got.begin(), got.end(), e.bytes.begin(),
                                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                               std::tolower(static_cast<unsigned char>(b)); })
                      : got == e.bytes;
      if (!same) return false;
      tree_->SetBytes(node, got);
      pos += n;
      return true;
    }
    case ExprKind::kCharClass:
      if (pos >= end) return RanOut(end);
      if (!e.alphabet.test(static_cast<uint8_t>(input_[pos]))) return false;
      tree_->SetBytes(node, input_.substr(pos, 1));
      ++pos;
      return true;
    case ExprKind::kSequence: {
      size_t p = pos;
      for (ExprId c : e.children) {
        if (!Match(c, node, p, end, relaxed)) {
          reset();
          return false;
        }
      }
      pos = p;
      return true;
    }
    case ExprKind::kChoice: {
      // Inside a bounded region (a field with a known length), an
      // alternative that fills it exactly beats an earlier one that leaves a
      // raw tail ("lock" against "lock.local").
      bool want_fill = fill_end_ == end;
      fill_end_ = kNoFill;
      // Strict alternatives first; violations only when nothing fits.
      for (int pass = 0; pass < 2; ++pass) {
        bool lax = pass == 1;
        size_t partial = e.children.size();
        // Strictly, an alternative that matched only by reading a field
        // shorter than its announced length (the input ends first) yields
        // to a later one that explains the same bytes whole: at the end of
        // a stream, an HTTP answer to HEAD against a response cut short.
        size_t cut = e.children.size();
        for (size_t i = 0; i < e.children.size(); ++i) {
          if (!lax && pos < end && e.children[i] < first_.size()) {
            // An alternative that cannot begin with the next byte cannot
            // match strictly here.
            const FirstBytes& first = first_[e.children[i]];
            if (!first.nullable && end - pos >= first.span &&
                !first.strict.test(static_cast<uint8_t>(input_[pos]))) {
              continue;
            }
          }
          size_t p = pos;
          fill_end_ = want_fill ? end : kNoFill;
          const bool cut_before = cut_short_;
          cut_short_ = false;
          const bool matched = Match(e.children[i], node, p, end, lax);
          const bool was_cut = cut_short_;
          cut_short_ = cut_before;
          if (matched) {
            if (want_fill && p != end) {
              if (partial == e.children.size()) partial = i;
              tree_->Truncate(node_mark, byte_mark, node);
              continue;
            }
            if (!lax && (was_cut || (cut < e.children.size() && p != end))) {
              if (was_cut && cut == e.children.size()) cut = i;
              tree_->Truncate(node_mark, byte_mark, node);
              continue;
            }
            cut_short_ = cut_before || was_cut;
            tree_->node(node).value = i;
            pos = p;
            return true;
          }
          if (exhausted_) return false;
        }
        if (cut < e.children.size()) {
          size_t p = pos;
          fill_end_ = want_fill ? end : kNoFill;
          if (Match(e.children[cut], node, p, end, lax)) {
            tree_->node(node).value = cut;
            pos = p;
            return true;
          }
        }
        if (partial < e.children.size()) {
          size_t p = pos;
          fill_end_ = kNoFill;
          if (Match(e.children[partial], node, p, end, lax)) {
            tree_->node(node).value = partial;
            pos = p;
            return true;
          }
        }
      }
      return false;
    }
    case ExprKind::kRepeat: {
      uint64_t demanded = 0;
      bool counted = DemandedValue(id, node, RelationKind::kCount, demanded);
      uint64_t max = counted ? demanded : (e.unbounded ? ~0ull : e.max);
      size_t p = pos;
      uint64_t count = 0;
      while (count < max && p < end) {
        size_t before = p;
        if (!Match(e.children[0], node, p, end, relaxed)) break;
        if (p == before) break;  // an empty element would repeat forever
        ++count;
      }
      if (count < e.min && !(relaxed && counted)) {
        reset();
        return false;
      }
      pos = p;
      return true;
    }
    case ExprKind::kOptional: {
      size_t p = pos;
      if (Match(e.children[0], node, p, end, relaxed)) {
        pos = p;
      } else {
        tree_->node(node).flags |= kAbsent;
      }
      return true;
    }
    case ExprKind::kConditional: {
      if (!conditions_.Evaluate(*tree_, node, e.condition)) {
        tree_->node(node).flags |= kAbsent;
        return true;
      }
      size_t p = pos;
      if (!Match(e.children[0], node, p, end, relaxed)) return false;
      pos = p;
      return true;
    }
    case ExprKind::kRuleRef: {
      size_t p = pos;
      if (e.rule == kNone || !Match(g_.rules[e.rule].body, node, p, end, relaxed)) return false;
      pos = p;
      return true;
    }
    case ExprKind::kBits: {
      if (end - pos < e.width) return RanOut(end);
      uint64_t packed = 0;
      for (uint32_t i = 0; i < e.width; ++i) packed = (packed << 8) | static_cast<uint8_t>(input_[pos + i]);
      uint32_t remaining = e.width * 8;
      for (ExprId c : e.children) {
        const Expr& f = g_.expr(c);
        remaining -= f.width;
        uint64_t mask = f.width >= 64 ? ~0ull : (1ull << f.width) - 1;
        uint64_t value = f.width >= 64 ? packed : (packed >> remaining) & mask;
        NodeId field = tree_->Add(c, node);
        tree_->node(field).value = value;
        if (f.relation.kind == RelationKind::kNone && !CheckConstraint(f, field, value)) {
          if (!relaxed) {
            reset();
            return false;
          }
          tree_->node(field).flags |= kLying;
        }
      }
      pos += e.width;
      return true;
    }
    case ExprKind::kInteger: case ExprKind::kVarint: case ExprKind::kDecimal: case ExprKind::kHex:
      return MatchScalar(e, node, pos, end, relaxed);
    case ExprKind::kBytes: case ExprKind::kString:
      return MatchBlob(e, node, pos, end, relaxed, /*exact_length=*/false);
    case ExprKind::kVirtual: {
      // The delta read earlier in this element (one field, or a nibble and
      // its extension) gives the value back.
      uint64_t value = 0;
      uint64_t delta = 0;
      bool has_delta = false;
      for (ExprId field_expr : resolver_.RelationsOn(id)) {
        const Relation& rel = g_.expr(field_expr).relation;
        if (rel.kind != RelationKind::kDelta) continue;
        NodeId field = resolver_.FindRelated(*tree_, node, field_expr);
        if (field == kNone || (tree_->node(field).flags & kAbsent)) continue;
        uint64_t part = 0;
        if (!DecodeRelationCodec(rel.codec, tree_->node(field).value, part)) {
          if (!relaxed) return false;  // a reserved nibble
          tree_->node(field).flags |= kLying;
          part = 0;
        }
        delta += part;
        has_delta = true;
      }
      if (has_delta) {
        NodeId previous = resolver_.PreviousInRepetition(*tree_, node);
        value = (previous == kNone ? 0 : tree_->node(previous).value) + delta;
      }
      tree_->node(node).value = value;
      if (!CheckConstraint(e, node, value)) {
        if (!relaxed) return false;
        tree_->node(node).flags |= kLying;
      }
      return true;
    }
    case ExprKind::kBitField:
      return false;  // only inside kBits
  }
  return false;
}

void InputParser::MarkLies(ParseResult& result) {
  Tree& tree = result.tree;
  for (NodeId id = 0; id < tree.size(); ++id) {
    Node& n = tree.node(id);
    if (n.flags & kRaw) {
      result.raw_bytes += n.bytes_size;
      continue;
    }
    if (n.expr == kNone || (n.flags & kAbsent)) continue;
    const Expr& e = g_.expr(n.expr);
    if (e.relation.kind != RelationKind::kNone && !(n.flags & kLying) &&
        serializer_.ComputeRelation(tree, id) != n.value) {
      n.flags |= kLying;
    }
  }
  for (NodeId id = 0; id < tree.size(); ++id) {
    const Node& n = tree.node(id);
    if (n.flags & kRaw) continue;
    if (n.flags & kLying) ++result.lying_fields;
    if (n.expr != kNone && !(n.flags & kAbsent)) {
      const Constraint& c = g_.expr(n.expr).constraint;
      if (c.open && std::find(c.values.begin(), c.values.end(), n.value) == c.values.end()) ++result.unusual_values;
    }
  }
}

ParseResult InputParser::Parse(std::string_view input, RuleId rule) {
  ParseResult result;
  ParseInto(input, result, rule);
  return result;
}

void InputParser::ParseInto(std::string_view input, ParseResult& result, RuleId rule) {
  result.Clear();
  if (rule == kNone) rule = g_.start;
  input_ = input;
  tree_ = &result.tree;
  steps_ = 0;
  exhausted_ = false;
  cut_short_ = false;
  Tree& tree = result.tree;
  // Parse trees hold about one node per one to two input bytes.
  tree.Reserve(input.size() + 32, input.size() + 16);
  NodeId root = tree.Add(kNone, kNone);  // container: the parse, then any rest
  tree.set_root(root);
  size_t pos = 0;
  if (rule != kNone && !Match(g_.rules[rule].body, root, pos, input.size(), false)) {
    pos = 0;
    if (!exhausted_) Match(g_.rules[rule].body, root, pos, input.size(), true);
  }
  if (pos < input.size()) {
    NodeId rest = tree.Add(kNone, root);
    tree.node(rest).flags |= kRaw;
    tree.SetBytes(rest, input.substr(pos));
  }
  result.budget_exhausted = exhausted_;
  MarkLies(result);
  if (const Session* session = g_.SessionOfRule(rule)) result.lying_fields += binder_.MarkLies(*session, tree);
  tree_ = nullptr;
}

PrefixMatch InputParser::ParsePrefix(std::string_view input, RuleId rule) {
  PrefixMatch match;
  ParsePrefixInto(input, rule, match);
  return match;
}

void InputParser::ParsePrefixInto(std::string_view input, RuleId rule, PrefixMatch& match) {
  match.status = PrefixMatch::kNoMatch;
  match.length = 0;
  match.parse.Clear();
  Tree& tree = match.parse.tree;
  if (rule == kNone) rule = g_.start;
  if (rule == kNone) return;
  input_ = input;
  tree_ = &match.parse.tree;
  prefix_mode_ = true;
  for (bool relaxed : {false, true}) {
    tree.Clear();
    NodeId root = tree.Add(kNone, kNone);
    tree.set_root(root);
    steps_ = 0;
    exhausted_ = false;
    ran_out_ = false;
    cut_short_ = false;
    size_t pos = 0;
    if (Match(g_.rules[rule].body, root, pos, input.size(), relaxed)) {
      match.status = PrefixMatch::kComplete;
      match.length = pos;
      match.parse.budget_exhausted = exhausted_;
      MarkLies(match.parse);
      break;
    }
    if (exhausted_) break;
    // Strictly, the bytes ran out before the message could end: wait for more.
    if (ran_out_ && !relaxed) {
      match.status = PrefixMatch::kNeedMore;
      break;
    }
  }
  if (match.status != PrefixMatch::kComplete) tree.Clear();
  tree_ = nullptr;
  prefix_mode_ = false;
}

}  // namespace iotfuzz::grammar
