#include "fuzzers/engine/crash_type.h"

#include <catch2/catch.hpp>

namespace iotfuzz {
namespace {

TEST_CASE("AddressSanitizer error lines give the report type") {
  CHECK(CrashTypeFromLine(
            "==4980==ERROR: AddressSanitizer: stack-buffer-overflow on address "
            "0x7fff44ebe724 at pc 0x55f7c2d6ff8a bp 0x7fff44ebe6f0 sp 0x7fff44ebdec0") ==
        "stack-buffer-overflow");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1") ==
        "heap-buffer-overflow");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 "
                          "(pc 0x1 bp 0x2 sp 0x3 T0)") == "SEGV");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: stack-overflow on address 0x1") ==
        "stack-overflow");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: attempting double-free on 0x1 in thread "
                          "T0:") == "double-free");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: attempting free on address which was not "
                          "malloc()-ed: 0x1 in thread T0") == "bad-free");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: requested allocation size 0x1 exceeds "
                          "maximum supported size of 0x10000000000") == "allocation-size-too-big");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: out of memory: allocator is trying to "
                          "allocate 0x1 bytes") == "out-of-memory");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: ABRT on unknown address 0x1") == "ABRT");
  CHECK(CrashTypeFromLine("==7==ERROR: AddressSanitizer: heap-use-after-free on address 0x1") ==
        "heap-use-after-free");
}

TEST_CASE("A deadly-signal marker glued before an error line does not hide it") {
  CHECK(CrashTypeFromLine("AddressSanitizer:DEADLYSIGNAL==7==ERROR: AddressSanitizer: SEGV on "
                          "unknown address 0x0") == "SEGV");
  CHECK_FALSE(CrashTypeFromLine("AddressSanitizer:DEADLYSIGNAL").has_value());
}

TEST_CASE("LeakSanitizer reports are memory leaks") {
  CHECK(CrashTypeFromLine("==13131==ERROR: LeakSanitizer: detected memory leaks") == "memory-leak");
}

TEST_CASE("libFuzzer's own error lines give timeout, out-of-memory and the like") {
  CHECK(CrashTypeFromLine("==13063== ERROR: libFuzzer: timeout after 3 seconds") == "timeout");
  CHECK(CrashTypeFromLine("==7== ERROR: libFuzzer: out-of-memory (used: 2100Mb; limit: 2048Mb)") ==
        "out-of-memory");
  CHECK(CrashTypeFromLine("==7== ERROR: libFuzzer: out-of-memory (malloc(4294967296))") ==
        "out-of-memory");
  CHECK(CrashTypeFromLine("==7== ERROR: libFuzzer: deadly signal") == "deadly-signal");
  CHECK(CrashTypeFromLine("==7== ERROR: libFuzzer: fuzz target exited") == "fuzz-target-exited");
}

TEST_CASE("UBSan runtime errors are typed by their check") {
  CHECK(CrashTypeFromLine("ub.cc:5:66: runtime error: signed integer overflow: 2147483647 + 3 "
                          "cannot be represented in type 'int'") ==
        "runtime-error: signed integer overflow");
  CHECK(CrashTypeFromLine("f.c:1:2: runtime error: load of null pointer of type 'int'") ==
        "runtime-error: load of null pointer of type 'int'");
}

TEST_CASE("Other lines, including other ERROR lines, are not crash reports") {
  for (const char* line :
       {"", "INFO: Seed: 1", "SUMMARY: AddressSanitizer: heap-buffer-overflow f.c:1 in g",
        "ERROR: The required directory \"art2/\" does not exist",
        "ERROR: libFuzzer: ", "==7==ERROR: AddressSanitizer: ", "my runtime error: thing",
        "#1234\tNEW    cov: 45 ft: 60 corp: 10/200b"}) {
    INFO("line: " << line);
    CHECK_FALSE(CrashTypeFromLine(line).has_value());
  }
}

TEST_CASE("Crash types are at most 120 characters") {
  const std::string line = "f.c:1:2: runtime error: " + std::string(500, 'x');
  CHECK(CrashTypeFromLine(line)->size() == 120);
}

}  // namespace
}  // namespace iotfuzz
