#include "fuzzers/grammar/tree.h"

#include <algorithm>
#include <string>
#include <utility>

namespace iotfuzz::grammar {

NodeId Tree::Add(ExprId expr, NodeId parent) {
  // Built in place: a node built on the stack and copied in is stored in
  // pieces and loaded back whole, which stalls the copy.
  nodes_.emplace_back().expr = expr;
  NodeId id = static_cast<NodeId>(nodes_.size() - 1);
  if (parent != kNone) AppendChild(parent, id);
  return id;
}

void Tree::AppendChild(NodeId parent, NodeId child) {
  nodes_[child].parent = parent;
  nodes_[child].next_sibling = kNone;
  NodeId last = nodes_[parent].last_child;
  if (last == kNone) {
    nodes_[parent].first_child = child;
  } else {
    nodes_[last].next_sibling = child;
  }
  nodes_[parent].last_child = child;
}

void Tree::Truncate(size_t node_count, size_t byte_count, NodeId parent) {
  if (nodes_.size() > node_count) {
    nodes_.resize(node_count);
    if (parent != kNone && parent < node_count) {
      // New children were appended at the end of the child list: cut there.
      Node& p = nodes_[parent];
      NodeId last = kNone;
      for (NodeId c = p.first_child; c != kNone && c < node_count; c = nodes_[c].next_sibling) last = c;
      if (last == kNone) {
        p.first_child = p.last_child = kNone;
      } else {
        nodes_[last].next_sibling = kNone;
        p.last_child = last;
      }
    }
    if (root_ != kNone && root_ >= node_count) root_ = kNone;
  }
  if (bytes_.size() > byte_count) bytes_.resize(byte_count);
}

void Tree::SetBytes(NodeId id, std::string_view data) {
  nodes_[id].bytes_offset = static_cast<uint32_t>(bytes_.size());
  nodes_[id].bytes_size = static_cast<uint32_t>(data.size());
  bytes_.append(data);
}

void Tree::Replace(NodeId old, NodeId replacement) {
  NodeId parent = nodes_[old].parent;
  nodes_[replacement].parent = parent;
  nodes_[replacement].next_sibling = nodes_[old].next_sibling;
  if (parent == kNone) {
    if (root_ == old) root_ = replacement;
    return;
  }
  Node& p = nodes_[parent];
  if (p.first_child == old) {
    p.first_child = replacement;
  } else {
    NodeId c = p.first_child;
    while (c != kNone && nodes_[c].next_sibling != old) c = nodes_[c].next_sibling;
    if (c != kNone) nodes_[c].next_sibling = replacement;
  }
  if (p.last_child == old) p.last_child = replacement;
  nodes_[old].parent = kNone;
  nodes_[old].next_sibling = kNone;
}

void Tree::InsertAfter(NodeId after, NodeId node) {
  NodeId parent = nodes_[after].parent;
  nodes_[node].parent = parent;
  nodes_[node].next_sibling = nodes_[after].next_sibling;
  nodes_[after].next_sibling = node;
  if (parent != kNone && nodes_[parent].last_child == after) nodes_[parent].last_child = node;
}

void Tree::InsertFirst(NodeId parent, NodeId node) {
  nodes_[node].parent = parent;
  nodes_[node].next_sibling = nodes_[parent].first_child;
  nodes_[parent].first_child = node;
  if (nodes_[parent].last_child == kNone) nodes_[parent].last_child = node;
}

void Tree::Remove(NodeId node) {
  NodeId parent = nodes_[node].parent;
  if (parent == kNone) return;
  Node& p = nodes_[parent];
  NodeId previous = kNone;
  for (NodeId c = p.first_child; c != kNone && c != node; c = nodes_[c].next_sibling) previous = c;
  if (previous == kNone) {
    p.first_child = nodes_[node].next_sibling;
  } else {
    nodes_[previous].next_sibling = nodes_[node].next_sibling;
  }
  if (p.last_child == node) p.last_child = previous;
  nodes_[node].parent = kNone;
  nodes_[node].next_sibling = kNone;
}

NodeId Tree::CopySubtree(const Tree& from, NodeId node) {
  // Iterative pre-order copy; `pending` pairs a source node with the copy's
  // parent. Scratch buffers are reused across calls (no allocation per node).
  thread_local std::vector<std::pair<NodeId, NodeId>> pending;
  thread_local std::string saved;
  pending.clear();
  pending.push_back({node, kNone});
  const bool same = &from == this;
  NodeId copy_root = kNone;
  while (!pending.empty()) {
    auto [src, parent] = pending.back();
    pending.pop_back();
    const Node source = from.nodes_[src];  // by value: `from` may be *this and grow
    NodeId copy = Add(source.expr, kNone);
    Node& n = nodes_[copy];
    n.value = source.value;
    n.flags = source.flags;
    if (source.bytes_size > 0) {
      if (same) {  // SetBytes may move the very bytes being copied
        saved.assign(from.Bytes(src));
        SetBytes(copy, saved);
      } else {
        SetBytes(copy, from.Bytes(src));
      }
    }
    if (parent != kNone) AppendChild(parent, copy);
    if (copy_root == kNone) copy_root = copy;
    size_t mark = pending.size();
    for (NodeId c = source.first_child; c != kNone; c = from.nodes_[c].next_sibling) pending.push_back({c, copy});
    std::reverse(pending.begin() + static_cast<std::ptrdiff_t>(mark), pending.end());
  }
  return copy_root;
}

std::vector<NodeId> Tree::Reachable() const {
  std::vector<NodeId> out;
  Reachable(out);
  return out;
}

void Tree::Reachable(std::vector<NodeId>& out) const {
  out.clear();
  ForEachReachable([&](NodeId id) { out.push_back(id); });
}

void Tree::Compact() {
  if (root_ == kNone) {
    Clear();
    return;
  }
  // The copy goes into a scratch tree whose buffers are kept: the two trade
  // buffers, so compacting allocates nothing once both have grown.
  thread_local Tree fresh;
  fresh.Clear();
  fresh.nodes_.reserve(nodes_.size());
  fresh.bytes_.reserve(bytes_.size());
  fresh.root_ = fresh.CopySubtree(*this, root_);
  std::swap(nodes_, fresh.nodes_);
  std::swap(bytes_, fresh.bytes_);
  std::swap(root_, fresh.root_);
}

std::vector<NodeId> Tree::Children(NodeId id) const {
  std::vector<NodeId> out;
  for (NodeId c = nodes_[id].first_child; c != kNone; c = nodes_[c].next_sibling) out.push_back(c);
  return out;
}

size_t Tree::ChildCount(NodeId id) const {
  size_t n = 0;
  for (NodeId c = nodes_[id].first_child; c != kNone; c = nodes_[c].next_sibling) ++n;
  return n;
}

}  // namespace iotfuzz::grammar
