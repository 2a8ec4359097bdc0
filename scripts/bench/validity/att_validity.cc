// Validity of ATT PDUs against the sizes and formats of Bluetooth Core 5.3,
// Vol 3 Part F, 3.4: every file is message frames (u16le length, PDU), as the
// GATT harnesses read them. A PDU is valid when its opcode is one a client
// sends, its length is the fixed size of that PDU or fits its format (Read
// By Type and Read By Group Type with a 16- or 128-bit UUID, handle lists of
// two or more, a Signed Write with its 12-byte signature, an Execute Write
// flag of 0 or 1), it fits the largest ATT_MTU of LE stacks (517), its
// handles are not 0x0000 and its handle range does not end before it starts.
//
//   att_validity FILE...
// prints "pdus N valid V" and then the count of each reason for rejection.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

namespace {

uint16_t U16(const std::string& p, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[at]) | static_cast<uint8_t>(p[at + 1]) << 8);
}

// Empty when valid, else why not.
std::string Check(const std::string& p) {
  if (p.empty()) return "empty PDU";
  if (p.size() > 517) return "longer than ATT_MTU 517";
  size_t n = p.size();
  auto range = [&]() -> std::string {
    if (U16(p, 1) == 0) return "starting handle 0x0000";
    if (U16(p, 3) < U16(p, 1)) return "range ends before it starts";
    return "";
  };
  auto handle = [&]() -> std::string { return U16(p, 1) == 0 ? "handle 0x0000" : ""; };
  auto handles = [&]() -> std::string {
    if (n < 5 || (n - 1) % 2 != 0) return "handle list not two or more handles";
    for (size_t i = 1; i < n; i += 2) {
      if (U16(p, i) == 0) return "handle 0x0000";
    }
    return "";
  };
  switch (static_cast<uint8_t>(p[0])) {
    case 0x02: return n == 3 ? (U16(p, 1) < 23 ? "Client Rx MTU below 23" : "") : "Exchange MTU Request size";
    case 0x04: return n == 5 ? range() : "Find Information Request size";
    case 0x06: return n >= 7 ? range() : "Find By Type Value Request size";
    case 0x08: return n == 7 || n == 21 ? range() : "Read By Type Request size";
    case 0x0a: return n == 3 ? handle() : "Read Request size";
    case 0x0c: return n == 5 ? handle() : "Read Blob Request size";
    case 0x0e: return handles();
    case 0x10: return n == 7 || n == 21 ? range() : "Read By Group Type Request size";
    case 0x12: return n >= 3 ? handle() : "Write Request size";
    case 0x16: return n >= 5 ? handle() : "Prepare Write Request size";
    case 0x18: return n == 2 ? (static_cast<uint8_t>(p[1]) <= 1 ? "" : "Execute Write flags") : "Execute Write size";
    case 0x1e: return n == 1 ? "" : "Handle Value Confirmation size";
    case 0x20: return handles();
    case 0x52: return n >= 3 ? handle() : "Write Command size";
    case 0xd2: return n >= 15 ? handle() : "Signed Write Command size";
    default: return "not a client opcode";
  }
}

}  // namespace

int main(int argc, char** argv) {
  long pdus = 0;
  long valid = 0;
  std::map<std::string, long> reasons;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    size_t pos = 0;
    while (data.size() - pos >= 2) {
      size_t len = U16(data, pos);
      pos += 2;
      if (len > data.size() - pos) len = data.size() - pos;
      std::string why = Check(data.substr(pos, len));
      pos += len;
      ++pdus;
      if (why.empty()) {
        ++valid;
      } else {
        ++reasons[why];
      }
    }
  }
  std::printf("pdus %ld valid %ld\n", pdus, valid);
  for (const auto& [why, count] : reasons) std::printf("  %ld %s\n", count, why.c_str());
  return 0;
}
