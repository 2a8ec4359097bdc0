// The random source of generation and mutation: small, fast and fully
// determined by its seed (xoshiro256** seeded through splitmix64), so a run
// with a fixed seed repeats exactly on every machine.
#ifndef IOTFUZZ_FUZZERS_GRAMMAR_RANDOM_H_
#define IOTFUZZ_FUZZERS_GRAMMAR_RANDOM_H_

#include <cstdint>

namespace iotfuzz::grammar {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }

  void Seed(uint64_t seed) {
    for (auto& s : state_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, n); 0 when n == 0.
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  // Uniform in [low, high].
  uint64_t InRange(uint64_t low, uint64_t high) {
    if (high <= low) return low;
    uint64_t span = high - low;
    return span == ~0ull ? Next() : low + Below(span + 1);
  }
  // True with probability numerator/denominator.
  bool Chance(uint32_t numerator, uint32_t denominator) {
    return denominator != 0 && Below(denominator) < numerator;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace iotfuzz::grammar

#endif  // IOTFUZZ_FUZZERS_GRAMMAR_RANDOM_H_
