#include "fuzzers/common/environment.h"

#include <catch2/catch.hpp>
#include <cstdlib>

namespace iotfuzz {
namespace {

TEST_CASE("The current environment is copied from the process") {
  ::setenv("IOTFUZZ_ENVIRONMENT_TEST", "a=b", 1);
  const Environment env = Environment::Current();
  CHECK(env.Get("IOTFUZZ_ENVIRONMENT_TEST") == "a=b");
  ::unsetenv("IOTFUZZ_ENVIRONMENT_TEST");
}

TEST_CASE("Environment variables can be set, replaced and removed") {
  Environment env;
  CHECK_FALSE(env.Has("X"));
  env.Set("X", "1");
  env.Set("X", "2");
  env.Set("A", "");
  CHECK(env.Get("X") == "2");
  CHECK(env.ToStrings() == std::vector<std::string>{"A=", "X=2"});
  env.Unset("X");
  CHECK_FALSE(env.Has("X"));
}

TEST_CASE("Truthy environment values are recognised in any case") {
  Environment env;
  for (const char* yes : {"1", "true", "TRUE", "yes", "On"}) {
    env.Set("CI", yes);
    CHECK(env.IsTrue("CI"));
  }
  for (const char* no : {"0", "false", "", "nope"}) {
    env.Set("CI", no);
    CHECK_FALSE(env.IsTrue("CI"));
  }
  env.Unset("CI");
  CHECK_FALSE(env.IsTrue("CI"));
}

}  // namespace
}  // namespace iotfuzz

namespace iotfuzz {
namespace {

TEST_CASE("Applying changes overrides and adds variables and keeps the others") {
  Environment env;
  env.Set("KEEP", "1");
  env.Set("ASAN_OPTIONS", "user");
  Environment changes;
  changes.Set("ASAN_OPTIONS", "iotfuzz");
  changes.Set("IOTFUZZ_GRAMMAR", "none");
  env.Apply(changes);
  CHECK(env.ToStrings() == std::vector<std::string>{"ASAN_OPTIONS=iotfuzz", "IOTFUZZ_GRAMMAR=none", "KEEP=1"});
}

}  // namespace
}  // namespace iotfuzz
