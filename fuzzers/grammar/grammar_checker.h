// Meaning checks on a parsed grammar, reported as diagnostics:
//
// errors   - a rule that can never finish (recursion with no way out);
//            left recursion (a rule reaching itself before consuming a byte,
//            which no parser can explain); a relation or condition naming a
//            field that does not exist; count() of something that is not a
//            repetition, present() of something that is not optional.
// warnings - rules not reachable from the start rule; choice alternatives
//            that cannot be told apart when parsing back (identical, or an
//            earlier literal that is a prefix of a later one, which then
//            never wins).
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_CHECKER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_CHECKER_H_

#include "fuzzers/grammar/diagnostics.h"
#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::grammar {

void CheckGrammar(const Grammar& grammar, DiagnosticList& diagnostics);

// The expression a field path names, searched from `rule`'s body: the first
// element is a label anywhere in the rule body (not inside other rules); each
// further element is a label inside the previous field, following a rule
// reference when the field is one. An unlabelled rule reference counts as a
// field named after its rule. kNone when there is no such field.
ExprId FindField(const Grammar& grammar, RuleId rule, const std::vector<std::string>& path);

// The field a relation or condition in `rule` refers to: searched in `rule`
// first, then in the rules that use it, nearest first (an HTTP header rule's
// `length(body)` finds the request's body). kNone when no rule has it.
ExprId FindVisibleField(const Grammar& grammar, RuleId rule, const std::vector<std::string>& path);

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_CHECKER_H_
