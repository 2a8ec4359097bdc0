#include "fuzzers/common/dictionary_file.h"

#include <catch2/catch.hpp>
#include <string>

#include "fuzzers/common/error.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz {
namespace {

using namespace std::string_literals;

TEST_CASE("A dictionary gives its entries in order with names and lines") {
  const std::vector<DictionaryEntry> entries = ParseDictionary(
      "# comment\n"
      "\n"
      "crlf=\"\\x0d\\x0a\"\n"
      "  spaced_name = \"GET \"  \r\n"
      "\"bare value\"\n"
      "level@2=\"\\\"quoted\\\" and \\\\\"\n"
      "   # indented comment\n"
      "upper=\"\\xFF\\x00\"",
      "h.dict");
  REQUIRE(entries.size() == 5);
  CHECK(entries[0].name == "crlf");
  CHECK(entries[0].value == "\r\n");
  CHECK(entries[0].line == 3);
  CHECK(entries[1].name == "spaced_name");
  CHECK(entries[1].value == "GET ");
  CHECK(entries[2].name.empty());
  CHECK(entries[2].value == "bare value");
  CHECK(entries[3].name == "level");
  CHECK(entries[3].value == "\"quoted\" and \\");
  CHECK(entries[4].value == "\xff\x00"s);
  CHECK(entries[4].line == 8);
}

TEST_CASE("Dictionary errors name file, line, column and what was expected") {
  auto error = [](const std::string& text) {
    try {
      ParseDictionary(text, "h.dict");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error("ok=\"a\"\nbad=\"abc\n"), Catch::StartsWith("h.dict:2:9: expected '\"' closing the value"));
  CHECK_THAT(error("x=\"a\\qb\"\n"), Catch::StartsWith("h.dict:1:5: expected an escape"));
  CHECK_THAT(error("x=\"\\x4\"\n"), Catch::StartsWith("h.dict:1:4: expected an escape"));
  CHECK_THAT(error("x=\"a\tb\"\n"), Catch::StartsWith("h.dict:1:5: expected printable ASCII, found byte 0x09"));
  CHECK_THAT(error("x=\"\xc3\xa9\"\n"), Catch::Contains("write it as \\xc3"));
  CHECK_THAT(error("x=\"\"\n"), Catch::StartsWith("h.dict:1:3: expected a value of at least one byte"));
  CHECK_THAT(error("x=\"a\"b\"\n"), Catch::StartsWith("h.dict:1:5: expected the value to end here"));
  CHECK_THAT(error("bad-name=\"a\"\n"), Catch::StartsWith("h.dict:1:4: expected '=' after the entry name, found '-'"));
  CHECK_THAT(error("-x=\"a\"\n"), Catch::StartsWith("h.dict:1:1: expected an entry"));
  CHECK_THAT(error("x \"a\"\n"), Catch::StartsWith("h.dict:1:3: expected '='"));
  CHECK_THAT(error("x@=\"a\"\n"), Catch::StartsWith("h.dict:1:3: expected a level number"));
  CHECK_THAT(error("x=a\n"), Catch::StartsWith("h.dict:1:3: expected '\"' opening the value"));
  const std::string longest(kDictionaryMaxEntryBytes, 'a');
  CHECK(ParseDictionary("x=\"" + longest + "\"", "h.dict")[0].value == longest);
  CHECK_THAT(error("x=\"" + longest + "b\"\n"),
             Catch::StartsWith("h.dict:1:3: entry of 65 bytes; at most 64 (libFuzzer ignores longer entries)"));
}

TEST_CASE("Every byte escapes into a value that parses back") {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string escaped = EscapeDictionaryValue(all);
  for (char c : escaped) CHECK((c >= 0x20 && c <= 0x7e));
  CHECK(EscapeDictionaryValue("a\"b\\c\n\x7f") == "a\\\"b\\\\c\\x0a\\x7f");
  CHECK(FormatDictionaryEntry("", "{") == "\"{\"");  // an entry without a name stays one
  CHECK(FormatDictionaryEntry("brace", "{") == "brace=\"{\"");
  for (size_t at = 0; at < all.size(); at += kDictionaryMaxEntryBytes) {
    const std::string part = all.substr(at, kDictionaryMaxEntryBytes);
    const std::vector<DictionaryEntry> parsed =
        ParseDictionary(FormatDictionaryEntry("part", part) + "\n", "h.dict");
    REQUIRE(parsed.size() == 1);
    CHECK(parsed[0].value == part);
    CHECK(parsed[0].name == "part");
  }
}

TEST_CASE("Entry names keep letters, digits and underscores") {
  CHECK(DictionaryEntryName("connect_v5.message") == "connect_v5_message");
  CHECK(DictionaryEntryName("a-b c") == "a_b_c");
  CHECK(DictionaryEntryName("") == "token");
  CHECK(DictionaryEntryName(std::string(100, 'x')).size() == 64);
}

TEST_CASE("Reading a dictionary file names the file in errors") {
  testing::TempDir dir;
  testing::WriteFileText(dir / "h.dict", "ok=\"a\"\n\nbroken\n");
  CHECK_THROWS_WITH(ReadDictionaryFile(dir / "h.dict"),
                    Catch::StartsWith((dir / "h.dict").string() + ":3:7: expected '='"));
  CHECK_THROWS_WITH(ReadDictionaryFile(dir / "missing.dict"),
                    Catch::Contains("cannot read dictionary") && Catch::Contains("missing.dict"));
}

}  // namespace
}  // namespace iotfuzz
