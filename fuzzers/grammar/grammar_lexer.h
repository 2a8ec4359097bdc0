// Splits a .grammar file into tokens. Never fails: a malformed token becomes a
// kInvalid token and an error in the diagnostic list, and lexing goes on.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_LEXER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_LEXER_H_

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/grammar/diagnostics.h"

namespace iotfuzz::grammar {

enum class TokenKind : uint8_t {
  kEnd,
  kInvalid,
  kIdentifier,
  kInteger,
  kString,      // "text" or i"text" (case_insensitive)
  kBytes,       // x"0a 0d"
  kCharClass,   // [a-z]
  kPunct,       // one of = ; | ( ) { } < > ? * + , : . .. / ! && || == != <= >= - @
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  SourcePos pos;
  std::string text;             // identifier, punctuation, or the decoded bytes of a string
  uint64_t value = 0;           // kInteger
  bool case_insensitive = false;
  std::bitset<256> char_class;  // kCharClass

  bool Is(std::string_view punct) const { return kind == TokenKind::kPunct && text == punct; }
  bool IsWord(std::string_view word) const { return kind == TokenKind::kIdentifier && text == word; }
  // How the token reads in a message ("';'", "identifier 'foo'", "end of file").
  std::string Describe() const;
};

std::vector<Token> LexGrammar(std::string_view source, DiagnosticList& diagnostics);

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_GRAMMAR_LEXER_H_
