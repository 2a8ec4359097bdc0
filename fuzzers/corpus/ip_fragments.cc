#include "fuzzers/corpus/ip_fragments.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace iotfuzz::corpus {

std::string IpFragmentReassembler::Describe(const Key& key) {
  char source[INET6_ADDRSTRLEN] = "?";
  char destination[INET6_ADDRSTRLEN] = "?";
  const int family = key.ip_version == 6 ? AF_INET6 : AF_INET;
  inet_ntop(family, key.source.data(), source, sizeof source);
  inet_ntop(family, key.destination.data(), destination, sizeof destination);
  return fmt::format("IPv{} datagram {} -> {} (protocol {}, identification {})", key.ip_version, source, destination,
                     key.protocol, key.identification);
}

std::string IpFragmentReassembler::Describe(const Key& key, const Pending& p) {
  // The holes: byte ranges no piece covers, up to the end when known.
  std::vector<std::string> holes;
  uint32_t covered = 0;
  for (const auto& [offset, bytes] : p.pieces) {
    if (offset > covered) holes.push_back(fmt::format("{}-{}", covered, offset - 1));
    covered = std::max<uint32_t>(covered, offset + static_cast<uint32_t>(bytes.size()));
  }
  if (!p.have_last) {
    holes.push_back(fmt::format("{}-(end unknown: no last fragment)", covered));
  } else if (covered < p.end) {
    holes.push_back(fmt::format("{}-{}", covered, p.end - 1));
  }
  return fmt::format("{} has fragments in packets {}; missing bytes {}", Describe(key), fmt::join(p.packets, ", "),
                     fmt::join(holes, ", "));
}

IpFragmentReassembler::Result IpFragmentReassembler::Add(const Key& key, uint32_t offset, bool more,
                                                         std::string_view data, uint64_t packet,
                                                         std::string& datagram, std::string& problem) {
  problem.clear();
  const uint64_t end = uint64_t{offset} + data.size();
  if (end > kMaxDatagram) {
    problem = fmt::format("{}: a fragment ends at byte {}, past the largest datagram ({} bytes); dropped",
                          Describe(key), end, kMaxDatagram);
    pending_.erase(key);
    return Result::kDropped;
  }
  if (more && data.size() % 8 != 0) {
    problem = fmt::format("{}: a fragment other than the last carries {} bytes, not a multiple of 8; dropped",
                          Describe(key), data.size());
    pending_.erase(key);
    return Result::kDropped;
  }
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    if (pending_.size() >= kMaxPending) {
      // Make room: the datagram waiting longest is given up.
      auto oldest = std::min_element(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
        return a.second.first_packet < b.second.first_packet;
      });
      problem = fmt::format("more than {} fragmented datagrams waiting: given up on {}", kMaxPending,
                            Describe(oldest->first, oldest->second));
      pending_.erase(oldest);
    }
    it = pending_.emplace(key, Pending{}).first;
    it->second.first_packet = packet;
  }
  Pending& p = it->second;
  if (p.pieces.size() >= kMaxFragments) {
    problem = fmt::format("{}: more than {} fragments; dropped", Describe(key), kMaxFragments);
    pending_.erase(it);
    return Result::kDropped;
  }
  // Overlaps: the same bytes again are a retransmission; different ones
  // make the datagram ambiguous.
  for (const auto& [other_offset, other] : p.pieces) {
    const uint64_t other_end = uint64_t{other_offset} + other.size();
    if (other_end <= offset || other_offset >= end) continue;
    const uint64_t from = std::max<uint64_t>(offset, other_offset);
    const uint64_t to = std::min<uint64_t>(end, other_end);
    if (data.substr(from - offset, to - from) != std::string_view(other).substr(from - other_offset, to - from)) {
      const std::string where = Describe(key);
      problem = fmt::format("{}: fragments overlap with different bytes (packet {}, bytes {}-{}); dropped", where,
                            packet, from, to - 1);
      pending_.erase(it);
      return Result::kDropped;
    }
  }
  if (!more) {
    if (p.have_last && p.end != end) {
      problem = fmt::format("{}: two last fragments end at bytes {} and {}; dropped", Describe(key), p.end, end);
      pending_.erase(it);
      return Result::kDropped;
    }
    p.have_last = true;
    p.end = static_cast<uint32_t>(end);
  }
  if (p.have_last) {
    // Nothing may lie past the end the last fragment gives: this fragment,
    // nor (when this one is the last) any kept before it.
    uint64_t furthest = end;
    for (const auto& [other_offset, other] : p.pieces) furthest = std::max<uint64_t>(furthest, other_offset + other.size());
    if (furthest > p.end) {
      problem = fmt::format("{}: a fragment runs past the end the last one gives (byte {}); dropped", Describe(key),
                            p.end);
      pending_.erase(it);
      return Result::kDropped;
    }
  }
  p.packets.push_back(packet);
  auto existing = p.pieces.find(offset);
  if (existing == p.pieces.end() || existing->second.size() < data.size()) p.pieces[offset] = std::string(data);
  if (!p.have_last) return Result::kIncomplete;
  // Complete when the pieces cover [0, end) without a hole.
  uint32_t covered = 0;
  for (const auto& [piece_offset, bytes] : p.pieces) {
    if (piece_offset > covered) return Result::kIncomplete;
    covered = std::max<uint32_t>(covered, piece_offset + static_cast<uint32_t>(bytes.size()));
  }
  if (covered < p.end) return Result::kIncomplete;
  datagram.assign(p.end, '\0');
  for (const auto& [piece_offset, bytes] : p.pieces) datagram.replace(piece_offset, bytes.size(), bytes);
  pending_.erase(it);
  return Result::kComplete;
}

std::vector<std::string> IpFragmentReassembler::TakeIncomplete() {
  std::vector<std::string> out;
  for (const auto& [key, p] : pending_) out.push_back(Describe(key, p));
  pending_.clear();
  return out;
}

}  // namespace iotfuzz::corpus
