#include "fuzzers/corpus/message_splitter.h"

#include <utility>

namespace iotfuzz::corpus {

MessageSplitter::MessageSplitter(const grammar::Grammar& grammar, std::vector<grammar::RuleId> rules,
                                 grammar::ParseLimits limits)
    : grammar_(grammar), rules_(std::move(rules)), parser_(grammar, limits), serializer_(grammar) {}

SplitResult MessageSplitter::SplitStream(std::string_view bytes, bool strict_start) {
  SplitResult result;
  size_t pos = 0;
  while (pos < bytes.size()) {
    std::string_view rest = bytes.substr(pos);
    bool found = false;
    bool need_more = false;
    SplitMessage best;
    for (size_t r = 0; r < rules_.size(); ++r) {
      grammar::PrefixMatch match = parser_.ParsePrefix(rest, rules_[r]);
      if (match.status == grammar::PrefixMatch::kNeedMore) need_more = true;
      if (match.status != grammar::PrefixMatch::kComplete || match.length == 0) continue;
      SplitMessage m{pos, match.length, r, match.parse.lying_fields, match.parse.raw_bytes};
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
    grammar::ParseResult parsed = parser_.Parse(datagram, rules_[r]);
    SplitMessage m{0, datagram.size(), r, parsed.lying_fields, parsed.raw_bytes};
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
  grammar::ParseResult parsed = parser_.Parse(message, rules_[rule]);
  MessageCheck check;
  check.exact = serializer_.Serialize(parsed.tree) == message;
  check.raw_bytes = parsed.raw_bytes;
  check.lying_fields = parsed.lying_fields;
  check.budget_exhausted = parsed.budget_exhausted;
  return check;
}

}  // namespace iotfuzz::corpus
