// LogSymbolizer: symbolises the stack frames of sanitizer logs written with
// symbolize=0, for many logs at once.
//
// A sanitizer that symbolises in the crashing process starts llvm-symbolizer
// for every crash (about 0.2 s each); triage replays hundreds of inputs, so
// it replays with symbolize=0 and symbolises afterwards: `Add` collects the
// (module, offset) pairs of every unsymbolised frame line
//     "#N 0xPC  (/path/module+0xOFFSET) (BuildId: ...)"
// `Resolve` runs llvm-symbolizer once per module for all distinct offsets,
// and `Rewrite` turns each such line into the frames the sanitizer would have
// printed: "#N 0xPC in function file:line:column", one line per inlined frame
// (innermost first, same pc), frames renumbered so each stack counts 0, 1,
// 2, ... again. Lines and frames it cannot symbolise are kept as they were.
//
// The symbolizer is $ASAN_SYMBOLIZER_PATH, else llvm-symbolizer on PATH
// (also under its versioned names). Without one, Resolve returns false and
// Rewrite changes nothing: signatures then use "<module>+0x<offset>" frames,
// which still deduplicate within one build.
#ifndef IOTFUZZ_FUZZERS_TRIAGE_LOG_SYMBOLIZER_H_
#define IOTFUZZ_FUZZERS_TRIAGE_LOG_SYMBOLIZER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzzers/common/environment.h"

namespace iotfuzz::triage {

class LogSymbolizer {
 public:
  struct Location {
    std::string function;
    std::string file;
    int line = 0;
    int column = 0;
  };

  // Collects the unsymbolised frames of `log`.
  void Add(std::string_view log);
  // Symbolises everything collected and not yet resolved. Returns false when
  // no symbolizer could be run; `error` then says why.
  bool Resolve(const Environment& env, std::string* error = nullptr);
  // `log` with the frames resolved so far symbolised (see header comment).
  std::string Rewrite(std::string_view log) const;

  // The symbolizer binary Resolve would use, or "" when none is found.
  static std::string FindSymbolizer(const Environment& env);

  // Parses llvm-symbolizer's LLVM-style output for `count` addresses:
  // blocks of "function\nfile:line:column\n" pairs, one block per address,
  // blocks separated by an empty line. Exposed for tests.
  static std::vector<std::vector<Location>> ParseSymbolizerOutput(std::string_view output, std::size_t count);

 private:
  using Key = std::pair<std::string, std::uint64_t>;  // module, offset
  std::set<Key> pending_;
  std::map<Key, std::vector<Location>> resolved_;
};

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_LOG_SYMBOLIZER_H_
