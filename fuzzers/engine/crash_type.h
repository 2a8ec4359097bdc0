// The kind of crash a sanitizer or libFuzzer reported, from one log line.
#ifndef IOTFUZZ_FUZZERS_ENGINE_CRASH_TYPE_H_
#define IOTFUZZ_FUZZERS_ENGINE_CRASH_TYPE_H_

#include <optional>
#include <string>
#include <string_view>

namespace iotfuzz {

// Returns the crash type named by `line` when it is the head of a crash
// report, nullopt for every other line:
//   "==7==ERROR: AddressSanitizer: heap-buffer-overflow on address ..." -> "heap-buffer-overflow"
//   "==7==ERROR: AddressSanitizer: SEGV on unknown address ..."        -> "SEGV"
//   "==7==ERROR: AddressSanitizer: attempting double-free on ..."      -> "double-free"
//   "==7==ERROR: AddressSanitizer: requested allocation size ..."      -> "allocation-size-too-big"
//   "==7==ERROR: AddressSanitizer: out of memory: allocator is ..."    -> "out-of-memory"
//   "==7==ERROR: LeakSanitizer: detected memory leaks"                 -> "memory-leak"
//   "==7== ERROR: libFuzzer: timeout after 10 seconds"                  -> "timeout"
//   "==7== ERROR: libFuzzer: out-of-memory (used: 2100Mb; limit: ...)" -> "out-of-memory"
//   "==7== ERROR: libFuzzer: deadly signal"                             -> "deadly-signal"
//   "f.c:12:5: runtime error: signed integer overflow: 1 + ..."         -> "runtime-error: signed
//   integer overflow"
// The result is at most 120 characters.
std::optional<std::string> CrashTypeFromLine(std::string_view line);

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_CRASH_TYPE_H_
