#include "fuzzers/grammar/tree.h"

namespace iotfuzz::grammar {

NodeId Tree::Add(ExprId expr, NodeId parent) {
  Node n;
  n.expr = expr;
  nodes_.push_back(n);
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
