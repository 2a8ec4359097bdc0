// Reassembling one direction of a TCP connection from the segments of a
// capture, in the order they were captured.
//
// Sequence numbers are unwrapped relative to each previous segment, so
// streams may cross the 2^32 boundary. The stream starts one past the SYN's
// sequence number, or — when the capture missed the SYN — at the lowest
// sequence number seen. Retransmissions and overlapping segments contribute
// only bytes not yet seen (the first copy wins; a later copy that differs is
// counted as conflicting), out-of-order segments wait until the bytes before
// them arrive, and bytes that never arrive (lost by the capture, or cut by
// the snapshot length) become gaps: the stream is then a list of contiguous
// chunks with the gaps between them.
#ifndef IOTFUZZ_FUZZERS_CORPUS_TCP_REASSEMBLER_H_
#define IOTFUZZ_FUZZERS_CORPUS_TCP_REASSEMBLER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iotfuzz::corpus {

struct TcpSegment {
  uint64_t packet = 0;  // packet number in the capture
  uint32_t seq = 0;
  bool syn = false;
  bool fin = false;
  std::string data;               // payload bytes captured
  uint32_t declared_length = 0;   // payload bytes the headers announce (>= data.size())
};

// Contiguous bytes of the stream, starting `offset` bytes after its start.
struct StreamChunk {
  uint64_t offset = 0;
  uint64_t first_packet = 0;
  std::string data;
};

// Bytes of the stream that never arrived.
struct StreamGap {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t before_packet = 0;  // the packet whose bytes follow the gap (0: the stream ends)
};

struct ReassembledStream {
  std::vector<StreamChunk> chunks;
  std::vector<StreamGap> gaps;
  uint64_t segments = 0;            // segments with payload
  uint64_t out_of_order = 0;        // segments that arrived before bytes preceding them
  uint64_t retransmitted_bytes = 0; // bytes that arrived again
  uint64_t conflicting_bytes = 0;   // of those, bytes that differed from the first copy
  uint64_t bytes_before_start = 0;  // bytes before the SYN's sequence number, dropped
  bool saw_syn = false;
  bool saw_fin = false;

  uint64_t bytes() const;
  uint64_t gap_bytes() const;
};

class TcpReassembler {
 public:
  void Add(TcpSegment segment) { segments_.push_back(std::move(segment)); }
  bool empty() const { return segments_.empty(); }
  // Whether a SYN with sequence number `seq` was added.
  bool HasSyn() const;
  uint32_t SynSeq() const;

  ReassembledStream Reassemble() const;

 private:
  std::vector<TcpSegment> segments_;
};

}  // namespace iotfuzz::corpus

#endif  // IOTFUZZ_FUZZERS_CORPUS_TCP_REASSEMBLER_H_
