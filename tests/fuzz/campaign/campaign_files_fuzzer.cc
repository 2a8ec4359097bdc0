// The campaign's own file readers under libFuzzer: the YAML campaign file,
// the baseline and the campaign state. The first byte picks the reader; the
// rest is the file. Any input must give a configuration or an iotfuzz::Error
// — never a crash, a leak or another exception — and whatever reads back must
// survive being written and read again unchanged.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzzers/campaign/baseline.h"
#include "fuzzers/campaign/campaign_config.h"
#include "fuzzers/campaign/campaign_state.h"
#include "fuzzers/common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace iotfuzz::campaign;
  try {
    switch (data[0] % 3) {
      case 0: {
        const CampaignConfig c = ParseCampaignYaml(text, "campaign.yaml", "/work", CampaignConfig{});
        if (c.jobs < 1 || c.jobs > 256) __builtin_trap();
        break;
      }
      case 1: {
        const Baseline b = Baseline::Parse(text, "baseline.txt");
        const Baseline again = Baseline::Parse(b.Format(), "formatted");
        if (again.entries().size() != b.entries().size()) __builtin_trap();
        for (const auto& e : b.entries()) {
          if (!again.Contains(e.target, e.signature)) __builtin_trap();
        }
        break;
      }
      default: {
        const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded()) return 0;
        const CampaignState s = CampaignState::FromJson(j, "campaign.json");
        const CampaignState again = CampaignState::FromJson(s.ToJson(), "written");
        if (again.ToJson() != s.ToJson()) __builtin_trap();
        break;
      }
    }
  } catch (const iotfuzz::Error&) {
    // A clear error is the expected answer to a bad file.
  }
  return 0;
}
