// Edge coverage of a server built with AFL++ instrumentation (afl-clang-fast):
// the server's runtime attaches the System V shared-memory segment named by
// $__AFL_SHM_ID and counts edge hits into it; iotfuzz creates the segment,
// clears it before a session and reads it after.
#ifndef IOTFUZZ_FUZZERS_NET_COVERAGE_MAP_H_
#define IOTFUZZ_FUZZERS_NET_COVERAGE_MAP_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace iotfuzz::net {

class SharedCoverageMap {
 public:
  // Creates and attaches a segment of `size` bytes (a multiple of 8). The
  // segment is marked for removal at once, so it disappears with the last
  // process attached to it, however iotfuzz ends. Throws Error.
  explicit SharedCoverageMap(size_t size);
  ~SharedCoverageMap();
  SharedCoverageMap(const SharedCoverageMap&) = delete;
  SharedCoverageMap& operator=(const SharedCoverageMap&) = delete;

  int id() const { return id_; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  void Clear();

 private:
  int id_ = -1;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// What a session's trace adds to everything seen so far, the way AFL++ judges
// it: hit counts are put into buckets (1, 2, 3, 4-7, 8-15, 16-31, 32-127,
// 128+); a new edge or a new bucket of a known edge is new coverage.
class CoverageAccumulator {
 public:
  enum Novelty { kNothingNew = 0, kNewCounts = 1, kNewEdges = 2 };

  explicit CoverageAccumulator(size_t size);

  // Classifies `trace` (size() bytes) in place and merges it into what was
  // seen. Returns what was new.
  Novelty Merge(uint8_t* trace);
  // Merges a trace Classify has been applied to.
  Novelty MergeClassified(const uint8_t* trace);
  static void Classify(uint8_t* trace, size_t size);

  size_t edges() const { return edges_; }
  size_t size() const { return seen_.size(); }
  // Edges hit by one (classified or raw) trace.
  static size_t CountEdges(const uint8_t* trace, size_t size);

 private:
  std::vector<uint8_t> seen_;  // OR of the classified buckets seen per edge
  size_t edges_ = 0;
};

// What several executors (parallel workers of one run, each with its own
// server and map) have seen together.
struct SharedCoverage {
  explicit SharedCoverage(size_t size) : accumulator(size) {}
  std::mutex mutex;
  CoverageAccumulator accumulator;
};

}  // namespace iotfuzz::net

#endif  // IOTFUZZ_FUZZERS_NET_COVERAGE_MAP_H_
