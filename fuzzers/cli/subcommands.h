// Every subcommand of iotfuzz, in the order `iotfuzz --help` lists them.
#ifndef IOTFUZZ_FUZZERS_CLI_SUBCOMMANDS_H_
#define IOTFUZZ_FUZZERS_CLI_SUBCOMMANDS_H_

#include <memory>
#include <vector>

#include "fuzzers/cli/subcommand.h"

namespace iotfuzz::cli {

std::unique_ptr<Subcommand> MakeListCommand();  // list_command.cc
std::unique_ptr<Subcommand> MakeRunCommand();
std::unique_ptr<Subcommand> MakeGrammarCommand();   // run_command.cc
std::unique_ptr<Subcommand> MakeTriageCommand();    // triage_command.cc
std::unique_ptr<Subcommand> MakeNetCommand();       // net_command.cc
std::unique_ptr<Subcommand> MakeReplayCommand();    // net_command.cc
std::unique_ptr<Subcommand> MakeCorpusCommand();    // corpus_command.cc
std::unique_ptr<Subcommand> MakeCoverageCommand();
std::unique_ptr<Subcommand> MakeCampaignCommand();  // coverage_command.cc

std::vector<std::unique_ptr<Subcommand>> MakeSubcommands();

}  // namespace iotfuzz::cli

#endif  // IOTFUZZ_FUZZERS_CLI_SUBCOMMANDS_H_
