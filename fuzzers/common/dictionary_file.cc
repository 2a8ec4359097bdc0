#include "fuzzers/common/dictionary_file.h"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "fuzzers/common/error.h"

namespace iotfuzz {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsPrintable(unsigned char c) { return c >= 0x20 && c <= 0x7e; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (IsPrintable(u)) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", u);
}

// Parses one non-comment line (already known not to be blank).
class LineParser {
 public:
  LineParser(std::string_view line, std::string_view origin, uint32_t number)
      : line_(line), origin_(origin), number_(number) {}

  DictionaryEntry Parse() {
    DictionaryEntry entry;
    entry.line = number_;
    size_t end = line_.size();
    while (end > 0 && (line_[end - 1] == ' ' || line_[end - 1] == '\t' || line_[end - 1] == '\r')) --end;
    size_t pos = 0;
    while (pos < end && (line_[pos] == ' ' || line_[pos] == '\t')) ++pos;

    if (line_[pos] != '"') {
      const size_t name_start = pos;
      while (pos < end && IsNameChar(line_[pos])) ++pos;
      if (pos == name_start) Fail(pos, "expected an entry: name=\"value\" or \"value\" (names: letters, digits, '_')");
      entry.name = std::string(line_.substr(name_start, pos - name_start));
      if (pos < end && line_[pos] == '@') {
        const size_t level_start = ++pos;
        while (pos < end && line_[pos] >= '0' && line_[pos] <= '9') ++pos;
        if (pos == level_start) Fail(pos, "expected a level number after '@'");
      }
      while (pos < end && (line_[pos] == ' ' || line_[pos] == '\t')) ++pos;
      if (pos >= end || line_[pos] != '=') {
        Fail(pos, pos < end ? fmt::format("expected '=' after the entry name, found {}", Describe(line_[pos]))
                            : "expected '=' after the entry name");
      }
      ++pos;
      while (pos < end && (line_[pos] == ' ' || line_[pos] == '\t')) ++pos;
      if (pos >= end || line_[pos] != '"') Fail(pos, "expected '\"' opening the value");
    }
    const size_t open = pos;
    if (end - open < 2 || line_[end - 1] != '"') Fail(end, "expected '\"' closing the value at the end of the line");
    const size_t close = end - 1;
    for (pos = open + 1; pos < close; ++pos) {
      const char c = line_[pos];
      if (c == '\\') {
        if (pos + 1 < close && (line_[pos + 1] == '\\' || line_[pos + 1] == '"')) {
          entry.value.push_back(line_[++pos]);
          continue;
        }
        if (pos + 3 < close && line_[pos + 1] == 'x' && HexDigit(line_[pos + 2]) >= 0 &&
            HexDigit(line_[pos + 3]) >= 0) {
          entry.value.push_back(static_cast<char>(HexDigit(line_[pos + 2]) * 16 + HexDigit(line_[pos + 3])));
          pos += 3;
          continue;
        }
        Fail(pos, "expected an escape \\\\, \\\" or \\xNN (two hex digits) after '\\'");
      }
      if (c == '"') Fail(pos, "expected the value to end here: a '\"' inside a value is written \\\"");
      if (!IsPrintable(static_cast<unsigned char>(c))) {
        Fail(pos, fmt::format("expected printable ASCII, found {} (write it as \\x{:02x})", Describe(c),
                              static_cast<unsigned char>(c)));
      }
      entry.value.push_back(c);
    }
    if (entry.value.empty()) Fail(open, "expected a value of at least one byte (libFuzzer refuses empty entries)");
    if (entry.value.size() > kDictionaryMaxEntryBytes) {
      Fail(open, fmt::format("entry of {} bytes; at most {} (libFuzzer ignores longer entries)", entry.value.size(),
                             kDictionaryMaxEntryBytes));
    }
    return entry;
  }

 private:
  [[noreturn]] void Fail(size_t pos, const std::string& what) const {
    throw Error::Format("{}:{}:{}: {}", origin_, number_, pos + 1, what);
  }

  std::string_view line_;
  std::string_view origin_;
  uint32_t number_;
};

}  // namespace

std::vector<DictionaryEntry> ParseDictionary(std::string_view text, std::string_view origin) {
  std::vector<DictionaryEntry> entries;
  uint32_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    entries.push_back(LineParser(line, origin, number).Parse());
  }
  return entries;
}

std::vector<DictionaryEntry> ReadDictionaryFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::Format("cannot read dictionary {}", path.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error::Format("cannot read dictionary {}", path.string());
  return ParseDictionary(text, path.string());
}

std::string EscapeDictionaryValue(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (IsPrintable(u)) {
      out.push_back(c);
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  return out;
}

std::string DictionaryEntryName(std::string_view text) {
  std::string name;
  for (char c : text) {
    if (name.size() == 64) break;
    name.push_back(IsNameChar(c) ? c : '_');
  }
  if (name.empty()) name = "token";
  return name;
}

std::string FormatDictionaryEntry(std::string_view name, std::string_view value) {
  if (name.empty()) return fmt::format("\"{}\"", EscapeDictionaryValue(value));
  return fmt::format("{}=\"{}\"", name, EscapeDictionaryValue(value));
}

}  // namespace iotfuzz
