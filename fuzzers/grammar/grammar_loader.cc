#include "fuzzers/grammar/grammar_loader.h"

#include <fstream>
#include <iterator>

#include "fuzzers/grammar/grammar_checker.h"
#include "fuzzers/grammar/grammar_parser.h"

namespace iotfuzz::grammar {

LoadedGrammar LoadGrammarText(std::string_view source, std::string_view file) {
  DiagnosticList diagnostics{std::string(file), source};
  LoadedGrammar loaded;
  loaded.grammar = ParseGrammar(source, file, diagnostics);
  if (!diagnostics.has_errors()) CheckGrammar(loaded.grammar, diagnostics);
  if (diagnostics.has_errors()) {
    const Diagnostic* first = nullptr;
    for (const auto& d : diagnostics.all()) {
      if (d.severity == Severity::kError && (!first || d.pos.line < first->pos.line ||
                                             (d.pos.line == first->pos.line && d.pos.column < first->pos.column))) {
        first = &d;
      }
    }
    std::string line = fmt::format("{}:{}:{}: {}", file, first->pos.line, first->pos.column, first->message);
    if (diagnostics.error_count() > 1) line += fmt::format(" (and {} more errors)", diagnostics.error_count() - 1);
    throw GrammarError(line, diagnostics.FormatAll());
  }
  loaded.warnings = diagnostics.FormatAll();
  return loaded;
}

LoadedGrammar LoadGrammarFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::Format("cannot open grammar file {}", path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error::Format("cannot read grammar file {}", path);
  return LoadGrammarText(text, path);
}

}  // namespace iotfuzz::grammar
