// Values that flow between the messages of a session: `bind VAR = FIELD`
// records a field of one message, `use FIELD = VAR + N` writes it into a later
// one (an MQTT PUBREL reusing the packet identifier of the PUBLISH before it,
// an ATT Read Request using a handle found by discovery).
//
// In an input tree of a session (Grammar::sessions, the sent messages in
// order), Apply walks the messages first to last: for each, the fields its
// steps use take the variables' current values — unless the field is marked
// lying, which is how a binding lies — then the fields its steps bind are
// recorded. Variables bound from responses (`recv ... bind`) exist only when
// a network executor feeds the responses in (BindFromResponse); in-process,
// a use of such a variable keeps the field's own value.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_SESSION_BINDER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_SESSION_BINDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::grammar {

class SessionBinder {
 public:
  using Variables = std::map<std::string, uint64_t, std::less<>>;

  explicit SessionBinder(const Grammar& grammar);

  // Sets every used field of `tree` (an input of `session`) from the
  // variables bound by the messages before it, skipping lying fields.
  // Returns the number of fields changed.
  int Apply(const Session& session, Tree& tree) const;

  // After parsing: marks lying every used field whose value differs from
  // what Apply would write, so the observed lie survives later mutations.
  // Returns the number of fields marked.
  int MarkLies(const Session& session, Tree& tree) const;

  // One sent message (a child of MessageList): applies its uses from
  // `variables`, then records its binds into them. Returns fields changed.
  int ApplyToMessage(const Session& session, Tree& tree, NodeId message, Variables& variables) const;

  // Records the binds of the recv steps of `rule` from a parsed response
  // (a tree of `rule`). For the network executor.
  void BindFromResponse(const Session& session, RuleId rule, const Tree& response, Variables& variables) const;

  // The node holding the messages of a session input (the root of a
  // generated tree, the first child of a parsed one); kNone when `tree` is
  // not an input of `session`.
  static NodeId MessageList(const Session& session, const Tree& tree);
  // The session `tree` is an input of, or null.
  const Session* SessionOf(const Tree& tree) const;

  // The rule a message of a session input sends, kNone for a raw element.
  RuleId RuleOfMessage(const Session& session, const Tree& tree, NodeId message) const;

  // Every field of `tree` some step uses (candidates for a binding lie).
  std::vector<NodeId> UsedFields(const Session& session, const Tree& tree) const;

  // The value `use` gives its field with `variables`; false when unbound.
  static bool UsedValue(const Grammar& grammar, const SessionUse& use, const Variables& variables, uint64_t& value);

  // The first node of `field` below `root` in document order (absent and raw
  // subtrees skipped), or kNone.
  static NodeId FindField(const Tree& tree, NodeId root, ExprId field);

 private:
  struct RuleSteps {
    std::vector<const SessionUse*> uses;
    std::vector<const SessionBind*> binds;
  };
  struct SessionTables {
    std::map<RuleId, RuleSteps> sent;
    std::map<RuleId, RuleSteps> received;
  };
  int Walk(const Session& session, Tree& tree, bool mark_lies) const;
  NodeId MessageChoice(const Session& session, const Tree& tree, NodeId message) const;
  const SessionTables& Tables(const Session& session) const;

  const Grammar& g_;
  std::vector<SessionTables> tables_;  // parallel to grammar.sessions
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_SESSION_BINDER_H_
