#include "fuzzers/engine/findings_collector.h"

#include <algorithm>
#include <system_error>

#include "fuzzers/common/content_hash.h"

namespace iotfuzz {
namespace fs = std::filesystem;

std::string_view FindingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::kCrash:
      return "crash";
    case FindingKind::kLeak:
      return "leak";
    case FindingKind::kTimeout:
      return "timeout";
    case FindingKind::kOutOfMemory:
      return "oom";
    case FindingKind::kSlowUnit:
      return "slow-unit";
  }
  return "crash";
}

FindingsCollector::FindingsCollector(fs::path crashes_dir) : crashes_dir_(std::move(crashes_dir)) {}

std::optional<FindingKind> FindingsCollector::KindOfArtifactName(std::string_view name) {
  static constexpr std::pair<std::string_view, FindingKind> kPrefixes[] = {
      {"crash-", FindingKind::kCrash},        {"leak-", FindingKind::kLeak},
      {"timeout-", FindingKind::kTimeout},    {"oom-", FindingKind::kOutOfMemory},
      {"slow-unit-", FindingKind::kSlowUnit},
  };
  for (const auto& [prefix, kind] : kPrefixes) {
    if (name.size() > prefix.size() && name.starts_with(prefix)) return kind;
  }
  return std::nullopt;
}

void FindingsCollector::Snapshot() {
  snapshot_.clear();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(crashes_dir_, ec)) {
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;
    const auto mtime = entry.last_write_time(entry_ec);
    if (!entry_ec) snapshot_[entry.path().filename().string()] = mtime;
  }
}

std::vector<Finding> FindingsCollector::NewLibFuzzerArtifacts() const {
  std::vector<Finding> findings;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(crashes_dir_, ec)) {
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec)) continue;
    const std::string name = entry.path().filename().string();
    const auto kind = KindOfArtifactName(name);
    if (!kind) continue;
    const auto mtime = entry.last_write_time(entry_ec);
    if (entry_ec) continue;
    const auto before = snapshot_.find(name);
    if (before != snapshot_.end() && before->second == mtime) continue;
    Finding finding;
    finding.file = entry.path();
    finding.kind = *kind;
    finding.size_bytes = entry.file_size(entry_ec);
    findings.push_back(std::move(finding));
  }
  std::sort(findings.begin(), findings.end(),
            [](const Finding& a, const Finding& b) { return a.file < b.file; });
  return findings;
}

std::vector<Finding> FindingsCollector::ImportAflFindings(const fs::path& afl_out) const {
  std::vector<Finding> findings;
  std::error_code ec;
  fs::create_directories(crashes_dir_, ec);
  for (const auto& instance : fs::directory_iterator(afl_out, ec)) {
    std::error_code instance_ec;
    if (!instance.is_directory(instance_ec)) continue;
    for (const auto& [subdir, kind] :
         {std::pair{"crashes", FindingKind::kCrash}, std::pair{"hangs", FindingKind::kTimeout}}) {
      std::error_code dir_ec;
      for (const auto& entry : fs::directory_iterator(instance.path() / subdir, dir_ec)) {
        std::error_code entry_ec;
        if (!entry.is_regular_file(entry_ec)) continue;
        if (!entry.path().filename().string().starts_with("id:")) continue;  // skips README.txt
        const auto hash = FileContentHashHex(entry.path());
        if (!hash) continue;
        const fs::path copy = crashes_dir_ / (std::string(FindingKindName(kind)) + "-" + *hash);
        if (std::any_of(findings.begin(), findings.end(),
                        [&](const Finding& f) { return f.file == copy; })) {
          continue;
        }
        fs::copy_file(entry.path(), copy, fs::copy_options::overwrite_existing, entry_ec);
        if (entry_ec) continue;
        Finding finding;
        finding.file = copy;
        finding.kind = kind;
        finding.size_bytes = entry.file_size(entry_ec);
        finding.engine_file = entry.path();
        findings.push_back(std::move(finding));
      }
    }
  }
  std::sort(findings.begin(), findings.end(),
            [](const Finding& a, const Finding& b) { return a.file < b.file; });
  return findings;
}

}  // namespace iotfuzz
