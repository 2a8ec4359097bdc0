// A parsed or generated input as a tree over the grammar IR. Nodes live in one
// vector and leaf bytes in one string, linked by indices, so copying a tree is
// two flat copies and a node costs 40 bytes.
//
// Contract: a tree serializes back to bytes with serializer.h; a node built by
// the parser that still holds its exact bytes (kExact) reproduces them, so
// serialize(parse(x)) == x.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_TREE_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_TREE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::grammar {

using NodeId = uint32_t;

enum NodeFlag : uint8_t {
  kRaw = 1 << 0,     // bytes the grammar could not explain (expr is kNone or the field's)
  kLying = 1 << 1,   // a relation or constraint deliberately (or observedly) wrong: `value` is used as is
  kExact = 1 << 2,   // `bytes` holds the encoding to emit (a parsed scalar not yet mutated)
  kAbsent = 1 << 3,  // an optional or conditional field that is not present
};

struct Node {
  ExprId expr = kNone;
  NodeId parent = kNone;
  NodeId first_child = kNone;
  NodeId last_child = kNone;
  NodeId next_sibling = kNone;
  uint64_t value = 0;          // scalars: the value; choice: index of the alternative taken
  uint32_t bytes_offset = 0;   // leaf bytes (or exact encoding) in Tree::bytes
  uint32_t bytes_size = 0;
  uint8_t flags = 0;
};

class Tree {
 public:
  NodeId root() const { return root_; }
  void set_root(NodeId id) { root_ = id; }
  size_t size() const { return nodes_.size(); }
  bool empty() const { return nodes_.empty(); }

  const Node& node(NodeId id) const { return nodes_[id]; }
  Node& node(NodeId id) { return nodes_[id]; }

  NodeId Add(ExprId expr, NodeId parent);
  // Appends `child` (a node without a parent yet, or a fresh one) as the last
  // child of `parent`.
  void AppendChild(NodeId parent, NodeId child);
  // The bytes of a leaf (or the exact encoding of a scalar).
  std::string_view Bytes(NodeId id) const {
    return std::string_view(bytes_).substr(nodes_[id].bytes_offset, nodes_[id].bytes_size);
  }
  void SetBytes(NodeId id, std::string_view data);

  // Puts `replacement` (a detached subtree root) where `old` is in its
  // parent's child list; `old` becomes unreachable. When `old` is the root,
  // `replacement` becomes the root.
  void Replace(NodeId old, NodeId replacement);
  // Inserts detached `node` right after `after` among `after`'s siblings.
  void InsertAfter(NodeId after, NodeId node);
  // Inserts detached `node` as the first child of `parent`.
  void InsertFirst(NodeId parent, NodeId node);
  // Unlinks `node` from its parent (it becomes unreachable).
  void Remove(NodeId node);
  // Copies the subtree at `node` of `from` (which may be this tree) into this
  // tree, detached; returns the copy's root.
  NodeId CopySubtree(const Tree& from, NodeId node);
  // Drops unreachable nodes and bytes; node ids change.
  void Compact();
  // Nodes reachable from the root, in document order.
  std::vector<NodeId> Reachable() const;
  // The same into `out` (cleared first), reusing its buffer.
  void Reachable(std::vector<NodeId>& out) const;
  // Calls `visit(id)` for each of them, in the same order, without a list
  // (the tree must not change meanwhile). A visit that returns bool skips
  // the node's subtree by returning false.
  template <typename Visit>
  void ForEachReachable(Visit&& visit) const {
    ForEachBelow(root_, visit);
  }
  // The same for `top` and the nodes below it.
  template <typename Visit>
  void ForEachBelow(NodeId top, Visit&& visit) const {
    NodeId id = top;
    while (id != kNone) {
      bool descend = true;
      if constexpr (std::is_same_v<decltype(visit(id)), bool>) {
        descend = visit(id);
      } else {
        visit(id);
      }
      const Node& n = nodes_[id];
      if (descend && n.first_child != kNone) {
        id = n.first_child;
        continue;
      }
      while (id != top && nodes_[id].next_sibling == kNone) id = nodes_[id].parent;
      id = id == top ? kNone : nodes_[id].next_sibling;
    }
  }

  // Children in order.
  std::vector<NodeId> Children(NodeId id) const;
  size_t ChildCount(NodeId id) const;

  // Undo everything added since the tree had `node_count` nodes and
  // `byte_count` leaf bytes (a failed parse attempt): the new nodes are
  // dropped and unlinked from `parent`, the last pre-existing node they hang
  // from.
  void Truncate(size_t node_count, size_t byte_count, NodeId parent);
  size_t byte_size() const { return bytes_.size(); }

  // Room for `nodes` nodes and `bytes` leaf bytes, so building a tree of
  // about that size does not reallocate on the way (under AddressSanitizer
  // every reallocation is a fresh allocation of untouched pages).
  void Reserve(size_t nodes, size_t bytes) {
    nodes_.reserve(nodes);
    bytes_.reserve(bytes);
  }

  void Clear() {
    nodes_.clear();
    bytes_.clear();
    root_ = kNone;
  }

 private:
  std::vector<Node> nodes_;
  std::string bytes_;
  NodeId root_ = kNone;
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_TREE_H_
