// Fuzz target for the pcap importer: any bytes, read as a capture file
// (pcap or pcapng, through libpcap), go through packet decoding, TCP
// reassembly and message splitting with the HTTP, MQTT and CoAP grammars.
// A file libpcap refuses must be an iotfuzz::Error; everything else must
// import, and every message the importer returns must be bytes of the
// capture's flows that parse back exactly.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzzers/common/error.h"
#include "fuzzers/corpus/pcap_import.h"
#include "fuzzers/corpus/pcap_reader.h"
#include "fuzzers/corpus/protocol_profile.h"
#include "fuzzers/grammar/grammar_loader.h"

namespace {

struct Protocol {
  iotfuzz::grammar::LoadedGrammar grammar;
  std::unique_ptr<iotfuzz::corpus::PcapImporter> importer;
};

std::vector<Protocol>& Protocols() {
  static std::vector<Protocol> protocols = [] {
    std::vector<Protocol> out;
    out.reserve(3);  // importers keep references to the grammars
    for (const char* name : {"http", "mqtt", "coap"}) {
      Protocol& p = out.emplace_back();
      p.grammar = iotfuzz::grammar::LoadGrammarFile(std::string(IOTFUZZ_SOURCE_DIR) + "/grammars/" + name + ".grammar");
      iotfuzz::corpus::ImportOptions options;
      options.limits.max_steps = 200000;
      p.importer = std::make_unique<iotfuzz::corpus::PcapImporter>(
          p.grammar.grammar, *iotfuzz::corpus::FindProtocolProfile(name), options);
    }
    return out;
  }();
  return protocols;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 65536) return 0;
  for (Protocol& protocol : Protocols()) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    std::FILE* stream = fmemopen(bytes.data(), bytes.size(), "rb");
    if (stream == nullptr) return 0;  // fmemopen refuses an empty buffer on some libcs
    std::unique_ptr<iotfuzz::corpus::PcapReader> reader;
    try {
      reader = std::make_unique<iotfuzz::corpus::PcapReader>(stream, "fuzz.pcap");
    } catch (const iotfuzz::Error&) {
      return 0;  // not a capture libpcap can open: a clear error, as expected
    }
    iotfuzz::corpus::ImportResult result = protocol.importer->Import(*reader);
    for (const iotfuzz::corpus::ImportedMessage& m : result.messages) {
      if (m.bytes.empty()) std::abort();  // a message is never empty
      if (!m.check.exact && !m.check.budget_exhausted) std::abort();  // parse-back must be exact
    }
    for (const iotfuzz::corpus::ImportedFlow& f : result.flows)
      if (f.messages[0] + f.messages[1] == 0 && f.unsplit_bytes[0] + f.unsplit_bytes[1] == 0 &&
          f.bytes[0] + f.bytes[1] != 0)
        std::abort();  // bytes of a flow are either split or counted as unsplit
    (void)iotfuzz::corpus::FormatImportSummary(result, {});
  }
  return 0;
}
