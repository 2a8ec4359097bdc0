#include "fuzzers/common/error.h"

#include <catch2/catch.hpp>

namespace iotfuzz {
namespace {

TEST_CASE("An error message is always one line") {
  const Error e("first line\nsecond line\r\n");
  CHECK(std::string(e.what()) == "first line second line");
}

TEST_CASE("Errors can be built from a format string") {
  CHECK(std::string(Error::Format("{} of {}", 1, "two").what()) == "1 of two");
}

}  // namespace
}  // namespace iotfuzz
