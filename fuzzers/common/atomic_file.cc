#include "fuzzers/common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "fuzzers/common/error.h"

namespace iotfuzz {
namespace {

[[noreturn]] void Fail(const std::filesystem::path& path, std::string_view step, int error) {
  throw Error::Format("cannot write {}: {} failed: {}", path.string(), step, std::strerror(error));
}

// Closes the descriptor and removes the temporary file unless released.
class TempFileGuard {
 public:
  TempFileGuard(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~TempFileGuard() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;

  int fd() const { return fd_; }
  int ReleaseFd() { return std::exchange(fd_, -1); }
  void Keep() { path_.clear(); }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

void SyncDirectory(const std::filesystem::path& dir) {
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents, DirectorySync sync) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::string temp_name = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> temp_buffer(temp_name.begin(), temp_name.end());
  temp_buffer.push_back('\0');
  const int fd = ::mkstemp(temp_buffer.data());
  if (fd < 0) Fail(path, "creating a temporary file", errno);
  TempFileGuard temp(fd, temp_buffer.data());

  // mkstemp creates mode 0600; give the file the mode a plain create would.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(temp.fd(), 0666 & ~mask) != 0) Fail(path, "chmod", errno);

  const char* data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(temp.fd(), data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(path, "write", errno);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(temp.fd()) != 0) Fail(path, "fsync", errno);
  if (::close(temp.ReleaseFd()) != 0) Fail(path, "close", errno);
  if (::rename(temp_buffer.data(), path.c_str()) != 0) Fail(path, "rename", errno);
  temp.Keep();

  // Make the rename itself durable. A directory that cannot be opened or
  // synced (some file systems refuse) does not undo the completed write.
  if (sync == DirectorySync::kNow) SyncDirectory(dir);
}

std::filesystem::path MergeDirectoryOf(const std::filesystem::path& dir) {
  std::filesystem::path merged = dir;
  merged += ".merge";
  return merged;
}

namespace {
std::filesystem::path PreMergeOf(const std::filesystem::path& dir) {
  std::filesystem::path old = dir;
  old += ".pre-merge";
  return old;
}
}  // namespace

bool SwapInDirectory(const std::filesystem::path& dir, std::string& error) {
  std::error_code ec;
  const std::filesystem::path old = PreMergeOf(dir);
  std::filesystem::remove_all(old, ec);
  std::filesystem::rename(dir, old, ec);
  if (!ec) std::filesystem::rename(MergeDirectoryOf(dir), dir, ec);
  if (ec) {
    error = fmt::format("cannot swap the merged directory into {}: {}", dir.string(), ec.message());
    RecoverDirectorySwap(dir);
    return false;
  }
  std::filesystem::remove_all(old, ec);
  return true;
}

void RecoverDirectorySwap(const std::filesystem::path& dir) {
  std::error_code ec;
  const std::filesystem::path old = PreMergeOf(dir);
  if (!std::filesystem::exists(dir, ec) && std::filesystem::exists(old, ec)) std::filesystem::rename(old, dir, ec);
  if (std::filesystem::exists(dir, ec)) {
    std::filesystem::remove_all(old, ec);
    std::filesystem::remove_all(MergeDirectoryOf(dir), ec);
  }
}

}  // namespace iotfuzz
