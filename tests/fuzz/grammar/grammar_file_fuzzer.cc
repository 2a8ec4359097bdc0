// Fuzz target for the grammar-file loader: any bytes as a .grammar file must
// either load or be rejected with a GrammarError, never crash or hang. A
// grammar that loads gives a dictionary (fuzzers/grammar/dictionary.h) of
// distinct tokens of 2 to 64 bytes, within the bound, whose file parses back
// to exactly those tokens.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzzers/common/dictionary_file.h"
#include "fuzzers/grammar/dictionary.h"
#include "fuzzers/grammar/grammar_loader.h"

namespace {

void CheckDictionary(const iotfuzz::grammar::Grammar& grammar) {
  iotfuzz::grammar::DictionaryOptions options;
  options.all_rules = true;
  options.max_tokens = 64;
  const iotfuzz::grammar::Dictionary d = iotfuzz::grammar::DeriveDictionary(grammar, options);
  if (d.tokens.size() > options.max_tokens) __builtin_trap();
  for (const auto& t : d.tokens) {
    if (t.bytes.size() < 2 || t.bytes.size() > iotfuzz::kDictionaryMaxEntryBytes || t.name.empty()) __builtin_trap();
  }
  const auto merged = iotfuzz::grammar::FormatDictionary(grammar, "fuzz.grammar", d);
  const auto parsed = iotfuzz::ParseDictionary(merged.text, "fuzz.dict");
  if (parsed.size() != d.tokens.size()) __builtin_trap();
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (parsed[i].value != d.tokens[i].bytes) __builtin_trap();
    for (size_t j = 0; j < i; ++j) {
      if (parsed[j].value == parsed[i].value) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    iotfuzz::grammar::LoadedGrammar loaded = iotfuzz::grammar::LoadGrammarText(text, "fuzz.grammar");
    CheckDictionary(loaded.grammar);
  } catch (const iotfuzz::grammar::GrammarError& e) {
    // A rejected grammar must come with a report naming the file.
    if (std::string_view(e.report()).find("fuzz.grammar:") == std::string_view::npos) __builtin_trap();
  }
  return 0;
}
