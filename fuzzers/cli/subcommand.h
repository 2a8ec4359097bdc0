// The shape of an iotfuzz subcommand. To add one: write <name>_command.cc
// with a class implementing Subcommand and a Make<Name>Command() factory,
// declare the factory in subcommands.h and add it to the list in
// subcommands.cc.
#ifndef IOTFUZZ_FUZZERS_CLI_SUBCOMMAND_H_
#define IOTFUZZ_FUZZERS_CLI_SUBCOMMAND_H_

#include <CLI/CLI.hpp>

#include "fuzzers/cli/cli_context.h"

namespace iotfuzz::cli {

class Subcommand {
 public:
  virtual ~Subcommand() = default;

  // Adds the subcommand, its options and their storage to `app`; returns
  // the subcommand's CLI::App.
  virtual CLI::App* Register(CLI::App& app) = 0;

  // Whether words after "--" are allowed (passed to an engine).
  virtual bool AcceptsPassthroughArgs() const { return false; }

  // Runs the parsed subcommand; returns the process exit status. Throws
  // Error for anything the user can fix.
  virtual int Run(CliContext& context) = 0;
};

}  // namespace iotfuzz::cli

#endif  // IOTFUZZ_FUZZERS_CLI_SUBCOMMAND_H_
