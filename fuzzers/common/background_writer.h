// Atomic file writes off the caller's path: WriteFileAtomically (fsync of the
// file and of its directory, milliseconds each on many disks) run by one
// thread of its own, in the order the writes were asked for. A fuzzing loop
// hands over the corpus entries it keeps and goes on with the next input.
// The writes queued while the thread was busy are done as one batch, each
// directory fsynced once after the batch's renames.
#ifndef IOTFUZZ_FUZZERS_COMMON_BACKGROUND_WRITER_H_
#define IOTFUZZ_FUZZERS_COMMON_BACKGROUND_WRITER_H_

#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace iotfuzz {

class BackgroundWriter {
 public:
  BackgroundWriter();
  // Finishes the writes asked for (errors are dropped: call Flush to see them).
  ~BackgroundWriter();
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Queues `contents` to be written atomically to `path`. Throws the Error of
  // an earlier write that failed.
  void Write(std::filesystem::path path, std::string contents);
  // Returns once every queued write is on disk; throws the Error of the first
  // write that failed.
  void Flush();
  // Writes queued and not finished yet.
  size_t pending() const;

 private:
  void Loop();
  void RethrowLocked();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::pair<std::filesystem::path, std::string>> queue_;
  size_t in_flight_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_COMMON_BACKGROUND_WRITER_H_
