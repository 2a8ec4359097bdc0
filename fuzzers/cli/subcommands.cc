#include "fuzzers/cli/subcommands.h"

namespace iotfuzz::cli {

std::vector<std::unique_ptr<Subcommand>> MakeSubcommands() {
  std::vector<std::unique_ptr<Subcommand>> all;
  all.push_back(MakeListCommand());
  all.push_back(MakeRunCommand());
  all.push_back(MakeGrammarCommand());
  all.push_back(MakeTriageCommand());
  all.push_back(MakeNetCommand());
  all.push_back(MakeReplayCommand());
  all.push_back(MakeCorpusCommand());
  all.push_back(MakeCoverageCommand());
  all.push_back(MakeCampaignCommand());
  return all;
}

}  // namespace iotfuzz::cli
