// Fuzzing dictionaries in the format libFuzzer (-dict=) and AFL++ (-x) both
// read: one entry a line, `name="value"` (the name is optional), blank lines
// and lines starting with '#' ignored.
//
//   # MQTT fixed headers
//   pingreq="\xc0\x00"
//   protocol_name="\x00\x04MQTT\x04"
//
// In a value, `\\` is a backslash, `\"` a quote and `\xNN` any byte; every
// other character must be printable ASCII (AFL++ refuses anything else).
// The limits of both engines apply: an entry holds 1 to 64 bytes (libFuzzer
// silently drops longer ones, AFL++ refuses entries over 128 bytes), and a
// name consists of letters, digits and '_' (AFL++ reads nothing else before
// the '='), optionally followed by an AFL++ level `@N`.
#ifndef IOTFUZZ_FUZZERS_COMMON_DICTIONARY_FILE_H_
#define IOTFUZZ_FUZZERS_COMMON_DICTIONARY_FILE_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace iotfuzz {

// The longest entry both engines use: libFuzzer's dictionary words hold at
// most 64 bytes.
inline constexpr std::size_t kDictionaryMaxEntryBytes = 64;

struct DictionaryEntry {
  std::string name;   // may be empty
  std::string value;  // the decoded bytes, 1 to kDictionaryMaxEntryBytes of them
  uint32_t line = 0;  // 1-based line in the file it was read from
};

// Parses dictionary text; `origin` names it in messages. Throws Error
// "<origin>:<line>:<column>: <what was expected>" for a line that is not an
// entry or a comment, a bad escape, a non-printable character, an empty
// entry or one longer than kDictionaryMaxEntryBytes.
std::vector<DictionaryEntry> ParseDictionary(std::string_view text, std::string_view origin);

// Reads and parses a dictionary file. Throws Error when it cannot be read or
// does not parse.
std::vector<DictionaryEntry> ReadDictionaryFile(const std::filesystem::path& path);

// `bytes` as the quoted part of an entry, without the quotes: printable ASCII
// as is, '"' and '\' escaped with a backslash, every other byte as \xNN
// (lower-case hex).
std::string EscapeDictionaryValue(std::string_view bytes);

// `text` as an entry name: letters, digits and '_' kept, every other
// character '_', at most 64 characters; "token" when nothing is left.
std::string DictionaryEntryName(std::string_view text);

// One entry line, `name="escaped value"` (`"escaped value"` when the name is
// empty), without a line break.
std::string FormatDictionaryEntry(std::string_view name, std::string_view value);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_DICTIONARY_FILE_H_
