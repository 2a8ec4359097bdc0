// What both engine adapters share: a loaded grammar with its parser,
// serializer and mutator, and a cache of parsed corpus entries so each input
// is parsed once (keyed by a hash of its bytes; Mutate caches an input the
// second time it meets it, so one-off intermediates do not fill the cache).
// Inputs stay raw bytes on disk; trees are only a cache.
#ifndef IOTFUZZ_FUZZERS_MUTATE_MUTATION_SESSION_H_
#define IOTFUZZ_FUZZERS_MUTATE_MUTATION_SESSION_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/mutate/grammar_mutator.h"

namespace iotfuzz::mutate {

class MutationSession {
 public:
  // Loads `grammar_path`; throws iotfuzz::Error (or GrammarError) when it
  // cannot.
  MutationSession(const std::string& grammar_path, MutatorOptions options);
  // As above, with `start_rule` (e.g. a session's input rule) as the rule
  // inputs are parsed and generated as, instead of the grammar's start.
  MutationSession(const std::string& grammar_path, MutatorOptions options, const std::string& start_rule);

  // Writes a grammar-aware mutation of `input` to `out` (at most `max_size`
  // bytes). `donor` (may be empty: the input splices with itself) feeds
  // crossover. Returns false when no
  // mutation applied; `out` is then unspecified.
  bool Mutate(std::string_view input, std::string_view donor, size_t max_size, uint64_t seed, std::string& out);

  // Crossover: a subtree of `b` spliced into `a`.
  bool CrossOver(std::string_view a, std::string_view b, size_t max_size, uint64_t seed, std::string& out);

  // The parsed tree of `input`, from the cache when seen before.
  const grammar::Tree& TreeOf(std::string_view input);

  // The mutation names of the last Mutate/CrossOver ("MS: 2 ...-").
  const std::vector<MutationKind>& last_mutations() const { return last_; }

  const grammar::Grammar& grammar() const { return *grammar_; }
  grammar::Serializer& serializer() { return *serializer_; }
  GrammarMutator& mutator() { return *mutator_; }

  // A 64-bit hash of `bytes` (the cache key; not cryptographic, and not
  // stable across byte orders: it is never stored).
  static uint64_t Hash(std::string_view bytes);
  void TrimCache();
  // Number of trees in the cache.
  size_t cached() const { return cache_.size(); }
  // TreeOf without trimming: trees it returns stay valid until the next
  // TrimCache, so one call can hold several.
  const grammar::Tree& CachedTree(std::string_view input);
  // Every input Mutate or CrossOver is given is cached the first time, not
  // the second: for callers whose inputs are all corpus entries (the
  // network fuzzer), where none is a one-off.
  void set_cache_every_input(bool on) { cache_every_input_ = on; }

 private:
  std::unique_ptr<grammar::Grammar> grammar_;
  std::unique_ptr<grammar::InputParser> parser_;
  std::unique_ptr<grammar::Serializer> serializer_;
  std::unique_ptr<GrammarMutator> mutator_;
  // The tree of `input` (hash `key`) into `into`: from the cache, or parsed
  // and cached when the input was met before (seen_) or every input is
  // cached. Returns the tree it was copied from (the cache entry, or the
  // parser's scratch tree), which stays unchanged until the next call.
  const grammar::Tree* LoadTree(std::string_view input, uint64_t key, grammar::Tree& into);
  // Parses `input` into `scratch` (reused buffers) and caches an exact copy
  // of the tree under `key`.
  const grammar::Tree& ParseAndCache(std::string_view input, uint64_t key, grammar::ParseResult& scratch);
  std::unordered_map<uint64_t, grammar::Tree> cache_;
  std::vector<MutationKind> last_;
  // The tree of the last output, for the engine's next stacked mutation.
  uint64_t last_output_hash_ = 0;
  grammar::Tree last_output_tree_;
  grammar::Tree work_tree_;   // reused between calls: fewer allocations
  // Parses into reused buffers: a fresh parse reserves room for the worst
  // case (a node per input byte), which under a sanitizer's allocator costs
  // fresh pages each time. LoadTree's (whose tree it may hand back) and
  // CachedTree's (donors, parsed while a LoadTree tree is held).
  grammar::ParseResult scratch_parse_;
  grammar::ParseResult donor_parse_;
  bool last_output_valid_ = false;
  bool cache_every_input_ = false;
  static constexpr size_t kCacheLimit = 8192;
  // Hashes of inputs parsed without being cached, one per slot (a later
  // input with the same slot replaces it).
  std::array<uint64_t, 4096> seen_{};
};

// The grammar an engine adapter should use: $IOTFUZZ_GRAMMAR when set ("none"
// or empty: no grammar), else `built_in` (the harness's grammar, compiled in
// by iotfuzz_add_harness), else none. A built-in path that does not exist is
// also looked up next to the running binary (OSS-Fuzz copies grammars into
// $OUT). Returns an empty string for none.
std::string ResolveGrammarPath(const char* built_in);

}  // namespace iotfuzz::mutate

#endif  // IOTFUZZ_FUZZERS_MUTATE_MUTATION_SESSION_H_
