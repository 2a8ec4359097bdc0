#include "fuzzers/corpus/pcap_reader.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <pcap/pcap.h>

#include <cstring>

#include "fuzzers/common/error.h"

namespace iotfuzz::corpus {
namespace {

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
uint32_t Le32(const uint8_t* p) {
  return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | uint32_t{p[0]};
}

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;

// BSD loopback address families of IPv6: Linux, NetBSD/OpenBSD, FreeBSD, macOS.
bool IsAfInet6(uint32_t family) { return family == 10 || family == 24 || family == 28 || family == 30; }

}  // namespace

std::string Endpoint::ToString() const {
  char text[INET6_ADDRSTRLEN] = "?";
  inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, address.data(), text, sizeof text);
  return ip_version == 6 ? fmt::format("[{}]:{}", text, port) : fmt::format("{}:{}", text, port);
}

PcapReader::PcapReader(const std::string& path) : name_(path) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_ = pcap_open_offline(path.c_str(), errbuf);
  if (pcap_ == nullptr) throw Error::Format("{}: cannot read the capture: {}", path, errbuf);
  CheckLinkType();
}

PcapReader::PcapReader(std::FILE* file, std::string name) : name_(std::move(name)) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_ = pcap_fopen_offline(file, errbuf);  // owns `file` from here on, unless it fails
  if (pcap_ == nullptr) {
    std::fclose(file);
    throw Error::Format("{}: cannot read the capture: {}", name_, errbuf);
  }
  CheckLinkType();
}

PcapReader::~PcapReader() {
  if (pcap_ != nullptr) pcap_close(pcap_);
}

void PcapReader::CheckLinkType() {
  link_type_ = pcap_datalink(pcap_);
  switch (link_type_) {
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_EN10MB:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
      return;
    default: {
      std::string name = link_type_name();
      pcap_close(pcap_);
      pcap_ = nullptr;
      throw Error::Format(
          "{}: link type {} ({}) is not supported; expected Ethernet, Linux cooked (SLL, SLL2), raw IP or "
          "loopback (NULL, LOOP)",
          name_, link_type_, name);
    }
  }
}

std::string PcapReader::link_type_name() const {
  const char* name = pcap_datalink_val_to_name(link_type_);
  return name != nullptr ? name : fmt::format("DLT {}", link_type_);
}

void PcapReader::Warn(std::string message) { warnings_.push_back({number_, std::move(message)}); }

bool PcapReader::Next(DecodedPacket& packet) {
  while (pcap_ != nullptr) {
    struct pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int status = pcap_next_ex(pcap_, &header, &data);
    if (status == PCAP_ERROR_BREAK) {
      WarnIncompleteDatagrams();
      return false;
    }
    ++number_;
    if (status != 1) {
      Warn(fmt::format("the record cannot be read ({}); expected a complete record, the capture ends here",
                       pcap_geterr(pcap_)));
      truncated_ = true;
      pcap_close(pcap_);
      pcap_ = nullptr;
      WarnIncompleteDatagrams();
      return false;
    }
    ++counts_.packets;
    packet = DecodedPacket{};
    packet.number = number_;
    if (Decode(data, header->caplen, header->len, packet)) return true;
  }
  return false;
}

bool PcapReader::Decode(const uint8_t* data, uint32_t caplen, uint32_t len, DecodedPacket& packet) {
  bool cut = caplen < len;
  size_t off = 0;
  uint16_t ethertype = 0;
  bool by_version = false;  // raw IP: the version nibble tells
  auto too_short = [&](const char* what, size_t need) {
    ++counts_.malformed;
    Warn(fmt::format("{} {} header needs {} bytes, the packet has {}{}; skipped", cut ? "cut by the snapshot length:" : "malformed:",
                     what, need, caplen, cut ? fmt::format(" of {}", len) : ""));
    return false;
  };
  switch (link_type_) {
    case DLT_EN10MB: {
      if (caplen < 14) return too_short("the Ethernet", 14);
      ethertype = Be16(data + 12);
      off = 14;
      while (ethertype == 0x8100 || ethertype == 0x88a8 || ethertype == 0x9100) {
        if (caplen < off + 4) return too_short("the VLAN tag of the Ethernet", off + 4);
        ethertype = Be16(data + off + 2);
        off += 4;
      }
      break;
    }
    case DLT_LINUX_SLL:
      if (caplen < 16) return too_short("the Linux cooked (SLL)", 16);
      ethertype = Be16(data + 14);
      off = 16;
      break;
    case DLT_LINUX_SLL2:
      if (caplen < 20) return too_short("the Linux cooked (SLL2)", 20);
      ethertype = Be16(data);
      off = 20;
      break;
    case DLT_NULL:
    case DLT_LOOP: {
      if (caplen < 4) return too_short("the loopback", 4);
      // DLT_NULL is in the capturing host's byte order, DLT_LOOP in network order.
      uint32_t le = Le32(data), be = Be32(data);
      uint32_t family = link_type_ == DLT_LOOP ? be : ((le == 2 || IsAfInet6(le)) ? le : be);
      if (family == 2) {
        ethertype = kEtherIpv4;
      } else if (IsAfInet6(family)) {
        ethertype = kEtherIpv6;
      } else {
        ++counts_.not_ip;
        return false;
      }
      off = 4;
      break;
    }
    default:  // DLT_RAW, DLT_IPV4, DLT_IPV6
      by_version = true;
      break;
  }
  if (!by_version && ethertype != kEtherIpv4 && ethertype != kEtherIpv6) {
    ++counts_.not_ip;
    return false;
  }
  return DecodeIp(data + off, caplen - off, cut, packet);
}

bool PcapReader::DecodeIp(const uint8_t* data, size_t size, bool cut, DecodedPacket& packet) {
  auto bad = [&](std::string what) {
    ++counts_.malformed;
    Warn(fmt::format("{} {}; skipped", cut ? "cut by the snapshot length:" : "malformed:", what));
    return false;
  };
  if (size < 1) return bad("expected an IP header, the packet ends before it");
  int version = data[0] >> 4;
  if (version == 4) {
    if (size < 20) return bad(fmt::format("expected an IPv4 header of 20 bytes, {} bytes left", size));
    size_t ihl = (data[0] & 0x0f) * 4u;
    size_t total = Be16(data + 2);
    if (ihl < 20) return bad(fmt::format("IPv4 header length {} is below the minimum of 20", ihl));
    if (total < ihl) return bad(fmt::format("IPv4 total length {} is shorter than its header ({})", total, ihl));
    if (size < ihl) return bad(fmt::format("expected an IPv4 header of {} bytes, {} bytes left", ihl, size));
    if (!cut && total > size)
      return bad(fmt::format("IPv4 total length {} runs past the end of the packet ({} bytes)", total, size));
    ++counts_.ipv4;
    packet.source.ip_version = packet.destination.ip_version = 4;
    std::memcpy(packet.source.address.data(), data + 12, 4);
    std::memcpy(packet.destination.address.data(), data + 16, 4);
    size_t available = std::min(size, total);  // Ethernet may pad short frames
    uint16_t frag = Be16(data + 6);
    if ((frag & 0x2000) != 0 || (frag & 0x1fff) != 0) {
      IpFragmentReassembler::Key key{4, packet.source.address, packet.destination.address, data[9]};
      key.identification = Be16(data + 4);
      return AddFragment(key, (frag & 0x1fffu) * 8u, (frag & 0x2000) != 0, data + ihl, available - ihl, cut, packet);
    }
    return DecodeTransport(data[9], data + ihl, available - ihl, total - ihl, cut, packet);
  }
  if (version == 6) {
    if (size < 40) return bad(fmt::format("expected an IPv6 header of 40 bytes, {} bytes left", size));
    size_t payload_length = Be16(data + 4);
    if (payload_length == 0) return bad("IPv6 payload length 0 (jumbograms are not supported)");
    if (!cut && 40 + payload_length > size)
      return bad(fmt::format("IPv6 payload length {} runs past the end of the packet ({} bytes after the header)",
                             payload_length, size - 40));
    ++counts_.ipv6;
    packet.source.ip_version = packet.destination.ip_version = 6;
    std::memcpy(packet.source.address.data(), data + 8, 16);
    std::memcpy(packet.destination.address.data(), data + 24, 16);
    size_t end = std::min(size, 40 + payload_length);
    return DecodeIpv6Chain(data[6], data, 40, end, 40 + payload_length, cut, false, packet);
  }
  return bad(fmt::format("expected IP version 4 or 6, found {}", version));
}

bool PcapReader::DecodeIpv6Chain(uint8_t next, const uint8_t* data, size_t off, size_t end, size_t declared_end,
                                 bool cut, bool reassembled, DecodedPacket& packet) {
  auto bad = [&](std::string what) {
    ++counts_.malformed;
    Warn(fmt::format("{} {}; skipped", cut ? "cut by the snapshot length:" : "malformed:", what));
    return false;
  };
  for (int hops = 0; hops < 16; ++hops) {
    if (next == 0 || next == 43 || next == 60 || next == 51 || next == 44) {
      if (end < off + 8)
        return bad(fmt::format("expected an IPv6 extension header ({}) of at least 8 bytes, {} bytes left", next,
                               end - off));
      size_t ext = next == 44 ? 8 : next == 51 ? (data[off + 1] + 2u) * 4u : (data[off + 1] + 1u) * 8u;
      if (end < off + ext)
        return bad(fmt::format("IPv6 extension header ({}) of {} bytes runs past the packet ({} bytes left)", next,
                               ext, end - off));
      if (next == 44) {
        if (reassembled) return bad("a fragment header inside a reassembled IPv6 datagram");
        uint16_t frag = Be16(data + off + 2);
        if ((frag & 0xfff8) != 0 || (frag & 1) != 0) {
          IpFragmentReassembler::Key key{6, packet.source.address, packet.destination.address, data[off]};
          key.identification = Be32(data + off + 4);
          return AddFragment(key, frag & 0xfff8u, (frag & 1) != 0, data + off + 8, end - off - 8, cut, packet);
        }
      }
      next = data[off];
      off += ext;
      continue;
    }
    return DecodeTransport(next, data + off, end - off, declared_end - off, cut, packet);
  }
  return bad("more than 16 IPv6 extension headers");
}

bool PcapReader::AddFragment(const IpFragmentReassembler::Key& key, uint32_t offset, bool more, const uint8_t* data,
                             size_t size, bool cut, DecodedPacket& packet) {
  ++counts_.fragments;
  if (cut) {
    Warn("IP fragment cut by the snapshot length; its datagram cannot be reassembled, skipped");
    return false;
  }
  std::string problem;
  IpFragmentReassembler::Result result = fragments_.Add(
      key, offset, more, std::string_view(reinterpret_cast<const char*>(data), size), number_, reassembled_, problem);
  if (!problem.empty()) Warn(problem);
  if (result != IpFragmentReassembler::Result::kComplete) return false;
  ++counts_.reassembled;
  const auto* whole = reinterpret_cast<const uint8_t*>(reassembled_.data());
  if (key.ip_version == 6) return DecodeIpv6Chain(key.protocol, whole, 0, reassembled_.size(), reassembled_.size(),
                                                  false, true, packet);
  return DecodeTransport(key.protocol, whole, reassembled_.size(), reassembled_.size(), false, packet);
}

void PcapReader::WarnIncompleteDatagrams() {
  for (std::string& description : fragments_.TakeIncomplete()) {
    warnings_.push_back({0, fmt::format("at the end of the capture: {}; not imported", description)});
  }
}

bool PcapReader::DecodeTransport(uint8_t protocol, const uint8_t* data, size_t size, size_t declared, bool cut,
                                 DecodedPacket& packet) {
  auto bad = [&](std::string what) {
    ++counts_.malformed;
    Warn(fmt::format("{} {}; skipped", cut ? "cut by the snapshot length:" : "malformed:", what));
    return false;
  };
  if (protocol == 6) {
    ++counts_.tcp;
    if (size < 20) return bad(fmt::format("expected a TCP header of 20 bytes, {} bytes left", size));
    size_t header = (data[12] >> 4) * 4u;
    if (header < 20) return bad(fmt::format("TCP data offset {} is below the minimum of 20 bytes", header));
    if (size < header) return bad(fmt::format("expected a TCP header of {} bytes, {} bytes left", header, size));
    if (declared < header)
      return bad(fmt::format("TCP header of {} bytes is longer than the IP payload ({} bytes)", header, declared));
    packet.transport = Transport::kTcp;
    packet.source.port = Be16(data);
    packet.destination.port = Be16(data + 2);
    packet.seq = Be32(data + 4);
    uint8_t flags = data[13];
    packet.fin = (flags & 0x01) != 0;
    packet.syn = (flags & 0x02) != 0;
    packet.rst = (flags & 0x04) != 0;
    packet.ack = (flags & 0x10) != 0;
    packet.payload = std::string_view(reinterpret_cast<const char*>(data + header), size - header);
    packet.declared_payload_length = static_cast<uint32_t>(declared - header);
  } else if (protocol == 17) {
    ++counts_.udp;
    if (size < 8) return bad(fmt::format("expected a UDP header of 8 bytes, {} bytes left", size));
    size_t length = Be16(data + 4);
    if (length < 8) return bad(fmt::format("UDP length {} is below the minimum of 8", length));
    if (length > declared)
      return bad(fmt::format("UDP length {} runs past the IP payload ({} bytes)", length, declared));
    packet.transport = Transport::kUdp;
    packet.source.port = Be16(data);
    packet.destination.port = Be16(data + 2);
    packet.payload = std::string_view(reinterpret_cast<const char*>(data + 8), std::min(size, length) - 8);
    packet.declared_payload_length = static_cast<uint32_t>(length - 8);
  } else {
    ++counts_.other_protocol;
    return false;
  }
  if (packet.payload.size() < packet.declared_payload_length) {
    ++counts_.cut_by_snaplen;
    Warn(fmt::format("{} payload cut by the snapshot length: {} of {} bytes captured",
                     packet.transport == Transport::kTcp ? "TCP" : "UDP", packet.payload.size(),
                     packet.declared_payload_length));
  }
  return true;
}

}  // namespace iotfuzz::corpus
