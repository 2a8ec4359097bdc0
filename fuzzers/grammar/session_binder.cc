#include "fuzzers/grammar/session_binder.h"

#include "fuzzers/grammar/generator.h"

namespace iotfuzz::grammar {
namespace {

// Gathers the uses and binds of every send and recv step, by rule.
template <typename Table>
void Collect(const std::vector<SessionStep>& steps, Table& sent, Table& received) {
  for (const SessionStep& step : steps) {
    if (step.kind == SessionStepKind::kRepeat) {
      Collect(step.body, sent, received);
      continue;
    }
    if (step.kind == SessionStepKind::kEither) {
      for (const auto& alternative : step.alternatives) Collect(alternative, sent, received);
      continue;
    }
    if (step.rule == kNone) continue;
    auto& table = step.kind == SessionStepKind::kSend ? sent[step.rule] : received[step.rule];
    for (const SessionUse& u : step.uses) {
      if (u.field_expr != kNone) table.uses.push_back(&u);
    }
    for (const SessionBind& b : step.binds) {
      if (b.field_expr != kNone) table.binds.push_back(&b);
    }
  }
}

}  // namespace

SessionBinder::SessionBinder(const Grammar& grammar) : g_(grammar) {
  tables_.resize(grammar.sessions.size());
  for (size_t i = 0; i < grammar.sessions.size(); ++i) {
    Collect(grammar.sessions[i].steps, tables_[i].sent, tables_[i].received);
  }
}

const SessionBinder::SessionTables& SessionBinder::Tables(const Session& session) const {
  return tables_[static_cast<size_t>(&session - g_.sessions.data())];
}

NodeId SessionBinder::FindField(const Tree& tree, NodeId root, ExprId field) {
  // Depth-first, document order; absent and raw subtrees hold no field.
  std::vector<NodeId> stack{root};
  while (!stack.empty()) {
    NodeId id = stack.back();
    stack.pop_back();
    const Node& n = tree.node(id);
    if (n.flags & (kAbsent | kRaw)) continue;
    if (n.expr == field) return id;
    std::vector<NodeId> kids = tree.Children(id);
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
  }
  return kNone;
}

NodeId SessionBinder::MessageChoice(const Session& session, const Tree& tree, NodeId message) const {
  // The choice sits at most two levels below the element (rule reference,
  // then the frame's sequence when framed).
  std::vector<NodeId> level{message};
  for (int depth = 0; depth < 3 && !level.empty(); ++depth) {
    std::vector<NodeId> next;
    for (NodeId id : level) {
      const Node& n = tree.node(id);
      if (n.flags & kRaw) continue;
      if (n.expr == session.message_choice) return id;
      for (NodeId c : tree.Children(id)) next.push_back(c);
    }
    level = std::move(next);
  }
  return kNone;
}

RuleId SessionBinder::RuleOfMessage(const Session& session, const Tree& tree, NodeId message) const {
  NodeId choice = MessageChoice(session, tree, message);
  if (choice == kNone) return kNone;
  uint64_t alternative = tree.node(choice).value;
  return alternative < session.send_rules.size() ? session.send_rules[alternative] : kNone;
}

bool SessionBinder::UsedValue(const Grammar& grammar, const SessionUse& use, const Variables& variables,
                              uint64_t& value) {
  auto it = variables.find(use.variable);
  if (it == variables.end()) return false;
  value = (it->second + static_cast<uint64_t>(use.addend)) & Generator::MaxValue(grammar.expr(use.field_expr));
  return true;
}

int SessionBinder::ApplyToMessage(const Session& session, Tree& tree, NodeId message, Variables& variables) const {
  RuleId rule = RuleOfMessage(session, tree, message);
  if (rule == kNone) return 0;
  const SessionTables& tables = Tables(session);
  auto it = tables.sent.find(rule);
  if (it == tables.sent.end()) return 0;
  NodeId choice = MessageChoice(session, tree, message);
  int changed = 0;
  for (const SessionUse* use : it->second.uses) {
    uint64_t value = 0;
    if (!UsedValue(g_, *use, variables, value)) continue;
    NodeId field = FindField(tree, choice, use->field_expr);
    if (field == kNone) continue;
    Node& n = tree.node(field);
    if ((n.flags & kLying) || n.value == value) continue;
    n.value = value;
    n.flags &= static_cast<uint8_t>(~kExact);
    ++changed;
  }
  for (const SessionBind* bind : it->second.binds) {
    NodeId field = FindField(tree, choice, bind->field_expr);
    if (field != kNone) variables[bind->variable] = tree.node(field).value;
  }
  return changed;
}

NodeId SessionBinder::MessageList(const Session& session, const Tree& tree) {
  if (tree.empty()) return kNone;
  NodeId root = tree.root();
  if (tree.node(root).expr == session.message_list) return root;
  // A parsed tree: a container holding the parse, then any unexplained rest.
  NodeId first = tree.node(root).first_child;
  if (tree.node(root).expr == kNone && first != kNone && tree.node(first).expr == session.message_list) return first;
  return kNone;
}

const Session* SessionBinder::SessionOf(const Tree& tree) const {
  for (const Session& session : g_.sessions) {
    if (MessageList(session, tree) != kNone) return &session;
  }
  return nullptr;
}

int SessionBinder::Walk(const Session& session, Tree& tree, bool mark_lies) const {
  NodeId list = MessageList(session, tree);
  if (list == kNone) return 0;
  const SessionTables& tables = Tables(session);
  Variables variables;
  int count = 0;
  for (NodeId message : tree.Children(list)) {
    if (!mark_lies) {
      count += ApplyToMessage(session, tree, message, variables);
      continue;
    }
    RuleId rule = RuleOfMessage(session, tree, message);
    auto it = tables.sent.find(rule);
    if (rule == kNone || it == tables.sent.end()) continue;
    NodeId choice = MessageChoice(session, tree, message);
    for (const SessionUse* use : it->second.uses) {
      uint64_t value = 0;
      if (!UsedValue(g_, *use, variables, value)) continue;
      NodeId field = FindField(tree, choice, use->field_expr);
      if (field == kNone || tree.node(field).value == value || (tree.node(field).flags & kLying)) continue;
      tree.node(field).flags |= kLying;
      ++count;
    }
    for (const SessionBind* bind : it->second.binds) {
      NodeId field = FindField(tree, choice, bind->field_expr);
      if (field != kNone) variables[bind->variable] = tree.node(field).value;
    }
  }
  return count;
}

int SessionBinder::Apply(const Session& session, Tree& tree) const { return Walk(session, tree, false); }

int SessionBinder::MarkLies(const Session& session, Tree& tree) const { return Walk(session, tree, true); }

void SessionBinder::BindFromResponse(const Session& session, RuleId rule, const Tree& response,
                                     Variables& variables) const {
  const SessionTables& tables = Tables(session);
  auto it = tables.received.find(rule);
  if (it == tables.received.end() || response.empty()) return;
  for (const SessionBind* bind : it->second.binds) {
    NodeId field = FindField(response, response.root(), bind->field_expr);
    if (field != kNone) variables[bind->variable] = response.node(field).value;
  }
}

std::vector<NodeId> SessionBinder::UsedFields(const Session& session, const Tree& tree) const {
  std::vector<NodeId> out;
  NodeId list = MessageList(session, tree);
  if (list == kNone) return out;
  const SessionTables& tables = Tables(session);
  for (NodeId message : tree.Children(list)) {
    RuleId rule = RuleOfMessage(session, tree, message);
    auto it = tables.sent.find(rule);
    if (rule == kNone || it == tables.sent.end()) continue;
    NodeId choice = MessageChoice(session, tree, message);
    for (const SessionUse* use : it->second.uses) {
      NodeId field = FindField(tree, choice, use->field_expr);
      if (field != kNone) out.push_back(field);
    }
  }
  return out;
}

}  // namespace iotfuzz::grammar
