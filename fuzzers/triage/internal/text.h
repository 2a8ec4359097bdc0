// Byte-string helpers shared by the triage units. Everything here is linear in
// its input and never throws on arbitrary bytes (NUL, invalid UTF-8).

#ifndef IOTFUZZ_FUZZERS_TRIAGE_INTERNAL_TEXT_H_
#define IOTFUZZ_FUZZERS_TRIAGE_INTERNAL_TEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace iotfuzz::triage::internal {

// `text` without leading and trailing spaces, tabs, CR and LF.
std::string_view Trim(std::string_view text);

bool Contains(std::string_view text, std::string_view needle);

// Position of `needle` in `text` ignoring ASCII case, or npos.
std::size_t FindIgnoreCase(std::string_view text, std::string_view needle, std::size_t from = 0);

// Parses "0x1f" / "1F" (at most 16 hex digits) into a value; nullopt when the
// text is not entirely hex digits or overflows 64 bits.
std::optional<std::uint64_t> ParseHex(std::string_view text);

// Parses an unsigned decimal number that fills `text`; nullopt otherwise.
std::optional<std::uint64_t> ParseDecimal(std::string_view text);

// Length of the run of hex digits at the start of `text`.
std::size_t HexPrefixLength(std::string_view text);

// Appends `line` to `out` without ANSI escape sequences (CSI `ESC [ ... final`
// and two-byte `ESC x`).
void AppendWithoutAnsi(std::string_view line, std::string& out);

// `text` as valid UTF-8 that is safe to print and serialise: invalid sequences
// become U+FFFD, control characters other than tab become '?'. At most
// `max_bytes` input bytes are used.
std::string ToPrintableUtf8(std::string_view text, std::size_t max_bytes = 4096);

// The last path component of `path` ('/' or '\\' separated).
std::string_view Basename(std::string_view path);

// "0x" followed by lowercase hex digits of `value`, zero-padded to `width`.
std::string HexString(std::uint64_t value, int width = 0);

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsHexDigit(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool IsSpace(char c) { return c == ' ' || c == '\t'; }

}  // namespace iotfuzz::triage::internal

#endif  // IOTFUZZ_FUZZERS_TRIAGE_INTERNAL_TEXT_H_
