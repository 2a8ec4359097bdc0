// Writes the seed corpora of the libcoap harnesses:
//
//   libcoap_seed_generator <root>
//
//   <root>/corpora/libcoap_pdu_parse_fuzzer/<seed>.bin
//       one selector byte (0x00 UDP datagram, 0x01 TCP byte stream), then
//       the bytes as received (targets/libcoap/libcoap_pdu_parse_fuzzer.cc)
//   <root>/corpora/libcoap_server_fuzzer/<seed>.bin
//       message frames (u16 little-endian length, UDP datagram), one client's
//       session with the device's resources (libcoap_server_fuzzer.cc)
//   <root>/targets/libcoap/regressions/<harness>/<finding>.bin
//       reproducers of the bugs the harnesses found
//       (targets/libcoap/regressions/README.md)
//
// Every seed is a message or session a real CoAP client (or, for responses
// and signalling, a peer) sends: RFC 7252 requests of every method and
// message type, Observe (RFC 7641), block-wise transfers (RFC 7959), CoAP
// over TCP framing and signalling (RFC 8323).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzzers/harness/message_frames.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

enum Type : uint8_t { kCon = 0, kNon = 1, kAck = 2, kRst = 3 };

constexpr uint8_t Code(int cls, int detail) { return uint8_t(cls << 5 | detail); }
constexpr uint8_t kEmpty = 0, kGet = 1, kPost = 2, kPut = 3, kDelete = 4;

// Option numbers (RFC 7252 section 12.2, RFC 7641, RFC 7959, RFC 7967).
enum Option : uint16_t {
  kIfMatch = 1, kUriHost = 3, kETag = 4, kIfNoneMatch = 5, kObserve = 6, kUriPort = 7,
  kLocationPath = 8, kUriPath = 11, kContentFormat = 12, kMaxAge = 14, kUriQuery = 15,
  kAccept = 17, kLocationQuery = 20, kBlock2 = 23, kBlock1 = 27, kSize2 = 28,
  kProxyUri = 35, kProxyScheme = 39, kSize1 = 60, kNoResponse = 258,
};

Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Minimal big-endian unsigned integer, as CoAP encodes option values.
Bytes Uint(uint32_t v) {
  Bytes out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    if (!out.empty() || (v >> shift) & 0xFF) out.push_back(uint8_t(v >> shift));
  }
  return out;
}

Bytes Block(uint32_t num, bool more, uint8_t szx) { return Uint(num << 4 | (more ? 8 : 0) | szx); }

struct Message {
  Type type = kCon;
  uint8_t code = kGet;
  uint16_t mid = 0;
  Bytes token;
  std::vector<std::pair<uint16_t, Bytes>> options;  // encoded in ascending number order
  Bytes payload;

  Message& Opt(uint16_t number, Bytes value) {
    options.emplace_back(number, std::move(value));
    return *this;
  }
  Message& Path(std::string_view path) {  // one Uri-Path option per segment
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string_view::npos) end = path.size();
      Opt(kUriPath, Str(path.substr(start, end - start)));
      start = end + 1;
    }
    return *this;
  }
  Message& Body(std::string_view s) {
    payload = Str(s);
    return *this;
  }
};

// An option delta or length nibble with its extension bytes.
void Nibble(uint32_t v, uint8_t& nibble, Bytes& ext) {
  if (v < 13) {
    nibble = uint8_t(v);
  } else if (v < 269) {
    nibble = 13;
    ext.push_back(uint8_t(v - 13));
  } else {
    nibble = 14;
    ext.push_back(uint8_t((v - 269) >> 8));
    ext.push_back(uint8_t((v - 269) & 0xFF));
  }
}

// Token, options and payload: the part UDP and TCP framing share.
Bytes Body(const Message& m) {
  Bytes out = m.token;
  auto options = m.options;
  std::stable_sort(options.begin(), options.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  uint16_t last = 0;
  for (const auto& [number, value] : options) {
    uint8_t dn, ln;
    Bytes dext, lext;
    Nibble(number - last, dn, dext);
    Nibble(uint32_t(value.size()), ln, lext);
    out.push_back(uint8_t(dn << 4 | ln));
    out.insert(out.end(), dext.begin(), dext.end());
    out.insert(out.end(), lext.begin(), lext.end());
    out.insert(out.end(), value.begin(), value.end());
    last = number;
  }
  if (!m.payload.empty()) {
    out.push_back(0xFF);
    out.insert(out.end(), m.payload.begin(), m.payload.end());
  }
  return out;
}

Bytes Udp(const Message& m) {
  Bytes out = {uint8_t(1 << 6 | m.type << 4 | m.token.size()), m.code, uint8_t(m.mid >> 8), uint8_t(m.mid)};
  Bytes body = Body(m);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// RFC 8323 section 3.2: Len nibble (with 8/16/32-bit extensions) counting the
// options and payload, token length nibble, [extended length], code, token...
Bytes Tcp(const Message& m) {
  Bytes body = Body(m);
  size_t len = body.size() - m.token.size();
  Bytes out;
  uint8_t tkl = uint8_t(m.token.size());
  if (len < 13) {
    out = {uint8_t(len << 4 | tkl)};
  } else if (len < 269) {
    out = {uint8_t(13 << 4 | tkl), uint8_t(len - 13)};
  } else if (len < 65805) {
    out = {uint8_t(14 << 4 | tkl), uint8_t((len - 269) >> 8), uint8_t((len - 269) & 0xFF)};
  } else {
    uint32_t v = uint32_t(len - 65805);
    out = {uint8_t(15 << 4 | tkl), uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  }
  out.push_back(m.code);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Message Req(Type type, uint8_t code, uint16_t mid, Bytes token, std::string_view path) {
  Message m{type, code, mid, std::move(token), {}, {}};
  if (!path.empty()) m.Path(path);
  return m;
}

std::string Repeat(std::string_view unit, size_t len) {
  std::string s;
  while (s.size() < len) s += unit;
  s.resize(len);
  return s;
}

class Writer {
 public:
  explicit Writer(fs::path root) : root_(std::move(root)) {}

  void Write(const std::string& harness, const std::string& name, const Bytes& bytes) {
    WriteTo(root_ / "corpora" / harness, name, bytes);
  }
  void WriteRegression(const std::string& harness, const std::string& name, const Bytes& bytes) {
    WriteTo(root_ / "targets" / "libcoap" / "regressions" / harness, name, bytes);
  }
  bool ok() const { return ok_; }

 private:
  void WriteTo(const fs::path& dir, const std::string& name, const Bytes& bytes) {
    fs::create_directories(dir);
    std::ofstream out(dir / (name + ".bin"), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
      ok_ = false;
    }
  }

  fs::path root_;
  bool ok_ = true;
};

Bytes Udp1(const Message& m) {
  Bytes out = {0x00};
  Bytes d = Udp(m);
  out.insert(out.end(), d.begin(), d.end());
  return out;
}

Bytes TcpStream(std::initializer_list<Message> ms) {
  Bytes out = {0x01};
  for (const Message& m : ms) {
    Bytes d = Tcp(m);
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

Bytes Frames(std::initializer_list<Message> ms) {
  std::string out;
  for (const Message& m : ms) {
    Bytes d = Udp(m);
    iotfuzz::harness::AppendMessageFrame(out, d);
  }
  return Bytes(out.begin(), out.end());
}

Bytes Frames(const std::vector<Message>& ms) {
  std::string out;
  for (const Message& m : ms) {
    Bytes d = Udp(m);
    iotfuzz::harness::AppendMessageFrame(out, d);
  }
  return Bytes(out.begin(), out.end());
}

void PduParseSeeds(Writer& w) {
  const std::string h = "libcoap_pdu_parse_fuzzer";
  const Bytes tok2 = {0x7a, 0x01}, tok4 = {0xde, 0xad, 0xbe, 0xef}, tok8 = {1, 2, 3, 4, 5, 6, 7, 8};

  w.Write(h, "udp_con_get_well_known_core", Udp1(Req(kCon, kGet, 0x1001, tok2, ".well-known/core")));
  w.Write(h, "udp_non_get_temperature_accept_text",
          Udp1(Req(kNon, kGet, 0x1002, tok4, "sensors/temperature").Opt(kAccept, Uint(0))));
  w.Write(h, "udp_con_get_observe_register",
          Udp1(Req(kCon, kGet, 0x1003, tok4, "").Opt(kObserve, {}).Path("sensors/temperature")));
  w.Write(h, "udp_con_put_led_text",
          Udp1(Req(kCon, kPut, 0x1004, tok2, "actuators/led").Opt(kContentFormat, Uint(0)).Body("on")));
  w.Write(h, "udp_con_post_uri_query_host_port",
          Udp1(Req(kCon, kPost, 0x1005, tok8, "")
                   .Opt(kUriHost, Str("thermostat.local"))
                   .Opt(kUriPort, Uint(5683))
                   .Path("actuators/led")
                   .Opt(kUriQuery, Str("mode=toggle"))
                   .Opt(kUriQuery, Str("delay=5"))));
  w.Write(h, "udp_con_delete_if_match", Udp1(Req(kCon, kDelete, 0x1006, tok2, "").Opt(kIfMatch, {0x11, 0x22}).Path("data/log")));
  w.Write(h, "udp_con_empty_ping", Udp1(Message{kCon, kEmpty, 0x1007, {}, {}, {}}));
  w.Write(h, "udp_ack_empty", Udp1(Message{kAck, kEmpty, 0x1008, {}, {}, {}}));
  w.Write(h, "udp_rst_empty", Udp1(Message{kRst, kEmpty, 0x1009, {}, {}, {}}));
  w.Write(h, "udp_con_get_block2_num3_szx2",
          Udp1(Req(kCon, kGet, 0x100a, tok4, "config").Opt(kBlock2, Block(3, false, 2))));
  w.Write(h, "udp_con_put_block1_first_size1",
          Udp1(Req(kCon, kPut, 0x100b, tok4, "config")
                   .Opt(kContentFormat, Uint(50))
                   .Opt(kBlock1, Block(0, true, 2))
                   .Opt(kSize1, Uint(200))
                   .Body(Repeat("{\"report_interval_s\":30}", 64))));
  w.Write(h, "udp_ack_content_etag_max_age_observe",
          Udp1(Message{kAck, Code(2, 5), 0x100c, tok4, {}, {}}
                   .Opt(kETag, {0xa1, 0xb2, 0xc3})
                   .Opt(kObserve, Uint(17))
                   .Opt(kContentFormat, Uint(0))
                   .Opt(kMaxAge, Uint(60))
                   .Body("21.50")));
  w.Write(h, "udp_ack_content_block2_size2",
          Udp1(Message{kAck, Code(2, 5), 0x100d, tok2, {}, {}}
                   .Opt(kContentFormat, Uint(40))
                   .Opt(kBlock2, Block(0, true, 1))
                   .Opt(kSize2, Uint(1500))
                   .Body(Repeat("</sensors/temperature>;obs,", 32))));
  w.Write(h, "udp_ack_created_location_path_query",
          Udp1(Message{kAck, Code(2, 1), 0x100e, tok2, {}, {}}
                   .Opt(kLocationPath, Str("data"))
                   .Opt(kLocationPath, Str("7"))
                   .Opt(kLocationQuery, Str("v=1"))));
  w.Write(h, "udp_con_get_proxy_uri",
          Udp1(Req(kCon, kGet, 0x100f, tok2, "").Opt(kProxyUri, Str("coap://[fe80::1]:5683/sensors/temperature?unit=F"))));
  w.Write(h, "udp_con_get_proxy_scheme_if_none_match",
          Udp1(Req(kCon, kGet, 0x1010, tok2, "").Opt(kUriHost, Str("gateway")).Opt(kIfNoneMatch, {}).Path("status").Opt(kProxyScheme, Str("coap+tcp"))));
  w.Write(h, "udp_non_post_no_response_option_delta14",
          Udp1(Req(kNon, kPost, 0x1011, tok2, "events").Opt(kNoResponse, Uint(26)).Body("door-open")));
  w.Write(h, "udp_ack_bad_request_diagnostic", Udp1(Message{kAck, Code(4, 0), 0x1012, tok2, {}, Str("Invalid Option")}));

  // TCP: each PDU framed by its length (RFC 8323), signalling codes 7.xx.
  Message csm{kCon, Code(7, 1), 0, {}, {}, {}};
  csm.Opt(2, Uint(1152)).Opt(4, {});  // Max-Message-Size, Block-Wise-Transfer
  w.Write(h, "tcp_csm_max_message_size_block_wise", TcpStream({csm}));
  w.Write(h, "tcp_csm_then_get_well_known_core",
          TcpStream({csm, Req(kCon, kGet, 0, tok2, ".well-known/core")}));
  Message ping{kCon, Code(7, 2), 0, tok2, {}, {}};
  ping.Opt(2, {});  // Custody
  w.Write(h, "tcp_ping_custody_pong", TcpStream({ping, Message{kCon, Code(7, 3), 0, tok2, {}, {}}}));
  Message release{kCon, Code(7, 4), 0, {}, {}, {}};
  release.Opt(2, Str("coap+tcp://[::1]:5684")).Opt(4, Uint(30));  // Alternative-Address, Hold-Off
  w.Write(h, "tcp_release_alternative_address_hold_off", TcpStream({release}));
  Message abort{kCon, Code(7, 5), 0, {}, {}, Str("protocol error")};
  abort.Opt(2, Uint(11));  // Bad-CSM-Option
  w.Write(h, "tcp_abort_bad_csm_option", TcpStream({abort}));
  w.Write(h, "tcp_put_config_len13",
          TcpStream({Req(kCon, kPut, 0, tok4, "config").Opt(kContentFormat, Uint(50)).Body("{\"report_interval_s\":15,\"unit\":\"C\"}")}));
  w.Write(h, "tcp_put_config_len14",
          TcpStream({Req(kCon, kPut, 0, tok8, "config").Opt(kContentFormat, Uint(50)).Body("{\"note\":\"" + Repeat("x", 400) + "\"}")}));
  w.Write(h, "tcp_get_observe_then_content",
          TcpStream({Req(kCon, kGet, 0, tok2, "").Opt(kObserve, {}).Path("sensors/temperature"),
                     Message{kCon, Code(2, 5), 0, tok2, {}, {}}.Opt(kObserve, Uint(3)).Body("22.00")}));
}

void ServerSeeds(Writer& w) {
  const std::string h = "libcoap_server_fuzzer";
  const Bytes t1 = {0x01}, t2 = {0x20, 0x02}, t4 = {0x40, 0x04, 0x04, 0x04}, t8 = {8, 7, 6, 5, 4, 3, 2, 1};

  w.Write(h, "get_well_known_core", Frames({Req(kCon, kGet, 0x2001, t2, ".well-known/core")}));
  w.Write(h, "get_well_known_core_filter_rt",
          Frames({Req(kCon, kGet, 0x2002, t2, ".well-known/core").Opt(kUriQuery, Str("rt=\"light\""))}));
  w.Write(h, "get_temperature_con_then_non",
          Frames({Req(kCon, kGet, 0x2003, t1, "sensors/temperature"),
                  Req(kNon, kGet, 0x2004, t2, "sensors/temperature").Opt(kUriQuery, Str("unit=F"))}));
  w.Write(h, "observe_temperature_register_readings_deregister",
          Frames({Req(kCon, kGet, 0x2010, t4, "").Opt(kObserve, {}).Path("sensors/temperature"),
                  Message{kCon, kEmpty, 0x2011, {}, {}, {}},  // ping while observing
                  Req(kNon, kGet, 0x2012, t1, "actuators/led"),
                  Req(kCon, kGet, 0x2013, t2, "config"),
                  Req(kCon, kGet, 0x2014, t4, "").Opt(kObserve, Uint(1)).Path("sensors/temperature")}));
  w.Write(h, "observe_led_then_put_on_off",
          Frames({Req(kCon, kGet, 0x2020, t4, "").Opt(kObserve, {}).Path("actuators/led"),
                  Req(kCon, kPut, 0x2021, t2, "actuators/led").Opt(kContentFormat, Uint(0)).Body("on"),
                  Req(kCon, kPut, 0x2022, t2, "actuators/led").Opt(kContentFormat, Uint(0)).Body("off"),
                  Message{kRst, kEmpty, 0x2023, {}, {}, {}}}));
  w.Write(h, "put_led_invalid_then_post_toggle",
          Frames({Req(kCon, kPut, 0x2030, t1, "actuators/led").Body("blink"),
                  Req(kCon, kPost, 0x2031, t1, "actuators/led"),
                  Req(kNon, kGet, 0x2032, t1, "actuators/led")}));
  std::vector<Message> block2;
  for (uint32_t num = 0; num < 6; ++num) {
    block2.push_back(Req(kCon, kGet, uint16_t(0x2040 + num), t4, "config").Opt(kBlock2, Block(num, false, 2)));
  }
  w.Write(h, "get_config_block2_szx2", Frames(block2));
  w.Write(h, "get_manifest_block2_etag_szx6",
          Frames({Req(kCon, kGet, 0x2050, t2, "firmware/manifest").Opt(kBlock2, Block(0, false, 6)),
                  Req(kCon, kGet, 0x2051, t2, "firmware/manifest").Opt(kBlock2, Block(1, false, 6)),
                  Req(kCon, kGet, 0x2052, t2, "firmware/manifest").Opt(kETag, Uint(0x1f2e3d4c)).Opt(kBlock2, Block(2, false, 6))}));
  const std::string config = "{\"device\":\"thermostat-7\",\"report_interval_s\":30,\"setpoint\":\"" + Repeat("21.0,", 150) + "\"}";
  std::vector<Message> block1;
  const size_t bs = 64;
  for (size_t off = 0, num = 0; off < config.size(); off += bs, ++num) {
    bool more = off + bs < config.size();
    Message m = Req(kCon, kPut, uint16_t(0x2060 + num), t8, "config");
    m.Opt(kContentFormat, Uint(50)).Opt(kBlock1, Block(uint32_t(num), more, 2));
    if (num == 0) m.Opt(kSize1, Uint(uint32_t(config.size())));
    m.payload = Str(std::string_view(config).substr(off, bs));
    block1.push_back(std::move(m));
  }
  block1.push_back(Req(kCon, kGet, 0x2070, t1, "config"));
  w.Write(h, "put_config_block1_szx2_then_get", Frames(block1));
  w.Write(h, "put_config_single_then_delete",
          Frames({Req(kCon, kPut, 0x2080, t2, "config").Opt(kContentFormat, Uint(50)).Body("{\"report_interval_s\":5}"),
                  Req(kCon, kDelete, 0x2081, t2, "config")}));
  w.Write(h, "create_data_resource_get_observe_delete",
          Frames({Req(kCon, kPut, 0x2090, t2, "data/log").Opt(kContentFormat, Uint(42)).Body("boot ok"),
                  Req(kCon, kGet, 0x2091, t4, "").Opt(kObserve, {}).Path("data/log"),
                  Req(kCon, kPut, 0x2092, t2, "data/log").Body("door opened"),
                  Req(kCon, kGet, 0x2093, t1, ".well-known/core"),
                  Req(kCon, kDelete, 0x2094, t2, "data/log")}));
  w.Write(h, "duplicate_con_answered_from_cache",
          Frames({Req(kCon, kGet, 0x20a0, t2, "sensors/temperature"),
                  Req(kCon, kGet, 0x20a0, t2, "sensors/temperature")}));
  w.Write(h, "unknown_path_and_method",
          Frames({Req(kCon, kGet, 0x20b0, t1, "no/such/resource"),
                  Req(kCon, Code(0, 5), 0x20b1, t1, "config"),  // FETCH
                  Req(kCon, kPost, 0x20b2, t1, "sensors/temperature")}));
  w.Write(h, "ping_and_reset", Frames({Message{kCon, kEmpty, 0x20c0, {}, {}, {}}, Message{kRst, kEmpty, 0x20c1, {}, {}, {}}}));
  w.Write(h, "non_get_no_response_option",
          Frames({Req(kNon, kGet, 0x20d0, t2, "sensors/temperature").Opt(kNoResponse, Uint(2))}));
}

// Reproducers of findings (README.md in targets/libcoap/regressions/).
void Regressions(Writer& w) {
  // COAP-1: a Proxy-Uri without a path ("coap://h"); coap_get_uri_path()
  // copies the path with memcpy(dst, NULL, 0).
  w.WriteRegression("libcoap_pdu_parse_fuzzer", "COAP-1_proxy_uri_without_path_memcpy_null",
                    Udp1(Req(kCon, kGet, 0x0001, {}, "").Opt(kProxyUri, Str("coap://h"))));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <root>\n", argv[0]);
    return 2;
  }
  Writer w{fs::path(argv[1])};
  PduParseSeeds(w);
  ServerSeeds(w);
  Regressions(w);
  return w.ok() ? 0 : 1;
}
