#include "fuzzers/common/background_writer.h"

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
    auto [path, contents] = std::move(queue_.front());
    queue_.pop_front();
    ++in_flight_;
    lock.unlock();
    std::exception_ptr failed;
    try {
      WriteFileAtomically(path, contents);
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    --in_flight_;
    if (failed && !error_) error_ = failed;
    if (queue_.empty() && in_flight_ == 0) idle_.notify_all();
  }
}

}  // namespace iotfuzz
