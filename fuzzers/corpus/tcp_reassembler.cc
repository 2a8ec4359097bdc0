#include "fuzzers/corpus/tcp_reassembler.h"

#include <algorithm>
#include <map>

namespace iotfuzz::corpus {

uint64_t ReassembledStream::bytes() const {
  uint64_t n = 0;
  for (const StreamChunk& c : chunks) n += c.data.size();
  return n;
}

uint64_t ReassembledStream::gap_bytes() const {
  uint64_t n = 0;
  for (const StreamGap& g : gaps) n += g.length;
  return n;
}

bool TcpReassembler::HasSyn() const {
  return std::any_of(segments_.begin(), segments_.end(), [](const TcpSegment& s) { return s.syn; });
}

uint32_t TcpReassembler::SynSeq() const {
  for (const TcpSegment& s : segments_)
    if (s.syn) return s.seq;
  return 0;
}

namespace {

// Builds the chunks while segments arrive.
class StreamBuilder {
 public:
  explicit StreamBuilder(ReassembledStream& out) : out_(out) {}

  void Arrive(uint64_t rel, std::string_view data, uint64_t packet) {
    if (data.empty()) return;
    ++out_.segments;
    uint64_t end = rel + data.size();
    if (end <= expected_) {  // every byte seen already
      Duplicate(rel, data);
      max_end_ = std::max(max_end_, end);
      return;
    }
    if (rel < max_end_) ++out_.out_of_order;  // later bytes arrived first
    max_end_ = std::max(max_end_, end);
    if (rel > expected_) {
      auto [it, inserted] = pending_.try_emplace(rel, Pending{std::string(data), packet});
      if (!inserted) {
        // Same start twice: keep the longer copy, the overlap counts as retransmitted.
        std::string& kept = it->second.data;
        size_t common = std::min(kept.size(), data.size());
        out_.retransmitted_bytes += common;
        for (size_t i = 0; i < common; ++i) out_.conflicting_bytes += kept[i] != data[i];
        if (data.size() > kept.size()) it->second = Pending{std::string(data), packet};
      }
      return;
    }
    Append(rel, data, packet);
    Drain();
  }

  void Finish(uint64_t declared_end) {
    while (!pending_.empty()) {
      auto first = pending_.begin();
      out_.gaps.push_back({expected_, first->first - expected_, first->second.packet});
      expected_ = first->first;
      Drain();
    }
    if (declared_end > expected_) out_.gaps.push_back({expected_, declared_end - expected_, 0});
  }

 private:
  struct Pending {
    std::string data;
    uint64_t packet = 0;
  };

  // `data` at `rel` <= expected_ < rel + size: the bytes before expected_
  // were seen; the rest extends the stream.
  void Append(uint64_t rel, std::string_view data, uint64_t packet) {
    size_t seen = static_cast<size_t>(expected_ - rel);
    if (seen > 0) Duplicate(rel, data.substr(0, seen));
    if (out_.chunks.empty() || out_.chunks.back().offset + out_.chunks.back().data.size() != expected_)
      out_.chunks.push_back({expected_, packet, {}});
    out_.chunks.back().data.append(data.substr(seen));
    expected_ = rel + data.size();
  }

  void Drain() {
    while (!pending_.empty() && pending_.begin()->first <= expected_) {
      auto node = pending_.extract(pending_.begin());
      uint64_t rel = node.key();
      const std::string& data = node.mapped().data;
      if (rel + data.size() <= expected_) {
        Duplicate(rel, data);
      } else {
        Append(rel, data, node.mapped().packet);
      }
    }
  }

  // Bytes at `rel` that arrived before: count them, and those that differ.
  void Duplicate(uint64_t rel, std::string_view data) {
    out_.retransmitted_bytes += data.size();
    for (auto it = out_.chunks.rbegin(); it != out_.chunks.rend(); ++it) {
      uint64_t begin = std::max(rel, it->offset);
      uint64_t end = std::min(rel + data.size(), it->offset + it->data.size());
      for (uint64_t o = begin; o < end; ++o) out_.conflicting_bytes += it->data[o - it->offset] != data[o - rel];
      if (it->offset <= rel) break;
    }
  }

  ReassembledStream& out_;
  uint64_t expected_ = 0;
  uint64_t max_end_ = 0;
  std::map<uint64_t, Pending> pending_;
};

}  // namespace

ReassembledStream TcpReassembler::Reassemble() const {
  ReassembledStream out;
  if (segments_.empty()) return out;
  // Unwrap: each sequence number relative to the previous segment's.
  std::vector<int64_t> offsets(segments_.size());
  for (size_t i = 1; i < segments_.size(); ++i)
    offsets[i] = offsets[i - 1] + static_cast<int32_t>(segments_[i].seq - segments_[i - 1].seq);
  auto data_start = [&](size_t i) { return offsets[i] + (segments_[i].syn ? 1 : 0); };

  bool have_base = false;
  int64_t base = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    out.saw_fin = out.saw_fin || segments_[i].fin;
    if (segments_[i].syn && !out.saw_syn) {
      out.saw_syn = true;
      base = offsets[i] + 1;
      have_base = true;
    }
  }
  if (!have_base) {
    for (size_t i = 0; i < segments_.size(); ++i) {
      if (segments_[i].declared_length == 0) continue;
      if (!have_base || data_start(i) < base) base = data_start(i);
      have_base = true;
    }
  }
  if (!have_base) return out;

  StreamBuilder builder(out);
  uint64_t declared_end = 0;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const TcpSegment& s = segments_[i];
    int64_t start = data_start(i);
    std::string_view data = s.data;
    uint64_t declared = std::max<uint64_t>(s.declared_length, data.size());
    if (start < base) {
      uint64_t before = static_cast<uint64_t>(base - start);
      uint64_t drop = std::min<uint64_t>(before, data.size());
      out.bytes_before_start += drop;
      data.remove_prefix(drop);
      declared = declared > before ? declared - before : 0;
      start = base;
    }
    uint64_t rel = static_cast<uint64_t>(start - base);
    if (declared > 0) declared_end = std::max(declared_end, rel + declared);
    builder.Arrive(rel, data, s.packet);
  }
  builder.Finish(declared_end);
  return out;
}

}  // namespace iotfuzz::corpus
