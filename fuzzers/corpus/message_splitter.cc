#include "fuzzers/corpus/message_splitter.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <utility>

namespace iotfuzz::corpus {

MessageSplitter::MessageSplitter(const grammar::Grammar& grammar, std::vector<grammar::RuleId> rules,
                                 grammar::ParseLimits limits)
    : grammar_(grammar), rules_(std::move(rules)), limits_(limits), parser_(grammar, limits), serializer_(grammar) {}

grammar::InputParser& MessageSplitter::ParserFor(size_t size) {
  uint64_t steps = kStepsPerByte * size;
  if (steps <= limits_.max_steps) return parser_;
  if (large_parser_ == nullptr || large_steps_ < steps) {
    large_steps_ = std::max<uint64_t>(steps, 2 * large_steps_);
    grammar::ParseLimits limits = limits_;
    limits.max_steps = static_cast<uint32_t>(std::min<uint64_t>(large_steps_, UINT32_MAX));
    large_parser_ = std::make_unique<grammar::InputParser>(grammar_, limits);
  }
  return *large_parser_;
}

SplitResult MessageSplitter::SplitStream(std::string_view bytes, bool strict_start) {
  SplitResult result;
  size_t pos = 0;
  while (pos < bytes.size()) {
    std::string_view rest = bytes.substr(pos);
    bool found = false;
    bool need_more = false;
    SplitMessage best;
    const int chosen = chooser_ ? chooser_(rest) : -1;
    const bool one_rule = chosen >= 0 && static_cast<size_t>(chosen) < rules_.size();
    for (size_t r = one_rule ? static_cast<size_t>(chosen) : 0; r < rules_.size(); ++r) {
      if (one_rule && r != static_cast<size_t>(chosen)) break;
      grammar::PrefixMatch match = ParserFor(rest.size()).ParsePrefix(rest, rules_[r]);
      if (match.status == grammar::PrefixMatch::kNeedMore) need_more = true;
      if (match.status != grammar::PrefixMatch::kComplete || match.length == 0) continue;
      SplitMessage m{pos, match.length, r, match.parse.lying_fields, match.parse.raw_bytes,
                     match.parse.unusual_values};
      bool strict = m.lying_fields == 0 && m.raw_bytes == 0;
      if (!found || (m.raw_bytes == 0 && best.raw_bytes != 0) ||
          (m.raw_bytes == best.raw_bytes && m.lying_fields < best.lying_fields)) {
        best = m;
        found = true;
      }
      if (strict) break;
    }
    if (found && strict_start && pos == 0 && (best.lying_fields != 0 || best.raw_bytes != 0)) {
      result.unsplit_bytes = bytes.size();
      result.stop_reason = "no message starts right after the gap";
      break;
    }
    if (!found) {
      result.unsplit_bytes = bytes.size() - pos;
      result.stop_reason = need_more ? "message incomplete" : "no rule matches";
      break;
    }
    result.messages.push_back(best);
    result.split_bytes += best.length;
    pos += best.length;
  }
  return result;
}

SplitResult MessageSplitter::SplitDatagram(std::string_view datagram) {
  SplitResult result;
  SplitMessage best{0, datagram.size(), 0, 0, datagram.size()};
  bool found = false;
  for (size_t r = 0; r < rules_.size(); ++r) {
    grammar::ParseResult parsed = ParserFor(datagram.size()).Parse(datagram, rules_[r]);
    SplitMessage m{0, datagram.size(), r, parsed.lying_fields, parsed.raw_bytes, parsed.unusual_values};
    if (!found || m.raw_bytes < best.raw_bytes ||
        (m.raw_bytes == best.raw_bytes && m.lying_fields < best.lying_fields)) {
      best = m;
      found = true;
    }
    if (m.raw_bytes == 0 && m.lying_fields == 0) break;
  }
  result.messages.push_back(best);
  if (best.raw_bytes == 0) {
    result.split_bytes = datagram.size();
  } else {
    result.unsplit_bytes = best.raw_bytes;
    result.split_bytes = datagram.size() - best.raw_bytes;
    result.stop_reason = "no rule explains the datagram";
  }
  return result;
}

MessageCheck MessageSplitter::Check(std::string_view message, size_t rule) {
  grammar::ParseResult parsed = ParserFor(message.size()).Parse(message, rules_[rule]);
  MessageCheck check;
  check.exact = serializer_.Serialize(parsed.tree) == message;
  check.raw_bytes = parsed.raw_bytes;
  check.lying_fields = parsed.lying_fields;
  check.budget_exhausted = parsed.budget_exhausted;
  return check;
}

}  // namespace iotfuzz::corpus
