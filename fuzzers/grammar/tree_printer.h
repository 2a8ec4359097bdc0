// Human-readable and JSON views of a tree, for `iotfuzz grammar parse` and
// for tests: one line per node, indented by depth, naming the field (label or
// rule), its kind, its value or bytes, and marking raw leaves and lies.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_TREE_PRINTER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_TREE_PRINTER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::grammar {

std::string FormatTree(const Grammar& grammar, const Tree& tree);
nlohmann::json TreeToJson(const Grammar& grammar, const Tree& tree);
// Bytes as a C-like escaped string: printable ASCII as is, others as \xHH.
std::string EscapeBytes(std::string_view bytes, size_t max = 64);

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_TREE_PRINTER_H_
