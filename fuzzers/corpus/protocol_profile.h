// What the pcap importer knows about each protocol: its well-known server
// ports and, per dialect (MQTT 5 or 3.1.1, CoAP over UDP or TCP), which
// grammar rules and sessions describe each direction of a connection.
//
// The rules of a direction are the explicitly listed ones first, then the
// rules the client session sends (client to server) or receives (server to
// client), then those the server session receives or sends. A session is a
// grammar `session` seen from the fuzzer's side: in the client session the
// fuzzer is the client (mqtt `broker_v5`: it sends CONNECT), in the server
// session it is the server (mqtt `client_v5`: it sends CONNACK). The client
// session also names the container written for a flow's client messages,
// the server session the one for the server's messages.
#ifndef IOTFUZZ_FUZZERS_CORPUS_PROTOCOL_PROFILE_H_
#define IOTFUZZ_FUZZERS_CORPUS_PROTOCOL_PROFILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/corpus/pcap_reader.h"

namespace iotfuzz::corpus {

struct DialectProfile {
  std::string name;
  Transport transport = Transport::kTcp;
  std::vector<std::string> client_rules;  // client to server, tried first
  std::vector<std::string> server_rules;  // server to client, tried first
  std::string client_session;
  std::string server_session;
  // Requests whose answer has no body although its fields announce one
  // (HTTP HEAD): how such a request starts, and the server-to-client rule
  // that reads its answer. Answers starting with one of
  // `interim_answer_prefixes` (HTTP 1xx) precede the answer to the same
  // request.
  std::string bodiless_request_prefix;
  std::string bodiless_answer_rule;
  std::vector<std::string> interim_answer_prefixes;
};

struct ProtocolProfile {
  std::string name;
  std::vector<uint16_t> well_known_ports;
  std::vector<DialectProfile> dialects;  // in order of preference
};

// The profile of `name` (http, mqtt, coap), or nullptr.
const ProtocolProfile* FindProtocolProfile(std::string_view name);
std::vector<std::string> ProtocolProfileNames();

// A short name of a message for file names and summaries: the HTTP method
// or status code, the MQTT packet rule, the CoAP type and code. Lowercase
// letters, digits, '.' and '-'.
std::string DescribeMessage(std::string_view protocol, Transport transport, std::string_view rule,
                            std::string_view message);

}  // namespace iotfuzz::corpus

#endif  // IOTFUZZ_FUZZERS_CORPUS_PROTOCOL_PROFILE_H_
