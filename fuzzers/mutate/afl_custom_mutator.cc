// AFL++ custom mutator library (libiotfuzz_afl_mutator.so), loaded with
//   AFL_CUSTOM_MUTATOR_LIBRARY=.../libiotfuzz_afl_mutator.so IOTFUZZ_GRAMMAR=grammars/x.grammar
// `iotfuzz run --engine afl` sets both. It provides grammar-aware fuzzing
// (afl_custom_fuzz), a description of each mutation for queue file names
// (afl_custom_describe), grammar-aware trimming (drop list elements and
// optional fields while the input keeps its coverage: afl_custom_init_trim /
// trim / post_trim) and parses every new queue entry once into the tree
// cache (afl_custom_queue_new_entry).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "fuzzers/grammar/random.h"
#include "fuzzers/grammar/tree.h"
#include "fuzzers/mutate/mutation_session.h"

namespace {

using iotfuzz::grammar::NodeId;
using iotfuzz::grammar::Tree;

struct AflMutator {
  std::unique_ptr<iotfuzz::mutate::MutationSession> session;
  iotfuzz::grammar::Rng rng;
  std::string out;
  std::string description;  // of the last afl_custom_fuzz call
  std::string name;         // what afl_custom_describe hands out
  // Trimming state: the current (accepted) tree, the candidate removals and
  // the one being tried.
  Tree trim_tree;
  std::vector<NodeId> trim_candidates;
  size_t trim_step = 0;
  Tree trim_trial;
};

// Nodes whose removal keeps the input well-formed: elements of a repetition
// above its minimum, and present optional or conditional fields.
std::vector<NodeId> TrimCandidates(const iotfuzz::grammar::Grammar& g, const Tree& tree) {
  using iotfuzz::grammar::ExprKind;
  std::vector<NodeId> out;
  for (NodeId id : tree.Reachable()) {
    const auto& n = tree.node(id);
    if (n.expr == iotfuzz::grammar::kNone || (n.flags & iotfuzz::grammar::kRaw)) continue;
    const auto& e = g.expr(n.expr);
    if (e.kind == ExprKind::kRepeat && tree.ChildCount(id) > e.min) {
      for (NodeId c = n.first_child; c != iotfuzz::grammar::kNone; c = tree.node(c).next_sibling) out.push_back(c);
    } else if ((e.kind == ExprKind::kOptional || e.kind == ExprKind::kConditional) &&
               !(n.flags & iotfuzz::grammar::kAbsent)) {
      out.push_back(id);
    }
  }
  return out;
}

// Applies removal `candidate` to `tree`.
void RemoveCandidate(const iotfuzz::grammar::Grammar& g, Tree& tree, NodeId candidate) {
  using iotfuzz::grammar::ExprKind;
  const auto& e = g.expr(tree.node(candidate).expr);
  if (e.kind == ExprKind::kOptional || e.kind == ExprKind::kConditional) {
    tree.node(candidate).flags |= iotfuzz::grammar::kAbsent;
    tree.node(candidate).first_child = tree.node(candidate).last_child = iotfuzz::grammar::kNone;
  } else {
    tree.Remove(candidate);
  }
}

}  // namespace

extern "C" {

void* afl_custom_init(void* /*afl*/, unsigned int seed) {
  std::string path = iotfuzz::mutate::ResolveGrammarPath(nullptr);
  if (path.empty()) {
    std::fprintf(stderr, "iotfuzz AFL++ mutator: set IOTFUZZ_GRAMMAR to the grammar file\n");
    return nullptr;
  }
  auto* m = new AflMutator;
  m->rng.Seed(seed);
  try {
    m->session = std::make_unique<iotfuzz::mutate::MutationSession>(path, iotfuzz::mutate::MutatorOptions{});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iotfuzz AFL++ mutator: %s\n", e.what());
    delete m;
    return nullptr;
  }
  return m;
}

size_t afl_custom_fuzz(void* data, uint8_t* buf, size_t buf_size, uint8_t** out_buf, uint8_t* add_buf,
                       size_t add_buf_size, size_t max_size) {
  auto* m = static_cast<AflMutator*>(data);
  std::string_view input(reinterpret_cast<const char*>(buf), buf_size);
  std::string_view donor(reinterpret_cast<const char*>(add_buf), add_buf ? add_buf_size : 0);
  if (!m->session->Mutate(input, donor, max_size, m->rng.Next(), m->out) || m->out.size() > max_size) {
    // Nothing applicable: hand back the input unchanged; AFL++'s own stages follow.
    m->out.assign(input);
    m->description = "unchanged";
  } else {
    m->description = iotfuzz::mutate::FormatMutationSequence(m->session->last_mutations());
  }
  *out_buf = reinterpret_cast<uint8_t*>(m->out.data());
  return m->out.size();
}

const char* afl_custom_describe(void* data, size_t max_description_len) {
  auto* m = static_cast<AflMutator*>(data);
  // Queue file names cannot hold ':' or spaces; keep names and dashes.
  m->name = "iotfuzz";
  for (char c : m->description) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') m->name.push_back(c);
  }
  if (m->name.size() > max_description_len) m->name.resize(max_description_len);
  return m->name.c_str();
}

int32_t afl_custom_init_trim(void* data, uint8_t* buf, size_t buf_size) {
  auto* m = static_cast<AflMutator*>(data);
  m->trim_tree = m->session->TreeOf(std::string_view(reinterpret_cast<const char*>(buf), buf_size));
  m->trim_candidates = TrimCandidates(m->session->grammar(), m->trim_tree);
  m->trim_step = 0;
  return static_cast<int32_t>(m->trim_candidates.size());
}

size_t afl_custom_trim(void* data, uint8_t** out_buf) {
  auto* m = static_cast<AflMutator*>(data);
  m->trim_trial = m->trim_tree;
  if (m->trim_step < m->trim_candidates.size()) {
    RemoveCandidate(m->session->grammar(), m->trim_trial, m->trim_candidates[m->trim_step]);
  }
  m->out.clear();
  m->session->serializer().Serialize(m->trim_trial, m->out);
  *out_buf = reinterpret_cast<uint8_t*>(m->out.data());
  return m->out.size();
}

int32_t afl_custom_post_trim(void* data, uint8_t success) {
  auto* m = static_cast<AflMutator*>(data);
  // Candidates are node ids of trim_tree; a removal never renumbers nodes, so
  // the remaining candidates stay valid after accepting one.
  if (success) m->trim_tree = m->trim_trial;
  return static_cast<int32_t>(++m->trim_step);
}

uint8_t afl_custom_queue_new_entry(void* data, const uint8_t* filename_new_queue,
                                   const uint8_t* /*filename_orig_queue*/) {
  auto* m = static_cast<AflMutator*>(data);
  std::ifstream in(reinterpret_cast<const char*>(filename_new_queue), std::ios::binary);
  if (in) {
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    m->session->TreeOf(bytes);  // parsed once, now in the cache
  }
  return 0;  // the file was not changed
}

void afl_custom_deinit(void* data) { delete static_cast<AflMutator*>(data); }

}  // extern "C"
