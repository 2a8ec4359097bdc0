#include "fuzzers/cli/cli_app.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "fuzzers/cli/subcommands.h"
#include "fuzzers/common/error.h"

namespace iotfuzz::cli {
namespace {

void PrintError(const CliContext& context, const std::string& message) {
  fmt::print(context.err, "iotfuzz: error: {}\n", Error(message).what());
  std::fflush(context.err);
}

}  // namespace

int RunCli(int argc, const char* const* argv, CliContext& context) {
  // Words after "--" belong to the engine; CLI11 never sees them.
  std::vector<std::string> words;
  bool passthrough = false;
  for (int i = 1; i < argc; ++i) {
    if (!passthrough && std::string_view(argv[i]) == "--") {
      passthrough = true;
      continue;
    }
    (passthrough ? context.passthrough_args : words).push_back(argv[i]);
  }

  CLI::App app("iotfuzz: protocol-grammar fuzzing of IoT device firmware components", "iotfuzz");
  app.set_version_flag("--version", "iotfuzz " + context.version);
  std::string build_dir;
  app.add_option("--build-dir", build_dir,
                 "Build tree to use (default: $IOTFUZZ_BUILD_DIR, else the tree holding this "
                 "iotfuzz)")
      ->type_name("DIR");
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 success (no finding), 1 error, 2 findings (crashes, leaks, timeouts, OOMs).\n"
      "Run 'iotfuzz <command> --help' for a command's options.");

  std::vector<std::unique_ptr<Subcommand>> subcommands = MakeSubcommands();
  std::vector<CLI::App*> apps;
  for (auto& sub : subcommands) apps.push_back(sub->Register(app));

  std::reverse(words.begin(), words.end());  // CLI11 takes arguments in reverse order
  try {
    app.parse(words);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    std::ostringstream out;
    std::ostringstream err;
    const int status = app.exit(e, out, err);
    fmt::print(context.out, "{}", out.str());
    fmt::print(context.err, "{}", err.str());
    return status;
  } catch (const CLI::ParseError& e) {
    std::string hint = "iotfuzz --help";
    for (CLI::App* sub : apps) {
      if (sub->parsed()) hint = "iotfuzz " + sub->get_name() + " --help";
    }
    PrintError(context, fmt::format("{} (see '{}')", e.what(), hint));
    return 1;
  }
  if (!build_dir.empty()) context.build_dir = build_dir;

  for (std::size_t i = 0; i < subcommands.size(); ++i) {
    if (!apps[i]->parsed()) continue;
    if (!context.passthrough_args.empty() && !subcommands[i]->AcceptsPassthroughArgs()) {
      PrintError(context,
                 fmt::format("'iotfuzz {}' takes no arguments after '--'", apps[i]->get_name()));
      return 1;
    }
    try {
      return subcommands[i]->Run(context);
    } catch (const Error& e) {
      PrintError(context, e.what());
      return 1;
    } catch (const std::exception& e) {
      PrintError(context, fmt::format("internal error: {}", e.what()));
      return 1;
    }
  }
  PrintError(context, "no command given (see 'iotfuzz --help')");
  return 1;
}

}  // namespace iotfuzz::cli
