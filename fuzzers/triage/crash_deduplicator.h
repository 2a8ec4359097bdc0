// CrashDeduplicator: groups crashes into clusters, one per bug.
//
// Algorithm.
//  1. Exact buckets: crashes with the same CrashSignature::BucketKey (crash
//     type + normalised top frames after the ignore list) share a bucket.
//     Timeouts and out-of-memory crashes carry the stack at the alarm or at
//     the allocation in their signature, so they are bucketed like any crash.
//  2. Clustering: buckets are visited largest first (ties: first added
//     first). Each joins the existing cluster whose founding bucket's
//     signature is most similar to its own (crash_signature.h `Similarity`),
//     when that similarity is at least `similarity_threshold` and both have
//     the same security flag; otherwise it founds a new cluster. Two
//     signatures whose crash types differ only in the access size
//     ("Stack-buffer-overflow\nWRITE 9" and "...WRITE 12": one memcpy with
//     an attacker-chosen length) are compared by their stacks alone, so the
//     same faulting site with different lengths is one bug. Comparing
//     with the founder only (not with every member) keeps clusters from
//     drifting through chains of near neighbours.
// The result does not depend on the order of crashes within a bucket, only on
// which bucket was seen first, and is deterministic for a given input order.
#ifndef IOTFUZZ_FUZZERS_TRIAGE_CRASH_DEDUPLICATOR_H_
#define IOTFUZZ_FUZZERS_TRIAGE_CRASH_DEDUPLICATOR_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "fuzzers/triage/crash_signature.h"

namespace iotfuzz::triage {

struct CrashCluster {
  CrashSignature signature;              // the founding bucket's signature
  bool security = false;
  std::vector<std::string> bucket_keys;  // founding bucket first
  std::vector<std::size_t> members;      // crash ids, in the order added, founding bucket first
  double lowest_similarity = 1.0;        // of a merged bucket to the founder (1 when none merged)
};

// The crash type without a trailing access size: "Heap-buffer-overflow\nREAD 4"
// and "Heap-buffer-overflow\nREAD {*}" both give "Heap-buffer-overflow\nREAD".
std::string CrashTypeWithoutSize(const std::string& crash_type);

// Similarity as used for clustering (see the header comment).
double ClusteringSimilarity(const CrashSignature& a, const CrashSignature& b);

class CrashDeduplicator {
 public:
  struct Options {
    double similarity_threshold = kLikelySameBugSimilarity;
  };

  CrashDeduplicator() = default;
  explicit CrashDeduplicator(Options options) : options_(options) {}

  // Adds crash `id` (any caller-chosen number, e.g. an index into its list).
  void Add(std::size_t id, const CrashSignature& signature, bool security);

  // The clusters, largest first (ties: the one whose founding bucket was
  // added first comes first).
  std::vector<CrashCluster> Clusters() const;

  std::size_t bucket_count() const { return buckets_.size(); }

 private:
  struct Bucket {
    CrashSignature signature;
    bool security = false;
    std::size_t order = 0;
    std::vector<std::size_t> members;
  };
  Options options_;
  std::map<std::string, Bucket> buckets_;  // keyed by bucket key + security flag
};

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_CRASH_DEDUPLICATOR_H_
