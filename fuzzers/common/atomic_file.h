// Writing files that readers never see half-written.
#ifndef IOTFUZZ_FUZZERS_COMMON_ATOMIC_FILE_H_
#define IOTFUZZ_FUZZERS_COMMON_ATOMIC_FILE_H_

#include <filesystem>
#include <string_view>

namespace iotfuzz {

// Replaces the file at `path` with `contents` atomically: a reader (or a
// crash at any moment) sees either the old file or the complete new one.
// Writes a temporary file in the same directory, fsyncs it, renames it over
// `path`, then fsyncs the directory. The new file is readable by everyone the
// umask allows. The directory must exist. Throws Error naming `path` and the
// step that failed; the temporary file is removed on failure.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_ATOMIC_FILE_H_
