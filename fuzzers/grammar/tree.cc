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
  NodeId c = nodes_[parent].first_child;
  if (c == kNone) {
    nodes_[parent].first_child = child;
    return;
  }
  while (nodes_[c].next_sibling != kNone) c = nodes_[c].next_sibling;
  nodes_[c].next_sibling = child;
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
