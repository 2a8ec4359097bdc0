// Crash inputs for the eight planted bugs of targets/demo_device: the
// committed reproducer of each bug and variants that reach the same faulting
// site through different bytes (extra headers, harmless messages before or
// after the crashing one, other lengths, token bytes, message ids), so a
// correct deduplication puts every variant of a bug in that bug's finding
// and nothing else there. Used by the triage tests and scripts/bench/triage.
#ifndef IOTFUZZ_TESTS_FUZZERS_TRIAGE_DEMO_CRASH_VARIANTS_H_
#define IOTFUZZ_TESTS_FUZZERS_TRIAGE_DEMO_CRASH_VARIANTS_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace iotfuzz::testing {

struct DemoBug {
  std::string id;          // "HTTP-1"
  std::string harness;     // "demo_device_http_fuzzer"
  std::string reproducer;  // file name under targets/demo_device/reproducers/
};

// The eight planted bugs, in README order.
const std::vector<DemoBug>& DemoBugs();

// Variant `index` of `bug` (index 0 is the reproducer itself), built from the
// reproducer's bytes `reproducer`.
std::string MakeVariant(const DemoBug& bug, const std::string& reproducer, std::size_t index);

// Writes `per_bug` inputs of every bug to <out>/<harness>/<bug id>-<index>,
// reading reproducers from `reproducers_dir`. Throws std::runtime_error when a
// reproducer cannot be read.
void WriteDemoCrashVariants(const std::filesystem::path& reproducers_dir, const std::filesystem::path& out,
                            std::size_t per_bug);

}  // namespace iotfuzz::testing

#endif  // IOTFUZZ_TESTS_FUZZERS_TRIAGE_DEMO_CRASH_VARIANTS_H_
