#include "fuzzers/campaign/baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "fuzzers/common/error.h"

namespace iotfuzz::campaign {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool IsSignatureChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

std::string Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

Baseline Baseline::Parse(std::string_view text, const std::string& file_name) {
  Baseline b;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::string comment;
    if (std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      comment = Trim(line.substr(hash + 1));
      line = line.substr(0, hash);
    }
    std::vector<std::string> fields;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && IsSpace(line[i])) ++i;
      std::size_t start = i;
      while (i < line.size() && !IsSpace(line[i])) ++i;
      if (i > start) fields.emplace_back(line.substr(start, i - start));
    }
    if (fields.empty()) continue;
    if (fields.size() != 2) {
      throw Error::Format("{}:{}: expected '<target> <signature>' (two fields, then an optional # comment), found {} "
                          "field{}: {}",
                          file_name, line_no, fields.size(), fields.size() == 1 ? "" : "s", Trim(line));
    }
    for (const std::string& f : fields) {
      for (char c : f) {
        if (!IsSignatureChar(c)) {
          throw Error::Format("{}:{}: '{}' has the character '{}'; expected names and signatures of letters, digits, "
                              "'-', '_' and '.'",
                              file_name, line_no, f, c < 0x20 || c == 0x7f ? '?' : c);
        }
      }
    }
    b.entries_.push_back({fields[0], fields[1], comment, line_no});
  }
  return b;
}

Baseline Baseline::Load(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error::Format("baseline {} does not exist; create it with iotfuzz campaign --update-baseline, or leave "
                        "--baseline out",
                        path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error::Format("cannot open baseline {}", path.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error::Format("cannot read baseline {}", path.string());
  return Parse(text, path.string());
}

bool Baseline::Contains(std::string_view target, std::string_view signature) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const BaselineEntry& e) { return e.target == target && e.signature == signature; });
}

void Baseline::Add(BaselineEntry entry) {
  if (!Contains(entry.target, entry.signature)) entries_.push_back(std::move(entry));
}

std::string Baseline::Format() const {
  std::vector<BaselineEntry> sorted = entries_;
  std::sort(sorted.begin(), sorted.end(), [](const BaselineEntry& a, const BaselineEntry& b) {
    return std::tie(a.target, a.signature) < std::tie(b.target, b.signature);
  });
  std::size_t width = 0;
  for (const auto& e : sorted) width = std::max(width, e.target.size());
  std::string out =
      "# iotfuzz campaign baseline: known findings, one per line (<target> <signature>  # note).\n"
      "# A campaign reports these but exits 0 for them; any other finding makes it exit 2.\n";
  for (const auto& e : sorted) {
    std::string line = fmt::format("{:<{}}  {}", e.target, width, e.signature);
    if (!e.comment.empty()) line += "  # " + e.comment;
    out += line + "\n";
  }
  return out;
}

}  // namespace iotfuzz::campaign
