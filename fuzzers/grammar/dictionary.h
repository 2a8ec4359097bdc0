// Fuzzing dictionaries derived from a grammar: the byte strings a protocol's
// messages are made of that byte-level mutation is unlikely to guess, as
// tokens libFuzzer (-dict=) and AFL++ (-x) insert into inputs.
//
// Tokens come from the rules an input can reach (from the start rule, or
// from every rule), each rule's expressions in source order:
//   - literals of two bytes or more (`"MQTT"`, `" HTTP/1.1\r\n"`, `x"c0 00"`),
//     case-insensitive ones as written;
//   - fixed sequences: two or more adjacent items of a sequence whose bytes
//     are always the same — literals, number fields with a constant value,
//     bit fields that are all constant, and length fields whose target is
//     such an item (`name_len: u16be = length(name) name: "MQTT" level: u8 = 4`
//     gives "\x00\x04MQTT\x04");
//   - values of number fields, encoded as the field writes them (integers at
//     their width and byte order, MQTT varints, ASCII decimal and hex):
//     constants, enum and set values, the bounds of a range, and the
//     field's `interesting` values. Only encodings of two bytes or more:
//     byte-level mutation finds single bytes, and libFuzzer's comparison
//     tracing sees the constants a parser compares single bytes with.
// Not tokens: strings and character classes (their alphabets), blobs, fields
// computed by a relation (lengths, counts, presence flags; their
// `interesting` values are), virtual fields (never written).
//
// Tokens are deduplicated (the first occurrence names the token), entries
// longer than kDictionaryMaxEntryBytes are left out, and the count is
// bounded: over `max_tokens`, the least specific kinds go first, each from
// the end of the list (range bounds, interesting values, set values, enum
// values, constants, literals), so fixed sequences stay longest.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_DICTIONARY_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_DICTIONARY_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/common/dictionary_file.h"
#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::grammar {

// Where a token came from. The order is the order of priority when the
// count is bounded (the first kinds are kept longest).
enum class TokenKind : uint8_t {
  kFixedSequence,
  kLiteral,
  kConstant,
  kEnumValue,
  kSetValue,
  kInteresting,
  kRangeBound,
};

const char* TokenKindName(TokenKind kind);

struct DictionaryToken {
  std::string bytes;
  std::string name;        // the entry name: the rule, the field label, a suffix when taken
  TokenKind kind = TokenKind::kLiteral;
  std::string rule;        // the rule whose expression it comes from
  std::string field;       // the field label, when the expression has one
  std::string value_name;  // kEnumValue: the value's name
  SourcePos pos;           // the expression in the grammar file
};

struct DictionaryOptions {
  // The rule (or session) whose inputs the dictionary serves: tokens come
  // from the rules it reaches. Empty: the grammar's start rule, or every
  // rule when the grammar names none.
  std::string start_rule;
  // Every rule of the grammar, reachable or not.
  bool all_rules = false;
  // Bound on the number of tokens. libFuzzer picks dictionary entries
  // uniformly, so every weak token dilutes the strong ones.
  size_t max_tokens = 512;
};

struct Dictionary {
  std::vector<DictionaryToken> tokens;  // deterministic: rules in file order, expressions in source order
  std::string start_rule;               // the root used, empty for every rule
  size_t rules_used = 0;                // rules the tokens were taken from
  size_t duplicates = 0;                // candidates dropped as equal to an earlier token
  size_t too_long = 0;                  // candidates over kDictionaryMaxEntryBytes
  size_t over_limit = 0;                // tokens dropped by max_tokens
};

// Derives the dictionary of `grammar`. Throws Error when `start_rule` names
// no rule or session of the grammar.
Dictionary DeriveDictionary(const Grammar& grammar, const DictionaryOptions& options = {});

// Extra entries merged into a derived dictionary: a hand-written dictionary
// of realistic values (whole option headers, API paths, credentials) the
// grammar does not spell out.
struct DictionaryExtras {
  std::string origin;  // the file, for the comment that introduces them
  std::vector<DictionaryEntry> entries;
};

struct MergedDictionary {
  std::string text;         // the dictionary file
  size_t derived = 0;       // grammar tokens written
  size_t extras = 0;        // extra entries written
  size_t extras_known = 0;  // extra entries left out: equal to a grammar token or an earlier extra entry
};

// The dictionary file: a header naming the grammar and the counts, each
// derived token on its own line after a comment naming the rule, field,
// kind and grammar line it came from, then the extra entries whose bytes are
// not already there (with their own names, values re-escaped).
// `grammar_file` names the grammar in the header. Deterministic.
MergedDictionary FormatDictionary(const Grammar& grammar, std::string_view grammar_file,
                                  const Dictionary& dictionary,
                                  const std::vector<DictionaryExtras>& extras = {});

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_DICTIONARY_H_
