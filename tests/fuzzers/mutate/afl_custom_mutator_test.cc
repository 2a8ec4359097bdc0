// The AFL++ custom mutator library as afl-fuzz drives it: loaded with
// dlopen, initialized with a seed, asked for mutations and for a trim.
#include <dlfcn.h>
#include <stdlib.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>

#include "fuzzers/grammar/grammar_loader.h"
#include "fuzzers/grammar/input_parser.h"

namespace {

struct AflMutatorLibrary {
  void* handle = nullptr;
  void* (*init)(void*, unsigned int) = nullptr;
  size_t (*fuzz)(void*, uint8_t*, size_t, uint8_t**, uint8_t*, size_t, size_t) = nullptr;
  int32_t (*init_trim)(void*, uint8_t*, size_t) = nullptr;
  size_t (*trim)(void*, uint8_t**) = nullptr;
  int32_t (*post_trim)(void*, uint8_t) = nullptr;
  void (*deinit)(void*) = nullptr;

  AflMutatorLibrary() {
    handle = dlopen(IOTFUZZ_AFL_MUTATOR_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    INFO(dlerror());
    REQUIRE(handle != nullptr);
    init = reinterpret_cast<decltype(init)>(dlsym(handle, "afl_custom_init"));
    fuzz = reinterpret_cast<decltype(fuzz)>(dlsym(handle, "afl_custom_fuzz"));
    init_trim = reinterpret_cast<decltype(init_trim)>(dlsym(handle, "afl_custom_init_trim"));
    trim = reinterpret_cast<decltype(trim)>(dlsym(handle, "afl_custom_trim"));
    post_trim = reinterpret_cast<decltype(post_trim)>(dlsym(handle, "afl_custom_post_trim"));
    deinit = reinterpret_cast<decltype(deinit)>(dlsym(handle, "afl_custom_deinit"));
    REQUIRE((init && fuzz && init_trim && trim && post_trim && deinit));
  }
  ~AflMutatorLibrary() { dlclose(handle); }
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const std::string kGrammar = std::string(IOTFUZZ_SOURCE_DIR) + "/targets/demo_device/demo_device_coap_fuzzer.grammar";
const std::string kSeed = std::string(IOTFUZZ_SOURCE_DIR) + "/corpora/demo_device_coap_fuzzer/get_well_known_core_block2_szx2.bin";

TEST_CASE("The AFL++ mutator is deterministic for a seed and honours max_size", "[mutate][afl]") {
  setenv("IOTFUZZ_GRAMMAR", kGrammar.c_str(), 1);
  AflMutatorLibrary lib;
  std::string seed = ReadFile(kSeed);
  REQUIRE(!seed.empty());
  auto run = [&](unsigned int rng_seed) {
    void* m = lib.init(nullptr, rng_seed);
    REQUIRE(m != nullptr);
    std::string outputs;
    for (int i = 0; i < 200; ++i) {
      std::string input = seed;
      uint8_t* out = nullptr;
      size_t n = lib.fuzz(m, reinterpret_cast<uint8_t*>(input.data()), input.size(), &out, nullptr, 0, 256);
      CHECK(n <= 256);
      outputs.append(reinterpret_cast<const char*>(out), n);
      outputs.push_back('|');
    }
    lib.deinit(m);
    return outputs;
  };
  std::string a = run(7), b = run(7), c = run(8);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("Grammar-aware trimming keeps what the run needs and stays well-formed", "[mutate][afl]") {
  setenv("IOTFUZZ_GRAMMAR", kGrammar.c_str(), 1);
  AflMutatorLibrary lib;
  iotfuzz::grammar::Grammar g = iotfuzz::grammar::LoadGrammarFile(kGrammar).grammar;
  iotfuzz::grammar::InputParser parser(g);
  std::string seed = ReadFile(kSeed);
  void* m = lib.init(nullptr, 1);
  REQUIRE(m != nullptr);
  // afl-fuzz accepts a trim step when the trace stays the same; here the
  // stand-in for "same coverage" is that the request still names
  // /.well-known/core.
  auto keeps_coverage = [](const std::string& candidate) {
    return candidate.find(".well-known") != std::string::npos && candidate.find("core") != std::string::npos;
  };
  int32_t steps = lib.init_trim(m, reinterpret_cast<uint8_t*>(seed.data()), seed.size());
  REQUIRE(steps > 0);
  std::string accepted = seed;
  int32_t step = 0;
  int taken = 0;
  while (step < steps) {
    uint8_t* out = nullptr;
    size_t n = lib.trim(m, &out);
    std::string candidate(reinterpret_cast<const char*>(out), n);
    // Every candidate is an input the grammar explains completely.
    CHECK(parser.Parse(candidate).complete());
    bool ok = keeps_coverage(candidate);
    if (ok) {
      CHECK(candidate.size() <= accepted.size());
      accepted = candidate;
      ++taken;
    }
    step = lib.post_trim(m, ok ? 1 : 0);
  }
  lib.deinit(m);
  INFO("seed " << seed.size() << " bytes, trimmed to " << accepted.size());
  CHECK(taken > 0);
  CHECK(accepted.size() < seed.size());
  CHECK(keeps_coverage(accepted));
  iotfuzz::grammar::ParseResult parsed = parser.Parse(accepted);
  CHECK(parsed.complete());
  CHECK(parsed.lying_fields == 0);
}

}  // namespace
