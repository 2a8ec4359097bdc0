#include "fuzzers/common/content_hash.h"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

namespace iotfuzz {

std::string ContentHashHex(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return fmt::format("{:016x}", hash);
}

std::optional<std::string> FileContentHashHex(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return ContentHashHex(bytes);
}

}  // namespace iotfuzz
