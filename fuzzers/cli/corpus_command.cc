// iotfuzz corpus import-pcap: turn captured real traffic into corpus files.
//   import-pcap FILE --protocol P --out DIR [--grammar G] [--port N]... [--json] [--strict]
//     reads a pcap/pcapng capture, reassembles the protocol's TCP flows and
//     takes its UDP datagrams, splits each direction into messages with the
//     grammar, and writes single-message files and per-flow session files.
//     Exit 0; 1 on an error; with --strict, 2 when any byte could not be
//     split or a message does not parse back exactly without raw bytes.
#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fuzzers/cli/subcommands.h"
#include "fuzzers/common/error.h"
#include "fuzzers/corpus/pcap_import.h"
#include "fuzzers/corpus/pcap_reader.h"
#include "fuzzers/corpus/protocol_profile.h"
#include "fuzzers/grammar/grammar_loader.h"

namespace iotfuzz::cli {
namespace {

namespace fs = std::filesystem;

// grammars/<protocol>.grammar of the source tree of this build, else of the
// current directory.
fs::path DefaultGrammar(CliContext& context, const std::string& protocol) {
  fs::path name = fs::path("grammars") / (protocol + ".grammar");
  try {
    BuildManifest manifest = context.LoadManifest();
    fs::path in_source = manifest.source_dir / name;
    if (fs::exists(in_source)) return in_source;
  } catch (const Error&) {
    // No build tree nearby: fall back to the current directory.
  }
  if (fs::exists(name)) return name;
  throw Error::Format("no grammar for {}: {} not found in the source tree or the current directory; give --grammar",
                      protocol, name.string());
}

class CorpusCommand : public Subcommand {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand("corpus", "Build corpora from real traffic");
    sub->require_subcommand(1);
    import_ = sub->add_subcommand("import-pcap",
                                  "Split the flows of a packet capture into messages and sessions with a grammar");
    import_->add_option("file", file_, "Capture file (pcap or pcapng)")->required();
    import_->add_option("--protocol", protocol_, "Protocol: http, mqtt or coap")
        ->required()
        ->check(CLI::IsMember(corpus::ProtocolProfileNames()));
    import_->add_option("--out", out_, "Output directory (messages/, sessions/, import-summary.json)")->required();
    import_->add_option("--grammar", grammar_, "Grammar file (default: grammars/<protocol>.grammar)");
    import_->add_option("--port", ports_,
                        "Server port to import (repeatable; default: the protocol's well-known ports and any port "
                        "whose traffic the grammar splits)");
    import_->add_flag("--json", json_, "Print the summary as JSON");
    import_->add_flag("--strict", strict_,
                      "Exit 2 unless every byte was split into messages that parse back exactly without raw bytes");
    return sub;
  }

  int Run(CliContext& context) override {
    const corpus::ProtocolProfile* profile = corpus::FindProtocolProfile(protocol_);
    if (profile == nullptr) throw Error::Format("unknown protocol {}", protocol_);
    fs::path grammar_file = grammar_.empty() ? DefaultGrammar(context, protocol_) : fs::path(grammar_);
    grammar::LoadedGrammar loaded;
    try {
      loaded = grammar::LoadGrammarFile(grammar_file.string());
    } catch (const grammar::GrammarError& e) {
      fmt::print(context.err, "{}", e.report());
      throw;
    }
    corpus::PcapReader reader(file_);
    corpus::ImportOptions options;
    options.ports = ports_;
    corpus::ImportResult result = corpus::ImportPcap(loaded.grammar, *profile, reader, options);
    corpus::WriteStats stats = corpus::WriteImport(result, out_);
    if (json_) {
      fmt::print(context.out, "{}\n", corpus::ImportSummaryJson(result, stats).dump(2));
    } else {
      fmt::print(context.out, "{}", corpus::FormatImportSummary(result, stats));
      fmt::print(context.out, "wrote {}\n", out_);
    }
    if (strict_ && (result.messages.empty() || result.unsplit_bytes() > 0 || result.raw_bytes() > 0 ||
                    result.inexact_messages() > 0))
      return 2;
    return 0;
  }

 private:
  CLI::App* import_ = nullptr;
  std::string file_;
  std::string protocol_;
  std::string out_;
  std::string grammar_;
  std::vector<uint16_t> ports_;
  bool json_ = false;
  bool strict_ = false;
};

}  // namespace

std::unique_ptr<Subcommand> MakeCorpusCommand() { return std::make_unique<CorpusCommand>(); }

}  // namespace iotfuzz::cli
