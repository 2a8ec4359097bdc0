// Compiles the text of a .grammar file into the IR (grammar.h). Syntax errors
// are collected in `diagnostics`, with recovery at the next ';' so one pass
// reports every broken rule; rule references are resolved here, meaning checks
// (unused rules, recursion without a way out, relations naming missing fields)
// are grammar_checker.h's job.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_PARSER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_PARSER_H_

#include <string_view>

#include "fuzzers/grammar/diagnostics.h"
#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::grammar {

// Returns the grammar; it is only usable when `diagnostics` has no errors.
Grammar ParseGrammar(std::string_view source, std::string_view file, DiagnosticList& diagnostics);

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_PARSER_H_
