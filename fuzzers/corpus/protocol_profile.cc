#include "fuzzers/corpus/protocol_profile.h"

#include <fmt/format.h>

#include <cctype>

namespace iotfuzz::corpus {
namespace {

const std::vector<ProtocolProfile>& Profiles() {
  static const std::vector<ProtocolProfile> profiles = {
      {"http",
       {80, 8080},
       {{"http", Transport::kTcp, {"request"}, {"response"}, "connection", "cloud_responses", "HEAD ",
         "head_response", {"HTTP/1.1 1", "HTTP/1.0 1"}}}},
      {"mqtt",
       {1883},
       {{"v5", Transport::kTcp, {}, {}, "broker_v5", "client_v5"},
        {"v311", Transport::kTcp, {}, {}, "broker_v311", "client_v311"}}},
      {"coap",
       {5683},
       {{"udp", Transport::kUdp, {"udp_message"}, {"udp_message"}, "server_session", "datagrams"},
        {"tcp", Transport::kTcp, {"tcp_message"}, {"tcp_message"}, "tcp_connection", ""}}},
  };
  return profiles;
}

std::string Sanitize(std::string_view text) {
  std::string out;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '.' || c == '-') {
      out.push_back(static_cast<char>(std::tolower(u)));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 40) out.resize(40);
  return out.empty() ? "message" : out;
}

std::string CoapCode(uint8_t code) {
  static const char* const kMethods[] = {"empty", "get", "post", "put", "delete", "fetch", "patch", "ipatch"};
  if (code < 8) return kMethods[code];
  if (code == 225) return "csm";
  if (code == 226) return "ping";
  if (code == 227) return "pong";
  if (code == 228) return "release";
  if (code == 229) return "abort";
  return fmt::format("{}.{:02d}", code >> 5, code & 0x1f);
}

}  // namespace

const ProtocolProfile* FindProtocolProfile(std::string_view name) {
  for (const ProtocolProfile& p : Profiles())
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> ProtocolProfileNames() {
  std::vector<std::string> names;
  for (const ProtocolProfile& p : Profiles()) names.push_back(p.name);
  return names;
}

std::string DescribeMessage(std::string_view protocol, Transport transport, std::string_view rule,
                            std::string_view message) {
  if (protocol == "http") {
    if (message.starts_with("HTTP/")) {
      size_t sp = message.find(' ');
      if (sp != std::string_view::npos && message.size() >= sp + 4) return Sanitize(fmt::format("status-{}", message.substr(sp + 1, 3)));
    } else {
      size_t sp = message.find(' ');
      if (sp != std::string_view::npos && sp > 0 && sp <= 20) return Sanitize(message.substr(0, sp));
    }
  } else if (protocol == "coap" && transport == Transport::kUdp && message.size() >= 4) {
    static const char* const kTypes[] = {"con", "non", "ack", "rst"};
    uint8_t type = (static_cast<uint8_t>(message[0]) >> 4) & 3;
    uint8_t code = static_cast<uint8_t>(message[1]);
    return Sanitize(fmt::format("{}-{}", kTypes[type], CoapCode(code)));
  } else if (protocol == "coap" && transport == Transport::kTcp && !message.empty()) {
    // Len/TKL byte, 0-4 bytes of length extension, then the code.
    uint8_t len = static_cast<uint8_t>(message[0]) >> 4;
    size_t code_at = 1 + (len == 13 ? 1 : len == 14 ? 2 : len == 15 ? 4 : 0);
    if (message.size() > code_at) return Sanitize(CoapCode(static_cast<uint8_t>(message[code_at])));
  }
  return Sanitize(rule);
}

}  // namespace iotfuzz::corpus
