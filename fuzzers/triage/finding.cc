#include "fuzzers/triage/finding.h"

#include <array>
#include <cstring>
#include <fmt/format.h>

namespace iotfuzz::triage {
namespace {

bool IsHarnessEntry(const StackFrame& frame) {
  return frame.function.rfind("LLVMFuzzerTestOneInput", 0) == 0;
}

std::string Count(std::uint64_t n) {
  if (n >= 10'000'000) return fmt::format("{:.1f} M", n / 1e6);
  if (n >= 10'000) return fmt::format("{:.1f} k", n / 1e3);
  return fmt::format("{}", n);
}

// SHA-256 (FIPS 180-4).
class Sha256 {
 public:
  void Update(std::string_view data) {
    for (unsigned char c : data) {
      block_[block_size_++] = c;
      ++length_;
      if (block_size_ == 64) {
        Compress();
        block_size_ = 0;
      }
    }
  }

  std::string HexDigest() {
    const std::uint64_t bits = length_ * 8;
    block_[block_size_++] = 0x80;
    if (block_size_ > 56) {
      while (block_size_ < 64) block_[block_size_++] = 0;
      Compress();
      block_size_ = 0;
    }
    while (block_size_ < 56) block_[block_size_++] = 0;
    for (int i = 7; i >= 0; --i) block_[block_size_++] = static_cast<unsigned char>(bits >> (i * 8));
    Compress();
    std::string out;
    for (std::uint32_t h : state_) out += fmt::format("{:08x}", h);
    return out;
  }

 private:
  static std::uint32_t Rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void Compress() {
    static constexpr std::array<std::uint32_t, 64> k = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    std::array<std::uint32_t, 64> w{};
    for (int i = 0; i < 16; ++i) {
      w[i] = (std::uint32_t{block_[4 * i]} << 24) | (std::uint32_t{block_[4 * i + 1]} << 16) |
             (std::uint32_t{block_[4 * i + 2]} << 8) | std::uint32_t{block_[4 * i + 3]};
    }
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const std::uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    state_[5] += f;
    state_[6] += g;
    state_[7] += h;
  }

  std::array<std::uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<unsigned char, 64> block_{};
  std::size_t block_size_ = 0;
  std::uint64_t length_ = 0;
};

}  // namespace

std::size_t TriageResult::reproducible_findings() const {
  std::size_t n = 0;
  for (const auto& f : findings) n += f.reproduction.reproducible() ? 1 : 0;
  return n;
}

const StackFrame* FirstOwnFrame(const CrashReport& report) {
  static const FrameIgnoreList ignore = FrameIgnoreList::Default();
  const StackFrame* entry = nullptr;
  for (const StackFrame& frame : report.frames) {
    if (IsHarnessEntry(frame)) {
      entry = &frame;
      break;
    }
  }
  for (const StackFrame& frame : report.frames) {
    if (&frame == entry) break;
    if (frame.file.empty() || ignore.Ignores(frame)) continue;
    return &frame;
  }
  return entry != nullptr && !entry->file.empty() ? entry : nullptr;
}

std::string RelativeSourcePath(const std::string& path, const std::filesystem::path& base) {
  if (base.empty()) return path;
  std::string prefix = base.lexically_normal().string();
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) return path.substr(prefix.size());
  return path;
}

std::string DescribeExtent(const std::vector<CampaignExtent>& campaigns, const std::string& harness) {
  double seconds = 0;
  std::uint64_t execs = 0;
  std::optional<std::uint64_t> edges, total;
  int runs = 0;
  std::string engines;
  for (const auto& c : campaigns) {
    if (c.harness != harness) continue;
    ++runs;
    seconds += c.elapsed_seconds;
    execs += c.execs;
    if (c.edges && (!edges || *c.edges > *edges)) edges = c.edges;
    if (c.total_edges) total = c.total_edges;
    if (!c.engine.empty() && engines.find(c.engine) == std::string::npos) {
      engines += (engines.empty() ? "" : "+") + c.engine;
    }
  }
  if (runs == 0) return "";
  std::string text = fmt::format("{:.0f} s, {} executions", seconds, Count(execs));
  if (edges) {
    text += total && *total > 0 ? fmt::format(", {} of {} edges covered", *edges, *total)
                                : fmt::format(", {} edges covered", *edges);
  }
  text += fmt::format(" ({} run{}{}{})", runs, runs == 1 ? "" : "s", engines.empty() ? "" : ", ", engines);
  return text;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 sha;
  sha.Update(bytes);
  return sha.HexDigest();
}

}  // namespace iotfuzz::triage
