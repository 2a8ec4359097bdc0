#include "fuzzers/grammar/dictionary.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <set>

#include "fuzzers/common/error.h"
#include "fuzzers/grammar/serializer.h"

namespace iotfuzz::grammar {
namespace {

constexpr size_t kMinTokenBytes = 2;

bool IsNumber(const Expr& e) {
  return e.kind == ExprKind::kInteger || e.kind == ExprKind::kVarint || e.kind == ExprKind::kDecimal ||
         e.kind == ExprKind::kHex;
}

// The one value a constraint allows, if it allows exactly one.
std::optional<uint64_t> SingleValue(const Constraint& c) {
  switch (c.kind) {
    case ConstraintKind::kConstant: return c.low;
    case ConstraintKind::kRange: return c.low == c.high ? std::optional<uint64_t>(c.low) : std::nullopt;
    case ConstraintKind::kSet:
    case ConstraintKind::kEnum: return c.values.size() == 1 ? std::optional<uint64_t>(c.values[0]) : std::nullopt;
    case ConstraintKind::kNone: return std::nullopt;
  }
  return std::nullopt;
}

// `value` as number field `e` writes it; nothing when it does not fit the
// field's width.
std::optional<std::string> EncodeNumber(const Expr& e, uint64_t value) {
  std::string out;
  switch (e.kind) {
    case ExprKind::kInteger:
      if (!e.is_signed && e.width < 8 && value >> (8 * e.width) != 0) return std::nullopt;
      Serializer::EncodeInteger(value, e.width, e.order, out);
      return out;
    case ExprKind::kVarint:
      Serializer::EncodeVarint(value, out);
      return out;
    case ExprKind::kDecimal:
      return std::to_string(value);
    case ExprKind::kHex:
      return fmt::format("{:x}", value);
    default:
      return std::nullopt;
  }
}

class Deriver {
 public:
  Deriver(const Grammar& grammar, Dictionary& out)
      : g_(grammar),
        out_(out),
        fixed_(grammar.exprs.size()),
        fixed_state_(grammar.exprs.size(), kUnknown),
        size_(grammar.exprs.size()),
        size_state_(grammar.exprs.size(), kUnknown) {}

  void FromRule(RuleId rule) {
    rule_ = rule;
    Visit(g_.rule(rule).body);
  }

 private:
  enum FixedState : uint8_t { kUnknown, kInProgress, kFixed, kVariable };

  void Visit(ExprId id) {
    const Expr& e = g_.expr(id);
    switch (e.kind) {
      case ExprKind::kLiteral:
        Add(e.bytes, TokenKind::kLiteral, id);
        return;
      case ExprKind::kSequence:
        FixedRuns(id);
        for (ExprId c : e.children) Visit(c);
        return;
      case ExprKind::kInteger:
      case ExprKind::kVarint:
      case ExprKind::kDecimal:
      case ExprKind::kHex:
        Values(id);
        return;
      case ExprKind::kBits:
        // Bit fields are sub-byte values; a whole constant group of two or
        // more bytes is a token.
        if (const std::optional<std::string> bytes = Fixed(id)) Add(*bytes, TokenKind::kConstant, id);
        return;
      case ExprKind::kRuleRef:    // visited as a rule of its own
      case ExprKind::kVirtual:    // never written
      case ExprKind::kCharClass:  // an alphabet, not a token
      case ExprKind::kBytes:
      case ExprKind::kString:
      case ExprKind::kBitField:
        return;
      case ExprKind::kChoice:
      case ExprKind::kRepeat:
      case ExprKind::kOptional:
      case ExprKind::kConditional:
        for (ExprId c : e.children) Visit(c);
        return;
    }
  }

  // Runs of two or more adjacent items of sequence `seq` whose bytes never
  // change.
  void FixedRuns(ExprId seq) {
    const Expr& e = g_.expr(seq);
    std::string run;
    size_t items = 0;
    ExprId first = kNone;
    auto flush = [&] {
      if (items >= 2) Add(run, TokenKind::kFixedSequence, first, {}, e.label);
      run.clear();
      items = 0;
    };
    for (ExprId c : e.children) {
      const std::optional<std::string> bytes = FixedInSequence(seq, c);
      if (!bytes) {
        flush();
        continue;
      }
      if (bytes->empty()) continue;  // a virtual field: no bytes, the run goes on
      if (items == 0) first = c;
      run += *bytes;
      ++items;
    }
    flush();
  }

  // The bytes of child `child` of sequence `seq` if they never change: a
  // length field whose target is a sibling of fixed size is fixed too (the
  // remaining length of an MQTT PUBACK, the length before "MQTT").
  std::optional<std::string> FixedInSequence(ExprId seq, ExprId child) {
    const Expr& c = g_.expr(child);
    if (!IsNumber(c) || c.relation.kind != RelationKind::kLength) return Fixed(child);
    if (c.relation.codec != RelationCodec::kNone || c.relation.target.size() != 1) return std::nullopt;
    for (ExprId sibling : g_.expr(seq).children) {
      if (sibling == child || g_.expr(sibling).label != c.relation.target[0]) continue;
      const std::optional<uint64_t> size = FixedSize(sibling);
      if (!size) return std::nullopt;
      int64_t value = 0;
      if (*size > static_cast<uint64_t>(INT64_MAX) ||
          __builtin_mul_overflow(static_cast<int64_t>(*size), c.relation.multiplier, &value) ||
          __builtin_add_overflow(value, c.relation.addend, &value) || value < 0) {
        return std::nullopt;
      }
      return EncodeNumber(c, static_cast<uint64_t>(value));
    }
    return std::nullopt;
  }

  // The number of bytes expression `id` always writes, or nothing when it
  // varies.
  std::optional<uint64_t> FixedSize(ExprId id) {
    if (size_state_[id] == kFixed) return size_[id];
    if (size_state_[id] != kUnknown) return std::nullopt;  // variable, or recursion
    size_state_[id] = kInProgress;
    const std::optional<uint64_t> size = ComputeFixedSize(id);
    size_state_[id] = size ? kFixed : kVariable;
    if (size) size_[id] = *size;
    return size;
  }

  std::optional<uint64_t> ComputeFixedSize(ExprId id) {
    const Expr& e = g_.expr(id);
    switch (e.kind) {
      case ExprKind::kLiteral:
        return e.bytes.size();
      case ExprKind::kCharClass:
        return 1;
      case ExprKind::kInteger:
      case ExprKind::kBits:
        return e.width;
      case ExprKind::kVirtual:
        return 0;
      case ExprKind::kBytes:
      case ExprKind::kString:
        if (e.unbounded || e.min != e.max) return std::nullopt;
        return e.min;
      case ExprKind::kSequence: {
        uint64_t total = 0;
        for (ExprId c : e.children) {
          const std::optional<uint64_t> part = FixedSize(c);
          if (!part || *part > UINT64_MAX - total) return std::nullopt;
          total += *part;
        }
        return total;
      }
      case ExprKind::kChoice: {
        std::optional<uint64_t> size;
        for (ExprId c : e.children) {
          const std::optional<uint64_t> part = FixedSize(c);
          if (!part || (size && *size != *part)) return std::nullopt;
          size = part;
        }
        return size;
      }
      case ExprKind::kRepeat: {
        if (e.unbounded || e.min != e.max) return std::nullopt;
        const std::optional<uint64_t> part = FixedSize(e.children[0]);
        if (!part || (*part > 0 && e.min > UINT64_MAX / *part)) return std::nullopt;
        return *part * e.min;
      }
      case ExprKind::kRuleRef:
        return e.rule == kNone ? std::nullopt : FixedSize(g_.rule(e.rule).body);
      case ExprKind::kVarint:
      case ExprKind::kDecimal:
      case ExprKind::kHex: {
        const std::optional<std::string> bytes = Fixed(id);
        return bytes ? std::optional<uint64_t>(bytes->size()) : std::nullopt;
      }
      case ExprKind::kOptional:
      case ExprKind::kConditional:
      case ExprKind::kBitField:
        return std::nullopt;
    }
    return std::nullopt;
  }

  // The bytes expression `id` always writes, or nothing when they vary.
  std::optional<std::string> Fixed(ExprId id) {
    if (fixed_state_[id] == kFixed) return fixed_[id];
    if (fixed_state_[id] != kUnknown) return std::nullopt;  // variable, or recursion
    fixed_state_[id] = kInProgress;
    std::optional<std::string> bytes = ComputeFixed(id);
    fixed_state_[id] = bytes ? kFixed : kVariable;
    if (bytes) fixed_[id] = *bytes;
    return bytes;
  }

  std::optional<std::string> ComputeFixed(ExprId id) {
    const Expr& e = g_.expr(id);
    switch (e.kind) {
      case ExprKind::kLiteral:
        return e.bytes;
      case ExprKind::kCharClass:
        if (e.alphabet.count() != 1) return std::nullopt;
        for (size_t b = 0; b < 256; ++b) {
          if (e.alphabet.test(b)) return std::string(1, static_cast<char>(b));
        }
        return std::nullopt;
      case ExprKind::kSequence: {
        std::string out;
        for (ExprId c : e.children) {
          const std::optional<std::string> part = FixedInSequence(id, c);
          if (!part) return std::nullopt;
          out += *part;
          if (out.size() > kDictionaryMaxEntryBytes) return std::nullopt;
        }
        return out;
      }
      case ExprKind::kChoice:
        return e.children.size() == 1 ? Fixed(e.children[0]) : std::nullopt;
      case ExprKind::kRepeat: {
        if (e.unbounded || e.min != e.max) return std::nullopt;
        const std::optional<std::string> part = Fixed(e.children[0]);
        if (!part) return std::nullopt;
        if (part->empty() || e.min == 0) return std::string();
        if (e.min > kDictionaryMaxEntryBytes || part->size() * e.min > kDictionaryMaxEntryBytes) return std::nullopt;
        std::string out;
        for (uint32_t i = 0; i < e.min; ++i) out += *part;
        return out;
      }
      case ExprKind::kRuleRef:
        return e.rule == kNone ? std::nullopt : Fixed(g_.rule(e.rule).body);
      case ExprKind::kInteger:
      case ExprKind::kVarint:
      case ExprKind::kDecimal:
      case ExprKind::kHex: {
        if (e.relation.kind != RelationKind::kNone) return std::nullopt;
        const std::optional<uint64_t> value = SingleValue(e.constraint);
        return value ? EncodeNumber(e, *value) : std::nullopt;
      }
      case ExprKind::kBits: {
        uint64_t packed = 0;
        for (ExprId c : e.children) {
          const Expr& f = g_.expr(c);
          if (f.relation.kind != RelationKind::kNone) return std::nullopt;
          const std::optional<uint64_t> value = SingleValue(f.constraint);
          if (!value) return std::nullopt;
          const uint64_t mask = f.width >= 64 ? ~0ull : ((1ull << f.width) - 1);
          packed = (f.width >= 64 ? 0 : packed << f.width) | (*value & mask);
        }
        std::string out;
        Serializer::EncodeInteger(packed, e.width, ByteOrder::kBig, out);
        return out;
      }
      case ExprKind::kVirtual:
        return std::string();
      case ExprKind::kBytes:
      case ExprKind::kString:
        return !e.unbounded && e.max == 0 ? std::optional<std::string>(std::string()) : std::nullopt;
      case ExprKind::kOptional:
      case ExprKind::kConditional:
      case ExprKind::kBitField:
        return std::nullopt;
    }
    return std::nullopt;
  }

  // The values a number field names: its constant, enum or set values, the
  // bounds of its range, its interesting values.
  void Values(ExprId id) {
    const Expr& e = g_.expr(id);
    const Constraint& c = e.constraint;
    if (e.relation.kind == RelationKind::kNone) {
      switch (c.kind) {
        case ConstraintKind::kConstant:
          AddValue(id, c.low, TokenKind::kConstant);
          break;
        case ConstraintKind::kRange:
          AddValue(id, c.low, TokenKind::kRangeBound);
          AddValue(id, c.high, TokenKind::kRangeBound);
          break;
        case ConstraintKind::kSet:
          for (uint64_t v : c.values) AddValue(id, v, TokenKind::kSetValue);
          break;
        case ConstraintKind::kEnum:
          for (size_t i = 0; i < c.values.size(); ++i) {
            AddValue(id, c.values[i], TokenKind::kEnumValue, i < c.names.size() ? c.names[i] : std::string());
          }
          break;
        case ConstraintKind::kNone:
          break;
      }
    }
    for (uint64_t v : c.interesting) AddValue(id, v, TokenKind::kInteresting);
  }

  void AddValue(ExprId id, uint64_t value, TokenKind kind, std::string value_name = {}) {
    if (const std::optional<std::string> bytes = EncodeNumber(g_.expr(id), value)) {
      Add(*bytes, kind, id, std::move(value_name));
    }
  }

  // Adds a token unless it is too short, too long, a repeated 0x00 or 0xff
  // (libFuzzer's InsertRepeatedBytes writes those) or already there. It is
  // named after `field`, by default the label of expression `id`.
  void Add(const std::string& bytes, TokenKind kind, ExprId id, std::string value_name = {},
           std::optional<std::string> field = std::nullopt) {
    if (bytes.size() < kMinTokenBytes) return;
    if (bytes.find_first_not_of('\0') == std::string::npos ||
        bytes.find_first_not_of('\xff') == std::string::npos) {
      return;
    }
    if (bytes.size() > kDictionaryMaxEntryBytes) {
      ++out_.too_long;
      return;
    }
    if (!seen_.insert(bytes).second) {
      ++out_.duplicates;
      return;
    }
    DictionaryToken token;
    token.bytes = bytes;
    token.kind = kind;
    token.rule = g_.rule(rule_).name;
    token.field = field ? *field : g_.expr(id).label;
    token.value_name = std::move(value_name);
    token.pos = g_.expr(id).pos;
    out_.tokens.push_back(std::move(token));
  }

  const Grammar& g_;
  Dictionary& out_;
  RuleId rule_ = kNone;
  std::vector<std::string> fixed_;
  std::vector<FixedState> fixed_state_;
  std::set<std::string> seen_;
  std::vector<uint64_t> size_;
  std::vector<FixedState> size_state_;
};

// Rules reachable from `root` through rule references, as a mask by rule id.
std::vector<bool> ReachableRules(const Grammar& g, RuleId root) {
  std::vector<bool> reached(g.rules.size(), false);
  std::vector<RuleId> rules{root};
  reached[root] = true;
  while (!rules.empty()) {
    const RuleId r = rules.back();
    rules.pop_back();
    std::vector<ExprId> exprs{g.rule(r).body};
    while (!exprs.empty()) {
      const Expr& e = g.expr(exprs.back());
      exprs.pop_back();
      if (e.kind == ExprKind::kRuleRef && e.rule != kNone && !reached[e.rule]) {
        reached[e.rule] = true;
        rules.push_back(e.rule);
      }
      exprs.insert(exprs.end(), e.children.begin(), e.children.end());
    }
  }
  return reached;
}

// Drops tokens until at most `max` remain: the least specific kinds first,
// each from the end of the list.
void Bound(Dictionary& d, size_t max) {
  if (d.tokens.size() <= max) return;
  size_t excess = d.tokens.size() - max;
  std::vector<bool> drop(d.tokens.size(), false);
  for (int kind = static_cast<int>(TokenKind::kRangeBound); kind >= 0 && excess > 0; --kind) {
    for (size_t i = d.tokens.size(); i-- > 0 && excess > 0;) {
      if (static_cast<int>(d.tokens[i].kind) == kind) {
        drop[i] = true;
        --excess;
      }
    }
  }
  std::vector<DictionaryToken> kept;
  for (size_t i = 0; i < d.tokens.size(); ++i) {
    if (!drop[i]) kept.push_back(std::move(d.tokens[i]));
  }
  d.over_limit = d.tokens.size() - kept.size();
  d.tokens = std::move(kept);
}

// Entry names: rule, field, enum value name; a numeric suffix when taken.
void Name(Dictionary& d) {
  std::set<std::string> used;
  for (DictionaryToken& t : d.tokens) {
    std::string base = t.rule;
    if (!t.field.empty()) base += "_" + t.field;
    if (!t.value_name.empty()) base += "_" + t.value_name;
    base = DictionaryEntryName(base);
    t.name = base;
    for (size_t n = 2; used.count(t.name) > 0; ++n) t.name = fmt::format("{}_{}", base, n);
    used.insert(t.name);
  }
}

std::string Describe(const DictionaryToken& t) {
  std::string what = TokenKindName(t.kind);
  if (!t.value_name.empty()) what += " " + t.value_name;
  if (!t.field.empty()) what += fmt::format(" of field {}", t.field);
  return what;
}

}  // namespace

const char* TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kLiteral: return "literal";
    case TokenKind::kFixedSequence: return "fixed sequence";
    case TokenKind::kConstant: return "constant";
    case TokenKind::kEnumValue: return "enum value";
    case TokenKind::kSetValue: return "set value";
    case TokenKind::kInteresting: return "interesting value";
    case TokenKind::kRangeBound: return "range bound";
  }
  return "?";
}

Dictionary DeriveDictionary(const Grammar& grammar, const DictionaryOptions& options) {
  Dictionary d;
  std::vector<bool> use(grammar.rules.size(), true);
  if (!options.all_rules) {
    RuleId root = grammar.start;
    if (!options.start_rule.empty()) {
      const std::optional<RuleId> found = grammar.FindRule(options.start_rule);
      if (!found) {
        throw Error::Format("grammar {} has no rule or session '{}'",
                            grammar.file.empty() ? grammar.name : grammar.file, options.start_rule);
      }
      root = *found;
    }
    if (root != kNone) {
      use = ReachableRules(grammar, root);
      d.start_rule = grammar.rule(root).name;
    }
  }
  Deriver deriver(grammar, d);
  for (RuleId r = 0; r < grammar.rules.size(); ++r) {
    if (!use[r]) continue;
    ++d.rules_used;
    deriver.FromRule(r);
  }
  Bound(d, options.max_tokens);
  Name(d);
  return d;
}

MergedDictionary FormatDictionary(const Grammar& grammar, std::string_view grammar_file,
                                  const Dictionary& dictionary, const std::vector<DictionaryExtras>& extras) {
  MergedDictionary merged;
  std::set<std::string> present;
  for (const DictionaryToken& t : dictionary.tokens) present.insert(t.bytes);

  std::string body;
  for (const DictionaryToken& t : dictionary.tokens) {
    body += fmt::format("# {} (line {}): {}\n{}\n", t.rule, t.pos.line, Describe(t),
                        FormatDictionaryEntry(t.name, t.bytes));
    ++merged.derived;
  }
  std::string extra_text;
  for (const DictionaryExtras& x : extras) {
    std::string section;
    size_t written = 0;
    size_t known = 0;
    for (const DictionaryEntry& entry : x.entries) {
      if (!present.insert(entry.value).second) {
        ++known;
        continue;
      }
      section += FormatDictionaryEntry(entry.name, entry.value) + "\n";
      ++written;
    }
    merged.extras += written;
    merged.extras_known += known;
    extra_text += fmt::format("\n# Hand-picked entries from {}: {} written, {} already above.\n{}", x.origin,
                              written, known, section);
  }

  std::string header = fmt::format("# Fuzzing dictionary derived from {} (grammar '{}', {}).\n", grammar_file,
                                   grammar.name,
                                   dictionary.start_rule.empty() ? std::string("every rule")
                                                                 : fmt::format("rules reached from '{}'",
                                                                               dictionary.start_rule));
  header += fmt::format("# {} grammar tokens", merged.derived);
  if (!extras.empty()) header += fmt::format(", {} hand-picked entries", merged.extras);
  header += ". Generated by `iotfuzz grammar dict`: edit the grammar";
  header += extras.empty() ? " rather than this file.\n" : " or the hand-picked dictionary rather than this file.\n";
  if (dictionary.over_limit > 0 || dictionary.too_long > 0) {
    header += fmt::format("# Left out: {} tokens over the bound on their number, {} longer than {} bytes.\n",
                          dictionary.over_limit, dictionary.too_long, kDictionaryMaxEntryBytes);
  }
  merged.text = header + "\n" + body + extra_text;
  return merged;
}

}  // namespace iotfuzz::grammar
