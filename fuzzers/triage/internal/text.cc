#include "fuzzers/triage/internal/text.h"

#include <algorithm>

namespace iotfuzz::triage::internal {

namespace {

bool IsTrimmed(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsTrimmed(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsTrimmed(text.back())) text.remove_suffix(1);
  return text;
}

bool Contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

std::size_t FindIgnoreCase(std::string_view text, std::string_view needle, std::size_t from) {
  if (needle.empty()) return from <= text.size() ? from : std::string_view::npos;
  if (needle.size() > text.size()) return std::string_view::npos;
  const char first = LowerAscii(needle.front());
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i) {
    if (LowerAscii(text[i]) != first) continue;
    std::size_t k = 1;
    while (k < needle.size() && LowerAscii(text[i + k]) == LowerAscii(needle[k])) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

std::optional<std::uint64_t> ParseHex(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  if (text.empty()) return std::nullopt;
  while (text.size() > 1 && text.front() == '0') text.remove_prefix(1);
  if (text.size() > 16) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    const int digit = HexValue(c);
    if (digit < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

std::optional<std::uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (!IsAsciiDigit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::size_t HexPrefixLength(std::string_view text) {
  std::size_t n = 0;
  while (n < text.size() && IsHexDigit(text[n])) ++n;
  return n;
}

void AppendWithoutAnsi(std::string_view line, std::string& out) {
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c != '\x1b') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (i >= line.size()) break;
    if (line[i] != '[') {  // two-byte escape
      ++i;
      continue;
    }
    ++i;
    // Parameter and intermediate bytes (0x20..0x3f), then one final byte.
    while (i < line.size()) {
      const auto b = static_cast<unsigned char>(line[i]);
      if (b < 0x20 || b > 0x3f) break;
      ++i;
    }
    if (i < line.size()) {
      const auto b = static_cast<unsigned char>(line[i]);
      if (b >= 0x40 && b <= 0x7e) ++i;
    }
  }
}

std::string ToPrintableUtf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) text = text.substr(0, max_bytes);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back((c < 0x20 && c != '\t') || c == 0x7f ? '?' : static_cast<char>(c));
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t min_code = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      min_code = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      min_code = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      min_code = 0x10000;
    }
    bool valid = len != 0 && i + len <= text.size();
    std::uint32_t code = 0;
    if (valid) {
      code = c & (0xff >> (len + 1));
      for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(text[i + k]);
        if ((cc & 0xc0) != 0x80) {
          valid = false;
          break;
        }
        code = (code << 6) | (cc & 0x3f);
      }
    }
    if (valid && (code < min_code || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))) {
      valid = false;
    }
    if (valid) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out.append("\xef\xbf\xbd");
      ++i;
    }
  }
  return out;
}

std::string_view Basename(std::string_view path) {
  const std::size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string HexString(std::uint64_t value, int width) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string digits;
  do {
    digits.push_back(kDigits[value & 0xf]);
    value >>= 4;
  } while (value != 0);
  while (static_cast<int>(digits.size()) < width) digits.push_back('0');
  std::reverse(digits.begin(), digits.end());
  return "0x" + digits;
}

}  // namespace iotfuzz::triage::internal
