// Naming files by their content, so the same input saved twice is one file.
#ifndef IOTFUZZ_FUZZERS_COMMON_CONTENT_HASH_H_
#define IOTFUZZ_FUZZERS_COMMON_CONTENT_HASH_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace iotfuzz {

// 64-bit FNV-1a of `bytes` as 16 lowercase hex digits. Not cryptographic:
// it names files, it does not authenticate them.
std::string ContentHashHex(std::string_view bytes);

// ContentHashHex of the file's bytes, or nullopt when it cannot be read.
std::optional<std::string> FileContentHashHex(const std::filesystem::path& file);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_CONTENT_HASH_H_
