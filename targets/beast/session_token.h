// Session tokens of the device REST API (device_api.h): 32 lowercase hex
// digits derived from a per-device secret and a counter. Deterministic by
// design of the harness (the secret is fixed there), so seed inputs can
// carry the token a login returns; a production device would seed the
// secret from its hardware RNG at boot.
#ifndef IOTFUZZ_TARGETS_BEAST_SESSION_TOKEN_H_
#define IOTFUZZ_TARGETS_BEAST_SESSION_TOKEN_H_

#include <cstdint>
#include <string>

namespace iotfuzz::beast_targets {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The `n`-th token (n = 0 for the first login) of a device with `secret`.
inline std::string SessionToken(uint64_t secret, uint32_t n) {
  static const char kHex[] = "0123456789abcdef";
  uint64_t words[2] = {SplitMix64(secret ^ (uint64_t{n} << 1)),
                       SplitMix64(secret ^ ((uint64_t{n} << 1) | 1))};
  std::string token;
  for (uint64_t w : words)
    for (int shift = 60; shift >= 0; shift -= 4) token.push_back(kHex[(w >> shift) & 0xf]);
  return token;
}

}  // namespace iotfuzz::beast_targets

#endif  // IOTFUZZ_TARGETS_BEAST_SESSION_TOKEN_H_
