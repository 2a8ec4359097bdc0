// Reading packet captures (pcap and pcapng, through libpcap) and decoding
// each packet down to its TCP segment or UDP datagram.
//
// Link types: Ethernet (with 802.1Q/802.1ad tags), Linux cooked capture v1
// and v2 (SLL, SLL2: `tcpdump -i any`), raw IP (DLT_RAW, DLT_IPV4,
// DLT_IPV6) and BSD loopback (DLT_NULL in either byte order, DLT_LOOP).
// Network layers: IPv4 (options skipped) and IPv6 (hop-by-hop, routing,
// destination options and authentication headers skipped); fragmented
// datagrams are reassembled (IpFragmentReassembler) and read as one packet,
// numbered by the fragment that completed it; datagrams still missing
// fragments at the end of the capture are warned about.
//
// Nothing in a capture can crash the reader: a malformed packet becomes a
// warning naming its packet number (1-based, as Wireshark counts) and what
// was expected, and is skipped; a packet cut by the snapshot length keeps
// the payload bytes that were captured and says how many are missing; a
// truncated record ends the capture with a warning. Only a file libpcap
// cannot open at all (missing, not a capture, truncated file header) is an
// Error.
#ifndef IOTFUZZ_FUZZERS_CORPUS_PCAP_READER_H_
#define IOTFUZZ_FUZZERS_CORPUS_PCAP_READER_H_

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/corpus/ip_fragments.h"

typedef struct pcap pcap_t;

namespace iotfuzz::corpus {

enum class Transport : uint8_t { kTcp, kUdp };

// An IPv4 or IPv6 address (IPv4 in the first 4 bytes) and a port.
struct Endpoint {
  uint8_t ip_version = 4;
  std::array<uint8_t, 16> address{};
  uint16_t port = 0;

  auto operator<=>(const Endpoint&) const = default;
  // "127.0.0.1:1883", "[::1]:5683".
  std::string ToString() const;
};

// Something in the capture worth telling the user about. `packet` is 0 for
// the file as a whole.
struct CaptureWarning {
  uint64_t packet = 0;
  std::string message;
};

// One TCP segment or UDP datagram.
struct DecodedPacket {
  uint64_t number = 0;  // 1-based
  Transport transport = Transport::kTcp;
  Endpoint source;
  Endpoint destination;
  // TCP only.
  uint32_t seq = 0;
  bool syn = false;
  bool ack = false;
  bool fin = false;
  bool rst = false;
  // The payload bytes captured, and how many the headers say there are (more
  // when the snapshot length cut the packet).
  std::string_view payload;
  uint32_t declared_payload_length = 0;
};

// Packet counts of a capture, by what they were.
struct CaptureCounts {
  uint64_t packets = 0;
  uint64_t ipv4 = 0;
  uint64_t ipv6 = 0;
  uint64_t tcp = 0;
  uint64_t udp = 0;
  uint64_t not_ip = 0;         // ARP, LLDP, ...
  uint64_t other_protocol = 0; // ICMP, SCTP, ...
  uint64_t fragments = 0;      // IP fragments
  uint64_t reassembled = 0;    // datagrams reassembled from fragments
  uint64_t malformed = 0;      // skipped with a warning
  uint64_t cut_by_snaplen = 0; // payload partly captured
};

class PcapReader {
 public:
  // Opens a capture file. `name` is how messages call it. Throws Error
  // naming the file when libpcap cannot open it or its link type is not
  // supported.
  explicit PcapReader(const std::string& path);
  // Reads from an open stream (fmemopen for in-memory captures); the reader
  // takes ownership of `file` and closes it.
  PcapReader(std::FILE* file, std::string name);
  ~PcapReader();
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  // The next TCP segment or UDP datagram; false at the end of the capture
  // (or at a truncated record, with a warning). Other packets are counted
  // and skipped. `packet.payload` stays valid until the next call.
  bool Next(DecodedPacket& packet);

  const std::string& name() const { return name_; }
  // libpcap's name of the link type, e.g. "EN10MB", "LINUX_SLL2".
  std::string link_type_name() const;
  int link_type() const { return link_type_; }
  const CaptureCounts& counts() const { return counts_; }
  const std::vector<CaptureWarning>& warnings() const { return warnings_; }
  // Whether reading stopped at a record that could not be read.
  bool truncated() const { return truncated_; }

 private:
  void CheckLinkType();
  // Decodes one captured frame; false (after counting it) when it carries no
  // TCP or UDP payload to use.
  bool Decode(const uint8_t* data, uint32_t caplen, uint32_t len, DecodedPacket& packet);
  bool DecodeIp(const uint8_t* data, size_t size, bool cut, DecodedPacket& packet);
  // The IPv6 headers from `next` at `off` up to the transport header, within
  // `end` bytes captured (`declared_end` as the headers say).
  bool DecodeIpv6Chain(uint8_t next, const uint8_t* data, size_t off, size_t end, size_t declared_end, bool cut,
                       bool reassembled, DecodedPacket& packet);
  // A fragment: true when it completed its datagram, decoded into `packet`.
  bool AddFragment(const IpFragmentReassembler::Key& key, uint32_t offset, bool more, const uint8_t* data,
                   size_t size, bool cut, DecodedPacket& packet);
  // Warns about datagrams still missing fragments (at the end of the capture).
  void WarnIncompleteDatagrams();
  bool DecodeTransport(uint8_t protocol, const uint8_t* data, size_t size, size_t declared, bool cut,
                       DecodedPacket& packet);
  void Warn(std::string message);

  pcap_t* pcap_ = nullptr;
  std::string name_;
  int link_type_ = 0;
  uint64_t number_ = 0;
  bool truncated_ = false;
  CaptureCounts counts_;
  std::vector<CaptureWarning> warnings_;
  IpFragmentReassembler fragments_;
  std::string reassembled_;  // the payload of the datagram last reassembled
};

}  // namespace iotfuzz::corpus

#endif  // IOTFUZZ_FUZZERS_CORPUS_PCAP_READER_H_
