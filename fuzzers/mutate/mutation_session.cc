#include "fuzzers/mutate/mutation_session.h"

#include <unistd.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "fuzzers/common/error.h"
#include "fuzzers/grammar/grammar_loader.h"

namespace iotfuzz::mutate {

uint64_t MutationSession::Hash(std::string_view bytes) {
  // Eight bytes per step (each word multiplied, rotated and multiplied into
  // the state), the last partial word zero-padded, the length folded in
  // first, and splitmix64's finalizer to spread every bit.
  constexpr uint64_t kMul1 = 0xbf58476d1ce4e5b9ull, kMul2 = 0x94d049bb133111ebull;
  uint64_t h = 0x9e3779b97f4a7c15ull ^ bytes.size();
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = std::rotl(h ^ (w * kMul1), 29) * kMul2;
  }
  if (i < bytes.size()) {
    uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, bytes.size() - i);
    h = std::rotl(h ^ (w * kMul1), 29) * kMul2;
  }
  h ^= h >> 30;
  h *= kMul1;
  h ^= h >> 27;
  h *= kMul2;
  return h ^ (h >> 31);
}

MutationSession::MutationSession(const std::string& grammar_path, MutatorOptions options)
    : MutationSession(grammar_path, std::move(options), std::string()) {}

MutationSession::MutationSession(const std::string& grammar_path, MutatorOptions options,
                                 const std::string& start_rule) {
  grammar::LoadedGrammar loaded = grammar::LoadGrammarFile(grammar_path);
  grammar_ = std::make_unique<grammar::Grammar>(std::move(loaded.grammar));
  if (!start_rule.empty()) {
    std::optional<grammar::RuleId> rule = grammar_->FindRule(start_rule);
    if (!rule) throw Error::Format("{}: no rule or session '{}'", grammar_path, start_rule);
    grammar_->start = *rule;
  }
  parser_ = std::make_unique<grammar::InputParser>(*grammar_);
  serializer_ = std::make_unique<grammar::Serializer>(*grammar_);
  mutator_ = std::make_unique<GrammarMutator>(*grammar_, std::move(options));
}

const grammar::Tree& MutationSession::TreeOf(std::string_view input) {
  TrimCache();
  return CachedTree(input);
}

const grammar::Tree& MutationSession::CachedTree(std::string_view input) {
  uint64_t key = Hash(input);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  // Not scratch_parse_: LoadTree's caller may still hold that tree.
  return ParseAndCache(input, key, donor_parse_);
}

const grammar::Tree& MutationSession::ParseAndCache(std::string_view input, uint64_t key,
                                                    grammar::ParseResult& scratch) {
  parser_->ParseInto(input, scratch);
  return cache_.emplace(key, scratch.tree).first->second;
}

const grammar::Tree* MutationSession::LoadTree(std::string_view input, uint64_t key, grammar::Tree& into) {
  if (auto it = cache_.find(key); it != cache_.end()) {
    into = it->second;
    return &it->second;
  }
  // Parsed into reused buffers. Only an input met before is cached: corpus
  // entries come back, libFuzzer's intermediate inputs (after a byte-level
  // mutation) do not, and would only fill the cache.
  uint64_t& slot = seen_[key % seen_.size()];
  if (slot == key || cache_every_input_) {
    const grammar::Tree& cached = ParseAndCache(input, key, scratch_parse_);
    into = cached;
    return &cached;
  }
  slot = key;
  parser_->ParseInto(input, scratch_parse_);
  into = scratch_parse_.tree;
  return &scratch_parse_.tree;
}

void MutationSession::TrimCache() {
  // Only between calls: trees handed out by TreeOf stay valid within one.
  if (cache_.size() >= kCacheLimit) cache_.clear();
}

bool MutationSession::Mutate(std::string_view input, std::string_view donor, size_t max_size, uint64_t seed,
                             std::string& out) {
  TrimCache();
  last_.clear();
  grammar::Rng rng(seed);
  // Engines mutate their last output again (libFuzzer stacks up to five
  // mutations, running each): that tree is kept, not parsed again.
  uint64_t key = Hash(input);
  grammar::Tree& tree = work_tree_;
  const grammar::Tree* original = nullptr;  // an unchanged copy of `tree`, when there is one
  if (last_output_valid_ && key == last_output_hash_) {
    std::swap(tree, last_output_tree_);
  } else {
    original = LoadTree(input, key, tree);
  }
  last_output_valid_ = false;
  // Without a donor the tree splices from itself (Tree::CopySubtree copies
  // within one tree safely), so no copy is made.
  const grammar::Tree* donor_tree = donor.empty() ? &tree : &CachedTree(donor);
  mutator_->set_max_size(max_size);
  // The tree is the parse of `input` (or the tree that serialized to it).
  if (!mutator_->Mutate(tree, rng, donor_tree, &last_, input.size(), original)) return false;
  if (!mutator_->TakeOutput(out)) {
    out.clear();
    serializer_->Serialize(tree, out);
  }
  if (out.size() > max_size) return false;
  last_output_hash_ = Hash(out);
  std::swap(last_output_tree_, tree);
  last_output_valid_ = true;
  return true;
}

bool MutationSession::CrossOver(std::string_view a, std::string_view b, size_t max_size, uint64_t seed,
                                std::string& out) {
  TrimCache();
  last_.clear();
  grammar::Rng rng(seed);
  // `a` is usually an intermediate of libFuzzer's stacked mutations: the
  // last output, whose kept tree is changed in place (this call's output
  // replaces it); otherwise a corpus entry or an intermediate, loaded as for
  // a mutation (cached once met twice). `b` is a corpus entry: cached.
  uint64_t key_a = Hash(a);
  grammar::Tree& tree = work_tree_;
  if (last_output_valid_ && key_a == last_output_hash_) {
    std::swap(tree, last_output_tree_);
  } else {
    LoadTree(a, key_a, tree);
  }
  last_output_valid_ = false;
  const grammar::Tree& donor = CachedTree(b);
  mutator_->set_max_size(max_size);
  // The tree serializes to `a` (a parse is exact; a kept output's tree
  // serialized to it): its size is known.
  if (!mutator_->CrossOver(tree, rng, donor, a.size()) || !mutator_->TakeOutput(out)) return false;
  last_.push_back(MutationKind::kSplice);
  // The next stacked mutation starts from this output: keep its tree.
  last_output_hash_ = Hash(out);
  std::swap(last_output_tree_, tree);
  last_output_valid_ = true;
  return true;
}

std::string ResolveGrammarPath(const char* built_in) {
  if (const char* env = std::getenv("IOTFUZZ_GRAMMAR")) {
    std::string value(env);
    return value == "none" ? std::string() : value;
  }
  if (!built_in || !*built_in) return {};
  std::error_code ec;
  if (std::filesystem::exists(built_in, ec)) return built_in;
  // Next to the binary, by file name.
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path beside = self.parent_path() / std::filesystem::path(built_in).filename();
    if (std::filesystem::exists(beside, ec)) return beside.string();
  }
  return built_in;  // loading will report it missing
}

}  // namespace iotfuzz::mutate
