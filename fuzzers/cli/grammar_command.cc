// iotfuzz grammar check|gen|parse|mutate|dict: work with a grammar file directly.
//   check FILE                           load and check; warnings are printed, errors exit 1
//   gen FILE --count N --out DIR --seed S  write N generated inputs (valid, lies off)
//   parse FILE INPUT [--json]            the tree of INPUT; exit 0 only when it round-trips
//                                        exactly and the grammar explains every byte
//   mutate FILE INPUT --seed S [--count N] [--out DIR]
//                                        mutate INPUT, print the mutation names and result
//   dict FILE [--out F] [--extra DICT]... [--start RULE | --all-rules] [--max-tokens N]
//                                        the fuzzing dictionary derived from the grammar
//                                        (fuzzers/grammar/dictionary.h), with hand-picked
//                                        entries merged in; printed, or written atomically
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzzers/cli/subcommands.h"
#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/dictionary_file.h"
#include "fuzzers/common/error.h"
#include "fuzzers/grammar/dictionary.h"
#include "fuzzers/grammar/generator.h"
#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/tree_printer.h"
#include "fuzzers/mutate/grammar_mutator.h"

namespace iotfuzz::cli {
namespace {

namespace fs = std::filesystem;

std::string ReadInput(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::Format("cannot open input {}", path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Loads a grammar; a grammar with errors prints its full report first.
grammar::LoadedGrammar Load(CliContext& context, const std::string& path) {
  try {
    grammar::LoadedGrammar loaded = grammar::LoadGrammarFile(path);
    if (!loaded.warnings.empty()) fmt::print(context.err, "{}", loaded.warnings);
    return loaded;
  } catch (const grammar::GrammarError& e) {
    fmt::print(context.err, "{}", e.report());
    throw;
  }
}

class GrammarCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand("grammar", "Check a grammar, generate, parse or mutate inputs with it, derive a dictionary");
    sub->require_subcommand(1);

    check_ = sub->add_subcommand("check", "Load and check a grammar file");
    check_->add_option("file", file_, "Grammar file")->required();

    gen_ = sub->add_subcommand("gen", "Write generated inputs");
    gen_->add_option("file", file_, "Grammar file")->required();
    gen_->add_option("--count", count_, "How many inputs")->capture_default_str();
    gen_->add_option("--out", out_, "Output directory")->required();
    gen_->add_option("--seed", seed_, "Random seed")->capture_default_str();
    gen_->add_option("--max-size", max_size_, "Soft limit on input size in bytes")->capture_default_str();

    parse_ = sub->add_subcommand("parse", "Parse an input and print its tree (raw leaves and lies marked)");
    parse_->add_option("file", file_, "Grammar file")->required();
    parse_->add_option("input", input_, "Input file")->required();
    parse_->add_flag("--json", json_, "Print the tree as JSON");

    mutate_ = sub->add_subcommand("mutate", "Mutate an input and print the mutations and the result");
    mutate_->add_option("file", file_, "Grammar file")->required();
    mutate_->add_option("input", input_, "Input file")->required();
    mutate_->add_option("--seed", seed_, "Random seed")->capture_default_str();
    mutate_->add_option("--count", count_, "How many mutants (each from the input)")->capture_default_str();
    mutate_->add_option("--out", out_, "Write the mutants to this directory instead of printing them");
    mutate_->add_option("--max-size", max_size_, "Largest mutant in bytes")->capture_default_str();

    dict_ = sub->add_subcommand("dict", "Write the fuzzing dictionary (libFuzzer -dict, AFL++ -x) derived from a grammar");
    dict_->add_option("file", file_, "Grammar file")->required();
    dict_->add_option("--out", out_, "Write the dictionary to this file (atomically) instead of printing it");
    dict_->add_option("--extra", extras_, "Hand-picked dictionary whose entries are merged in (repeatable)")
        ->type_name("DICT");
    CLI::Option* start = dict_->add_option("--start", start_rule_,
                                           "Derive from the rules this rule or session reaches (default: the grammar's start)");
    dict_->add_flag("--all-rules", all_rules_, "Derive from every rule, reachable or not")->excludes(start);
    dict_->add_option("--max-tokens", max_tokens_, "Most tokens derived from the grammar")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 14));
    return sub;
  }

  int Run(CliContext& context) override {
    if (check_->parsed()) return Check(context);
    if (gen_->parsed()) return Generate(context);
    if (parse_->parsed()) return Parse(context);
    if (dict_->parsed()) return Dict(context);
    return Mutate(context);
  }

 private:
  int Check(CliContext& context) {
    grammar::LoadedGrammar loaded = Load(context, file_);
    const grammar::Grammar& g = loaded.grammar;
    size_t synthesized = 2 * g.sessions.size();  // each session stands for two rules
    fmt::print(context.out, "{}: ok: grammar '{}', {} rules, {} session{}, start '{}'\n", file_, g.name,
               g.rules.size() - synthesized, g.sessions.size(), g.sessions.size() == 1 ? "" : "s", g.start == grammar::kNone ? "" : g.rule(g.start).name);
    for (const grammar::Session& s : g.sessions) {
      std::vector<std::string> sent, received;
      for (grammar::RuleId r : s.send_rules) sent.push_back(g.rule(r).name);
      for (grammar::RuleId r : s.recv_rules) received.push_back(g.rule(r).name);
      std::string kind = s.framing == grammar::SessionFraming::kFrames ? "message frames" : "stream";
      if (!s.connections.empty()) kind += fmt::format(", connections {}", fmt::join(s.connections, ", "));
      fmt::print(context.out, "  session {} ({}): sends {}; receives {}\n", s.name, kind, fmt::join(sent, ", "),
                 received.empty() ? "nothing" : fmt::format("{}", fmt::join(received, ", ")));
    }
    return 0;
  }

  int Generate(CliContext& context) {
    grammar::LoadedGrammar loaded = Load(context, file_);
    grammar::GeneratorLimits limits;
    limits.max_bytes = max_size_;
    grammar::Generator generator(loaded.grammar, limits);
    grammar::Serializer serializer(loaded.grammar);
    grammar::Rng rng(seed_);
    std::error_code ec;
    fs::create_directories(out_, ec);
    if (ec) throw Error::Format("cannot create {}: {}", out_, ec.message());
    for (uint32_t i = 0; i < count_; ++i) {
      std::string bytes = serializer.Serialize(generator.Generate(rng));
      WriteFileAtomically(fs::path(out_) / fmt::format("{}-{:06d}", loaded.grammar.name.empty() ? "gen" : loaded.grammar.name, i), bytes);
    }
    fmt::print(context.out, "wrote {} inputs to {}\n", count_, out_);
    return 0;
  }

  int Parse(CliContext& context) {
    grammar::LoadedGrammar loaded = Load(context, file_);
    std::string bytes = ReadInput(input_);
    grammar::InputParser parser(loaded.grammar);
    grammar::ParseResult result = parser.Parse(bytes);
    grammar::Serializer serializer(loaded.grammar);
    bool exact = serializer.Serialize(result.tree) == bytes;
    if (json_) {
      nlohmann::json j = {{"input", input_},
                          {"size", bytes.size()},
                          {"exact", exact},
                          {"raw_bytes", result.raw_bytes},
                          {"lying_fields", result.lying_fields},
                          {"budget_exhausted", result.budget_exhausted},
                          {"tree", grammar::TreeToJson(loaded.grammar, result.tree)}};
      fmt::print(context.out, "{}\n", j.dump(2));
    } else {
      fmt::print(context.out, "{}", grammar::FormatTree(loaded.grammar, result.tree));
      fmt::print(context.out, "{} bytes; round trip {}; {} raw bytes; {} lying fields\n", bytes.size(),
                 exact ? "exact" : "NOT EXACT", result.raw_bytes, result.lying_fields);
    }
    return exact && result.complete() ? 0 : 1;
  }

  int Mutate(CliContext& context) {
    grammar::LoadedGrammar loaded = Load(context, file_);
    std::string bytes = ReadInput(input_);
    grammar::InputParser parser(loaded.grammar);
    grammar::Tree original = parser.Parse(bytes).tree;
    mutate::MutatorOptions options;
    options.max_size = max_size_;
    mutate::GrammarMutator mutator(loaded.grammar, options);
    grammar::Serializer serializer(loaded.grammar);
    grammar::Rng rng(seed_);
    if (!out_.empty()) {
      std::error_code ec;
      fs::create_directories(out_, ec);
      if (ec) throw Error::Format("cannot create {}: {}", out_, ec.message());
    }
    for (uint32_t i = 0; i < count_; ++i) {
      grammar::Tree tree = original;
      std::vector<mutate::MutationKind> applied;
      mutator.Mutate(tree, rng, &original, &applied);
      std::string mutant = serializer.Serialize(tree);
      std::string names = mutate::FormatMutationSequence(applied);
      if (out_.empty()) {
        fmt::print(context.out, "{}\n\"{}\"\n", names, grammar::EscapeBytes(mutant, 4096));
      } else {
        WriteFileAtomically(fs::path(out_) / fmt::format("mutant-{:06d}", i), mutant);
        fmt::print(context.out, "mutant-{:06d} {} bytes {}\n", i, mutant.size(), names);
      }
    }
    return 0;
  }

  CLI::App* check_ = nullptr;
  CLI::App* gen_ = nullptr;
  CLI::App* parse_ = nullptr;
  int Dict(CliContext& context) {
    grammar::LoadedGrammar loaded = Load(context, file_);
    grammar::DictionaryOptions options;
    options.start_rule = start_rule_;
    options.all_rules = all_rules_;
    options.max_tokens = max_tokens_;
    const grammar::Dictionary derived = grammar::DeriveDictionary(loaded.grammar, options);
    std::vector<grammar::DictionaryExtras> extras;
    for (const std::string& path : extras_) extras.push_back({path, ReadDictionaryFile(path)});
    const grammar::MergedDictionary merged = grammar::FormatDictionary(loaded.grammar, file_, derived, extras);
    if (out_.empty()) {
      fmt::print(context.out, "{}", merged.text);
      return 0;
    }
    WriteFileAtomically(out_, merged.text);
    fmt::print(context.out, "{}: {} grammar tokens", out_, merged.derived);
    if (!extras.empty()) {
      fmt::print(context.out, ", {} hand-picked entries ({} left out as already present)", merged.extras,
                 merged.extras_known);
    }
    fmt::print(context.out, "\n");
    return 0;
  }

  CLI::App* mutate_ = nullptr;
  CLI::App* dict_ = nullptr;
  std::string file_;
  std::string input_;
  std::string out_;
  uint32_t count_ = 1;
  uint64_t seed_ = 1;
  uint32_t max_size_ = 4096;
  bool json_ = false;
  std::vector<std::string> extras_;
  std::string start_rule_;
  bool all_rules_ = false;
  size_t max_tokens_ = grammar::DictionaryOptions{}.max_tokens;
};

}  // namespace

std::unique_ptr<Subcommand> MakeGrammarCommand() { return std::make_unique<GrammarCommand>(); }

}  // namespace iotfuzz::cli
