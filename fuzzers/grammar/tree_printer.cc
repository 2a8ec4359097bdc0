#include "fuzzers/grammar/tree_printer.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

namespace iotfuzz::grammar {
namespace {

std::string NodeName(const Grammar& g, const Tree& tree, NodeId id) {
  const Node& n = tree.node(id);
  if (n.expr == kNone) return (n.flags & kRaw) ? "raw" : "input";
  const Expr& e = g.expr(n.expr);
  if (!e.label.empty()) return e.label;
  if (e.kind == ExprKind::kRuleRef) return e.rule_name;
  return ExprKindName(e.kind);
}

bool IsLeaf(ExprKind k) {
  return k == ExprKind::kLiteral || k == ExprKind::kCharClass || k == ExprKind::kBytes || k == ExprKind::kString;
}

void Format(const Grammar& g, const Tree& tree, NodeId id, int depth, std::string& out) {
  const Node& n = tree.node(id);
  std::string line(static_cast<size_t>(depth) * 2, ' ');
  line += NodeName(g, tree, id);
  if (n.expr != kNone) {
    const Expr& e = g.expr(n.expr);
    if (IsNumberKind(e.kind) && !(n.flags & kRaw)) line += fmt::format(" = {}", n.value);
    if (e.kind == ExprKind::kChoice) line += fmt::format(" (alternative {})", n.value + 1);
    if ((IsLeaf(e.kind) || (n.flags & kRaw))) line += " \"" + EscapeBytes(tree.Bytes(id)) + "\"";
    if (e.relation.kind != RelationKind::kNone) line += fmt::format(" [{}]", RelationKindName(e.relation.kind));
  } else if (n.flags & kRaw) {
    line += " \"" + EscapeBytes(tree.Bytes(id)) + "\"";
  }
  if (n.flags & kAbsent) line += " (absent)";
  if (n.flags & kRaw) line += fmt::format(" RAW({} bytes)", n.bytes_size);
  if (n.flags & kLying) line += " LIE";
  out += line + "\n";
  for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) Format(g, tree, c, depth + 1, out);
}

nlohmann::json ToJson(const Grammar& g, const Tree& tree, NodeId id) {
  const Node& n = tree.node(id);
  nlohmann::json j;
  j["name"] = NodeName(g, tree, id);
  j["kind"] = n.expr == kNone ? "raw" : ExprKindName(g.expr(n.expr).kind);
  if (n.expr != kNone && IsNumberKind(g.expr(n.expr).kind)) j["value"] = n.value;
  if (n.bytes_size) j["bytes"] = EscapeBytes(tree.Bytes(id), SIZE_MAX);
  if (n.flags & kRaw) j["raw"] = true;
  if (n.flags & kLying) j["lie"] = true;
  if (n.flags & kAbsent) j["absent"] = true;
  if (n.first_child != kNone) {
    j["children"] = nlohmann::json::array();
    for (NodeId c = n.first_child; c != kNone; c = tree.node(c).next_sibling) j["children"].push_back(ToJson(g, tree, c));
  }
  return j;
}

}  // namespace

std::string EscapeBytes(std::string_view bytes, size_t max) {
  std::string out;
  size_t shown = std::min(bytes.size(), max);
  for (size_t i = 0; i < shown; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == '\\' || c == '"') out += fmt::format("\\{}", static_cast<char>(c));
    else if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c >= 0x20 && c < 0x7f) out.push_back(static_cast<char>(c));
    else out += fmt::format("\\x{:02x}", c);
  }
  if (shown < bytes.size()) out += fmt::format("...(+{} bytes)", bytes.size() - shown);
  return out;
}

std::string FormatTree(const Grammar& grammar, const Tree& tree) {
  std::string out;
  if (tree.root() != kNone) Format(grammar, tree, tree.root(), 0, out);
  return out;
}

nlohmann::json TreeToJson(const Grammar& grammar, const Tree& tree) {
  return tree.root() == kNone ? nlohmann::json() : ToJson(grammar, tree, tree.root());
}

}  // namespace iotfuzz::grammar
