#include "fuzzers/corpus/tcp_reassembler.h"

#include <catch2/catch.hpp>

namespace iotfuzz::corpus {
namespace {

TcpSegment Seg(uint64_t packet, uint32_t seq, std::string data, bool syn = false) {
  TcpSegment s;
  s.packet = packet;
  s.seq = seq;
  s.syn = syn;
  s.declared_length = static_cast<uint32_t>(data.size());
  s.data = std::move(data);
  return s;
}

TEST_CASE("in-order segments after a SYN make one chunk starting past the SYN") {
  TcpReassembler r;
  r.Add(Seg(1, 1000, "", true));
  r.Add(Seg(2, 1001, "hello "));
  r.Add(Seg(3, 1007, "world"));
  ReassembledStream s = r.Reassemble();
  REQUIRE(s.chunks.size() == 1);
  CHECK(s.chunks[0].data == "hello world");
  CHECK(s.chunks[0].offset == 0);
  CHECK(s.chunks[0].first_packet == 2);
  CHECK(s.gaps.empty());
  CHECK(s.saw_syn);
  CHECK(s.segments == 2);
  CHECK(s.out_of_order == 0);
  CHECK(s.retransmitted_bytes == 0);
}

TEST_CASE("out-of-order segments are put back in sequence order") {
  TcpReassembler r;
  r.Add(Seg(1, 99, "", true));
  r.Add(Seg(2, 110, "CCCC"));
  r.Add(Seg(3, 105, "BBBBB"));
  r.Add(Seg(4, 100, "AAAAA"));
  ReassembledStream s = r.Reassemble();
  REQUIRE(s.chunks.size() == 1);
  CHECK(s.chunks[0].data == "AAAAABBBBBCCCC");
  CHECK(s.gaps.empty());
  CHECK(s.out_of_order == 2);
}

TEST_CASE("retransmissions add nothing; differing copies are counted and the first copy wins") {
  TcpReassembler r;
  r.Add(Seg(1, 0, "", true));
  r.Add(Seg(2, 1, "abcdef"));
  r.Add(Seg(3, 1, "abcdef"));   // exact retransmission
  r.Add(Seg(4, 4, "dXfgh"));    // overlaps 3 bytes (one differs), adds "gh"
  ReassembledStream s = r.Reassemble();
  REQUIRE(s.chunks.size() == 1);
  CHECK(s.chunks[0].data == "abcdefgh");
  CHECK(s.retransmitted_bytes == 9);
  CHECK(s.conflicting_bytes == 1);
}

TEST_CASE("overlapping out-of-order segments contribute only new bytes") {
  TcpReassembler r;
  r.Add(Seg(1, 0, "", true));
  r.Add(Seg(2, 6, "56789"));
  r.Add(Seg(3, 4, "3456"));
  r.Add(Seg(4, 1, "0123"));
  ReassembledStream s = r.Reassemble();
  REQUIRE(s.chunks.size() == 1);
  CHECK(s.chunks[0].data == "0123456789");
  CHECK(s.gaps.empty());
  CHECK(s.out_of_order == 2);
  CHECK(s.retransmitted_bytes == 3);
  CHECK(s.conflicting_bytes == 0);
}

TEST_CASE("bytes that never arrive become a gap between two chunks") {
  TcpReassembler r;
  r.Add(Seg(1, 0, "", true));
  r.Add(Seg(2, 1, "first"));
  r.Add(Seg(3, 11, "third"));  // "secnd" at 6 was lost
  ReassembledStream s = r.Reassemble();
  REQUIRE(s.chunks.size() == 2);
  CHECK(s.chunks[0].data == "first");
  CHECK(s.chunks[1].data == "third");
  CHECK(s.chunks[1].offset == 10);
  REQUIRE(s.gaps.size() == 1);
  CHECK(s.gaps[0].offset == 5);
  CHECK(s.gaps[0].length == 5);
  CHECK(s.gaps[0].before_packet == 3);
  CHECK(s.gap_bytes() == 5);
}

TEST_CASE("a payload cut by the snapshot length leaves a gap for the missing bytes") {
  TcpReassembler r;
  TcpSegment cut = Seg(1, 500, "abc");
  cut.declared_length = 10;  // 7 bytes not captured
  r.Add(cut);
  ReassembledStream s = r.Reassemble();
  REQUIRE(s.chunks.size() == 1);
  CHECK(s.chunks[0].data == "abc");
  REQUIRE(s.gaps.size() == 1);
  CHECK(s.gaps[0].offset == 3);
  CHECK(s.gaps[0].length == 7);
  CHECK(s.gaps[0].before_packet == 0);
}

TEST_CASE("without a SYN the stream starts at the lowest sequence number, even when it arrives later") {
  TcpReassembler r;
  r.Add(Seg(1, 7000, "world"));
  r.Add(Seg(2, 6994, "hello "));
  ReassembledStream s = r.Reassemble();
  CHECK_FALSE(s.saw_syn);
  REQUIRE(s.chunks.size() == 1);
  CHECK(s.chunks[0].data == "hello world");
  CHECK(s.gaps.empty());
}

TEST_CASE("sequence numbers wrap around 2^32") {
  TcpReassembler r;
  r.Add(Seg(1, 0xfffffffdu, "", true));
  r.Add(Seg(2, 0xfffffffeu, "abcd"));  // crosses the wrap
  r.Add(Seg(3, 2, "efgh"));
  ReassembledStream s = r.Reassemble();
  REQUIRE(s.chunks.size() == 1);
  CHECK(s.chunks[0].data == "abcdefgh");
}

TEST_CASE("bytes before the SYN's sequence number are dropped and counted") {
  TcpReassembler r;
  r.Add(Seg(1, 100, "", true));
  r.Add(Seg(2, 96, "oldXnew"));  // 5 bytes before 101
  ReassembledStream s = r.Reassemble();
  REQUIRE(s.chunks.size() == 1);
  CHECK(s.chunks[0].data == "ew");
  CHECK(s.bytes_before_start == 5);
}

TEST_CASE("a connection without payload has no chunks") {
  TcpReassembler r;
  r.Add(Seg(1, 1, "", true));
  TcpSegment fin = Seg(2, 2, "");
  fin.fin = true;
  r.Add(fin);
  ReassembledStream s = r.Reassemble();
  CHECK(s.chunks.empty());
  CHECK(s.gaps.empty());
  CHECK(s.saw_fin);
}

}  // namespace
}  // namespace iotfuzz::corpus
