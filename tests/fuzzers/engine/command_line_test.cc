#include "fuzzers/engine/command_line.h"

#include <catch2/catch.hpp>

namespace iotfuzz {
namespace {

TEST_CASE("Plain words are not quoted for the shell, others are") {
  CHECK(ShellQuote("-max_len=64") == "-max_len=64");
  CHECK(ShellQuote("/a/b_c.d") == "/a/b_c.d");
  CHECK(ShellQuote("") == "''");
  CHECK(ShellQuote("a b") == "'a b'");
  CHECK(ShellQuote("it's") == "'it'\\''s'");
  CHECK(ShellQuote("$HOME") == "'$HOME'");
}

TEST_CASE("A command line prints as environment assignments followed by the quoted arguments") {
  CommandLine cmd;
  cmd.argv = {"/bin/h", "-dict=a b.dict", "corpus"};
  cmd.env_changes.Set("ASAN_OPTIONS", "symbolize=1:x=y z");
  CHECK(cmd.ToShellString() == "ASAN_OPTIONS='symbolize=1:x=y z' /bin/h '-dict=a b.dict' corpus");
}

TEST_CASE("Flag values are found in both flag styles") {
  CommandLine cmd;
  cmd.argv = {"afl-fuzz", "-i", "in", "-o", "out", "--", "/bin/h_afl"};
  CHECK(cmd.FlagValue("-o") == "out");
  CHECK(cmd.FlagValue("-x") == "");
  CHECK(cmd.HasArg("--"));
  cmd.argv = {"/bin/h", "-seed=3"};
  CHECK(cmd.FlagValue("-seed") == "3");
}

}  // namespace
}  // namespace iotfuzz
