// Importing real traffic from a packet capture into corpus files: the flows
// of one protocol are reassembled, split into messages with the protocol's
// grammar, checked to parse back exactly, and written as single-message
// files and per-flow session files.
//
//   ImportResult r = ImportPcap(grammar, *FindProtocolProfile("mqtt"), reader, options);
//   WriteStats w = WriteImport(r, "corpus-out");
//   fmt::print("{}", FormatImportSummary(r, w));
#ifndef IOTFUZZ_FUZZERS_CORPUS_PCAP_IMPORT_H_
#define IOTFUZZ_FUZZERS_CORPUS_PCAP_IMPORT_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fuzzers/corpus/message_splitter.h"
#include "fuzzers/corpus/pcap_reader.h"
#include "fuzzers/corpus/protocol_profile.h"
#include "fuzzers/grammar/grammar.h"

namespace iotfuzz::corpus {

enum class Direction : uint8_t { kClientToServer = 0, kServerToClient = 1 };
// "c2s", "s2c".
const char* DirectionName(Direction d);

struct ImportOptions {
  // Server ports to import. Empty: the protocol's well-known ports, and any
  // other flow whose client bytes the grammar splits completely and strictly.
  std::vector<uint16_t> ports;
  grammar::ParseLimits limits{5'000'000};
};

struct ImportedMessage {
  size_t flow = 0;   // ImportedFlow::id
  Direction direction = Direction::kClientToServer;
  size_t index = 0;  // 1-based, per flow and direction
  std::string rule;
  std::string what;  // DescribeMessage
  std::string bytes;
  MessageCheck check;
};

struct ImportedFlow {
  size_t id = 0;  // 1-based, in order of the flows' first packets
  Transport transport = Transport::kTcp;
  Endpoint client;
  Endpoint server;
  uint64_t first_packet = 0;
  uint64_t packets = 0;
  std::string dialect;
  bool autodetected = false;  // server port found by parsing, not given or well known
  size_t messages[2] = {0, 0};
  uint64_t bytes[2] = {0, 0};          // reassembled payload bytes
  uint64_t unsplit_bytes[2] = {0, 0};  // bytes not split into messages
  uint64_t gap_bytes[2] = {0, 0};      // bytes that never arrived
  uint64_t retransmitted_bytes[2] = {0, 0};
  // Session containers of the flow's messages per direction (empty when a
  // direction has no messages or the profile has no session for it).
  std::string session_name[2];
  std::string session_bytes[2];
};

struct ImportResult {
  std::string file;
  std::string protocol;
  std::string link_type;
  CaptureCounts counts;
  bool truncated = false;
  uint64_t flows_seen = 0;      // TCP and UDP flows in the capture
  uint64_t flows_skipped = 0;   // not on a server port of the protocol
  std::vector<ImportedFlow> flows;
  std::vector<ImportedMessage> messages;
  std::vector<std::string> warnings;  // "FILE: packet N: ..." / "FILE: flow N ...: ..."

  uint64_t unsplit_bytes() const;
  uint64_t raw_bytes() const;
  uint64_t lying_fields() const;
  uint64_t inexact_messages() const;
  // Messages per DescribeMessage name.
  std::map<std::string, uint64_t> messages_by_type() const;
};

// Imports captures with one grammar and protocol. Building the splitters of
// every dialect costs more than a small capture: keep one importer for many
// captures.
class PcapImporter {
 public:
  // Throws Error when the grammar lacks every rule a direction needs.
  PcapImporter(const grammar::Grammar& grammar, const ProtocolProfile& profile, ImportOptions options = {});
  ~PcapImporter();
  PcapImporter(const PcapImporter&) = delete;
  PcapImporter& operator=(const PcapImporter&) = delete;

  // Reads every packet of `reader` and imports the flows of the protocol.
  ImportResult Import(PcapReader& reader);

 private:
  struct Dialects;
  const ProtocolProfile& profile_;
  ImportOptions options_;
  std::unique_ptr<Dialects> dialects_;
};

// PcapImporter(grammar, profile, options).Import(reader).
ImportResult ImportPcap(const grammar::Grammar& grammar, const ProtocolProfile& profile, PcapReader& reader,
                        const ImportOptions& options = {});

struct WriteStats {
  std::vector<std::filesystem::path> written;  // new files
  uint64_t messages_written = 0;
  uint64_t sessions_written = 0;
  uint64_t duplicates = 0;  // files whose content was already in the directory
};

// Writes <out>/messages/<proto>-<dir>-flowNNN-MMMM-<what>.bin and
// <out>/sessions/<proto>-<dir>-flowNNN-<session>-<K>msgs.bin atomically,
// skipping content already present in those directories (by content hash),
// and <out>/import-summary.json.
WriteStats WriteImport(const ImportResult& result, const std::filesystem::path& out);

std::string FormatImportSummary(const ImportResult& result, const WriteStats& stats, size_t max_warnings = 20);
nlohmann::json ImportSummaryJson(const ImportResult& result, const WriteStats& stats);

}  // namespace iotfuzz::corpus

#endif  // IOTFUZZ_FUZZERS_CORPUS_PCAP_IMPORT_H_
