#include "fuzzers/corpus/pcap_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <tuple>

#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/content_hash.h"
#include "fuzzers/common/error.h"
#include "fuzzers/corpus/tcp_reassembler.h"
#include "fuzzers/harness/message_frames.h"

namespace iotfuzz::corpus {
namespace fs = std::filesystem;

const char* DirectionName(Direction d) { return d == Direction::kClientToServer ? "c2s" : "s2c"; }

uint64_t ImportResult::unsplit_bytes() const {
  uint64_t n = 0;
  for (const ImportedFlow& f : flows) n += f.unsplit_bytes[0] + f.unsplit_bytes[1];
  return n;
}
uint64_t ImportResult::raw_bytes() const {
  uint64_t n = 0;
  for (const ImportedMessage& m : messages) n += m.check.raw_bytes;
  return n;
}
uint64_t ImportResult::lying_fields() const {
  uint64_t n = 0;
  for (const ImportedMessage& m : messages) n += m.check.lying_fields;
  return n;
}
uint64_t ImportResult::inexact_messages() const {
  uint64_t n = 0;
  for (const ImportedMessage& m : messages) n += m.check.exact ? 0 : 1;
  return n;
}
std::map<std::string, uint64_t> ImportResult::messages_by_type() const {
  std::map<std::string, uint64_t> by;
  for (const ImportedMessage& m : messages) ++by[m.what];
  return by;
}

namespace {

// ------------------------------------------------------------------ flows

struct Datagram {
  int dir = 0;  // 0: a -> b
  uint64_t packet = 0;
  std::string data;
  uint32_t declared = 0;
};

struct RawFlow {
  Transport transport = Transport::kTcp;
  Endpoint a, b;  // a: source of the flow's first packet
  uint64_t first_packet = 0;
  uint64_t packets = 0;
  TcpReassembler tcp[2];
  int syn_client = -1;  // direction of a SYN without ACK: that side is the client
  std::optional<uint32_t> syn_seq;
  std::vector<Datagram> datagrams;
};

using FlowKey = std::tuple<Transport, Endpoint, Endpoint>;

std::vector<RawFlow> CollectFlows(PcapReader& reader) {
  std::vector<RawFlow> flows;
  std::map<FlowKey, size_t> index;
  DecodedPacket p;
  while (reader.Next(p)) {
    FlowKey key{p.transport, std::min(p.source, p.destination), std::max(p.source, p.destination)};
    auto it = index.find(key);
    bool syn_only = p.transport == Transport::kTcp && p.syn && !p.ack;
    // A new SYN with another initial sequence number: the port pair is reused by a new connection.
    if (it != index.end() && syn_only && flows[it->second].syn_seq && *flows[it->second].syn_seq != p.seq) {
      index.erase(it);
      it = index.end();
    }
    if (it == index.end()) {
      it = index.emplace(key, flows.size()).first;
      RawFlow f;
      f.transport = p.transport;
      f.a = p.source;
      f.b = p.destination;
      f.first_packet = p.number;
      flows.push_back(std::move(f));
    }
    RawFlow& f = flows[it->second];
    ++f.packets;
    int dir = p.source == f.a && p.destination == f.b ? 0 : 1;
    if (p.transport == Transport::kTcp) {
      if (syn_only && f.syn_client < 0) {
        f.syn_client = dir;
        f.syn_seq = p.seq;
      }
      f.tcp[dir].Add(TcpSegment{p.number, p.seq, p.syn, p.fin, std::string(p.payload), p.declared_payload_length});
    } else if (!p.payload.empty()) {
      // A datagram without payload carries no message (a UDP probe).
      f.datagrams.push_back(Datagram{dir, p.number, std::string(p.payload), p.declared_payload_length});
    }
  }
  return flows;
}

// ------------------------------------------------------------------ dialects

struct ResolvedDialect {
  const DialectProfile* profile = nullptr;
  const grammar::Session* session[2] = {nullptr, nullptr};  // container per direction
  std::unique_ptr<MessageSplitter> splitter[2];
};

const grammar::Session* FindSession(const grammar::Grammar& g, const std::string& name) {
  if (name.empty()) return nullptr;
  for (const grammar::Session& s : g.sessions)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<ResolvedDialect> ResolveDialects(const grammar::Grammar& g, const ProtocolProfile& profile,
                                             const grammar::ParseLimits& limits) {
  std::vector<ResolvedDialect> out;
  std::vector<std::string> wanted;
  for (const DialectProfile& d : profile.dialects) {
    const grammar::Session* client = FindSession(g, d.client_session);
    const grammar::Session* server = FindSession(g, d.server_session);
    std::vector<grammar::RuleId> rules[2];
    auto add = [](std::vector<grammar::RuleId>& list, grammar::RuleId r) {
      if (std::find(list.begin(), list.end(), r) == list.end()) list.push_back(r);
    };
    for (const std::string& name : d.client_rules)
      if (auto r = g.FindRule(name)) add(rules[0], *r);
    for (const std::string& name : d.server_rules)
      if (auto r = g.FindRule(name)) add(rules[1], *r);
    if (client != nullptr) {
      for (grammar::RuleId r : client->send_rules) add(rules[0], r);
      for (grammar::RuleId r : client->recv_rules) add(rules[1], r);
    }
    if (server != nullptr) {
      for (grammar::RuleId r : server->recv_rules) add(rules[0], r);
      for (grammar::RuleId r : server->send_rules) add(rules[1], r);
    }
    for (const std::string& n : d.client_rules) wanted.push_back("rule " + n);
    if (!d.client_session.empty()) wanted.push_back("session " + d.client_session);
    if (!d.server_session.empty()) wanted.push_back("session " + d.server_session);
    if (rules[0].empty() || rules[1].empty()) continue;
    ResolvedDialect r;
    r.profile = &d;
    r.session[0] = client;
    r.session[1] = server;
    for (int dir = 0; dir < 2; ++dir) r.splitter[dir] = std::make_unique<MessageSplitter>(g, rules[dir], limits);
    out.push_back(std::move(r));
  }
  if (out.empty()) {
    std::string list;
    for (const std::string& w : wanted) list += (list.empty() ? "" : ", ") + w;
    throw Error::Format("grammar {} has no rules for {} traffic in either direction; expected {}",
                        g.file.empty() ? g.name : g.file, profile.name, list);
  }
  return out;
}

// ------------------------------------------------------------------ splitting

struct PieceMessage {
  size_t piece = 0;  // chunk or datagram
  SplitMessage split;
};

struct DirectionSplit {
  std::vector<std::string_view> pieces;  // chunks (TCP) or datagrams (UDP)
  std::vector<uint64_t> piece_offsets;   // stream offsets (TCP)
  std::vector<PieceMessage> messages;
  uint64_t unsplit = 0;
  uint64_t lying = 0;
  uint64_t raw = 0;
  uint64_t unusual = 0;
  std::vector<std::string> notes;
};

std::string Preview(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < 16; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return bytes.size() > 16 ? out + "..." : out;
}

DirectionSplit SplitDirection(MessageSplitter& splitter, const RawFlow& flow, const ReassembledStream* stream,
                              int raw_dir) {
  DirectionSplit out;
  if (flow.transport == Transport::kTcp) {
    for (const StreamChunk& c : stream->chunks) {
      out.pieces.push_back(c.data);
      out.piece_offsets.push_back(c.offset);
    }
  } else {
    for (const Datagram& d : flow.datagrams)
      if (d.dir == raw_dir) {
        out.pieces.push_back(d.data);
        out.piece_offsets.push_back(d.packet);
      }
  }
  for (size_t i = 0; i < out.pieces.size(); ++i) {
    SplitResult r = flow.transport == Transport::kTcp ? splitter.SplitStream(out.pieces[i], out.piece_offsets[i] > 0)
                                                      : splitter.SplitDatagram(out.pieces[i]);
    for (const SplitMessage& m : r.messages) {
      out.messages.push_back({i, m});
      out.lying += m.lying_fields;
      out.raw += m.raw_bytes;
      out.unusual += m.unusual_values;
    }
    out.unsplit += r.unsplit_bytes;
    if (r.unsplit_bytes > 0) {
      if (flow.transport == Transport::kTcp) {
        size_t at = r.split_bytes;
        out.notes.push_back(fmt::format("{} bytes at stream offset {} not split: {} (\"{}\")", r.unsplit_bytes,
                                        out.piece_offsets[i] + at, r.stop_reason,
                                        Preview(out.pieces[i].substr(at))));
      } else {
        out.notes.push_back(fmt::format("datagram of packet {}: {} raw bytes, {} (\"{}\")", out.piece_offsets[i],
                                        r.unsplit_bytes, r.stop_reason, Preview(out.pieces[i])));
      }
    }
  }
  return out;
}

struct FlowSplit {
  size_t dialect = 0;
  int client_dir = 0;  // raw direction that is client to server
  DirectionSplit dirs[2];  // [0] client to server, [1] server to client

  std::tuple<uint64_t, uint64_t, uint64_t> Score() const {
    return {dirs[0].unsplit + dirs[1].unsplit + dirs[0].raw + dirs[1].raw, dirs[0].lying + dirs[1].lying,
            dialect};
  }
};

// For a dialect whose requests of one kind are answered without a body
// (HTTP HEAD): the server-to-client splitter reads the answer to each such
// request, in order, with the bodiless-answer rule.
void ChooseBodilessAnswers(ResolvedDialect& dialect, const DirectionSplit& requests) {
  const DialectProfile& profile = *dialect.profile;
  MessageSplitter& splitter = *dialect.splitter[1];
  if (profile.bodiless_request_prefix.empty()) return;
  int answer_rule = -1;
  for (size_t r = 0; r < splitter.rules().size(); ++r) {
    if (splitter.rule_name(r) == profile.bodiless_answer_rule) answer_rule = static_cast<int>(r);
  }
  std::vector<bool> bodiless;
  bool any = false;
  for (const PieceMessage& m : requests.messages) {
    std::string_view bytes = requests.pieces[m.piece].substr(m.split.offset, m.split.length);
    bodiless.push_back(bytes.starts_with(profile.bodiless_request_prefix));
    any = any || bodiless.back();
  }
  if (answer_rule < 0 || !any) return;
  auto next = std::make_shared<size_t>(0);
  splitter.set_rule_chooser([&profile, bodiless, next, answer_rule](std::string_view rest) {
    for (const std::string& interim : profile.interim_answer_prefixes) {
      if (rest.starts_with(interim)) return -1;
    }
    const size_t request = (*next)++;
    return request < bodiless.size() && bodiless[request] ? answer_rule : -1;
  });
}

bool Contains(const std::vector<uint16_t>& ports, uint16_t port) {
  return std::find(ports.begin(), ports.end(), port) != ports.end();
}

}  // namespace

struct PcapImporter::Dialects {
  std::vector<ResolvedDialect> list;
};

PcapImporter::PcapImporter(const grammar::Grammar& grammar, const ProtocolProfile& profile, ImportOptions options)
    : profile_(profile),
      options_(std::move(options)),
      dialects_(std::make_unique<Dialects>(Dialects{ResolveDialects(grammar, profile, options_.limits)})) {}

PcapImporter::~PcapImporter() = default;

ImportResult ImportPcap(const grammar::Grammar& grammar, const ProtocolProfile& profile, PcapReader& reader,
                        const ImportOptions& options) {
  return PcapImporter(grammar, profile, options).Import(reader);
}

ImportResult PcapImporter::Import(PcapReader& reader) {
  const ProtocolProfile& profile = profile_;
  const ImportOptions& options = options_;
  std::vector<ResolvedDialect>& dialects = dialects_->list;
  ImportResult result;
  result.file = reader.name();
  result.protocol = profile.name;
  result.link_type = reader.link_type_name();
  std::vector<RawFlow> flows = CollectFlows(reader);
  result.counts = reader.counts();
  result.truncated = reader.truncated();
  for (const CaptureWarning& w : reader.warnings())
    result.warnings.push_back(w.packet == 0 ? fmt::format("{}: {}", reader.name(), w.message)
                                            : fmt::format("{}: packet {}: {}", reader.name(), w.packet, w.message));
  result.flows_seen = flows.size();
  const bool ports_given = !options.ports.empty();
  const std::vector<uint16_t>& ports = ports_given ? options.ports : profile.well_known_ports;

  for (RawFlow& flow : flows) {
    // Which side is the server: candidates, most likely first.
    std::vector<int> client_dirs;
    bool a_server = Contains(ports, flow.a.port), b_server = Contains(ports, flow.b.port);
    bool autodetect = false;
    if (a_server && b_server) {
      client_dirs.push_back(flow.syn_client >= 0 ? flow.syn_client : (flow.a.port > flow.b.port ? 0 : 1));
    } else if (a_server || b_server) {
      client_dirs.push_back(b_server ? 0 : 1);
    } else if (!ports_given) {
      autodetect = true;
      if (flow.syn_client >= 0) {
        client_dirs.push_back(flow.syn_client);
      } else {
        client_dirs = {0, 1};
      }
    }
    bool has_payload = false;
    ReassembledStream streams[2];
    if (flow.transport == Transport::kTcp) {
      for (int d = 0; d < 2; ++d) {
        streams[d] = flow.tcp[d].Reassemble();
        has_payload = has_payload || !streams[d].chunks.empty();
      }
    } else {
      has_payload = !flow.datagrams.empty();
    }
    if (client_dirs.empty() || !has_payload) {
      ++result.flows_skipped;
      continue;
    }

    std::optional<FlowSplit> best;
    for (int client_dir : client_dirs) {
      for (size_t di = 0; di < dialects.size(); ++di) {
        ResolvedDialect& dialect = dialects[di];
        if (dialect.profile->transport != flow.transport) continue;
        FlowSplit split;
        split.dialect = di;
        split.client_dir = client_dir;
        for (int d = 0; d < 2; ++d) {
          int raw_dir = d == 0 ? client_dir : 1 - client_dir;
          if (d == 1) ChooseBodilessAnswers(dialect, split.dirs[0]);
          split.dirs[d] = SplitDirection(*dialect.splitter[d], flow, &streams[raw_dir], raw_dir);
          dialect.splitter[d]->set_rule_chooser(nullptr);
        }
        // Off the protocol's ports, a flow is taken only when its client side
        // reads as typical messages: exact, and without values outside the
        // grammar's usual sets (a CoAP option of no registered number).
        if (autodetect && (split.dirs[0].messages.empty() || split.dirs[0].unsplit != 0 ||
                           split.dirs[0].lying != 0 || split.dirs[0].raw != 0 || split.dirs[0].unusual != 0))
          continue;
        if (!best || split.Score() < best->Score()) best = std::move(split);
        if (std::get<0>(best->Score()) == 0 && std::get<1>(best->Score()) == 0) break;
      }
      if (best) break;
    }
    if (!best) {
      ++result.flows_skipped;
      continue;
    }

    ResolvedDialect& dialect = dialects[best->dialect];
    ImportedFlow out;
    out.id = result.flows.size() + 1;
    out.transport = flow.transport;
    out.client = best->client_dir == 0 ? flow.a : flow.b;
    out.server = best->client_dir == 0 ? flow.b : flow.a;
    out.first_packet = flow.first_packet;
    out.packets = flow.packets;
    out.dialect = dialect.profile->name;
    out.autodetected = autodetect;
    std::string label = fmt::format("{}: flow {} ({} {} -> {})", reader.name(), out.id,
                                    flow.transport == Transport::kTcp ? "tcp" : "udp", out.client.ToString(),
                                    out.server.ToString());
    for (int d = 0; d < 2; ++d) {
      Direction dir = static_cast<Direction>(d);
      int raw_dir = d == 0 ? best->client_dir : 1 - best->client_dir;
      DirectionSplit& split = best->dirs[d];
      MessageSplitter& splitter = *dialect.splitter[d];
      if (flow.transport == Transport::kTcp) {
        const ReassembledStream& s = streams[raw_dir];
        out.bytes[d] = s.bytes();
        out.gap_bytes[d] = s.gap_bytes();
        out.retransmitted_bytes[d] = s.retransmitted_bytes;
        for (const StreamGap& g : s.gaps)
          result.warnings.push_back(fmt::format("{} {}: {} bytes missing at stream offset {} ({})", label,
                                                DirectionName(dir), g.length, g.offset,
                                                g.before_packet != 0
                                                    ? fmt::format("lost before packet {}", g.before_packet)
                                                    : std::string("cut at the end of the capture")));
        if (s.conflicting_bytes > 0)
          result.warnings.push_back(fmt::format("{} {}: {} retransmitted bytes differ from their first copy; the "
                                                "first copy is kept",
                                                label, DirectionName(dir), s.conflicting_bytes));
        if (s.bytes_before_start > 0)
          result.warnings.push_back(fmt::format("{} {}: {} bytes before the SYN's sequence number dropped", label,
                                                DirectionName(dir), s.bytes_before_start));
      } else {
        for (const Datagram& dg : flow.datagrams)
          if (dg.dir == raw_dir) out.bytes[d] += dg.data.size();
      }
      out.unsplit_bytes[d] = split.unsplit;
      for (const std::string& note : split.notes)
        result.warnings.push_back(fmt::format("{} {} ({} {}): {}", label, DirectionName(dir), profile.name,
                                              dialect.profile->name, note));
      const grammar::Session* session = dialect.session[d];
      bool bodiless_answer = false;
      for (const PieceMessage& pm : split.messages) {
        ImportedMessage m;
        m.flow = out.id;
        m.direction = dir;
        m.index = ++out.messages[d];
        m.rule = splitter.rule_name(pm.split.rule);
        m.bytes = std::string(split.pieces[pm.piece].substr(pm.split.offset, pm.split.length));
        m.what = DescribeMessage(profile.name, flow.transport, m.rule, m.bytes);
        m.check = splitter.Check(m.bytes, pm.split.rule);
        bodiless_answer = bodiless_answer || m.rule == dialect.profile->bodiless_answer_rule;
        if (session != nullptr) {
          if (session->framing == grammar::SessionFraming::kFrames) {
            harness::AppendMessageFrame(out.session_bytes[d],
                                        std::span(reinterpret_cast<const uint8_t*>(m.bytes.data()), m.bytes.size()));
          } else {
            out.session_bytes[d] += m.bytes;
          }
        }
        result.messages.push_back(std::move(m));
      }
      if (session != nullptr && out.messages[d] > 0) out.session_name[d] = session->name;
      if (bodiless_answer && session != nullptr && session->framing == grammar::SessionFraming::kStream) {
        // Read back as a session, the answer to a HEAD request would take
        // the next answer as its body: its messages are written one by one.
        result.warnings.push_back(fmt::format(
            "{} {}: no {} session written: the answer to a HEAD request ({}) cannot be told from an answer "
            "with a body in a stream; its messages are written one by one",
            label, DirectionName(dir), session->name, dialect.profile->bodiless_answer_rule));
        out.session_name[d].clear();
        out.session_bytes[d].clear();
      }
      if (out.messages[d] == 0) out.session_bytes[d].clear();
    }
    result.flows.push_back(std::move(out));
  }
  return result;
}

// ------------------------------------------------------------------ writing

namespace {

class DedupWriter {
 public:
  explicit DedupWriter(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) throw Error::Format("cannot create {}: {}", dir_.string(), ec.message());
    for (const fs::directory_entry& e : fs::directory_iterator(dir_, ec)) {
      if (!e.is_regular_file()) continue;
      if (auto hash = FileContentHashHex(e.path())) hashes_.insert(*hash);
    }
    if (ec) throw Error::Format("cannot list {}: {}", dir_.string(), ec.message());
  }

  // Writes `bytes` as `stem`.bin unless the directory holds them already;
  // returns the path written, or nullopt for a duplicate.
  std::optional<fs::path> Write(const std::string& stem, std::string_view bytes) {
    std::string hash = ContentHashHex(bytes);
    if (!hashes_.insert(hash).second) return std::nullopt;
    fs::path path = dir_ / (stem + ".bin");
    if (fs::exists(path)) path = dir_ / fmt::format("{}-{}.bin", stem, hash.substr(0, 8));
    WriteFileAtomically(path, bytes);
    return path;
  }

 private:
  fs::path dir_;
  std::set<std::string> hashes_;
};

}  // namespace

WriteStats WriteImport(const ImportResult& result, const fs::path& out) {
  WriteStats stats;
  DedupWriter messages(out / "messages");
  DedupWriter sessions(out / "sessions");
  for (const ImportedMessage& m : result.messages) {
    std::string stem = fmt::format("{}-{}-flow{:03d}-{:04d}-{}", result.protocol, DirectionName(m.direction), m.flow,
                                   m.index, m.what);
    if (auto path = messages.Write(stem, m.bytes)) {
      stats.written.push_back(*path);
      ++stats.messages_written;
    } else {
      ++stats.duplicates;
    }
  }
  for (const ImportedFlow& f : result.flows) {
    for (int d = 0; d < 2; ++d) {
      if (f.session_name[d].empty() || f.session_bytes[d].empty()) continue;
      std::string stem = fmt::format("{}-{}-flow{:03d}-{}-{}msgs", result.protocol,
                                     DirectionName(static_cast<Direction>(d)), f.id, f.session_name[d],
                                     f.messages[d]);
      if (auto path = sessions.Write(stem, f.session_bytes[d])) {
        stats.written.push_back(*path);
        ++stats.sessions_written;
      } else {
        ++stats.duplicates;
      }
    }
  }
  WriteFileAtomically(out / "import-summary.json", ImportSummaryJson(result, stats).dump(2) + "\n");
  return stats;
}

// ------------------------------------------------------------------ summaries

nlohmann::json ImportSummaryJson(const ImportResult& r, const WriteStats& stats) {
  const CaptureCounts& c = r.counts;
  nlohmann::json flows = nlohmann::json::array();
  for (const ImportedFlow& f : r.flows) {
    nlohmann::json j = {{"id", f.id},
                        {"transport", f.transport == Transport::kTcp ? "tcp" : "udp"},
                        {"client", f.client.ToString()},
                        {"server", f.server.ToString()},
                        {"dialect", f.dialect},
                        {"autodetected", f.autodetected},
                        {"first_packet", f.first_packet},
                        {"packets", f.packets}};
    for (int d = 0; d < 2; ++d) {
      j[DirectionName(static_cast<Direction>(d))] = {{"messages", f.messages[d]},
                                                     {"bytes", f.bytes[d]},
                                                     {"unsplit_bytes", f.unsplit_bytes[d]},
                                                     {"gap_bytes", f.gap_bytes[d]},
                                                     {"retransmitted_bytes", f.retransmitted_bytes[d]},
                                                     {"session", f.session_name[d]}};
    }
    flows.push_back(std::move(j));
  }
  nlohmann::json messages = nlohmann::json::array();
  uint64_t per_dir[2] = {0, 0};
  for (const ImportedMessage& m : r.messages) {
    ++per_dir[static_cast<int>(m.direction)];
    messages.push_back({{"flow", m.flow},
                        {"direction", DirectionName(m.direction)},
                        {"index", m.index},
                        {"rule", m.rule},
                        {"type", m.what},
                        {"size", m.bytes.size()},
                        {"exact", m.check.exact},
                        {"raw_bytes", m.check.raw_bytes},
                        {"lying_fields", m.check.lying_fields}});
  }
  std::vector<std::string> written;
  for (const fs::path& p : stats.written) written.push_back(p.string());
  return {{"file", r.file},
          {"protocol", r.protocol},
          {"link_type", r.link_type},
          {"truncated", r.truncated},
          {"packets",
           {{"total", c.packets},
            {"ipv4", c.ipv4},
            {"ipv6", c.ipv6},
            {"tcp", c.tcp},
            {"udp", c.udp},
            {"not_ip", c.not_ip},
            {"other_protocol", c.other_protocol},
            {"fragments", c.fragments},
            {"reassembled", c.reassembled},
            {"malformed", c.malformed},
            {"cut_by_snaplen", c.cut_by_snaplen}}},
          {"flows_seen", r.flows_seen},
          {"flows_skipped", r.flows_skipped},
          {"flows", std::move(flows)},
          {"messages", r.messages.size()},
          {"messages_c2s", per_dir[0]},
          {"messages_s2c", per_dir[1]},
          {"messages_by_type", r.messages_by_type()},
          {"inexact_messages", r.inexact_messages()},
          {"raw_bytes", r.raw_bytes()},
          {"lying_fields", r.lying_fields()},
          {"unsplit_bytes", r.unsplit_bytes()},
          {"message_list", std::move(messages)},
          {"written",
           {{"messages", stats.messages_written}, {"sessions", stats.sessions_written}, {"duplicates", stats.duplicates},
            {"files", written}}},
          {"warnings", r.warnings}};
}

std::string FormatImportSummary(const ImportResult& r, const WriteStats& stats, size_t max_warnings) {
  const CaptureCounts& c = r.counts;
  std::string s = fmt::format(
      "{}: {} packets, link type {} (IPv4 {}, IPv6 {}; TCP {}, UDP {}; not IP {}, other {}, fragments {} "
      "reassembled into {} datagrams, malformed {}, cut by snaplen {}){}\n",
      r.file, c.packets, r.link_type, c.ipv4, c.ipv6, c.tcp, c.udp, c.not_ip, c.other_protocol, c.fragments,
      c.reassembled, c.malformed, c.cut_by_snaplen, r.truncated ? "; the capture is truncated" : "");
  s += fmt::format("{}: {} flows imported, {} of {} flows in the capture skipped (not {})\n", r.protocol,
                   r.flows.size(), r.flows_skipped, r.flows_seen, r.protocol);
  size_t shown = 0;
  for (const ImportedFlow& f : r.flows) {
    if (++shown > 40) {
      s += fmt::format("  ... {} more flows\n", r.flows.size() - 40);
      break;
    }
    s += fmt::format("  flow {:3d} {} {} -> {} {}{}: c2s {} messages{}, s2c {} messages{}\n", f.id,
                     f.transport == Transport::kTcp ? "tcp" : "udp", f.client.ToString(), f.server.ToString(),
                     f.dialect, f.autodetected ? " (port found by parsing)" : "", f.messages[0],
                     f.unsplit_bytes[0] ? fmt::format(" ({} bytes not split)", f.unsplit_bytes[0]) : "",
                     f.messages[1], f.unsplit_bytes[1] ? fmt::format(" ({} bytes not split)", f.unsplit_bytes[1]) : "");
  }
  uint64_t c2s = 0;
  for (const ImportedMessage& m : r.messages) c2s += m.direction == Direction::kClientToServer;
  s += fmt::format("messages: {} (c2s {}, s2c {}); files written: {} messages, {} sessions ({} duplicates not written)\n",
                   r.messages.size(), c2s, r.messages.size() - c2s, stats.messages_written, stats.sessions_written,
                   stats.duplicates);
  std::string types;
  for (const auto& [what, n] : r.messages_by_type()) types += fmt::format("{}{} {}", types.empty() ? "" : ", ", what, n);
  if (!types.empty()) s += fmt::format("  by type: {}\n", types);
  s += fmt::format("round trip: {} of {} messages exact, {} raw bytes, {} lying fields\n",
                   r.messages.size() - r.inexact_messages(), r.messages.size(), r.raw_bytes(), r.lying_fields());
  s += fmt::format("bytes the grammar could not split: {}\n", r.unsplit_bytes());
  s += fmt::format("warnings: {}\n", r.warnings.size());
  for (size_t i = 0; i < r.warnings.size() && i < max_warnings; ++i) s += "  " + r.warnings[i] + "\n";
  if (r.warnings.size() > max_warnings) s += fmt::format("  ... {} more warnings\n", r.warnings.size() - max_warnings);
  return s;
}

}  // namespace iotfuzz::corpus
