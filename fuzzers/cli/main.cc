// iotfuzz: see cli_app.h.
#include <csignal>
#include <filesystem>
#include <system_error>

#include "fuzzers/cli/cli_app.h"

#ifndef IOTFUZZ_VERSION
#define IOTFUZZ_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  // A closed stdout (iotfuzz list | head) must end in a write error, not a
  // signal; children get default dispositions back (see Process).
  std::signal(SIGPIPE, SIG_IGN);

  iotfuzz::cli::CliContext context;
  std::error_code ec;
  context.executable = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) context.executable = std::filesystem::absolute(argv[0], ec);
  context.env = iotfuzz::Environment::Current();
  context.version = IOTFUZZ_VERSION;
  return iotfuzz::cli::RunCli(argc, argv, context);
}
