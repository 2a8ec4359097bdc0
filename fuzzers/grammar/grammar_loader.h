// Loading a grammar file at run time: read, parse, check. Editing a grammar
// needs no rebuild.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_LOADER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_LOADER_H_

#include <string>
#include <string_view>

#include "fuzzers/common/error.h"
#include "fuzzers/grammar/diagnostics.h"
#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::grammar {

// A grammar that failed to load. `what()` is one line (the first error);
// `report()` holds every diagnostic with source lines, for printing.
class GrammarError : public iotfuzz::Error {
 public:
  GrammarError(const std::string& first_error, std::string report)
      : iotfuzz::Error(first_error), report_(std::move(report)) {}
  const std::string& report() const { return report_; }

 private:
  std::string report_;
};

struct LoadedGrammar {
  Grammar grammar;
  std::string warnings;  // formatted warnings, empty when there are none
};

// Parses and checks `source`; `file` is the name used in messages. Throws
// GrammarError when there is any error.
LoadedGrammar LoadGrammarText(std::string_view source, std::string_view file);

// Reads and loads a grammar file. Throws iotfuzz::Error when the file cannot
// be read, GrammarError when it does not compile.
LoadedGrammar LoadGrammarFile(const std::string& path);

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_LOADER_H_
