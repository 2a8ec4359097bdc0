// Fuzz target for the grammar-file loader: any bytes as a .grammar file must
// either load or be rejected with a GrammarError, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzzers/grammar/grammar_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    iotfuzz::grammar::LoadedGrammar loaded = iotfuzz::grammar::LoadGrammarText(text, "fuzz.grammar");
    (void)loaded;
  } catch (const iotfuzz::grammar::GrammarError& e) {
    // A rejected grammar must come with a report naming the file.
    if (std::string_view(e.report()).find("fuzz.grammar:") == std::string_view::npos) __builtin_trap();
  }
  return 0;
}
