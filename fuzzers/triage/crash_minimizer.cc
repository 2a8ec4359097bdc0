#include "fuzzers/triage/crash_minimizer.h"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <system_error>

#include "fuzzers/common/atomic_file.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/tree.h"
#include "fuzzers/triage/crash_reproducer.h"

namespace iotfuzz::triage {
namespace {

namespace fs = std::filesystem;
using grammar::ExprKind;

constexpr std::size_t kMaxRejectedSteps = 2;
using grammar::NodeId;
using grammar::Tree;

std::vector<bool> ReachableSet(const Tree& tree) {
  std::vector<bool> reachable(tree.size(), false);
  if (tree.root() == grammar::kNone) return reachable;
  for (NodeId id : tree.Reachable()) reachable[id] = true;
  return reachable;
}

bool ReadBytes(const fs::path& file, std::string& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

bool CrashMinimizer::Test(const std::string& candidate, MinimizeOutcome& outcome) {
  ++outcome.oracle_calls;
  return oracle_(candidate);
}

MinimizeOutcome CrashMinimizer::MinimizeWithGrammar(const grammar::Grammar& g, const std::string& input) {
  MinimizeOutcome out;
  out.bytes = input;
  grammar::InputParser parser(g);
  grammar::Serializer serializer(g);
  Tree tree = parser.Parse(input).tree;
  if (tree.root() == grammar::kNone || serializer.Serialize(tree) != input) {
    out.steps.push_back("grammar: the input does not parse back exactly; pass skipped");
    return out;
  }
  std::size_t tests = 0;
  // Tests `candidate`; on success it becomes the current tree.
  auto attempt = [&](Tree& candidate) {
    if (tests >= options_.max_grammar_tests) return false;
    std::string bytes = serializer.Serialize(candidate);
    if (bytes.size() >= out.bytes.size()) return false;
    ++tests;
    if (!Test(bytes, out)) return false;
    out.bytes = std::move(bytes);
    tree = candidate;
    return true;
  };

  bool progress = true;
  while (progress && tests < options_.max_grammar_tests) {
    progress = false;
    // 1. Elements of repetitions, in chunks.
    std::vector<NodeId> order = tree.Reachable();
    for (NodeId id : order) {
      if (!ReachableSet(tree)[id]) continue;
      const grammar::Node& node = tree.node(id);
      if (node.expr == grammar::kNone || g.expr(node.expr).kind != ExprKind::kRepeat) continue;
      const std::size_t min = g.expr(node.expr).min;
      for (std::size_t chunk = std::max<std::size_t>(1, tree.ChildCount(id) / 2); chunk >= 1; chunk /= 2) {
        std::size_t start = 0;
        while (tests < options_.max_grammar_tests) {
          std::vector<NodeId> children = tree.Children(id);
          if (start >= children.size() || children.size() - std::min(chunk, children.size() - start) < min) break;
          Tree candidate = tree;
          for (std::size_t k = start; k < children.size() && k < start + chunk; ++k) candidate.Remove(children[k]);
          if (attempt(candidate)) {
            progress = true;  // same start: the next elements moved here
          } else {
            start += chunk;
          }
        }
        if (chunk == 1) break;
      }
    }
    // 2. Optional and conditional parts made absent.
    for (NodeId id : tree.Reachable()) {
      if (!ReachableSet(tree)[id]) continue;
      const grammar::Node& node = tree.node(id);
      if (node.expr == grammar::kNone || (node.flags & grammar::kAbsent)) continue;
      const ExprKind kind = g.expr(node.expr).kind;
      if (kind != ExprKind::kOptional && kind != ExprKind::kConditional) continue;
      Tree candidate = tree;
      candidate.node(id).flags |= grammar::kAbsent;
      if (attempt(candidate)) progress = true;
    }
    // 3. Leaves cut short.
    for (NodeId id : tree.Reachable()) {
      if (!ReachableSet(tree)[id]) continue;
      const grammar::Node& node = tree.node(id);
      const bool raw = (node.flags & grammar::kRaw) != 0;
      const bool blob = node.expr != grammar::kNone &&
                        (g.expr(node.expr).kind == ExprKind::kBytes || g.expr(node.expr).kind == ExprKind::kString);
      if ((!raw && !blob) || node.first_child != grammar::kNone) continue;
      const std::size_t size = tree.Bytes(id).size();
      for (std::size_t keep : {std::size_t{0}, size / 8, size / 4, size / 2, size * 3 / 4}) {
        if (keep >= size || (keep > 0 && keep == size / 8 && size < 8)) continue;
        Tree candidate = tree;
        const std::string bytes(tree.Bytes(id).substr(0, keep));
        candidate.SetBytes(id, bytes);
        if (attempt(candidate)) {
          progress = true;
          break;
        }
      }
    }
  }
  out.steps.push_back(fmt::format("grammar: {} -> {} bytes ({} candidates replayed{})", input.size(),
                                  out.bytes.size(), tests,
                                  tests >= options_.max_grammar_tests ? ", budget reached" : ""));
  return out;
}

MinimizeOutcome CrashMinimizer::TrimToShortestPrefix(const std::string& input) {
  MinimizeOutcome out;
  out.bytes = input;
  // Invariant: the prefix of length `hi` crashes the same way; `lo` is the
  // longest length known (or assumed, for 0) not to.
  std::size_t lo = 0, hi = input.size(), tests = 0;
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    ++tests;
    if (Test(input.substr(0, mid), out)) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  out.bytes = input.substr(0, hi);
  out.steps.push_back(fmt::format("prefix: {} -> {} bytes ({} replays)", input.size(), hi, tests));
  return out;
}

MinimizeOutcome CrashMinimizer::MinimizeWithLibFuzzer(const fs::path& binary, const std::string& input,
                                                      const fs::path& work_dir, const Environment& env) {
  MinimizeOutcome out;
  out.bytes = input;
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  Environment step_env = env;
  step_env.Set("IOTFUZZ_GRAMMAR", "none");  // byte-level mutations only
  std::size_t steps = 0, rejected = 0;
  std::string stop = "step limit reached";
  for (; steps < options_.max_libfuzzer_steps; ++steps) {
    if (out.bytes.size() < 2) {
      stop = "input is one byte";
      break;
    }
    const fs::path current = work_dir / fmt::format("step-{:02}-input", steps);
    const fs::path artifact = work_dir / fmt::format("step-{:02}-smaller", steps);
    WriteFileAtomically(current, out.bytes);
    fs::remove(artifact, ec);
    RunCaptured({binary.string(), "-minimize_crash_internal_step=1", fmt::format("-runs={}", options_.libfuzzer_runs),
                 fmt::format("-seed={}", 1 + rejected), fmt::format("-timeout={}", options_.timeout_seconds), "-rss_limit_mb=2048",
                 "-malloc_limit_mb=2048", "-exact_artifact_path=" + artifact.string(), current.string()},
                step_env, std::chrono::seconds(300));
    std::string candidate;
    if (!fs::exists(artifact, ec) || !ReadBytes(artifact, candidate) || candidate.size() >= out.bytes.size()) {
      stop = "no smaller crash found";
      break;
    }
    if (!Test(candidate, out)) {
      // Another bug: try the step again with the next seed, twice at most.
      if (++rejected > kMaxRejectedSteps) {
        stop = "smaller inputs crashed differently";
        break;
      }
      continue;
    }
    out.bytes = std::move(candidate);
  }
  out.steps.push_back(fmt::format("libFuzzer: {} -> {} bytes ({} steps of {} runs; {})", input.size(),
                                  out.bytes.size(), steps, options_.libfuzzer_runs, stop));
  return out;
}

}  // namespace iotfuzz::triage
