#include "fuzzers/net/session_minimizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/random.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/session_binder.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::net {

using grammar::ExprKind;
using grammar::kNone;
using grammar::NodeId;
using grammar::Tree;

namespace {

std::string Join(const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& p : pieces) out += p;
  return out;
}

std::string Frame(std::string_view payload) {
  std::string out;
  out += static_cast<char>(payload.size() & 0xff);
  out += static_cast<char>((payload.size() >> 8) & 0xff);
  out.append(payload);
  return out;
}

// A framed message's payload, when `piece` is one frame exactly.
bool Unframe(const std::string& piece, std::string& payload) {
  if (piece.size() < 2) return false;
  size_t n = static_cast<uint8_t>(piece[0]) | (static_cast<size_t>(static_cast<uint8_t>(piece[1])) << 8);
  if (n != piece.size() - 2) return false;
  payload = piece.substr(2);
  return true;
}

bool IsReachable(const Tree& tree, NodeId id) {
  while (id != kNone && id != tree.root()) {
    NodeId parent = tree.node(id).parent;
    if (parent == kNone) return false;
    bool found = false;
    for (NodeId c = tree.node(parent).first_child; c != kNone; c = tree.node(c).next_sibling) {
      if (c == id) found = true;
    }
    if (!found) return false;
    id = parent;
  }
  return id == tree.root();
}

}  // namespace

std::string SessionMinimizeResult::Summary() const {
  const size_t bytes_after = bytes.size();
  return fmt::format(
      "{} of {} messages, {} of {} bytes: {} message(s) dropped ({} bytes), {} bytes shrunk from the remaining "
      "ones; {} executions{}",
      messages_after, messages_before, bytes_after, bytes_before, dropped_messages, bytes_removed_dropping,
      bytes_removed_shrinking, executions, budget_reached ? " (budget reached)" : "");
}

SessionMinimizer::SessionMinimizer(const grammar::Grammar& grammar, const grammar::Session& session, Oracle oracle)
    : g_(grammar), session_(session), oracle_(std::move(oracle)) {}

std::vector<std::string> SessionMinimizer::SplitMessages(const std::string& input, size_t& messages) const {
  grammar::InputParser parser(g_);
  grammar::Serializer serializer(g_);
  Tree tree = parser.Parse(input, session_.input_rule).tree;
  std::vector<std::string> pieces;
  messages = 0;
  NodeId list = grammar::SessionBinder::MessageList(session_, tree);
  size_t offset = 0;
  if (list != kNone) {
    for (NodeId m : tree.Children(list)) {
      Tree alone;
      alone.set_root(alone.CopySubtree(tree, m));
      std::string bytes = serializer.Serialize(alone);
      if (input.compare(offset, bytes.size(), bytes) != 0) break;  // not the input's own bytes: stop splitting
      offset += bytes.size();
      pieces.push_back(std::move(bytes));
      ++messages;
    }
  }
  if (offset < input.size()) pieces.push_back(input.substr(offset));
  return pieces;
}

bool SessionMinimizer::Test(const std::string& candidate, SessionMinimizeResult& result, size_t budget) {
  if (result.executions >= budget) {
    result.budget_reached = true;
    return false;
  }
  ++result.executions;
  return oracle_(candidate);
}

void SessionMinimizer::DropMessages(SessionMinimizeResult& result, size_t budget) {
  bool changed = true;
  while (changed && result.executions < budget) {
    changed = false;
    size_t messages = 0;
    std::vector<std::string> pieces = SplitMessages(result.bytes, messages);
    for (size_t k = messages; k-- > 0 && messages > 1;) {
      std::vector<std::string> candidate = pieces;
      candidate.erase(candidate.begin() + static_cast<long>(k));
      std::string bytes = Join(candidate);
      if (!Test(bytes, result, budget)) {
        if (result.budget_reached) return;
        continue;
      }
      result.bytes_removed_dropping += pieces[k].size();
      ++result.dropped_messages;
      result.bytes = std::move(bytes);
      changed = true;
      break;
    }
  }
}

void SessionMinimizer::ShrinkMessage(std::vector<std::string>& pieces, size_t index, SessionMinimizeResult& result,
                                     size_t budget) {
  // Tests the session with message `index` replaced by `message`; keeps it
  // when it is shorter and reproduces.
  auto attempt = [&](const std::string& message) {
    if (message.size() >= pieces[index].size() || result.executions >= budget) return false;
    std::vector<std::string> candidate = pieces;
    candidate[index] = message;
    std::string bytes = Join(candidate);
    // Fewer bytes, not more messages: a cut that makes the rest parse as
    // several small messages is no simpler session.
    size_t messages = 0;
    if (SplitMessages(bytes, messages).size() > pieces.size()) return false;
    if (!Test(bytes, result, budget)) return false;
    result.bytes_removed_shrinking += pieces[index].size() - message.size();
    pieces[index] = message;
    result.bytes = std::move(bytes);
    return true;
  };

  // Grammar-aware: the message parsed alone with the session's message rule.
  grammar::InputParser parser(g_);
  grammar::Serializer serializer(g_);
  grammar::Generator generator(g_);
  Tree tree = parser.Parse(pieces[index], session_.message_rule).tree;
  if (tree.root() != kNone && serializer.Serialize(tree) == pieces[index]) {
    auto attempt_tree = [&](Tree& candidate) {
      if (!attempt(serializer.Serialize(candidate))) return false;
      tree = candidate;
      return true;
    };
    bool progress = true;
    while (progress && result.executions < budget) {
      progress = false;
      // Elements of repetitions, in chunks, down to the repetition's minimum.
      for (NodeId id : tree.Reachable()) {
        if (!IsReachable(tree, id)) continue;
        const grammar::Node& node = tree.node(id);
        if (node.expr == kNone || g_.expr(node.expr).kind != ExprKind::kRepeat) continue;
        const size_t min = g_.expr(node.expr).min;
        for (size_t chunk = std::max<size_t>(1, tree.ChildCount(id) / 2); chunk >= 1; chunk /= 2) {
          size_t start = 0;
          while (result.executions < budget) {
            std::vector<NodeId> children = tree.Children(id);
            if (start >= children.size() || children.size() - std::min(chunk, children.size() - start) < min) break;
            Tree candidate = tree;
            for (size_t k = start; k < children.size() && k < start + chunk; ++k) candidate.Remove(children[k]);
            if (attempt_tree(candidate)) {
              progress = true;  // the same start: the next elements moved here
            } else {
              start += chunk;
            }
          }
          if (chunk == 1) break;
        }
      }
      // Blobs, strings and raw leaves cut short.
      for (NodeId id : tree.Reachable()) {
        if (!IsReachable(tree, id)) continue;
        const grammar::Node& node = tree.node(id);
        const bool raw = (node.flags & grammar::kRaw) != 0;
        const bool blob = node.expr != kNone && (g_.expr(node.expr).kind == ExprKind::kBytes ||
                                                 g_.expr(node.expr).kind == ExprKind::kString);
        if ((!raw && !blob) || node.first_child != kNone) continue;
        const size_t size = tree.Bytes(id).size();
        for (size_t keep : {size_t{0}, size / 8, size / 4, size / 2, size * 3 / 4}) {
          if (keep >= size || (keep > 0 && keep == size / 8 && size < 8)) continue;
          Tree candidate = tree;
          candidate.SetBytes(id, std::string(tree.Bytes(id).substr(0, keep)));
          candidate.node(id).flags &= static_cast<uint8_t>(~grammar::kExact);
          if (attempt_tree(candidate)) {
            progress = true;
            break;
          }
        }
      }
      // Optional and conditional parts made absent.
      for (NodeId id : tree.Reachable()) {
        if (!IsReachable(tree, id)) continue;
        const grammar::Node& node = tree.node(id);
        if (node.expr == kNone || (node.flags & grammar::kAbsent)) continue;
        const ExprKind kind = g_.expr(node.expr).kind;
        if (kind != ExprKind::kOptional && kind != ExprKind::kConditional) continue;
        Tree candidate = tree;
        candidate.node(id).flags |= grammar::kAbsent;
        if (attempt_tree(candidate)) progress = true;
      }
      // Choices regenerated as small as the grammar allows (a budget of 0
      // makes the generator take the cheapest way everywhere), with a fixed
      // seed; the message's root is left alone (it is the message's rule).
      for (NodeId id : tree.Reachable()) {
        if (id == tree.root() || !IsReachable(tree, id)) continue;
        const grammar::Node& node = tree.node(id);
        if (node.expr == kNone || g_.expr(node.expr).kind != ExprKind::kChoice) continue;
        Tree candidate = tree;
        grammar::Rng rng(1);
        NodeId parent = candidate.node(id).parent;
        NodeId fresh = generator.GenerateInto(candidate, node.expr, parent, rng, 0);
        if (parent != kNone) candidate.Remove(fresh);
        candidate.Replace(id, fresh);
        if (attempt_tree(candidate)) progress = true;
      }
    }
  }

  // Byte-level, on the datagram or PDU of a framed message (re-framed).
  std::string payload;
  const bool framed = session_.framing == grammar::SessionFraming::kFrames && Unframe(pieces[index], payload);
  if (!framed) payload = pieces[index];
  auto wrap = [&](const std::string& p) { return framed ? Frame(p) : p; };
  auto current_payload = [&]() {
    std::string p;
    if (framed) {
      Unframe(pieces[index], p);
    } else {
      p = pieces[index];
    }
    return p;
  };
  // Truncation: the longest cut first.
  for (bool cut = true; cut && result.executions < budget;) {
    cut = false;
    payload = current_payload();
    const size_t size = payload.size();
    for (size_t keep : {size / 2, size * 3 / 4, size * 7 / 8, size - 1}) {
      if (size == 0 || keep >= size) continue;
      if (attempt(wrap(payload.substr(0, keep)))) {
        cut = true;
        break;
      }
    }
  }
  // Chunks deleted: half the message, a quarter, ... one byte.
  payload = current_payload();
  for (size_t chunk = std::max<size_t>(1, payload.size() / 2); chunk >= 1 && result.executions < budget;
       chunk /= 2) {
    size_t start = 0;
    while (result.executions < budget) {
      payload = current_payload();
      if (start + chunk > payload.size()) break;
      std::string smaller = payload;
      smaller.erase(start, chunk);
      if (!attempt(wrap(smaller))) start += chunk;
    }
    if (chunk == 1) break;
  }
}

SessionMinimizeResult SessionMinimizer::Minimize(const std::string& input, size_t budget, bool shrink_messages) {
  SessionMinimizeResult result;
  result.bytes = input;
  result.bytes_before = input.size();
  SplitMessages(input, result.messages_before);
  DropMessages(result, budget);
  if (shrink_messages) {
    size_t messages = 0;
    std::vector<std::string> pieces = SplitMessages(result.bytes, messages);
    // The largest message first: it has the most to lose.
    std::vector<size_t> order(pieces.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return pieces[a].size() > pieces[b].size(); });
    for (size_t index : order) {
      if (result.executions >= budget) {
        result.budget_reached = true;
        break;
      }
      // A piece past the messages is what the grammar could not split:
      // byte-level only (the grammar pass finds nothing to parse there).
      ShrinkMessage(pieces, index, result, budget);
    }
  }
  if (result.executions >= budget) result.budget_reached = true;
  SplitMessages(result.bytes, result.messages_after);
  return result;
}

}  // namespace iotfuzz::net
