// SanitizerLogParser: turns the text a crashing fuzz target printed into a
// CrashReport. It is a push parser: feed the log in chunks of any size with
// `Feed`, then call `Finish`; `Parse` does both for a whole string. Chunk
// boundaries never change the result.
//
// Understood output: AddressSanitizer, HWAddressSanitizer, MemorySanitizer,
// LeakSanitizer, ThreadSanitizer and UndefinedBehaviorSanitizer reports
// (including control-flow-integrity diagnostics), libFuzzer's own errors
// (deadly signal, timeout, out-of-memory incl. malloc(N), fuzz target exited),
// Centipede's limits, AFL++'s "+++ Program killed by signal N +++" and
// "+++ Program timed off +++", OSS-Fuzz SystemSan detectors, and runtime
// aborts: glibc/musl/libc++/GLib assertions, CHECK/DCHECK failures (glog,
// Chromium, absl, V8), uncaught C++ exceptions, abort().
//
// How the crash is chosen. Every report header in the log (sanitizer ERROR
// line, `runtime error:`, libFuzzer ERROR, assertion message, ...) opens a
// finding, and the first stack after a header belongs to it; later stacks of
// the same finding ("freed by thread T0 here:", "previously allocated by",
// TSan's previous access, further leaks) become auxiliary stacks. Findings are
// ranked in four classes:
//   memory error    SEGV, buffer overflows, use-after-free, double free,
//                   stack-overflow, FPE, UBSan checks, races, leaks, ...
//   resource limit  timeout, out-of-memory, engine stack limit
//   message         assertion, CHECK, uncaught exception, fatal log, detector
//   fatal signal    ABRT, ILL, TRAP, libFuzzer deadly signal / exit
// The first finding wins, except that a later finding replaces it when it is
// more specific: a memory error replaces a message or a fatal signal (an
// ASSERT followed by SEGV is reported as the SEGV, unless the SEGV address is
// one of the sanitizers' assertion addresses), a resource limit replaces a
// message or a fatal signal, a message replaces a generic "Fatal error", and a
// fatal signal never replaces anything. So "Assertion failed" then
// "AddressSanitizer: ABRT" gives ASSERT; Centipede's "Per-input timeout
// exceeded" then ABRT gives Timeout. When the winner has no usable stack (a
// glibc assertion prints none), the stack of the next finding is used: the
// abort that followed it.
//
// Robustness contract: any byte sequence is accepted; work is linear in the
// input (each line is scanned a bounded number of times; lines longer than
// `max_line_bytes` are cut); memory is bounded by the limits below. CRLF and
// lone CR end lines, ANSI colour sequences are removed, a
// "XSanitizer:DEADLYSIGNAL" glued to the end of another line is split off, and
// a prefix that precedes the first "==PID==ERROR" line (e.g. "CRASH LOG: ") is
// stripped from the following lines. Output of two interleaved processes is
// resolved by frame numbering: a frame that does not continue the current
// stack is dropped with a note. Everything the parser could not parse or had
// to decide is listed in `CrashReport::parse_notes`, and
// `CrashReport::confidence` is kComplete only when a tool marker and an end
// marker (SUMMARY:, ABORTING, AFL++ verdict line) were seen.

#ifndef IOTFUZZ_FUZZERS_TRIAGE_SANITIZER_LOG_PARSER_H_
#define IOTFUZZ_FUZZERS_TRIAGE_SANITIZER_LOG_PARSER_H_

#include <cstddef>
#include <memory>
#include <string_view>

#include "fuzzers/triage/crash_report.h"
#include "fuzzers/triage/security_policy.h"

namespace iotfuzz::triage {

struct ParseOptions {
  // When false, a crash whose type is Timeout or Out-of-memory is reported as
  // no crash (crash_type empty, a note says why), e.g. for a CI gate that only
  // fails on memory-safety bugs.
  bool report_ooms_and_hangs = true;
  SecurityPolicy security;

  std::size_t max_line_bytes = 64 * 1024;   // longer lines are cut
  std::size_t max_frames_per_stack = 256;   // deeper frames are dropped
  std::size_t max_auxiliary_stacks = 32;    // per finding
  std::size_t max_findings = 256;           // report headers kept per log
  std::size_t max_notes = 64;               // distinct parse notes kept
};

class SanitizerLogParser {
 public:
  explicit SanitizerLogParser(ParseOptions options = {});
  ~SanitizerLogParser();
  SanitizerLogParser(SanitizerLogParser&&) noexcept;
  SanitizerLogParser& operator=(SanitizerLogParser&&) noexcept;

  // Appends `chunk` of the log. Never throws on any content.
  void Feed(std::string_view chunk);

  // Ends the log and returns what it showed. The parser is then reset and may
  // parse another log.
  CrashReport Finish();

  // Feed(log) + Finish().
  static CrashReport Parse(std::string_view log, const ParseOptions& options = {});

 private:
  class State;
  ParseOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace iotfuzz::triage

#endif  // IOTFUZZ_FUZZERS_TRIAGE_SANITIZER_LOG_PARSER_H_
