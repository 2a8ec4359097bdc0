#include "fuzzers/common/background_writer.h"

#include <algorithm>
#include <vector>

#include "fuzzers/common/atomic_file.h"

namespace iotfuzz {

BackgroundWriter::BackgroundWriter() : thread_([this] { Loop(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void BackgroundWriter::RethrowLocked() {
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void BackgroundWriter::Write(std::filesystem::path path, std::string contents) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    RethrowLocked();
    queue_.emplace_back(std::move(path), std::move(contents));
  }
  wake_.notify_one();
}

void BackgroundWriter::Flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && in_flight_ == 0; });
  RethrowLocked();
}

size_t BackgroundWriter::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + in_flight_;
}

void BackgroundWriter::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to write
    // Everything queued so far, in order, with one fsync per directory
    // after the batch's renames instead of one per file.
    std::deque<std::pair<std::filesystem::path, std::string>> batch;
    batch.swap(queue_);
    in_flight_ = batch.size();
    lock.unlock();
    std::exception_ptr failed;
    std::vector<std::filesystem::path> dirs;
    for (auto& [path, contents] : batch) {
      try {
        WriteFileAtomically(path, contents, DirectorySync::kLater);
        std::filesystem::path dir = path.parent_path();
        if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(std::move(dir));
      } catch (...) {
        if (!failed) failed = std::current_exception();
      }
    }
    for (const auto& dir : dirs) SyncDirectory(dir);
    lock.lock();
    in_flight_ = 0;
    if (failed && !error_) error_ = failed;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace iotfuzz
