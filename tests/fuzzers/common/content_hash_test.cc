#include "fuzzers/common/content_hash.h"

#include <catch2/catch.hpp>

#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

TEST_CASE("Content hashes are 16 hex digits and follow FNV-1a 64") {
  CHECK(ContentHashHex("") == "cbf29ce484222325");
  CHECK(ContentHashHex("a") == "af63dc4c8601ec8c");
  CHECK(ContentHashHex("a") != ContentHashHex("b"));
}

TEST_CASE("A file's content hash equals the hash of its bytes, and a missing file has none") {
  testing::TempDir dir;
  testing::WriteFileText(dir / "f", std::string("x\0y", 3));
  CHECK(FileContentHashHex(dir / "f") == ContentHashHex(std::string("x\0y", 3)));
  CHECK_FALSE(FileContentHashHex(dir / "nope").has_value());
}

}  // namespace
}  // namespace iotfuzz
