// DeviceProfile: what the device under test is and which of its interfaces
// each harness exercises. It feeds the 5.13 evidence report: the device's
// identity, the interface matrix (interface -> kind, authentication,
// harnesses) and the credentials the test lab used.
//
// File format (JSON, schema "iotfuzz.device_profile.v1"; documented with an
// example in docs/triage-report.md):
//
//   {
//     "schema": "iotfuzz.device_profile.v1",
//     "device": {"manufacturer": "...", "model": "...", "name": "...",
//                "firmware_version": "...", "firmware_hash": "sha256:..."},
//     "interfaces": [
//       {"name": "http-config-api", "kind": "network" | "user",
//        "authentication": "none" | "required" | "mixed",
//        "protocol": "http", "harnesses": ["demo_device_http_fuzzer"],
//        "description": "...", "validation_method": "...",
//        "documented": true}
//     ],
//     "credentials": [{"name": "...", "description": "...", "interfaces": ["..."]}]
//   }
//
// "authentication" says whether data reaches the interface's input handling
// before authentication ("none": all of it, "mixed": some of it, e.g. a login
// endpoint beside protected ones) or only after ("required"). Only "device"
// and "interfaces" are required; every interface needs "name", "kind" and at
// least one harness. Unknown keys are rejected so that a typo is not silently
// ignored.
//
// Without a profile file, `DefaultFor` derives one interface per harness:
// every protocol of a harness is a network interface (kind "network"),
// authentication "mixed" (unknown), marked `declared = false` so reports say
// the matrix is derived rather than declared by the manufacturer.
#ifndef IOTFUZZ_FUZZERS_TRIAGE_DEVICE_PROFILE_H_
#define IOTFUZZ_FUZZERS_TRIAGE_DEVICE_PROFILE_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace iotfuzz::triage {

inline constexpr std::string_view kDeviceProfileSchema = "iotfuzz.device_profile.v1";

enum class InterfaceKind {
  kNetwork,  // network interface or API (EN 303 645 V3.1.3 5.13-1B)
  kUser,     // user interface: buttons, display, companion-app forms (5.13-1A)
};

enum class Authentication {
  kNone,      // input is processed before any authentication
  kMixed,     // some input before, some only after authentication
  kRequired,  // input is processed only after authentication
};

struct DeviceInterface {
  std::string name;
  InterfaceKind kind = InterfaceKind::kNetwork;
  Authentication authentication = Authentication::kMixed;
  std::string protocol;
  std::vector<std::string> harnesses;
  std::string description;
  std::string validation_method;  // the manufacturer's declared method (IXIT 29-InpVal)
  bool documented = true;         // listed in the manufacturer's documentation (5.13-1-2 b/c)
  bool declared = true;           // false when derived without a profile file
};

struct Credential {
  std::string name;
  std::string description;
  std::vector<std::string> interfaces;
};

struct DeviceIdentity {
  std::string manufacturer;
  std::string model;
  std::string name;
  std::string firmware_version;
  std::string firmware_hash;
};

// A harness as the default profile needs it (from the build manifest).
struct HarnessSummary {
  std::string name;
  std::string target;
  std::string protocol;
};

struct DeviceProfile {
  DeviceIdentity device;
  std::vector<DeviceInterface> interfaces;
  std::vector<Credential> credentials;
  std::filesystem::path file;  // where it was read from; empty for a default profile

  // Reads and checks `file`. Throws iotfuzz::Error naming the file and, for
  // JSON syntax errors, the line and column, for other problems the field
  // path (e.g. "interfaces[1].kind") and what was expected.
  static DeviceProfile Load(const std::filesystem::path& file);
  // As Load, from text; `origin` names the source in error messages.
  static DeviceProfile Parse(std::string_view json_text, const std::string& origin);
  // One network interface per harness, named after its protocol (see header).
  static DeviceProfile DefaultFor(const std::vector<HarnessSummary>& harnesses);

  // The interface whose harness list names `harness`, or nullptr.
  const DeviceInterface* InterfaceForHarness(std::string_view harness) const;
};

std::string_view ToString(InterfaceKind kind);             // "network", "user"
std::string_view ToString(Authentication authentication);  // "none", "mixed", "required"
// "network interface", "user interface".
std::string_view Describe(InterfaceKind kind);

nlohmann::json ToJson(const DeviceProfile& profile);

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_DEVICE_PROFILE_H_
