// Turns a tree back into bytes, computing every relation (length-of, count-of,
// presence flags, deltas) from the tree as it is now, unless the field is
// marked lying, in which case its stored value is written as is.
//
// A fixed-width length written before the group it measures (a frame's
// length, then the frame) gets room in the output and is filled in once the
// group is written: the group's size is read off the output, not computed
// by a walk of its own.
//
// Exactness: a scalar that still holds the bytes it was parsed from (kExact)
// is written with those bytes while its value is unchanged, so non-canonical
// encodings (a varint with a redundant continuation byte, "007" as a length)
// survive a round trip.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_SERIALIZER_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_SERIALIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fuzzers/grammar/field_resolver.h"
#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/tree.h"

namespace iotfuzz::grammar {

class Serializer {
 public:
  explicit Serializer(const Grammar& grammar);

  // Appends the serialization of `tree` to `out`.
  void Serialize(const Tree& tree, std::string& out);
  std::string Serialize(const Tree& tree) {
    std::string out;
    Serialize(tree, out);
    return out;
  }

  // The value a relation field would get if it told the truth.
  uint64_t ComputeRelation(const Tree& tree, NodeId field);

  // Many relation values of one tree that does not change in between:
  // BeginQueries(tree), then QueryRelation(tree, field) as often as needed.
  // Each answer equals ComputeRelation's; sizes, targets and values found
  // for one query are reused by the next. Call BeginQueries again after any
  // change to the tree (QueryRelation on a tree that changed since is
  // undefined, except that a tree that grew is prepared again).
  void BeginQueries(const Tree& tree) { Prepare(tree); }
  // After nodes were added to or dropped from `tree` that no answer given
  // since BeginQueries depends on (no node a relation or a condition read,
  // nor one of their ancestors): keeps those answers for the tree as it is.
  void KeepQueries(const Tree& tree) { Grow(tree); }
  uint64_t QueryRelation(const Tree& tree, NodeId field);
  // Serialize for a tree that has not changed since BeginQueries(tree),
  // reusing what the queries found. The same bytes as Serialize.
  void SerializeQueried(const Tree& tree, std::string& out);
  // The number of bytes Serialize would append, without writing them.
  size_t SerializedSize(const Tree& tree);

  // Encodings of scalar values, shared with the parser.
  static void EncodeInteger(uint64_t value, uint32_t width, ByteOrder order, std::string& out);
  static void EncodeVarint(uint64_t value, std::string& out);
  static size_t VarintSize(uint64_t value);
  static size_t DecimalSize(uint64_t value);
  static size_t HexSize(uint64_t value);

 private:
  // Sizes the memo for `tree` and invalidates it (the tree may have changed).
  void Prepare(const Tree& tree);
  // Sizes the memo for `tree`, keeping what it holds (new nodes unknown).
  void Grow(const Tree& tree);
  uint64_t Relate(const Tree& tree, NodeId field);
  // The node a relation field's relation reads (memoized like sizes).
  NodeId TargetOf(const Tree& tree, NodeId field);
  // Emit of a fixed-width length field whose group follows it among its
  // siblings: writes room for it and notes it in deferred_. False: not such
  // a field (or its value is known already), nothing written.
  bool DeferLength(const Tree& tree, NodeId id, const Expr& e, std::string& out);
  // After the target of deferred_[i] was emitted from `start` on: fills in
  // the length measuring it.
  void FinishLength(const Tree& tree, size_t i, size_t start, std::string& out);
  struct DeferredLength;
  // Writes a deferred length with `value` (or its exact bytes) into its room.
  void FillRoom(const Tree& tree, const DeferredLength& d, uint64_t value, std::string& out);
  size_t Size(const Tree& tree, NodeId id);
  void Emit(const Tree& tree, NodeId id, std::string& out);
  void EmitChildren(const Tree& tree, const Node& n, std::string& out);
  // Emit of the root, then the lengths still deferred.
  void EmitRoot(const Tree& tree, std::string& out);
  uint64_t ScalarValue(const Tree& tree, NodeId id);
  bool UseExactBytes(const Tree& tree, NodeId id);
  size_t ScalarSize(const Tree& tree, NodeId id);

  const Grammar& g_;
  FieldResolver resolver_;
  // Per-node size memo for one Serialize call; `stamp_` tells stale entries.
  std::vector<uint32_t> size_memo_;
  std::vector<uint32_t> size_stamp_;
  std::vector<uint8_t> in_progress_;
  std::vector<uint32_t> target_stamp_;  // relation target per field node, same stamp scheme
  std::vector<NodeId> target_memo_;
  // Relation value per field node, same stamp scheme; kept only when its
  // computation met no field inside its own target (cycle_hit_), so it does
  // not depend on the order fields were asked for.
  std::vector<uint32_t> value_stamp_;
  std::vector<uint64_t> value_memo_;
  bool cycle_hit_ = false;
  struct DeferredLength {
    NodeId field;
    NodeId target;
    size_t offset;  // of the room kept in the output
  };
  std::vector<DeferredLength> deferred_;
  std::string scratch_;
  uint32_t stamp_ = 0;
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_SERIALIZER_H_
