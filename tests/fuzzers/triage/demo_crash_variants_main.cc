// Writes crash inputs for the demo device's planted bugs (see
// demo_crash_variants.h), for scripts/bench/triage:
//   triage_demo_crash_variants REPRODUCERS_DIR OUT_DIR PER_BUG
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "demo_crash_variants.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s REPRODUCERS_DIR OUT_DIR PER_BUG\n", argv[0]);
    return 1;
  }
  char* end = nullptr;
  const unsigned long per_bug = std::strtoul(argv[3], &end, 10);
  if (*end != '\0' || per_bug == 0 || per_bug > 100000) {
    std::fprintf(stderr, "error: PER_BUG must be a number from 1 to 100000, got '%s'\n", argv[3]);
    return 1;
  }
  try {
    iotfuzz::testing::WriteDemoCrashVariants(argv[1], argv[2], per_bug);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
