#include "fuzzers/net/session_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <sched.h>

#include <thread>

#include "fuzzers/common/error.h"

namespace iotfuzz::net {

using grammar::ExprId;
using grammar::kNone;
using grammar::NodeId;
using grammar::RuleId;
using grammar::SessionStep;
using grammar::SessionStepKind;
using Clock = std::chrono::steady_clock;

const char* EndName(SessionResult::End end) {
  switch (end) {
    case SessionResult::End::kCompleted: return "completed";
    case SessionResult::End::kClosedByServer: return "closed by server";
    case SessionResult::End::kHang: return "hang";
    case SessionResult::End::kServerGone: return "server gone";
  }
  return "?";
}

namespace {

void FindAcceptStep(const std::vector<SessionStep>& steps, RuleId rule, const SessionStep*& found) {
  for (const SessionStep& step : steps) {
    if (found != nullptr) return;
    if (step.kind == SessionStepKind::kRecv && step.rule == rule && step.accepts) found = &step;
    FindAcceptStep(step.body, rule, found);
    for (const auto& alternative : step.alternatives) FindAcceptStep(alternative, rule, found);
  }
}

// The first item of the subtree of `node` (document order) that makes the
// message invalid input: a number field marked `must_reject` that lies, or an
// item marked `must_reject` that is present (a conditional field whose
// condition holds, a choice alternative taken). A present item counts only
// when nothing before it lies or is unexplained: then the parse reads the
// bytes as the server does; after a violation it may be a guess (a CoAP
// payload marker read as an option with a lying delta, and the payload as
// more options).
NodeId InvalidField(const grammar::Grammar& g, const grammar::Tree& tree, NodeId node) {
  std::vector<NodeId> stack{node};
  bool uncertain = false;
  while (!stack.empty()) {
    NodeId id = stack.back();
    stack.pop_back();
    const grammar::Node& n = tree.node(id);
    if (n.flags & grammar::kAbsent) continue;
    if (n.flags & grammar::kRaw) {
      uncertain = true;
      continue;
    }
    if (n.expr != kNone) {
      const grammar::Expr& e = g.expr(n.expr);
      if ((n.flags & grammar::kLying) && e.constraint.must_reject) return id;
      if (n.flags & grammar::kLying) uncertain = true;
      if (e.must_reject_present && !uncertain) return id;
    }
    // Children pushed last first, so that they are visited in order.
    const size_t mark = stack.size();
    for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) stack.push_back(c);
    std::reverse(stack.begin() + static_cast<long>(mark), stack.end());
  }
  return kNone;
}

// The name an invalid item is reported by: its label, else the rule it
// refers to, else its kind.
std::string InvalidItemName(const grammar::Expr& e) {
  if (!e.label.empty()) return e.label;
  if (e.kind == grammar::ExprKind::kRuleRef) return e.rule_name;
  return fmt::format("(unnamed {})", grammar::ExprKindName(e.kind));
}

void CollectStateFields(const std::vector<SessionStep>& steps, RuleId rule, ExprId& field) {
  for (const SessionStep& step : steps) {
    if (field != kNone) return;
    if (step.kind == SessionStepKind::kRecv && step.rule == rule && step.state_expr != kNone) {
      field = step.state_expr;
    }
    CollectStateFields(step.body, rule, field);
    for (const auto& alternative : step.alternatives) CollectStateFields(alternative, rule, field);
  }
}

// The bytes under `node` of a parsed tree, leaves in document order.
void LeafBytes(const grammar::Tree& tree, NodeId node, std::string& out) {
  const grammar::Node& n = tree.node(node);
  if (n.first_child == kNone) {
    out.append(tree.Bytes(node));
    return;
  }
  for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) LeafBytes(tree, c, out);
}

std::string Hex(std::string_view bytes) {
  std::string s;
  for (unsigned char c : bytes) s += fmt::format("{:02x}", c);
  return s;
}

}  // namespace

SessionRunner::SessionRunner(const grammar::Grammar& grammar, const grammar::Session& session, Transport transport,
                             SessionTimeouts timeouts)
    : g_(grammar),
      session_(session),
      transport_(transport),
      timeouts_(timeouts),
      parser_(grammar),
      serializer_(grammar),
      binder_(grammar) {
  response_rules_ = session.recv_rules;
  for (RuleId r : session.send_rules) {
    if (std::find(response_rules_.begin(), response_rules_.end(), r) == response_rules_.end()) {
      response_rules_.push_back(r);
    }
  }
  for (RuleId r : response_rules_) {
    ExprId field = kNone;
    CollectStateFields(session.steps, r, field);
    state_fields_.push_back(field);
    const SessionStep* accept = nullptr;
    FindAcceptStep(session.steps, r, accept);
    accept_steps_.push_back(accept);
  }
}

std::string SessionRunner::MessageBytes(grammar::Tree& tree, NodeId message, bool& is_raw) {
  is_raw = (tree.node(message).flags & grammar::kRaw) != 0;
  // One message alone, in a tree reused from message to message.
  message_tree_.Clear();
  message_tree_.set_root(message_tree_.CopySubtree(tree, message));
  std::string bytes = serializer_.Serialize(message_tree_);
  if (is_raw) return bytes;
  // The connection's index and a datagram's frame (u16le length) are the
  // container's, not the protocol's; so is the frame of a stream message in
  // a session with connections.
  size_t container = 0;
  if (session_.connection_field != kNone) {
    container = session_.framing == grammar::SessionFraming::kStream || transport_ == Transport::kUdp ? 3 : 1;
  } else if (session_.framing == grammar::SessionFraming::kFrames && transport_ == Transport::kUdp) {
    container = 2;
  }
  bytes.erase(0, std::min(container, bytes.size()));
  return bytes;
}

bool SessionRunner::WaitAsleep(const ServerActivity& activity) {
  if (!activity.valid()) return true;
  auto deadline = Clock::now() + timeouts_.hang;
  auto pause = std::chrono::microseconds(10);
  for (;;) {
    const uint64_t switches = activity.switches();
    ServerActivity::Sample s = activity.State();
    if (!s.alive) return false;
    if (s.sleeping) return true;
    if (Clock::now() >= deadline) return true;  // busy: the message's wait decides
    if (activity.watches_switches()) {
      if (!activity.WaitForSwitch(switches, std::chrono::microseconds(500)) && !activity.Alive()) return false;
    } else {
      timespec ts{0, static_cast<long>(pause.count() * 1000)};
      nanosleep(&ts, nullptr);
      pause = std::min(pause * 2, std::chrono::microseconds(500));
    }
  }
}

bool SessionRunner::ReadOthers(ConnectionSet& connections, size_t current) {
  bool any = false;
  for (size_t k = 0; k < connections.size(); ++k) {
    Connection& other = connections.at(k);
    if (k == current || !other.open()) continue;
    Inbox& inbox = inboxes_[k];
    for (;;) {
      size_t datagram = 0;
      Connection::ReadResult r = other.Read(inbox.received, std::chrono::microseconds(0), &datagram);
      if (r == Connection::ReadResult::kClosed) {
        connections.MarkClosed(k);
        other.Abort();
      }
      if (r != Connection::ReadResult::kData) break;
      any = true;
      if (transport_ == Transport::kUdp) inbox.datagrams.push_back(datagram);
    }
  }
  return any;
}

Connection::ReadResult SessionRunner::Drain(ConnectionSet& connections, size_t k) {
  Inbox& inbox = inboxes_[k];
  return connections.at(k).ReadAvailable(inbox.received, transport_ == Transport::kUdp ? &inbox.datagrams : nullptr);
}

SessionRunner::Wait SessionRunner::AwaitSwitch(ConnectionSet& connections, size_t current,
                                               const ServerActivity& activity, uint64_t switches_before_send) {
  // Done once the server has left the CPU since just before the send and is
  // asleep (not merely preempted). The state is read after the send
  // returned, and sending wakes the reader at once: a server seen asleep
  // then went to sleep after the message arrived, whichever switch was
  // counted. A server that never switches while asleep this long with
  // nothing arriving has settled too (the message woke nothing: a closed
  // socket, a datagram it drops).
  constexpr auto kSettled = std::chrono::milliseconds(5);
  const auto start = Clock::now();
  auto last_data = start;
  uint64_t seen = switches_before_send;
  // The server closed this message's connection. It may still be busy with
  // what closing it means (a broker publishing the client's will to the
  // others): the session's other connections stay open until it sleeps.
  bool closed = false;
  for (;;) {
    Connection& connection = connections.at(current);
    const int hangup_fd = !closed && connection.transport() == Transport::kTcp ? connection.fd() : -1;
    const bool switched = activity.WaitForSwitch(seen, kSettled, hangup_fd);
    seen = activity.switches();
    // The state first, then the sockets: when it is asleep, everything it
    // wrote before going to sleep is in them.
    ServerActivity::Sample s = activity.State();
    const auto now = Clock::now();
    bool any_closed = false;
    for (size_t k = 0; k < connections.size(); ++k) {
      if (!connections.at(k).open()) continue;
      Connection::ReadResult r = Drain(connections, k);
      if (r == Connection::ReadResult::kData) last_data = now;
      if (r == Connection::ReadResult::kClosed) {
        any_closed = true;
        if (k == current) {
          closed = true;
        } else {
          connections.MarkClosed(k);
          connections.at(k).Abort();
        }
      }
    }
    // From switch records, a server that died looks asleep. Dying closes
    // its connections, and the watch ends without a switch: only then is
    // /proc asked.
    if (activity.records_switches() && (!switched || any_closed || closed)) s.alive = activity.Alive();
    if (!s.alive) return closed ? Wait::kClosed : Wait::kGone;
    // Asleep after running for the message; asleep with the connection
    // closed; or, should a wake-up have gone unseen, asleep for a while
    // with nothing arriving.
    if (s.sleeping && (switched || closed || now - last_data >= kSettled)) {
      if (closed) return Wait::kClosed;
      // Every connection was just read: only a replay's linger has more to wait for.
      return timeouts_.linger.count() > 0 ? Linger(connections, current) : Wait::kDone;
    }
    if (now - start >= timeouts_.hang) return closed ? Wait::kClosed : Wait::kHang;
  }
}

SessionRunner::Wait SessionRunner::Linger(ConnectionSet& connections, size_t current) {
  const auto linger = std::chrono::duration_cast<std::chrono::microseconds>(timeouts_.linger);
  Inbox& inbox = inboxes_[current];
  Wait wait = Wait::kDone;
  for (;;) {
    size_t datagram = 0;
    Connection::ReadResult more = connections.at(current).Read(inbox.received, linger, &datagram);
    if (more == Connection::ReadResult::kClosed) {
      wait = Wait::kClosed;
      break;
    }
    if (more != Connection::ReadResult::kData) break;
    if (transport_ == Transport::kUdp) inbox.datagrams.push_back(datagram);
  }
  if (connections.size() > 1) ReadOthers(connections, current);
  return wait;
}

SessionRunner::Wait SessionRunner::AwaitAnswer(ConnectionSet& connections, size_t current,
                                               const ServerActivity& activity, uint64_t mark) {
  if (activity.watches_switches() && !timeouts_.fixed_waits) return AwaitSwitch(connections, current, activity, mark);
  const uint64_t runs_before = mark;
  Connection& connection = connections.at(current);
  std::string& received = inboxes_[current].received;
  std::vector<size_t>& datagrams = inboxes_[current].datagrams;
  // Answers may go to the session's other connections (a broker delivering
  // a publisher's message to a subscriber): they are read along.
  const bool others = connections.size() > 1;
  // Timed waits cost ~50 us more than asked for on many kernels, and a
  // server handles a message in tens of microseconds: right after a send (or
  // an answer) look without blocking, yielding the CPU in between, and only
  // then fall back to timed waits with a growing period.
  constexpr auto kSpin = std::chrono::microseconds(500);
  constexpr auto kSettled = std::chrono::milliseconds(5);
  const auto start = Clock::now();
  Clock::time_point asleep_since{};
  if (timeouts_.fixed_waits) {
    for (;;) {
      size_t datagram = 0;
      Connection::ReadResult r = connection.Read(
          received, std::chrono::duration_cast<std::chrono::microseconds>(timeouts_.fixed_receive), &datagram);
      if (r == Connection::ReadResult::kClosed) return Wait::kClosed;
      if (r == Connection::ReadResult::kTimeout) {
        if (others) ReadOthers(connections, current);
        return Wait::kDone;
      }
      if (transport_ == Transport::kUdp) datagrams.push_back(datagram);
      if (Clock::now() - start >= timeouts_.hang) return Wait::kHang;
    }
  }
  auto last_event = start;
  auto last_data = start;
  bool got_any = false;
  auto poll = std::chrono::microseconds(50);
  // The server closed this message's connection; with a process to watch,
  // the other connections stay open until it sleeps (see AwaitSwitch).
  bool closed = false;
  for (;;) {
    const auto before_read = Clock::now();
    const bool spinning = before_read - last_event < kSpin;
    size_t datagram = 0;
    Connection::ReadResult r = Connection::ReadResult::kTimeout;
    if (!closed) {
      r = connection.Read(received, spinning ? std::chrono::microseconds(0) : poll, &datagram);
    } else if (!spinning) {
      std::this_thread::sleep_for(poll);
    }
    auto now = Clock::now();
    if (r == Connection::ReadResult::kData) {
      got_any = true;
      last_data = last_event = now;
      if (transport_ == Transport::kUdp) datagrams.push_back(datagram);
      poll = std::chrono::microseconds(50);
    } else if (r == Connection::ReadResult::kClosed) {
      if (others) ReadOthers(connections, current);
      if (!activity.valid()) return Wait::kClosed;
      closed = true;
      last_event = now;
    }
    if (others && ReadOthers(connections, current)) {
      got_any = true;
      last_data = last_event = now;
    }
    if (activity.valid()) {
      // Not run since the message was sent: while spinning, its state has
      // nothing to tell yet (one /proc read instead of two).
      ServerActivity::Sample s = activity.ReadRuns();
      if (s.runs != runs_before || !spinning || asleep_since != Clock::time_point{} || closed) activity.ReadState(s);
      if (!s.alive) return closed ? Wait::kClosed : Wait::kGone;
      if (closed && s.sleeping) return Wait::kClosed;
      // Asleep since it last ran; or, should a wake-up have gone unseen (the
      // message arrived while it was still busy with the one before), asleep
      // for a while with nothing arriving.
      if (s.sleeping && s.runs == runs_before) {
        if (asleep_since == Clock::time_point{}) asleep_since = now;
      } else {
        asleep_since = Clock::time_point{};
      }
      const bool settled = s.sleeping && s.runs == runs_before && now - asleep_since >= kSettled &&
                           now - last_data >= kSettled;
      if ((s.sleeping && s.runs > runs_before) || settled) {
        // Done with the message: what it sent is in our socket already.
        return Linger(connections, current);
      }
    } else if (r != Connection::ReadResult::kData) {
      if (got_any && now - last_data >= timeouts_.quiet) return Wait::kDone;
      if (!got_any && now - start >= timeouts_.first_response) return Wait::kDone;
    }
    if (now - start >= timeouts_.hang) return closed ? Wait::kClosed : activity.valid() ? Wait::kHang : Wait::kDone;
    if (spinning) {
      sched_yield();
    } else if (r != Connection::ReadResult::kData) {
      poll = std::min(poll * 2, std::chrono::microseconds(1000));
    }
  }
}

bool SessionRunner::ParseResponse(std::string_view bytes, bool whole, Response& response, size_t& length) {
  // A rule that explains the bytes strictly wins; otherwise the one with the
  // fewest violations (a server's malformed answer), first in order on ties.
  size_t best = response_rules_.size();
  size_t best_lies = ~size_t{0};
  // The best parse so far is kept (not parsed again): a whole message's in
  // best_parse_, a prefix's in best_prefix_ (their buffers reused from call
  // to call).
  const size_t hint = bytes.empty() ? 0 : rule_hint_[static_cast<uint8_t>(bytes[0])];
  for (size_t k = 0; k <= response_rules_.size() && best_lies != 0; ++k) {
    // The hinted rule first, then all in order (the hinted one again is cheap
    // to skip).
    size_t i = k == 0 ? (hint == 0 ? response_rules_.size() : hint - 1) : k - 1;
    if (i >= response_rules_.size() || (k > 0 && hint != 0 && i == hint - 1)) continue;
    RuleId rule = response_rules_[i];
    if (whole) {
      parser_.ParseInto(bytes, parse_, rule);
      if (!parse_.complete() || parse_.lying_fields >= best_lies) continue;
      best_lies = parse_.lying_fields;
      std::swap(parse_, best_parse_);
    } else {
      parser_.ParsePrefixInto(bytes, rule, prefix_);
      if (prefix_.status != grammar::PrefixMatch::kComplete || prefix_.parse.lying_fields >= best_lies) continue;
      best_lies = prefix_.parse.lying_fields;
      std::swap(prefix_, best_prefix_);
    }
    best = i;
  }
  if (best == response_rules_.size()) {
    length = 0;
    return false;
  }
  if (best_lies == 0 && !bytes.empty()) rule_hint_[static_cast<uint8_t>(bytes[0])] = static_cast<uint16_t>(best + 1);
  RuleId rule = response_rules_[best];
  const grammar::Tree* tree = whole ? &best_parse_.tree : &best_prefix_.parse.tree;
  length = whole ? bytes.size() : best_prefix_.length;
  response.rule = g_.rule(rule).name;
  response.state = response.rule;
  if (state_fields_[best] != kNone) {
    NodeId field = grammar::SessionBinder::FindField(*tree, tree->root(), state_fields_[best]);
    if (field != kNone) {
      std::string value;
      LeafBytes(*tree, field, value);
      response.state += ":" + Hex(value);
    }
  }
  if (const SessionStep* accept = accept_steps_[best]) {
    if (accept->accept_expr == kNone) {
      response.accepts = true;
    } else {
      NodeId field = grammar::SessionBinder::FindField(*tree, tree->root(), accept->accept_expr);
      // A field naming a rule (an enum rule) holds its value in the first leaf.
      while (field != kNone && tree->node(field).first_child != kNone) field = tree->node(field).first_child;
      response.accepts = field != kNone && std::find(accept->accept_values.begin(), accept->accept_values.end(),
                                                     tree->node(field).value) != accept->accept_values.end();
    }
  }
  if (best_lies == 0) binder_.BindFromResponse(session_, rule, *tree, variables_);
  return true;
}

void SessionRunner::TakeResponses(size_t connection, bool final, MessageExchange& exchange, SessionResult& result) {
  std::string& received = inboxes_[connection].received;
  std::vector<size_t>& datagrams = inboxes_[connection].datagrams;
  auto record = [&](Response&& r) {
    r.connection = connection;
    // With several connections, a state says which one it was seen on.
    if (!result.connection_names.empty() && connection < result.connection_names.size()) {
      r.state = result.connection_names[connection] + "/" + r.state;
    }
    result.states.push_back(r.state);
    exchange.responses.push_back(std::move(r));
  };
  if (transport_ == Transport::kUdp) {
    size_t offset = 0;
    for (size_t size : datagrams) {
      std::string_view d(received.data() + offset, size);
      offset += size;
      Response r;
      r.bytes = std::string(d);
      size_t length = 0;
      if (!ParseResponse(d, true, r, length)) r.state = "?";
      record(std::move(r));
    }
    received.clear();
    datagrams.clear();
    return;
  }
  bool framed = session_.framing == grammar::SessionFraming::kFrames;
  // A server may answer with many messages (a broker delivering retained
  // messages): they are taken from the front by an offset, and the buffer
  // is shortened once.
  size_t taken = 0;
  while (taken < received.size()) {
    std::string_view view = std::string_view(received).substr(taken);
    size_t frame = 0;
    if (framed) {
      if (view.size() < 2) break;
      size_t n = static_cast<uint8_t>(view[0]) | (static_cast<size_t>(static_cast<uint8_t>(view[1])) << 8);
      if (view.size() < 2 + n) break;
      frame = 2 + n;
    }
    Response r;
    size_t length = 0;
    bool parsed = framed ? ParseResponse(view.substr(2, frame - 2), true, r, length)
                         : ParseResponse(view, false, r, length);
    size_t take = framed ? frame : length;
    if (!parsed) {
      // Nothing explains these bytes: on a stream the rest cannot be framed
      // either, so once the server is done they are one opaque response.
      if (!framed && !final) break;
      take = framed ? frame : view.size();
      r.rule.clear();
      r.state = "?";
    }
    r.bytes = std::string(view.substr(0, take));
    record(std::move(r));
    taken += take;
  }
  received.erase(0, taken);
}

SessionResult SessionRunner::Run(std::string_view input, ConnectionSet& connections, const ServerActivity& activity,
                                 size_t max_messages) {
  const auto start = Clock::now();
  SessionResult result;
  result.connection_names = session_.connections;
  const size_t connection_count = std::max<size_t>(1, session_.connections.size());
  inboxes_.resize(connection_count);  // kept between sessions, with their buffers
  for (Inbox& inbox : inboxes_) {
    inbox.received.clear();
    inbox.datagrams.clear();
  }
  variables_.clear();
  // The input's own parse: parse_ is for responses.
  parser_.ParseInto(input, session_parse_, session_.input_rule);
  grammar::Tree& tree = session_parse_.tree;
  NodeId list = grammar::SessionBinder::MessageList(session_, tree);
  std::vector<NodeId> messages;
  if (list != kNone) messages = tree.Children(list);
  for (NodeId c : tree.Children(tree.root())) {
    if (c != list && (tree.node(c).flags & grammar::kRaw)) messages.push_back(c);
  }
  if (list == kNone && messages.empty() && !input.empty()) messages.push_back(tree.root());
  result.messages_in_input = messages.size();

  if (timeouts_.fixed_waits) {
    std::this_thread::sleep_for(timeouts_.fixed_connect);
  } else if (!WaitAsleep(activity)) {
    result.end = SessionResult::End::kServerGone;
    return result;
  }
  for (size_t i = 0; i < messages.size() && i < max_messages; ++i) {
    NodeId m = messages[i];
    MessageExchange exchange;
    bool raw = (tree.node(m).flags & grammar::kRaw) != 0;
    if (!raw && list != kNone && tree.node(m).parent == list) {
      binder_.ApplyToMessage(session_, tree, m, variables_);
      RuleId rule = binder_.RuleOfMessage(session_, tree, m);
      if (rule != kNone) exchange.rule = g_.rule(rule).name;
      if (session_.connection_field != kNone) {
        // An index past the last connection (a lie) wraps around.
        NodeId field = grammar::SessionBinder::FindField(tree, m, session_.connection_field);
        if (field != kNone) exchange.connection = tree.node(field).value % connection_count;
      }
    }
    exchange.sent = MessageBytes(tree, m, raw);
    if (!raw) {
      NodeId invalid = InvalidField(g_, tree, m);
      if (invalid != kNone) {
        const grammar::Expr& e = g_.expr(tree.node(invalid).expr);
        exchange.invalid_field = InvalidItemName(e);
        exchange.invalid_present = e.must_reject_present;
        exchange.invalid_value = tree.node(invalid).value;
      }
    }
    const size_t current = exchange.connection;
    Wait wait = Wait::kClosed;
    if (reconnect_ && connections.closed(current)) {
      // The server closed this connection after an earlier message.
      connections.Reopen(current);
      inboxes_[current].received.clear();
      inboxes_[current].datagrams.clear();
      exchange.reconnected = true;
      ++result.reconnects;
    }
    bool opened = !connections.closed(current);
    if (opened && !connections.at(current).open()) {
      // A connection's first message: open it now. Refused means the
      // server is going away; a closed connection stays closed.
      try {
        connections.Open(current);
      } catch (const Error&) {
        opened = false;
      }
    }
    const auto sent_at = Clock::now();
    if (opened) {
      const uint64_t mark = activity.watches_switches() ? activity.switches()
                            : activity.valid()          ? activity.ReadRuns().runs
                                                        : 0;
      bool sent = connections.at(current).Send(exchange.sent);
      wait = sent ? AwaitAnswer(connections, current, activity, mark) : Wait::kClosed;
    }
    const bool last = wait != Wait::kDone || i + 1 == messages.size();
    TakeResponses(current, last, exchange, result);
    for (size_t k = 0; k < connection_count; ++k) {
      if (k != current) TakeResponses(k, last || connections.closed(k), exchange, result);
    }
    exchange.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_at);
    if (!exchange.invalid_field.empty() && result.invalid_accepted < 0) {
      for (const Response& response : exchange.responses) {
        if (response.accepts) result.invalid_accepted = static_cast<int>(result.exchanges.size());
      }
    }
    result.exchanges.push_back(std::move(exchange));
    if (wait == Wait::kClosed) {
      connections.MarkClosed(current);
      result.closed_by_server = true;
      // Reconnecting goes on with the next message, unless this connection
      // could not even be opened (the server is going away).
      if (reconnect_ && opened) continue;
      if (i + 1 < messages.size()) result.end = SessionResult::End::kClosedByServer;
      break;
    }
    if (wait == Wait::kHang) {
      result.end = SessionResult::End::kHang;
      break;
    }
    if (wait == Wait::kGone) {
      result.end = SessionResult::End::kServerGone;
      break;
    }
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  return result;
}

}  // namespace iotfuzz::net
