// The iotfuzz command line: global options, subcommand dispatch, and the one
// place where errors become "iotfuzz: error: ..." and an exit status.
#ifndef IOTFUZZ_FUZZERS_CLI_CLI_APP_H_
#define IOTFUZZ_FUZZERS_CLI_CLI_APP_H_

#include "fuzzers/cli/cli_context.h"

namespace iotfuzz::cli {

// Parses `argv` and runs the chosen subcommand. Returns the exit status:
// the subcommand's, 0 for --help and --version, and 1 after printing one
// "iotfuzz: error: ..." line to context.err for a usage error or an Error.
// `context.passthrough_args` is filled from the words after the first "--".
int RunCli(int argc, const char* const* argv, CliContext& context);

}  // namespace iotfuzz::cli

#endif  // IOTFUZZ_FUZZERS_CLI_CLI_APP_H_
