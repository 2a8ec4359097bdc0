// Building packet captures byte by byte for tests: classic pcap files of any
// link type with IPv4/IPv6, TCP and UDP packets, and the damaged files a
// reader must survive.
#ifndef IOTFUZZ_TESTS_FUZZERS_CORPUS_PCAP_BUILDER_H_
#define IOTFUZZ_TESTS_FUZZERS_CORPUS_PCAP_BUILDER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace iotfuzz::testing {

// Link-layer header types (LINKTYPE_* values as written in pcap files).
constexpr uint32_t kLinkNull = 0, kLinkEthernet = 1, kLinkRaw = 101, kLinkLoop = 108, kLinkSll = 113,
                   kLinkIpv4 = 228, kLinkIpv6 = 229, kLinkSll2 = 276;

inline void PutBe16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v >> 8));
  s.push_back(static_cast<char>(v));
}
inline void PutBe32(std::string& s, uint32_t v) {
  PutBe16(s, static_cast<uint16_t>(v >> 16));
  PutBe16(s, static_cast<uint16_t>(v));
}
inline void PutLe16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v));
  s.push_back(static_cast<char>(v >> 8));
}
inline void PutLe32(std::string& s, uint32_t v) {
  PutLe16(s, static_cast<uint16_t>(v));
  PutLe16(s, static_cast<uint16_t>(v >> 16));
}

enum TcpFlags : uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

inline std::string TcpHeader(uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, std::string_view payload) {
  std::string s;
  PutBe16(s, sport);
  PutBe16(s, dport);
  PutBe32(s, seq);
  PutBe32(s, 0);           // ack
  s.push_back(0x50);       // data offset 5
  s.push_back(static_cast<char>(flags));
  PutBe16(s, 65535);       // window
  PutBe32(s, 0);           // checksum, urgent
  s.append(payload);
  return s;
}

inline std::string UdpHeader(uint16_t sport, uint16_t dport, std::string_view payload) {
  std::string s;
  PutBe16(s, sport);
  PutBe16(s, dport);
  PutBe16(s, static_cast<uint16_t>(8 + payload.size()));
  PutBe16(s, 0);
  s.append(payload);
  return s;
}

// IPv4 packet from 127.0.0.`src_last` to 127.0.0.`dst_last`.
inline std::string Ipv4(uint8_t protocol, std::string_view transport, uint8_t src_last = 1, uint8_t dst_last = 1) {
  std::string s;
  s.push_back(0x45);
  s.push_back(0);
  PutBe16(s, static_cast<uint16_t>(20 + transport.size()));
  PutBe32(s, 0x00004000);  // id 0, DF
  s.push_back(64);
  s.push_back(static_cast<char>(protocol));
  PutBe16(s, 0);
  PutBe32(s, 0x7f000000u | src_last);
  PutBe32(s, 0x7f000000u | dst_last);
  s.append(transport);
  return s;
}

// IPv6 packet between ::1 (or ::`last`), optionally behind a destination options header.
inline std::string Ipv6(uint8_t next, std::string_view transport, bool with_extension = false, uint8_t src_last = 1,
                        uint8_t dst_last = 1) {
  std::string ext;
  if (with_extension) {
    ext.push_back(static_cast<char>(next));
    ext.push_back(0);               // 8 bytes
    ext.append("\x01\x04\0\0\0\0", 6);  // PadN
    next = 60;
  }
  std::string s;
  PutBe32(s, 0x60000000);
  PutBe16(s, static_cast<uint16_t>(ext.size() + transport.size()));
  s.push_back(static_cast<char>(next));
  s.push_back(64);
  s.append(15, '\0');
  s.push_back(static_cast<char>(src_last));
  s.append(15, '\0');
  s.push_back(static_cast<char>(dst_last));
  s.append(ext);
  s.append(transport);
  return s;
}

// The IPv4 fragment of `payload` (the transport header on) at byte `offset`
// of length `length`, with identification `id`; "more fragments" unless it
// is the end.
inline std::string Ipv4Fragment(uint8_t protocol, std::string_view payload, size_t offset, size_t length, uint16_t id) {
  std::string part(payload.substr(offset, length));
  std::string s = Ipv4(protocol, part);
  const bool more = offset + part.size() < payload.size();
  const uint16_t frag = static_cast<uint16_t>((more ? 0x2000 : 0) | (offset / 8));
  s[4] = static_cast<char>(id >> 8);
  s[5] = static_cast<char>(id);
  s[6] = static_cast<char>(frag >> 8);
  s[7] = static_cast<char>(frag);
  return s;
}

// The IPv6 fragment of `payload` (headers after the fragment header, then
// the transport header) at `offset`, behind a fragment header whose next
// header is `next`.
inline std::string Ipv6Fragment(uint8_t next, std::string_view payload, size_t offset, size_t length, uint32_t id) {
  std::string part(payload.substr(offset, length));
  const bool more = offset + part.size() < payload.size();
  std::string fragment_header;
  fragment_header.push_back(static_cast<char>(next));
  fragment_header.push_back(0);
  PutBe16(fragment_header, static_cast<uint16_t>(offset | (more ? 1 : 0)));
  PutBe32(fragment_header, id);
  return Ipv6(44, fragment_header + part);
}

// The link-layer frame around an IP packet.
inline std::string Frame(uint32_t link, std::string_view ip) {
  bool v6 = !ip.empty() && (static_cast<uint8_t>(ip[0]) >> 4) == 6;
  uint16_t ethertype = v6 ? 0x86dd : 0x0800;
  std::string s;
  switch (link) {
    case kLinkEthernet:
      s.append(12, '\0');
      PutBe16(s, ethertype);
      break;
    case kLinkSll:
      PutBe16(s, 0);       // packet type: to us
      PutBe16(s, 772);     // ARPHRD_LOOPBACK
      PutBe16(s, 6);
      s.append(8, '\0');
      PutBe16(s, ethertype);
      break;
    case kLinkSll2:
      PutBe16(s, ethertype);
      PutBe16(s, 0);       // reserved
      PutBe32(s, 1);       // interface index
      PutBe16(s, 772);
      s.push_back(0);      // packet type
      s.push_back(6);      // address length
      s.append(8, '\0');
      break;
    case kLinkNull:
      PutLe32(s, v6 ? 30 : 2);  // the capturing host's byte order (little-endian here)
      break;
    case kLinkLoop:
      PutBe32(s, v6 ? 24 : 2);
      break;
    default:  // raw IP
      break;
  }
  s.append(ip);
  return s;
}

// A classic pcap file (little-endian, microseconds).
class PcapFile {
 public:
  explicit PcapFile(uint32_t link = kLinkEthernet, uint32_t snaplen = 262144) {
    PutLe32(bytes_, 0xa1b2c3d4);
    PutLe16(bytes_, 2);
    PutLe16(bytes_, 4);
    PutLe32(bytes_, 0);
    PutLe32(bytes_, 0);
    PutLe32(bytes_, snaplen);
    PutLe32(bytes_, link);
  }
  // Adds a record; `captured` < frame.size() cuts it as a snapshot length would.
  PcapFile& Add(std::string_view frame, size_t captured = std::string_view::npos) {
    size_t caplen = captured < frame.size() ? captured : frame.size();
    PutLe32(bytes_, 1700000000u + count_);
    PutLe32(bytes_, 0);
    PutLe32(bytes_, static_cast<uint32_t>(caplen));
    PutLe32(bytes_, static_cast<uint32_t>(frame.size()));
    bytes_.append(frame.substr(0, caplen));
    ++count_;
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  uint32_t count_ = 0;
};

// A pcapng file: section header, one interface of `link`, enhanced packet blocks.
class PcapngFile {
 public:
  explicit PcapngFile(uint32_t link = kLinkEthernet) {
    std::string shb;
    PutLe32(shb, 0x1a2b3c4d);  // byte-order magic
    PutLe16(shb, 1);
    PutLe16(shb, 0);
    PutLe32(shb, 0xffffffff);  // section length unknown
    PutLe32(shb, 0xffffffff);
    Block(0x0a0d0d0a, shb);
    std::string idb;
    PutLe16(idb, static_cast<uint16_t>(link));
    PutLe16(idb, 0);
    PutLe32(idb, 262144);
    Block(1, idb);
  }
  PcapngFile& Add(std::string_view frame) {
    std::string epb;
    PutLe32(epb, 0);  // interface
    PutLe32(epb, 0);  // timestamp
    PutLe32(epb, count_++);
    PutLe32(epb, static_cast<uint32_t>(frame.size()));
    PutLe32(epb, static_cast<uint32_t>(frame.size()));
    epb.append(frame);
    epb.append((4 - frame.size() % 4) % 4, '\0');
    Block(6, epb);
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void Block(uint32_t type, const std::string& body) {
    PutLe32(bytes_, type);
    PutLe32(bytes_, static_cast<uint32_t>(12 + body.size()));
    bytes_.append(body);
    PutLe32(bytes_, static_cast<uint32_t>(12 + body.size()));
  }
  std::string bytes_;
  uint32_t count_ = 0;
};

// A TCP segment between 127.0.0.1:`sport` and 127.0.0.1:`dport` in a frame of `link`.
inline std::string TcpFrame(uint32_t link, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                            std::string_view payload, bool v6 = false) {
  std::string tcp = TcpHeader(sport, dport, seq, flags, payload);
  return Frame(link, v6 ? Ipv6(6, tcp) : Ipv4(6, tcp));
}

inline std::string UdpFrame(uint32_t link, uint16_t sport, uint16_t dport, std::string_view payload, bool v6 = false) {
  std::string udp = UdpHeader(sport, dport, payload);
  return Frame(link, v6 ? Ipv6(17, udp) : Ipv4(17, udp));
}

}  // namespace iotfuzz::testing

#endif  // IOTFUZZ_TESTS_FUZZERS_CORPUS_PCAP_BUILDER_H_
