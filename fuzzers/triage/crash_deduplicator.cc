#include "fuzzers/triage/crash_deduplicator.h"

#include <algorithm>

namespace iotfuzz::triage {

std::string CrashTypeWithoutSize(const std::string& crash_type) {
  const std::size_t newline = crash_type.find('\n');
  if (newline == std::string::npos) return crash_type;
  const std::size_t space = crash_type.rfind(' ');
  if (space == std::string::npos || space < newline) return crash_type;
  const std::string_view size = std::string_view(crash_type).substr(space + 1);
  const bool is_size = size == "{*}" || (!size.empty() && size.find_first_not_of("0123456789") == std::string_view::npos);
  return is_size ? crash_type.substr(0, space) : crash_type;
}

double ClusteringSimilarity(const CrashSignature& a, const CrashSignature& b) {
  if (a.crash_type() != b.crash_type() && CrashTypeWithoutSize(a.crash_type()) == CrashTypeWithoutSize(b.crash_type())) {
    return StackSimilarity(a.stack(), b.stack());
  }
  return Similarity(a, b);
}

void CrashDeduplicator::Add(std::size_t id, const CrashSignature& signature, bool security) {
  const std::string key = signature.BucketKey() + (security ? "/s" : "/n");
  auto [it, inserted] = buckets_.try_emplace(key);
  if (inserted) {
    it->second.signature = signature;
    it->second.security = security;
    it->second.order = buckets_.size() - 1;
  }
  it->second.members.push_back(id);
}

std::vector<CrashCluster> CrashDeduplicator::Clusters() const {
  std::vector<const Bucket*> order;
  order.reserve(buckets_.size());
  for (const auto& [key, bucket] : buckets_) order.push_back(&bucket);
  std::sort(order.begin(), order.end(), [](const Bucket* a, const Bucket* b) {
    if (a->members.size() != b->members.size()) return a->members.size() > b->members.size();
    return a->order < b->order;
  });

  std::vector<CrashCluster> clusters;
  std::vector<std::size_t> founder_order;
  for (const Bucket* bucket : order) {
    double best = -1;
    std::size_t best_index = clusters.size();
    for (std::size_t i = 0; i < clusters.size(); ++i) {
      if (clusters[i].security != bucket->security) continue;
      const double s = ClusteringSimilarity(clusters[i].signature, bucket->signature);
      if (s >= options_.similarity_threshold && s > best) {
        best = s;
        best_index = i;
      }
    }
    if (best_index == clusters.size()) {
      CrashCluster cluster;
      cluster.signature = bucket->signature;
      cluster.security = bucket->security;
      cluster.bucket_keys.push_back(bucket->signature.BucketKey());
      cluster.members = bucket->members;
      clusters.push_back(std::move(cluster));
      founder_order.push_back(bucket->order);
    } else {
      CrashCluster& cluster = clusters[best_index];
      cluster.bucket_keys.push_back(bucket->signature.BucketKey());
      cluster.members.insert(cluster.members.end(), bucket->members.begin(), bucket->members.end());
      cluster.lowest_similarity = std::min(cluster.lowest_similarity, best);
    }
  }
  std::vector<std::size_t> index(clusters.size());
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
  std::stable_sort(index.begin(), index.end(), [&](std::size_t a, std::size_t b) {
    if (clusters[a].members.size() != clusters[b].members.size()) {
      return clusters[a].members.size() > clusters[b].members.size();
    }
    return founder_order[a] < founder_order[b];
  });
  std::vector<CrashCluster> sorted;
  sorted.reserve(clusters.size());
  for (std::size_t i : index) sorted.push_back(std::move(clusters[i]));
  return sorted;
}

}  // namespace iotfuzz::triage
