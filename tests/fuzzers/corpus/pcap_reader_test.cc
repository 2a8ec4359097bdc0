#include "fuzzers/corpus/pcap_reader.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "fuzzers/common/error.h"
#include "tests/fuzzers/corpus/pcap_builder.h"
#include "tests/fuzzers/testing/test_files.h"

namespace iotfuzz::corpus {
namespace {

using namespace iotfuzz::testing;

struct ReadBack {
  std::vector<DecodedPacket> packets;
  std::vector<std::string> payloads;
  std::vector<CaptureWarning> warnings;
  CaptureCounts counts;
  std::string link_type;
  bool truncated = false;
};

ReadBack ReadAll(const std::string& capture) {
  TempDir dir;
  WriteFileText(dir / "capture.pcap", capture);
  PcapReader reader((dir / "capture.pcap").string());
  ReadBack out;
  DecodedPacket p;
  while (reader.Next(p)) {
    out.payloads.emplace_back(p.payload);
    p.payload = {};
    out.packets.push_back(p);
  }
  out.warnings = reader.warnings();
  out.counts = reader.counts();
  out.link_type = reader.link_type_name();
  out.truncated = reader.truncated();
  return out;
}

std::string ErrorOf(const std::string& capture) {
  TempDir dir;
  WriteFileText(dir / "bad.pcap", capture);
  try {
    PcapReader reader((dir / "bad.pcap").string());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("every supported link type decodes TCP over IPv4 and UDP over IPv6") {
  auto [link, name] = GENERATE(table<uint32_t, std::string>({{kLinkEthernet, "EN10MB"},
                                                             {kLinkSll, "LINUX_SLL"},
                                                             {kLinkSll2, "LINUX_SLL2"},
                                                             {kLinkRaw, "RAW"},
                                                             {kLinkNull, "NULL"},
                                                             {kLinkLoop, "LOOP"}}));
  CAPTURE(name);
  PcapFile file(link);
  file.Add(TcpFrame(link, 40000, 1883, 77, kAck | kPsh, "tcp payload"));
  file.Add(UdpFrame(link, 50000, 5683, "udp payload", /*v6=*/true));
  ReadBack r = ReadAll(file.bytes());
  CHECK(r.link_type == name);
  REQUIRE(r.packets.size() == 2);
  CHECK(r.packets[0].number == 1);
  CHECK(r.packets[0].transport == Transport::kTcp);
  CHECK(r.packets[0].source.ToString() == "127.0.0.1:40000");
  CHECK(r.packets[0].destination.ToString() == "127.0.0.1:1883");
  CHECK(r.packets[0].seq == 77);
  CHECK(r.packets[0].ack);
  CHECK_FALSE(r.packets[0].syn);
  CHECK(r.payloads[0] == "tcp payload");
  CHECK(r.packets[1].number == 2);
  CHECK(r.packets[1].transport == Transport::kUdp);
  CHECK(r.packets[1].source.ToString() == "[::1]:50000");
  CHECK(r.packets[1].destination.port == 5683);
  CHECK(r.payloads[1] == "udp payload");
  CHECK(r.counts.ipv4 == 1);
  CHECK(r.counts.ipv6 == 1);
  CHECK(r.warnings.empty());
}

TEST_CASE("pcapng files read like pcap files") {
  PcapngFile file(kLinkSll2);
  file.Add(TcpFrame(kLinkSll2, 40000, 80, 9, kAck, "GET / HTTP/1.1\r\n\r\n"));
  file.Add(UdpFrame(kLinkSll2, 5683, 50000, "datagram", /*v6=*/true));
  ReadBack r = ReadAll(file.bytes());
  CHECK(r.link_type == "LINUX_SLL2");
  REQUIRE(r.packets.size() == 2);
  CHECK(r.payloads[0] == "GET / HTTP/1.1\r\n\r\n");
  CHECK(r.packets[1].source.ToString() == "[::1]:5683");
  CHECK(r.payloads[1] == "datagram");
  CHECK(r.warnings.empty());
}

TEST_CASE("raw IPv4 and IPv6 link types, VLAN tags and IPv6 extension headers") {
  SECTION("DLT_IPV4") {
    PcapFile file(kLinkIpv4);
    file.Add(Ipv4(17, UdpHeader(1, 2, "four")));
    ReadBack r = ReadAll(file.bytes());
    REQUIRE(r.payloads.size() == 1);
    CHECK(r.payloads[0] == "four");
  }
  SECTION("DLT_IPV6 with a destination options header") {
    PcapFile file(kLinkIpv6);
    file.Add(Ipv6(6, TcpHeader(1, 2, 5, kSyn, ""), /*with_extension=*/true));
    ReadBack r = ReadAll(file.bytes());
    REQUIRE(r.packets.size() == 1);
    CHECK(r.packets[0].syn);
    CHECK(r.packets[0].source.ip_version == 6);
  }
  SECTION("Ethernet with an 802.1Q tag") {
    std::string frame(12, '\0');
    PutBe16(frame, 0x8100);
    PutBe16(frame, 42);  // VLAN id
    PutBe16(frame, 0x0800);
    frame += Ipv4(17, UdpHeader(7, 8, "tagged"));
    PcapFile file(kLinkEthernet);
    file.Add(frame);
    ReadBack r = ReadAll(file.bytes());
    REQUIRE(r.payloads.size() == 1);
    CHECK(r.payloads[0] == "tagged");
  }
  SECTION("Ethernet padding after a short IPv4 packet is not payload") {
    PcapFile file(kLinkEthernet);
    file.Add(UdpFrame(kLinkEthernet, 1, 2, "ab") + std::string(10, '\0'));
    ReadBack r = ReadAll(file.bytes());
    REQUIRE(r.payloads.size() == 1);
    CHECK(r.payloads[0] == "ab");
  }
}

TEST_CASE("non-IP frames and other IP protocols are counted and skipped") {
  std::string arp(12, '\0');
  PutBe16(arp, 0x0806);
  arp.append(28, '\0');
  PcapFile file(kLinkEthernet);
  file.Add(arp);
  file.Add(Frame(kLinkEthernet, Ipv4(1, std::string(8, '\0'))));  // ICMP
  file.Add(TcpFrame(kLinkEthernet, 1, 2, 0, kSyn, ""));
  ReadBack r = ReadAll(file.bytes());
  REQUIRE(r.packets.size() == 1);
  CHECK(r.packets[0].number == 3);
  CHECK(r.counts.packets == 3);
  CHECK(r.counts.not_ip == 1);
  CHECK(r.counts.other_protocol == 1);
  CHECK(r.warnings.empty());
}

TEST_CASE("a file that is not a capture is an error naming the file") {
  std::string message = ErrorOf("GET / HTTP/1.1\r\nHost: x\r\n\r\nmore bytes to fill a header");
  CHECK_THAT(message, Catch::Contains("bad.pcap") && Catch::Contains("cannot read the capture") &&
                          Catch::Contains("unknown file format"));
}

TEST_CASE("a truncated file header is an error naming the file") {
  std::string message = ErrorOf(PcapFile().bytes().substr(0, 10));
  CHECK_THAT(message, Catch::Contains("bad.pcap") && Catch::Contains("truncated"));
}

TEST_CASE("an empty file is an error naming the file") {
  CHECK_THAT(ErrorOf(""), Catch::Contains("bad.pcap") && Catch::Contains("cannot read the capture"));
}

TEST_CASE("an unsupported link type is an error naming it") {
  std::string message = ErrorOf(PcapFile(147).bytes());  // USER0
  CHECK_THAT(message, Catch::Contains("bad.pcap") && Catch::Contains("link type 147") &&
                          Catch::Contains("not supported"));
}

TEST_CASE("a truncated record ends the capture with a warning naming the packet") {
  PcapFile file(kLinkEthernet);
  file.Add(TcpFrame(kLinkEthernet, 1, 2, 0, kSyn, ""));
  file.Add(TcpFrame(kLinkEthernet, 1, 2, 1, kAck, "second"));
  SECTION("cut inside the record header") {
    ReadBack r = ReadAll(file.bytes() + std::string(7, '\x01'));
    CHECK(r.packets.size() == 2);
    CHECK(r.truncated);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].packet == 3);
    CHECK_THAT(r.warnings[0].message, Catch::Contains("truncated") && Catch::Contains("the capture ends here"));
  }
  SECTION("cut inside the packet data") {
    std::string bytes = file.bytes();
    ReadBack r = ReadAll(bytes.substr(0, bytes.size() - 3));
    CHECK(r.packets.size() == 1);
    CHECK(r.truncated);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].packet == 2);
    CHECK_THAT(r.warnings[0].message, Catch::Contains("truncated") && Catch::Contains("expected a complete record"));
  }
}

TEST_CASE("a packet cut by the snapshot length keeps its captured payload and says what is missing") {
  PcapFile file(kLinkEthernet, 80);
  std::string frame = TcpFrame(kLinkEthernet, 1, 2, 1, kAck, std::string(100, 'x'));
  file.Add(frame, 80);
  ReadBack r = ReadAll(file.bytes());
  REQUIRE(r.packets.size() == 1);
  CHECK(r.payloads[0] == std::string(80 - 54, 'x'));
  CHECK(r.packets[0].declared_payload_length == 100);
  CHECK(r.counts.cut_by_snaplen == 1);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].packet == 1);
  CHECK_THAT(r.warnings[0].message, Catch::Contains("cut by the snapshot length: 26 of 100 bytes captured"));
}

TEST_CASE("a packet cut inside its headers is skipped with a warning") {
  PcapFile file(kLinkEthernet, 30);
  file.Add(TcpFrame(kLinkEthernet, 1, 2, 1, kAck, "data"), 30);
  ReadBack r = ReadAll(file.bytes());
  CHECK(r.packets.empty());
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].packet == 1);
  CHECK_THAT(r.warnings[0].message, Catch::Contains("cut by the snapshot length") && Catch::Contains("IPv4 header"));
}

TEST_CASE("garbage inside packets gives warnings naming the packet and what was expected") {
  PcapFile file(kLinkEthernet);
  std::string bad_ihl = Ipv4(6, TcpHeader(1, 2, 0, kAck, "x"));
  bad_ihl[0] = 0x43;  // header length 12
  file.Add(Frame(kLinkEthernet, bad_ihl));
  std::string long_total = Ipv4(17, UdpHeader(1, 2, "y"));
  long_total[2] = 0x05;  // total length 1280+
  file.Add(Frame(kLinkEthernet, long_total));
  std::string bad_version = Ipv4(17, UdpHeader(1, 2, "z"));
  bad_version[0] = 0x75;
  file.Add(Frame(kLinkEthernet, bad_version));
  std::string bad_offset = TcpHeader(1, 2, 0, kAck, "w");
  bad_offset[12] = 0x20;  // data offset 8 bytes
  file.Add(Frame(kLinkEthernet, Ipv4(6, bad_offset)));
  std::string bad_udp = UdpHeader(1, 2, "v");
  bad_udp[4] = 0x10;  // UDP length 4096+
  file.Add(Frame(kLinkEthernet, Ipv4(17, bad_udp)));
  file.Add(UdpFrame(kLinkEthernet, 1, 2, "fine"));
  ReadBack r = ReadAll(file.bytes());
  REQUIRE(r.packets.size() == 1);
  CHECK(r.packets[0].number == 6);
  CHECK(r.payloads[0] == "fine");
  CHECK(r.counts.malformed == 5);
  REQUIRE(r.warnings.size() == 5);
  CHECK(r.warnings[0].packet == 1);
  CHECK_THAT(r.warnings[0].message, Catch::Contains("IPv4 header length 12 is below the minimum of 20"));
  CHECK_THAT(r.warnings[1].message, Catch::Contains("IPv4 total length") && Catch::Contains("runs past the end"));
  CHECK_THAT(r.warnings[2].message, Catch::Contains("expected IP version 4 or 6, found 7"));
  CHECK_THAT(r.warnings[3].message, Catch::Contains("TCP data offset 8 is below the minimum"));
  CHECK_THAT(r.warnings[4].message, Catch::Contains("UDP length") && Catch::Contains("runs past the IP payload"));
}

TEST_CASE("IPv4 fragments in any order are reassembled into one datagram") {
  // A 2,000-byte CoAP-sized UDP payload in three fragments, the last first,
  // one fragment sent twice; an unfragmented datagram in between.
  std::string payload(2000, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  const std::string udp = UdpHeader(40000, 5683, payload);
  PcapFile file(kLinkEthernet);
  file.Add(Frame(kLinkEthernet, Ipv4Fragment(17, udp, 1480, 600, 7)));
  file.Add(Frame(kLinkEthernet, Ipv4(17, UdpHeader(1, 2, "whole"))));
  file.Add(Frame(kLinkEthernet, Ipv4Fragment(17, udp, 0, 744, 7)));
  file.Add(Frame(kLinkEthernet, Ipv4Fragment(17, udp, 0, 744, 7)));  // again: same bytes
  file.Add(Frame(kLinkEthernet, Ipv4Fragment(17, udp, 744, 736, 7)));
  ReadBack r = ReadAll(file.bytes());
  REQUIRE(r.packets.size() == 2);
  CHECK(r.payloads[0] == "whole");
  CHECK(r.payloads[1] == payload);
  CHECK(r.packets[1].number == 5);  // the fragment that completed it
  CHECK(r.packets[1].destination.port == 5683);
  CHECK(r.counts.fragments == 4);
  CHECK(r.counts.reassembled == 1);
  CHECK(r.warnings.empty());
}

TEST_CASE("IPv6 fragments are reassembled, headers after the fragment header included") {
  const std::string tcp = TcpHeader(40000, 80, 1, kAck | kPsh, std::string(1500, 'x'));
  // Destination options, then TCP, in the fragmentable part.
  std::string fragmentable;
  fragmentable.push_back(6);
  fragmentable.push_back(0);
  fragmentable.append("\x01\x04\0\0\0\0", 6);
  fragmentable += tcp;
  PcapFile file(kLinkRaw);
  file.Add(Ipv6Fragment(60, fragmentable, 0, 1232, 0x01020304));
  file.Add(Ipv6Fragment(60, fragmentable, 1232, fragmentable.size() - 1232, 0x01020304));
  ReadBack r = ReadAll(file.bytes());
  REQUIRE(r.packets.size() == 1);
  CHECK(r.packets[0].transport == Transport::kTcp);
  CHECK(r.payloads[0] == std::string(1500, 'x'));
  CHECK(r.counts.reassembled == 1);
  CHECK(r.warnings.empty());
}

TEST_CASE("fragments that cannot make a datagram are warned about, never used") {
  const std::string udp = UdpHeader(1, 2, std::string(64, 'p'));
  SECTION("missing at the end of the capture: which packets and bytes") {
    PcapFile file(kLinkRaw);
    file.Add(Ipv4Fragment(17, udp, 0, 16, 9));
    file.Add(Ipv4Fragment(17, udp, 32, 40, 9));
    ReadBack r = ReadAll(file.bytes());
    CHECK(r.packets.empty());
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].packet == 0);
    CHECK_THAT(r.warnings[0].message,
               Catch::Contains("at the end of the capture: IPv4 datagram 127.0.0.1 -> 127.0.0.1 (protocol 17, "
                               "identification 9) has fragments in packets 1, 2; missing bytes 16-31"));
  }
  SECTION("overlapping with different bytes") {
    std::string other = udp;
    other[20] = 'Q';
    PcapFile file(kLinkRaw);
    file.Add(Ipv4Fragment(17, udp, 0, 24, 3));
    file.Add(Ipv4Fragment(17, other, 16, 56, 3));
    ReadBack r = ReadAll(file.bytes());
    CHECK(r.packets.empty());
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].packet == 2);
    CHECK_THAT(r.warnings[0].message, Catch::Contains("fragments overlap with different bytes (packet 2, bytes 16-23)"));
  }
  SECTION("a fragment that is not the last with a length not a multiple of 8") {
    PcapFile file(kLinkRaw);
    file.Add(Ipv4Fragment(17, udp, 0, 13, 4));
    ReadBack r = ReadAll(file.bytes());
    CHECK(r.packets.empty());
    REQUIRE(!r.warnings.empty());
    CHECK_THAT(r.warnings[0].message, Catch::Contains("carries 13 bytes, not a multiple of 8"));
  }
  SECTION("a fragment past 65,535 bytes") {
    std::string frag = Ipv4Fragment(17, udp, 0, 16, 5);
    frag[6] = static_cast<char>(0x3f);  // more fragments, offset 0x1fff * 8
    frag[7] = static_cast<char>(0xff);
    PcapFile file(kLinkRaw);
    file.Add(frag);
    ReadBack r = ReadAll(file.bytes());
    CHECK(r.packets.empty());
    REQUIRE(!r.warnings.empty());
    CHECK_THAT(r.warnings[0].message, Catch::Contains("past the largest datagram"));
  }
}

TEST_CASE("a capture in memory reads through a stream") {
  PcapFile file(kLinkSll2);
  file.Add(UdpFrame(kLinkSll2, 9, 5683, "mem"));
  std::string bytes = file.bytes();
  std::FILE* stream = fmemopen(bytes.data(), bytes.size(), "rb");
  REQUIRE(stream != nullptr);
  PcapReader reader(stream, "memory");
  DecodedPacket p;
  REQUIRE(reader.Next(p));
  CHECK(p.payload == "mem");
  CHECK_FALSE(reader.Next(p));
  CHECK(reader.name() == "memory");
}

}  // namespace
}  // namespace iotfuzz::corpus
