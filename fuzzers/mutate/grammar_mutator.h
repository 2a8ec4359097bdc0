// Grammar-aware mutation of trees. Every operation has a name, so the
// operations applied to an input can be printed like libFuzzer's "MS:" line
// ("MS: 2 SwapAlternative-RelationLie-"). Deterministic for a seed.
//
// Operations:
//   structure  Regenerate (a subtree anew), SwapAlternative (another branch of
//              the same choice), Splice (a subtree of the same rule from a
//              donor tree: crossover), RepeatInsert / RepeatDelete /
//              RepeatDuplicate / RepeatSwap (list elements), ToggleOptional
//   values     IntBoundary, IntDelta, EnumValue (allowed and interesting
//              values), DictionaryToken, StringLength (empty, longest),
//              ByteHavoc (byte-level mutation of one leaf)
//   messages   MessageInsert / MessageDelete / MessageDuplicate / MessageSwap
//              (on the message list of a session input: a message of any
//              sent rule in any place, so out-of-order sessions are reached)
//   lies       RelationLie (a length, count, flag or delta off by one, zero,
//              maximum, random), ConstraintLie (a value outside its
//              constant, range or enum: reserved values), BindingLie (a
//              field a session step uses that does not match its binding:
//              a wrong packet identifier, a stale handle); chosen at the
//              grammar's lie rate
// In a session input, fields the steps use are set from the values bound by
// earlier messages after every operation (SessionBinder), unless lying.
// Results never exceed `max_size` bytes once serialized.
#ifndef IOTFUZZ_FUZZERS_MUTATE_GRAMMAR_MUTATOR_H_
#define IOTFUZZ_FUZZERS_MUTATE_GRAMMAR_MUTATOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/random.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/session_binder.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::mutate {

using grammar::ExprId;
using grammar::Grammar;
using grammar::NodeId;
using grammar::Rng;
using grammar::Serializer;
using grammar::Generator;
using grammar::GeneratorLimits;
using grammar::Tree;

enum class MutationKind : uint8_t {
  kRegenerate,
  kSwapAlternative,
  kSplice,
  kRepeatInsert,
  kRepeatDelete,
  kRepeatDuplicate,
  kRepeatSwap,
  kToggleOptional,
  kIntBoundary,
  kIntDelta,
  kEnumValue,
  kDictionaryToken,
  kStringLength,
  kByteHavoc,
  kMessageInsert,
  kMessageDelete,
  kMessageDuplicate,
  kMessageSwap,
  kRelationLie,
  kConstraintLie,
  kBindingLie,
};
inline constexpr int kMutationKindCount = 21;

const char* MutationName(MutationKind kind);
// "MS: 2 Regenerate-IntBoundary-", as libFuzzer prints its mutation sequence.
std::string FormatMutationSequence(const std::vector<MutationKind>& applied);

// Mutates `size` bytes in place within `max_size`, returns the new size; the
// signature of libFuzzer's LLVMFuzzerMutate.
using ByteMutator = std::function<size_t(uint8_t* data, size_t size, size_t max_size)>;

struct MutatorOptions {
  size_t max_size = 4096;
  uint32_t max_stacked = 4;               // mutations applied per call: 1..max_stacked
  GeneratorLimits generator;
  std::vector<std::string> dictionary;    // extra tokens (the grammar's literals are always used)
};

class GrammarMutator {
 public:
  GrammarMutator(const Grammar& grammar, MutatorOptions options = {});

  // Applies 1..max_stacked operations to `tree`; `donor` (may be null) feeds
  // Splice. Appends the names of the operations applied to `applied`.
  // Returns false when no operation could be applied. The result's size is
  // measured once, after the last operation: over max_size, every
  // operation is undone and the stack tried again.
  // `input_size`, when the caller knows it (the tree is the parse of its
  // input), spares one serialization. `original`, when the caller holds an
  // unchanged copy of `tree` that outlives the call (the cached tree it was
  // copied from), is what an undo goes back to, so no copy is made here.
  bool Mutate(Tree& tree, Rng& rng, const Tree* donor = nullptr, std::vector<MutationKind>* applied = nullptr,
              size_t input_size = kUnknownSize, const Tree* original = nullptr);
  static constexpr size_t kUnknownSize = ~size_t{0};

  // Crossover: a subtree of `donor` spliced into `tree` in place of one of
  // the same expression (a few tries), conditionals settled. `input_size`
  // is the size of `tree`'s serialization. False when no place matched
  // (`tree` unchanged) or the result is over max_size (`tree` changed: the
  // caller drops it). After true, TakeOutput hands over the serialization.
  bool CrossOver(Tree& tree, Rng& rng, const Tree& donor, size_t input_size);

  // After Mutate or CrossOver returned true: moves the serialization of the mutated tree
  // (made while checking its size) into `out`, so callers need not
  // serialize again. False when it is not at hand.
  bool TakeOutput(std::string& out);

  // One operation of the given kind; false when the tree offers no place for
  // it. `input_size`: the size of the tree's serialization when the caller
  // knows it (else the tree is serialized to learn it).
  bool Apply(MutationKind kind, Tree& tree, Rng& rng, const Tree* donor, size_t input_size = kUnknownSize);

  void set_byte_mutator(ByteMutator mutator) { byte_mutator_ = std::move(mutator); }
  void set_max_size(size_t max_size) { options_.max_size = max_size; }
  Serializer& serializer() { return serializer_; }
  Generator& generator() { return generator_; }

 private:
  MutationKind PickKind(Rng& rng);
  // Nodes replaced or dropped stay in the arena until it is compacted: when
  // the tree has more than doubled since it had `size_before` nodes, or
  // every 16th call, it is compacted if half of it is unreachable.
  void MaybeCompact(Tree& tree, size_t size_before);
  bool ApplyAndRepair(MutationKind kind, Tree& tree, Rng& rng, const Tree* donor);
  // The conditionals an operation left to settle: none, those below
  // `scope`, or all (scope kNone).
  struct PendingRepair {
    bool needed = false;
    grammar::NodeId scope = grammar::kNone;
  };
  // Applies one operation and notes in `pending` what it leaves to settle.
  bool ApplyNoting(MutationKind kind, Tree& tree, Rng& rng, const Tree* donor, PendingRepair& pending);
  // Settles what `pending` notes (RepairConditionals) and clears it.
  void Settle(Tree& tree, Rng& rng, PendingRepair& pending);
  // Values bound between the messages of a session input flow again.
  void BindSession(Tree& tree);
  // False for lies and presence toggles, which leave the tree inconsistent
  // on purpose.
  static bool KeepsConsistency(MutationKind kind);
  bool ApplyUnrepaired(MutationKind kind, Tree& tree, Rng& rng, const Tree* donor);
  // A node `Accept(traits_, tree, id)` takes, each equally likely; kNone
  // when none is.
  // `kEnterFor`: the trait bits a subtree must be able to hold to be
  // searched (0: every subtree).
  template <bool (*Accept)(const uint16_t*, const Tree&, NodeId), uint16_t kEnterFor>
  NodeId PickCandidate(const Tree& tree, Rng& rng) const;
  // Generates `expr` in place of node `old` (same parent); returns the new node.
  NodeId RegenerateAt(Tree& tree, NodeId old, ExprId expr, Rng& rng);
  // Serializes `tree` into scratch_ and returns its size. `queried`: the
  // tree has not changed since the generator's RepairConditionals, whose
  // relation answers are reused.
  // With `emit`, the serialization is left in scratch_ (TakeOutput hands
  // it over); without, only its size is computed.
  size_t CurrentSize(const Tree& tree, bool queried = false, bool emit = false);
  bool SetLeafBytes(Tree& tree, NodeId node, std::string_view data);
  // The children of `id`, in a list reused from call to call (valid until
  // the next call).
  std::vector<NodeId>& ChildrenOf(const Tree& tree, NodeId id);

  bool Regenerate(Tree& tree, Rng& rng);
  bool SwapAlternative(Tree& tree, Rng& rng);
  bool Splice(Tree& tree, Rng& rng, const Tree* donor);
  bool RepeatInsert(Tree& tree, Rng& rng);
  bool RepeatDelete(Tree& tree, Rng& rng);
  bool RepeatDuplicate(Tree& tree, Rng& rng);
  bool RepeatSwap(Tree& tree, Rng& rng);
  bool ToggleOptional(Tree& tree, Rng& rng);
  bool IntBoundary(Tree& tree, Rng& rng);
  bool IntDelta(Tree& tree, Rng& rng);
  bool EnumValue(Tree& tree, Rng& rng);
  bool DictionaryToken(Tree& tree, Rng& rng);
  bool StringLength(Tree& tree, Rng& rng);
  bool ByteHavoc(Tree& tree, Rng& rng);
  bool RelationLie(Tree& tree, Rng& rng);
  bool ConstraintLie(Tree& tree, Rng& rng);
  bool BindingLie(Tree& tree, Rng& rng);
  // Message operations; false when `tree` is no session input.
  bool MessageInsert(Tree& tree, Rng& rng);
  bool MessageDelete(Tree& tree, Rng& rng);
  bool MessageDuplicate(Tree& tree, Rng& rng);
  bool MessageSwap(Tree& tree, Rng& rng);
  // List operations on repetition node `list`.
  bool InsertElement(Tree& tree, NodeId list, Rng& rng);
  bool SwapElements(Tree& tree, NodeId list, Rng& rng);

  const Grammar& g_;
  MutatorOptions options_;
  Generator generator_;
  Serializer serializer_;
  grammar::SessionBinder binder_;
  std::vector<std::string> tokens_;
  uint32_t calls_since_compaction_check_ = 0;
  std::vector<uint16_t> traits_;        // per expression: what it offers the operations (a bit each)
  std::vector<uint16_t> traits_below_;  // per expression: the traits of what its nodes can hold
  ByteMutator byte_mutator_;
  std::string scratch_;
  // Serialized size of the tree as last measured; budgets of operations are
  // taken from it, the exact check follows each operation.
  size_t known_size_ = 0;
  bool output_ready_ = false;  // scratch_ holds the serialization of the tree Mutate returned
  bool queried_ = false;       // the last ApplyAndRepair ended with RepairConditionals
  Tree backup_;  // undo copy of Mutate
  mutable std::vector<NodeId> reachable_;  // scratch for candidate picking
  std::vector<NodeId> splice_mine_;        // scratch of Splice
  std::vector<NodeId> splice_theirs_;
  // Scratch buffers reused from call to call, so a mutation allocates
  // nothing once they have grown (under AddressSanitizer, as in a harness,
  // every allocation is costly).
  std::vector<NodeId> children_;
  std::vector<NodeId> candidates_;
  std::vector<MutationKind> names_;
  std::string leaf_;
  std::string leaf_copy_;
  // The one node the last operation changed, when it changed only that
  // node's value or bytes (integer, enum, dictionary, string length and
  // byte operations); kNone otherwise.
  grammar::NodeId touched_leaf_ = grammar::kNone;
  // The root of the subtree the last structural operation changed (the
  // node that replaced another, or the list whose elements it added,
  // dropped or moved); kNone when not known.
  grammar::NodeId changed_root_ = grammar::kNone;
};

}  // namespace iotfuzz::mutate

#endif  // IOTFUZZ_FUZZERS_MUTATE_GRAMMAR_MUTATOR_H_
