// Messages about a grammar file, in the form compilers use:
//
//   grammars/mqtt.grammar:12:7: error: expected ';', found 'publish'
//      12 | packet = connect publish
//         |       ^
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_DIAGNOSTICS_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_DIAGNOSTICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::grammar {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourcePos pos;
  std::string message;
};

class DiagnosticList {
 public:
  DiagnosticList(std::string file, std::string_view source);

  void Error(SourcePos pos, std::string message);
  void Warning(SourcePos pos, std::string message);

  bool has_errors() const { return error_count_ > 0; }
  size_t error_count() const { return error_count_; }
  const std::vector<Diagnostic>& all() const { return diagnostics_; }
  const std::string& file() const { return file_; }

  // One diagnostic with its source line and a caret under the column.
  std::string Format(const Diagnostic& d) const;
  // Every diagnostic, in source order, each followed by a newline.
  std::string FormatAll() const;

 private:
  std::string file_;
  std::vector<std::string> lines_;
  std::vector<Diagnostic> diagnostics_;
  size_t error_count_ = 0;
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_DIAGNOSTICS_H_
