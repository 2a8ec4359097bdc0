// Writing files that readers never see half-written.
#ifndef IOTFUZZ_FUZZERS_COMMON_ATOMIC_FILE_H_
#define IOTFUZZ_FUZZERS_COMMON_ATOMIC_FILE_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace iotfuzz {

// Replaces the file at `path` with `contents` atomically: a reader (or a
// crash at any moment) sees either the old file or the complete new one.
// Writes a temporary file in the same directory, fsyncs it, renames it over
// `path`, then fsyncs the directory. The new file is readable by everyone the
// umask allows. The directory must exist. Throws Error naming `path` and the
// step that failed; the temporary file is removed on failure.
// With DirectorySync::kLater the directory is not fsynced: the rename is
// atomic but not yet durable until the caller calls SyncDirectory, which
// lets one directory fsync cover many files written into it.
enum class DirectorySync { kNow, kLater };
void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                         DirectorySync sync = DirectorySync::kNow);
// Makes the renames done in `dir` durable (fsync of the directory). A
// directory that cannot be opened or synced (some file systems refuse) is
// left as it is.
void SyncDirectory(const std::filesystem::path& dir);

// Replacing a directory (a corpus) by a new one built beside it,
// `<dir>.merge`: `<dir>` is renamed to `<dir>.pre-merge`, `<dir>.merge` to
// `<dir>`, then the old one is removed. A process killed in between leaves
// either `<dir>` or `<dir>.pre-merge`, which RecoverDirectorySwap puts
// right. Returns false (with the reason in `error`) when a rename failed;
// `<dir>` is then as it was.
bool SwapInDirectory(const std::filesystem::path& dir, std::string& error);
// Undoes what a swap cut short left behind: `<dir>.pre-merge` back to `<dir>`
// when `<dir>` is missing, then the leftovers removed.
void RecoverDirectorySwap(const std::filesystem::path& dir);
// `<dir>.merge`, where the new directory is built.
std::filesystem::path MergeDirectoryOf(const std::filesystem::path& dir);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_ATOMIC_FILE_H_
