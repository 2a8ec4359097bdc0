#include "fuzzers/net/coverage_map.h"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "fuzzers/common/error.h"

namespace iotfuzz::net {

SharedCoverageMap::SharedCoverageMap(size_t size) : size_((size + 7) & ~size_t{7}) {
  id_ = shmget(IPC_PRIVATE, size_, IPC_CREAT | IPC_EXCL | 0600);
  if (id_ < 0) {
    throw Error::Format("cannot create a {}-byte shared-memory coverage map: {}", size_, std::strerror(errno));
  }
  void* p = shmat(id_, nullptr, 0);
  if (p == reinterpret_cast<void*>(-1)) {
    int err = errno;
    shmctl(id_, IPC_RMID, nullptr);
    throw Error::Format("cannot attach the shared-memory coverage map: {}", std::strerror(err));
  }
  data_ = static_cast<uint8_t*>(p);
  // Linux lets processes attach a segment marked for removal while it is
  // attached somewhere; marking now means no segment outlives iotfuzz.
  shmctl(id_, IPC_RMID, nullptr);
  Clear();
}

SharedCoverageMap::~SharedCoverageMap() {
  if (data_ != nullptr) shmdt(data_);
}

void SharedCoverageMap::Clear() { std::memset(data_, 0, size_); }

namespace {

constexpr std::array<uint8_t, 256> MakeBuckets() {
  std::array<uint8_t, 256> b{};
  for (int i = 0; i < 256; ++i) {
    uint8_t v = 0;
    if (i == 0) v = 0;
    else if (i == 1) v = 1;
    else if (i == 2) v = 2;
    else if (i == 3) v = 4;
    else if (i <= 7) v = 8;
    else if (i <= 15) v = 16;
    else if (i <= 31) v = 32;
    else if (i <= 127) v = 64;
    else v = 128;
    b[i] = v;
  }
  return b;
}

constexpr std::array<uint8_t, 256> kBuckets = MakeBuckets();

}  // namespace

CoverageAccumulator::CoverageAccumulator(size_t size) : seen_(size, 0) {}

void CoverageAccumulator::Classify(uint8_t* trace, size_t size) {
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, trace + i, 8);
    if (word == 0) continue;
    for (size_t k = 0; k < 8; ++k) trace[i + k] = kBuckets[trace[i + k]];
  }
  for (; i < size; ++i) trace[i] = kBuckets[trace[i]];
}

CoverageAccumulator::Novelty CoverageAccumulator::Merge(uint8_t* trace) {
  Classify(trace, seen_.size());
  return MergeClassified(trace);
}

CoverageAccumulator::Novelty CoverageAccumulator::MergeClassified(const uint8_t* trace) {
  Novelty result = kNothingNew;
  const size_t size = seen_.size();
  for (size_t i = 0; i < size; i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, trace + i, std::min<size_t>(8, size - i));
    if (word == 0) continue;
    for (size_t k = i; k < i + 8 && k < size; ++k) {
      uint8_t fresh = trace[k] & ~seen_[k];
      if (fresh == 0) continue;
      if (seen_[k] == 0) {
        ++edges_;
        result = kNewEdges;
      } else if (result == kNothingNew) {
        result = kNewCounts;
      }
      seen_[k] |= trace[k];
    }
  }
  return result;
}

size_t CoverageAccumulator::CountEdges(const uint8_t* trace, size_t size) {
  // Most of a map is zero: whole words at a time.
  size_t n = 0;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word;
    std::memcpy(&word, trace + i, 8);
    if (word == 0) continue;
    for (size_t k = 0; k < 8; ++k) n += trace[i + k] != 0;
  }
  for (; i < size; ++i) n += trace[i] != 0;
  return n;
}

}  // namespace iotfuzz::net
