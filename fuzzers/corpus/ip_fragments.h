// Reassembling fragmented IP datagrams (IPv4, RFC 791; IPv6 fragment
// headers, RFC 8200 section 4.5) while a capture is read, so a CoAP datagram
// or a TCP segment larger than the link's MTU is imported whole.
//
// A datagram is identified by IP version, source, destination, protocol and
// identification. Its fragments may come in any order; a fragment seen again
// with the same bytes (a retransmission) is ignored; one that overlaps
// another with different bytes drops the datagram (what a receiver would
// take is ambiguous, RFC 5722). It is complete once the fragment without
// "more fragments" is known and the pieces cover every byte before its end.
//
// Bounds: a datagram of at most 65,535 bytes in at most 1,024 fragments, at
// most 256 datagrams waiting (the oldest is dropped, with a problem
// reported, to make room), so a capture cannot make the reader hold more
// than about 16 MiB or spend more than about a million comparisons on one
// datagram.
#ifndef IOTFUZZ_FUZZERS_CORPUS_IP_FRAGMENTS_H_
#define IOTFUZZ_FUZZERS_CORPUS_IP_FRAGMENTS_H_

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace iotfuzz::corpus {

class IpFragmentReassembler {
 public:
  static constexpr size_t kMaxDatagram = 65535;
  static constexpr size_t kMaxPending = 256;
  static constexpr size_t kMaxFragments = 1024;

  struct Key {
    uint8_t ip_version = 4;
    std::array<uint8_t, 16> source{};       // IPv4 in the first 4 bytes
    std::array<uint8_t, 16> destination{};
    uint8_t protocol = 0;                   // IPv6: the fragment header's next header
    uint32_t identification = 0;
    auto operator<=>(const Key&) const = default;
  };

  enum class Result {
    kIncomplete,  // kept, waiting for the other fragments
    kComplete,    // `datagram` holds the whole payload
    kDropped,     // the datagram was given up (`problem` says why)
  };

  // Adds the fragment of `key` at byte `offset` carrying `data` (`more`: the
  // "more fragments" flag), read from capture packet `packet`. On kComplete,
  // `datagram` holds the reassembled payload (from the transport header on)
  // and the datagram is forgotten. `problem` is set whenever something is
  // worth a warning (dropped datagrams, this one's or an older one's).
  Result Add(const Key& key, uint32_t offset, bool more, std::string_view data, uint64_t packet,
             std::string& datagram, std::string& problem);

  // One description per datagram still missing fragments (which packets it
  // has, which bytes are missing); all are forgotten. For the end of a
  // capture.
  std::vector<std::string> TakeIncomplete();

  size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::map<uint32_t, std::string> pieces;  // by offset
    bool have_last = false;
    uint32_t end = 0;                       // one past the last byte, once the last fragment is known
    std::vector<uint64_t> packets;
    uint64_t first_packet = 0;
  };
  static std::string Describe(const Key& key);
  static std::string Describe(const Key& key, const Pending& p);

  std::map<Key, Pending> pending_;
};

}  // namespace iotfuzz::corpus

#endif  // IOTFUZZ_FUZZERS_CORPUS_IP_FRAGMENTS_H_
