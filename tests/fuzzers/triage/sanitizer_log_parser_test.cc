// SanitizerLogParser on small synthetic logs, one crash kind or robustness
// property per test.

#include <string>

#include <catch2/catch.hpp>

#include "fuzzers/triage/sanitizer_log_parser.h"

namespace iotfuzz::triage {
namespace {

bool HasNoteContaining(const CrashReport& report, std::string_view text) {
  for (const auto& note : report.parse_notes) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

constexpr std::string_view kHeapOverflowLog = R"(INFO: Seed: 1
==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000014 at pc 0x55d0c0de1234 bp 0x7ffc0 sp 0x7ffc8
READ of size 4 at 0x602000000014 thread T0
SCARINESS: 17 (4-byte-read-heap-buffer-overflow)
    #0 0x55d0c0de1233 in mqtt_read_u32 /src/device/mqtt/packet.c:88:12
    #1 0x55d0c0de2000 in mqtt_parse_connect /src/device/mqtt/connect.c:41:7
    #2 0x55d0c0de3000 in LLVMFuzzerTestOneInput /src/device/fuzz/mqtt_fuzzer.cc:20:3
    #3 0x55d0c0d00000 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) /src/llvm/compiler-rt/lib/fuzzer/FuzzerLoop.cpp:611:15
    #4 0x7f0000029d8f  (/lib/x86_64-linux-gnu/libc.so.6+0x29d8f) (BuildId: 69389d485a9793dbe873f0ea2c93e02efaa9aa3d)

DEDUP_TOKEN: mqtt_read_u32--mqtt_parse_connect--LLVMFuzzerTestOneInput
0x602000000014 is located 0 bytes to the right of 4-byte region [0x602000000010,0x602000000014)
allocated by thread T0 here:
    #0 0x55d0c0d90000 in malloc /src/llvm/compiler-rt/lib/asan/asan_malloc_linux.cpp:69:3
    #1 0x55d0c0de3100 in LLVMFuzzerTestOneInput /src/device/fuzz/mqtt_fuzzer.cc:18:20

SUMMARY: AddressSanitizer: heap-buffer-overflow /src/device/mqtt/packet.c:88:12 in mqtt_read_u32
Shadow bytes around the buggy address:
  0x0c047fff8000: fa fa 04 fa fa fa fa fa fa fa fa fa fa fa fa fa
==4242==ABORTING
MS: 2 ChangeByte-InsertRepeatedBytes-; base unit: adc83b19e793491b1c6ea0fd8b46cd9f32e592fc
artifact_prefix='./'; Test unit written to ./crash-5ba93c9db0cff93f52b521d7420e43f6eda2784f
)";

TEST_CASE("Parser reports a heap buffer overflow read with its access size, address and stacks", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(kHeapOverflowLog);
  CHECK(report.crash_type == "Heap-buffer-overflow\nREAD 4");
  CHECK(report.crash_address == "0x602000000014");
  CHECK(report.access == AccessKind::kRead);
  CHECK(report.access_size == 4u);
  CHECK(report.tool == CrashTool::kAddressSanitizer);
  CHECK(report.security);
  CHECK(report.confidence == ParseConfidence::kComplete);
  REQUIRE(report.frames.size() == 5);
  CHECK(report.frames[0].function == "mqtt_read_u32");
  CHECK(report.frames[0].file == "/src/device/mqtt/packet.c");
  CHECK(report.frames[0].line == 88);
  CHECK(report.frames[0].column == 12);
  CHECK(report.frames[0].pc == 0x55d0c0de1233u);
  CHECK(report.frames[4].module == "/lib/x86_64-linux-gnu/libc.so.6");
  CHECK(report.frames[4].module_offset == 0x29d8fu);
  CHECK(report.frames[4].function.empty());
  REQUIRE(report.auxiliary_stacks.size() == 1);
  CHECK(report.auxiliary_stacks[0].title == "allocated by thread T0 here:");
  CHECK(report.auxiliary_stacks[0].frames.size() == 2);
  CHECK(report.dedup_token == "mqtt_read_u32--mqtt_parse_connect--LLVMFuzzerTestOneInput");
  CHECK(report.scariness_score == 17);
  CHECK(report.scariness_description == "4-byte-read-heap-buffer-overflow");
  CHECK(report.mutation_sequence == "ChangeByte-InsertRepeatedBytes-");
  CHECK(report.base_unit == "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc");
  CHECK(report.artifact_path == "./crash-5ba93c9db0cff93f52b521d7420e43f6eda2784f");
}

TEST_CASE("Parser reports a stack buffer overflow write of one byte", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(
==7==ERROR: AddressSanitizer: stack-buffer-overflow on address 0x7ffd5c3e2f4a at pc 0x4f0d11 bp 0x7ffd sp 0x7ffd
WRITE of size 1 at 0x7ffd5c3e2f4a thread T0
    #0 0x4f0d10 in coap_parse_option /src/coap/option.c:120:22
SUMMARY: AddressSanitizer: stack-buffer-overflow /src/coap/option.c:120:22 in coap_parse_option
==7==ABORTING
)");
  CHECK(report.crash_type == "Stack-buffer-overflow\nWRITE 1");
  CHECK(report.access == AccessKind::kWrite);
  CHECK(report.security);
}

TEST_CASE("Parser writes access sizes above 16 bytes as {*}", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(
==7==ERROR: AddressSanitizer: global-buffer-overflow on address 0x000000601040 at pc 0x4f0d11 bp 0x1 sp 0x2
READ of size 64 at 0x000000601040 thread T0
    #0 0x4f0d10 in __asan_memcpy /src/compiler-rt/lib/asan/asan_interceptors_memintrinsics.cpp:22:3
    #1 0x4f0e10 in copy_topic /src/mqtt/topic.c:12:3
SUMMARY: AddressSanitizer: global-buffer-overflow
)");
  CHECK(report.crash_type == "Global-buffer-overflow\nREAD {*}");
  CHECK(report.access_size == 64u);
}

TEST_CASE("Parser reports a SEGV near null as a null dereference with the access kind", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(AddressSanitizer:DEADLYSIGNAL
=================================================================
==11==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000010 (pc 0x5555 bp 0x7ffe sp 0x7ffe T0)
==11==The signal is caused by a READ memory access.
==11==Hint: address points to the zero page.
    #0 0x5555 in http_header_value /src/http/headers.c:77:10
AddressSanitizer can not provide additional info.
SUMMARY: AddressSanitizer: SEGV /src/http/headers.c:77:10 in http_header_value
==11==ABORTING
)");
  CHECK(report.crash_type == "Null-dereference READ");
  CHECK(report.crash_address == "0x000000000010");
  CHECK(report.fatal_signal == "SEGV");
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports a SEGV on a wild address as UNKNOWN and a security bug", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(
==11==ERROR: AddressSanitizer: SEGV on unknown address 0x41414141 (pc 0x5555 bp 0x7ffe sp 0x7ffe T0)
==11==The signal is caused by a WRITE memory access.
    #0 0x5555 in ble_att_write /src/ble/att.c:300:5
SUMMARY: AddressSanitizer: SEGV /src/ble/att.c:300:5 in ble_att_write
==11==ABORTING
)");
  CHECK(report.crash_type == "UNKNOWN WRITE");
  CHECK(report.access == AccessKind::kWrite);
  CHECK(report.security);
}

TEST_CASE("Parser reports a call through a null function pointer as a security bug", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(
==11==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x000000000000 bp 0x7ffe sp 0x7ffe T0)
==11==Hint: pc points to the zero page.
    #0 0x0  (<unknown module>)
    #1 0x5555 in dispatch_handler /src/coap/server.c:40:3
SUMMARY: AddressSanitizer: SEGV (<unknown module>)
==11==ABORTING
)");
  CHECK(report.crash_type == "Null-dereference");
  CHECK(report.pc_is_null);
  CHECK(report.security);
}

TEST_CASE("Parser reports a stack overflow", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(
==3==ERROR: AddressSanitizer: stack-overflow on address 0x7ffe1f3c8ff8 (pc 0x4f0d11 bp 0x7ffe sp 0x7ffe T0)
    #0 0x4f0d10 in parse_value /src/json/parse.c:10:3
    #1 0x4f0e10 in parse_array /src/json/parse.c:50:7
    #2 0x4f0d50 in parse_value /src/json/parse.c:14:10
SUMMARY: AddressSanitizer: stack-overflow /src/json/parse.c:10:3 in parse_value
==3==ABORTING
)");
  CHECK(report.crash_type == "Stack-overflow");
  CHECK(report.crash_address == "0x7ffe1f3c8ff8");
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports a use after free with freed-by and allocated-by stacks", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(
==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x606000000020 at pc 0x1 bp 0x2 sp 0x3
READ of size 8 at 0x606000000020 thread T0
    #0 0x4f0d10 in session_touch /src/mqtt/session.c:90:14
0x606000000020 is located 0 bytes inside of 56-byte region [0x606000000020,0x606000000058)
freed by thread T0 here:
    #0 0x4a0000 in free /src/compiler-rt/lib/asan/asan_malloc_linux.cpp:52:3
    #1 0x4f0a00 in session_close /src/mqtt/session.c:60:3
previously allocated by thread T0 here:
    #0 0x4a0100 in malloc /src/compiler-rt/lib/asan/asan_malloc_linux.cpp:69:3
    #1 0x4f0b00 in session_open /src/mqtt/session.c:20:20
SUMMARY: AddressSanitizer: heap-use-after-free /src/mqtt/session.c:90:14 in session_touch
==9==ABORTING
)");
  CHECK(report.crash_type == "Heap-use-after-free\nREAD 8");
  REQUIRE(report.frames.size() == 1);
  REQUIRE(report.auxiliary_stacks.size() == 2);
  CHECK(report.auxiliary_stacks[0].title == "freed by thread T0 here:");
  CHECK(report.auxiliary_stacks[1].title == "previously allocated by thread T0 here:");
  CHECK(report.auxiliary_stacks[1].frames[1].function == "session_open");
}

TEST_CASE("Parser reports a double free with its address", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(
==5==ERROR: AddressSanitizer: attempting double-free on 0x602000000010 in thread T0:
    #0 0x4a0000 in free
    #1 0x4f0a00 in coap_free_pdu /src/coap/pdu.c:60:3
SUMMARY: AddressSanitizer: double-free
==5==ABORTING
)");
  CHECK(report.crash_type == "Heap-double-free");
  CHECK(report.crash_address == "0x602000000010");
  CHECK(report.security);
}

TEST_CASE("Parser reports an abort signal as Abrt and not a security bug", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(AddressSanitizer:DEADLYSIGNAL
==1==ERROR: AddressSanitizer: ABRT on unknown address 0x000000000001 (pc 0x7f00 bp 0x7ffe sp 0x7ffe T0)
SCARINESS: 10 (signal)
    #0 0x7f00 in raise
    #1 0x7f01 in abort
    #2 0x4f0a00 in fail_hard /src/util/die.c:5:3
SUMMARY: AddressSanitizer: ABRT (/lib/x86_64-linux-gnu/libc.so.6+0x35417)
==1==ABORTING
)");
  CHECK(report.crash_type == "Abrt");
  CHECK(report.fatal_signal == "ABRT");
  CHECK(report.self_raised_signal);
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports a glibc assertion with its condition and the abort's stack", "[parser]") {
  const std::string log = R"(mqtt_fuzzer: /src/mqtt/props.c:212: int read_props(buf_t *): Assertion `len <= remaining' failed.
AddressSanitizer:DEADLYSIGNAL
==1==ERROR: AddressSanitizer: ABRT on unknown address 0x000000000001 (pc 0x7f00 bp 0x7ffe sp 0x7ffe T0)
    #0 0x7f00 in raise
    #1 0x7f01 in abort
    #2 0x7f02 in __assert_fail
    #3 0x4f0a00 in read_props /src/mqtt/props.c:212:5
SUMMARY: AddressSanitizer: ABRT (/lib/x86_64-linux-gnu/libc.so.6+0x35417)
==1==ABORTING
)";
  const CrashReport report = SanitizerLogParser::Parse(log);
  CHECK(report.crash_type == "ASSERT");
  CHECK(report.message == "len <= remaining");
  CHECK(report.crash_address.empty());
  CHECK(report.tool == CrashTool::kAddressSanitizer);
  CHECK(report.fatal_signal == "ABRT");
  REQUIRE(report.frames.size() == 4);
  CHECK(report.frames[3].function == "read_props");
  CHECK(report.confidence == ParseConfidence::kComplete);
  CHECK(report.security);  // ClusterFuzz's default: assertions may guard memory safety

  ParseOptions options;
  options.security.asserts_have_security_implication = false;
  CHECK_FALSE(SanitizerLogParser::Parse(log, options).security);
}

TEST_CASE("Parser reports an assertion without any sanitizer with partial confidence", "[parser]") {
  const CrashReport report =
      SanitizerLogParser::Parse("Assertion failed: frame->len < 4096 (src/coap/block.c: coap_block: 77)\n");
  CHECK(report.crash_type == "ASSERT");
  CHECK(report.message == "frame->len < 4096 (src/coap/block.c: coap_block: 77)");
  CHECK(report.tool == CrashTool::kRuntime);
  CHECK(report.confidence == ParseConfidence::kPartial);
}

TEST_CASE("Parser reports a glog CHECK failure as CHECK failure without its operand dump", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(F0101 10:00:00.000000  4242 parser.cc:42] Check failed: size <= kMax (70000 vs. 65535)
*** Check failure stack trace: ***
    @     0x5605333e2ca0  google::LogMessage::Fail()
    @     0x560532ec28dc  Parser::Feed()
AddressSanitizer:DEADLYSIGNAL
==1==ERROR: AddressSanitizer: ABRT on unknown address 0x000000000001 (pc 0x7f00 bp 0x7ffe sp 0x7ffe T0)
    #0 0x7f00 in raise
SUMMARY: AddressSanitizer: ABRT
==1==ABORTING
)");
  CHECK(report.crash_type == "CHECK failure");
  CHECK(report.message == "size <= kMax");
  REQUIRE(report.frames.size() == 2);
  CHECK(report.frames[1].function == "Parser::Feed()");
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports an uncaught C++ exception with its type and what()", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(terminate called after throwing an instance of 'std::out_of_range'
  what():  vector::_M_range_check: __n (which is 7) >= this->size() (which is 3)
==2==ERROR: AddressSanitizer: ABRT on unknown address 0x000000000002 (pc 0x7f00 bp 0x7ffe sp 0x7ffe T0)
    #0 0x7f00 in raise
    #1 0x7f01 in abort
    #2 0x7f02 in __gnu_cxx::__verbose_terminate_handler()
    #3 0x4f0a00 in Router::route(std::string const&) /src/http/router.cc:31:5
SUMMARY: AddressSanitizer: ABRT
==2==ABORTING
)");
  CHECK(report.crash_type == "Uncaught exception");
  CHECK(report.message == "std::out_of_range: vector::_M_range_check: __n (which is 7) >= this->size() (which is 3)");
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports std::bad_alloc as out-of-memory", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(
      "terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\n");
  CHECK(report.crash_type == "Out-of-memory");
}

TEST_CASE("Parser reports a libFuzzer timeout with the stack at the alarm", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(ALARM: working on the last Unit for 25 seconds
       and the timeout value is 25 (use -timeout=N to change)
MS: 1 ShuffleBytes-; base unit: 1111111111111111111111111111111111111111
artifact_prefix='./'; Test unit written to ./timeout-2222222222222222222222222222222222222222
==99== ERROR: libFuzzer: timeout after 25 seconds
    #0 0x51cab1 in __sanitizer_print_stack_trace /src/llvm/compiler-rt/lib/asan/asan_stack.cpp:87:3
    #1 0x46f2d8 in fuzzer::PrintStackTrace() /src/llvm/compiler-rt/lib/fuzzer/FuzzerUtil.cpp:210:5
    #2 0x455f4f in fuzzer::Fuzzer::AlarmCallback() /src/llvm/compiler-rt/lib/fuzzer/FuzzerLoop.cpp:301:5
    #3 0x7f2b0b2dc41f  (/lib/x86_64-linux-gnu/libpthread.so.0+0x1441f)
    #4 0x54e1d2 in mqtt_skip_properties /src/mqtt/props.c:51:9
    #5 0x54e3a0 in mqtt_parse_publish /src/mqtt/publish.c:70:3
SUMMARY: libFuzzer: timeout
)");
  CHECK(report.crash_type == "Timeout");
  CHECK(report.tool == CrashTool::kLibFuzzer);
  CHECK(report.artifact_path == "./timeout-2222222222222222222222222222222222222222");
  REQUIRE(report.frames.size() == 6);
  CHECK(report.frames[4].function == "mqtt_skip_properties");
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports libFuzzer's malloc limit as out-of-memory with the requested size", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(==7== ERROR: libFuzzer: out-of-memory (malloc(4294967296))
   To change the out-of-memory limit use -rss_limit_mb=<N>
    #0 0x52 in __sanitizer_print_stack_trace
    #1 0x53 in fuzzer::PrintStackTrace()
    #2 0x54 in fuzzer::Fuzzer::HandleMalloc(unsigned long)
    #3 0x55 in malloc
    #4 0x56 in coap_alloc_block /src/coap/block.c:33:17
SUMMARY: libFuzzer: out-of-memory
)");
  CHECK(report.crash_type == "Out-of-memory");
  CHECK(report.allocation_size == 4294967296u);
  CHECK(report.frames.size() == 5);
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports ASan's allocation-size-too-big and RSS exhaustion as out-of-memory", "[parser]") {
  const CrashReport too_big = SanitizerLogParser::Parse(
      "==1==ERROR: AddressSanitizer: requested allocation size 0x285be9c758f75400 (0x285be9c758f76400 after "
      "adjustments for alignment, red zones etc.) exceeds maximum supported size of 0x10000000000 (thread T0)\n"
      "    #0 0x1 in malloc\n    #1 0x2 in parse_len /src/a.c:1:1\nSUMMARY: AddressSanitizer: allocation-size-too-big\n");
  CHECK(too_big.crash_type == "Out-of-memory");
  CHECK(too_big.allocation_size == 0x285be9c758f75400u);
  const CrashReport rss = SanitizerLogParser::Parse(
      "==1== ERROR: libFuzzer: out-of-memory (used: 2100Mb; exceeds: 2048Mb)\nSUMMARY: libFuzzer: out-of-memory\n");
  CHECK(rss.crash_type == "Out-of-memory");
  CHECK_FALSE(rss.allocation_size.has_value());
}

TEST_CASE("Parser suppresses timeouts and out-of-memory when told to", "[parser]") {
  ParseOptions options;
  options.report_ooms_and_hangs = false;
  const CrashReport report = SanitizerLogParser::Parse(
      "==7== ERROR: libFuzzer: timeout after 5 seconds\nSUMMARY: libFuzzer: timeout\n", options);
  CHECK_FALSE(report.crashed());
  CHECK(HasNoteContaining(report, "report_ooms_and_hangs"));
}

TEST_CASE("Parser reports LeakSanitizer's first direct leak even after an indirect one", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(
==8==ERROR: LeakSanitizer: detected memory leaks

Indirect leak of 16 byte(s) in 1 object(s) allocated from:
    #0 0x1 in malloc
    #1 0x2 in topic_copy /src/mqtt/topic.c:9:9

Direct leak of 32 byte(s) in 1 object(s) allocated from:
    #0 0x3 in malloc
    #1 0x4 in subscription_new /src/mqtt/sub.c:20:20

SUMMARY: AddressSanitizer: 48 byte(s) leaked in 2 allocation(s).
)");
  CHECK(report.crash_type == "Direct-leak");
  CHECK(report.tool == CrashTool::kLeakSanitizer);
  REQUIRE(report.frames.size() == 2);
  CHECK(report.frames[1].function == "subscription_new");
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports UBSan checks from the runtime error line with the stack after it", "[parser]") {
  const CrashReport overflow = SanitizerLogParser::Parse(R"(/src/coap/option.c:61:18: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'
    #0 0x4f0d10 in coap_option_delta /src/coap/option.c:61:18
    #1 0x4f0e10 in coap_parse /src/coap/pdu.c:200:9
SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior /src/coap/option.c:61:18 in
)");
  CHECK(overflow.crash_type == "Integer-overflow");
  CHECK(overflow.tool == CrashTool::kUndefinedBehaviorSanitizer);
  REQUIRE(overflow.frames.size() == 2);
  CHECK(overflow.frames[0].function == "coap_option_delta");
  CHECK_FALSE(overflow.security);

  CHECK(SanitizerLogParser::Parse("a.c:1:2: runtime error: division by zero\n").crash_type == "Divide-by-zero");
  CHECK(SanitizerLogParser::Parse("a.c:1:2: runtime error: load of null pointer of type 'int'\n").crash_type ==
        "Null-dereference READ");
  CHECK(SanitizerLogParser::Parse("a.c:1:2: runtime error: index 9 out of bounds for type 'char[8]'\n").security);
  CHECK(SanitizerLogParser::Parse("a.c:1:2: runtime error: shift exponent 40 is too large for 32-bit type 'int'\n")
            .crash_type == "Undefined-shift");
}

TEST_CASE("Parser uses the runtime error location when UBSan printed no stack", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse("src/ble/att.c:120:7: runtime error: division by zero\n");
  REQUIRE(report.frames.size() == 1);
  CHECK(report.frames[0].file == "src/ble/att.c");
  CHECK(report.frames[0].line == 120);
  CHECK(report.frames[0].column == 7);
  CHECK(report.confidence == ParseConfidence::kPartial);
}

TEST_CASE("Parser reports MemorySanitizer's use of uninitialised memory", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(==5==WARNING: MemorySanitizer: use-of-uninitialized-value
    #0 0x4f0d10 in coap_token_eq /src/coap/token.c:15:9
  Uninitialized value was created by a heap allocation
    #0 0x4a0000 in malloc
SUMMARY: MemorySanitizer: use-of-uninitialized-value /src/coap/token.c:15:9 in coap_token_eq
Exiting
)");
  CHECK(report.crash_type == "Use-of-uninitialized-value");
  CHECK(report.tool == CrashTool::kMemorySanitizer);
  CHECK(report.security);
}

TEST_CASE("Parser reports a ThreadSanitizer data race with the first access", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(==================
WARNING: ThreadSanitizer: data race (pid=77)
  Write of size 4 at 0x7b0400000010 by thread T2:
    #0 0x4f0d10 in stats_add /src/net/stats.c:9:14

  Previous read of size 4 at 0x7b0400000010 by main thread:
    #0 0x4f0e10 in stats_get /src/net/stats.c:15:10

SUMMARY: ThreadSanitizer: data race /src/net/stats.c:9:14 in stats_add
==================
)");
  CHECK(report.crash_type == "Data race\nWRITE 4");
  CHECK(report.crash_address == "0x7b0400000010");
  REQUIRE(report.auxiliary_stacks.size() == 1);
  CHECK(report.auxiliary_stacks[0].title.find("Previous read") == 0);
  CHECK_FALSE(report.security);
}

TEST_CASE("Parser reports an HWASan tag mismatch", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(==872==ERROR: HWAddressSanitizer: tag-mismatch on address 0x0040e1287be0 at pc 0x007618899e7c
READ of size 8 at 0x0040e1287be0 tags: 0f/47 (ptr/mem) in thread T31
    #0 0x7618899e78  (/system/lib64/libdevice.so+0x1e78)
SUMMARY: HWAddressSanitizer: tag-mismatch (/system/lib64/libdevice.so+0x1e78)
)");
  CHECK(report.crash_type == "Tag-mismatch\nREAD 8");
  CHECK(report.tool == CrashTool::kHwAddressSanitizer);
  CHECK(report.security);
}

TEST_CASE("Parser reports libFuzzer's deadly signal and fuzz target exit", "[parser]") {
  const CrashReport signal = SanitizerLogParser::Parse(
      "==1== ERROR: libFuzzer: deadly signal\n    #0 0x1 in __sanitizer_print_stack_trace\n"
      "    #1 0x2 in handle /src/x.c:3:3\nSUMMARY: libFuzzer: deadly signal\n");
  CHECK(signal.crash_type == "Fatal-signal");
  CHECK_FALSE(signal.security);
  const CrashReport exited = SanitizerLogParser::Parse(
      "==1== ERROR: libFuzzer: fuzz target exited\nSUMMARY: libFuzzer: fuzz target exited\n");
  CHECK(exited.crash_type == "Unexpected-exit");
}

TEST_CASE("Parser reports AFL++'s verdict lines when no sanitizer report exists", "[parser]") {
  const CrashReport killed = SanitizerLogParser::Parse(
      "-- Program output begins --\n-- Program output ends --\n\n+++ Program killed by signal 6 +++\n");
  CHECK(killed.crash_type == "Abrt");
  CHECK(killed.tool == CrashTool::kAflPlusPlus);
  CHECK(killed.confidence == ParseConfidence::kComplete);
  CHECK(SanitizerLogParser::Parse("+++ Program timed off +++\n").crash_type == "Timeout");
  CHECK(SanitizerLogParser::Parse("+++ Program killed by signal 11 +++\n").crash_type == "UNKNOWN");
}

TEST_CASE("Parser keeps an engine timeout over the abort that enforced it", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(========= Per-input timeout exceeded: 26 > 25 (sec); exiting
AddressSanitizer:DEADLYSIGNAL
==9==ERROR: AddressSanitizer: ABRT on unknown address 0x053900000398 (pc 0x7b26 bp 0x7fff sp 0x7fff T0)
    #0 0x7b26 in spin_forever /src/net/loop.c:4:3
SUMMARY: AddressSanitizer: ABRT
==9==ABORTING
)");
  CHECK(report.crash_type == "Timeout");
  CHECK(report.tool == CrashTool::kCentipede);
  REQUIRE(report.frames.size() == 1);
  CHECK(report.frames[0].function == "spin_forever");
}

TEST_CASE("Parser prefers a memory error that follows an assertion message", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(Check failed: ok
==1==ERROR: AddressSanitizer: SEGV on unknown address 0x7f0012345678 (pc 0x1 bp 0x2 sp 0x3 T0)
    #0 0x1 in use /src/a.c:1:1
SUMMARY: AddressSanitizer: SEGV
==1==ABORTING
)");
  CHECK(report.crash_type == "UNKNOWN");
  CHECK(HasNoteContaining(report, "is used"));
}

TEST_CASE("Parser reports no crash and no confidence for a clean run", "[parser]") {
  const CrashReport report = SanitizerLogParser::Parse(
      "INFO: Seed: 1\n#2\tINITED cov: 7 ft: 7 corp: 1/1b exec/s: 0 rss: 30Mb\nDone 1000 runs in 1 second(s)\n");
  CHECK_FALSE(report.crashed());
  CHECK(report.confidence == ParseConfidence::kNone);
  CHECK(report.frames.empty());
}

TEST_CASE("Parser flags a report cut before its end marker as partial", "[parser]") {
  const std::string_view log = kHeapOverflowLog.substr(0, kHeapOverflowLog.find("DEDUP_TOKEN"));
  const CrashReport report = SanitizerLogParser::Parse(log);
  CHECK(report.crash_type == "Heap-buffer-overflow\nREAD 4");
  CHECK(report.confidence == ParseConfidence::kPartial);
  CHECK(HasNoteContaining(report, "no end marker"));
}

TEST_CASE("Parser takes the crash type from the SUMMARY line when the header was cut off", "[parser]") {
  const std::string_view log = kHeapOverflowLog.substr(kHeapOverflowLog.find("    #0"));
  const CrashReport report = SanitizerLogParser::Parse(log);
  CHECK(report.crash_type == "Heap-buffer-overflow");
  CHECK(report.frames.size() == 5);
  CHECK(HasNoteContaining(report, "SUMMARY line"));
}

TEST_CASE("Parser gives the same report for CRLF line endings", "[parser][robustness]") {
  std::string crlf;
  for (char c : kHeapOverflowLog) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  CHECK(SanitizerLogParser::Parse(crlf) == SanitizerLogParser::Parse(kHeapOverflowLog));
}

TEST_CASE("Parser ignores ANSI colour sequences", "[parser][robustness]") {
  const CrashReport report = SanitizerLogParser::Parse(
      "\x1b[1m\x1b[31m==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x606000000020 at pc 0x1 bp 0x2 "
      "sp 0x3\x1b[1m\x1b[0m\n\x1b[1m\x1b[34mWRITE of size 2 at 0x606000000020 thread T0\x1b[1m\x1b[0m\n"
      "    #0 0x1 in f /src/a.c:1:1\nSUMMARY: AddressSanitizer: heap-use-after-free\n");
  CHECK(report.crash_type == "Heap-use-after-free\nWRITE 2");
  CHECK(report.frames.size() == 1);
}

TEST_CASE("Parser splits a DEADLYSIGNAL marker glued to the previous line", "[parser][robustness]") {
  const CrashReport report = SanitizerLogParser::Parse(
      "src/vec.h:559: assertion !empty() failed: front() called on an empty vectorAddressSanitizer:DEADLYSIGNAL\n"
      "==2==ERROR: AddressSanitizer: ABRT on unknown address 0x1 (pc 0x1 bp 0x2 sp 0x3 T0)\n"
      "    #0 0x1 in abort\n    #1 0x2 in take_first /src/q.c:3:3\nSUMMARY: AddressSanitizer: ABRT\n");
  CHECK(report.crash_type == "ASSERT");
  CHECK(report.message == "front() called on an empty vector");
  CHECK(HasNoteContaining(report, "glued"));
}

TEST_CASE("Parser strips a per-line prefix that precedes the report header", "[parser][robustness]") {
  const CrashReport report = SanitizerLogParser::Parse(
      "CRASH LOG: starting\nCRASH LOG: ==3==ERROR: AddressSanitizer: heap-use-after-free on address "
      "0x602000000070 at pc 0x1 bp 0x2 sp 0x3\nCRASH LOG: WRITE of size 4 at 0x602000000070 thread T0\n"
      "CRASH LOG:     #0 0x5593fbd29fd9  (/out/target+0x129fd9)\n"
      "CRASH LOG: SUMMARY: AddressSanitizer: heap-use-after-free (/out/target+0x129fd9)\n");
  CHECK(report.crash_type == "Heap-use-after-free\nWRITE 4");
  REQUIRE(report.frames.size() == 1);
  CHECK(report.frames[0].module == "/out/target");
  CHECK(report.frames[0].module_offset == 0x129fd9u);
}

TEST_CASE("Parser keeps the first process's stack when two reports interleave", "[parser][robustness]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(==100==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000014 at pc 0x1 bp 0x2 sp 0x3
==200==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1 bp 0x2 sp 0x3 T0)
READ of size 4 at 0x602000000014 thread T0
    #0 0x10 in first_a /src/a.c:1:1
    #0 0x20 in second_a /src/b.c:1:1
    #1 0x11 in first_b /src/a.c:2:1
    #1 0x21 in second_b /src/b.c:2:1
    #2 0x12 in first_c /src/a.c:3:1
SUMMARY: AddressSanitizer: heap-buffer-overflow
)");
  CHECK(report.crash_type.rfind("Heap-buffer-overflow", 0) == 0);
  CHECK(HasNoteContaining(report, "interleaved"));
}

TEST_CASE("Parser keeps frame numbering consistent when a second stack interleaves", "[parser][robustness]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(==100==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000014 at pc 0x1 bp 0x2 sp 0x3
    #0 0x10 in first_a /src/a.c:1:1
    #0 0x20 in second_a /src/b.c:1:1
    #1 0x11 in first_b /src/a.c:2:1
    #1 0x21 in second_b /src/b.c:2:1
    #2 0x12 in first_c /src/a.c:3:1
SUMMARY: AddressSanitizer: heap-buffer-overflow
)");
  REQUIRE(report.frames.size() == 3);
  CHECK(report.frames[0].function == "first_a");
  CHECK(report.frames[1].function == "first_b");
  CHECK(report.frames[2].function == "first_c");
  CHECK(HasNoteContaining(report, "does not continue"));
}

TEST_CASE("Parser cuts very long lines and says so", "[parser][robustness]") {
  ParseOptions options;
  options.max_line_bytes = 1024;
  std::string log(kHeapOverflowLog);
  log.insert(log.find("READ of size"), std::string(100000, 'A') + "\n");
  const CrashReport report = SanitizerLogParser::Parse(log, options);
  CHECK(report.crash_type == "Heap-buffer-overflow\nREAD 4");
  CHECK(HasNoteContaining(report, "was cut"));
}

TEST_CASE("Parser handles megabytes of adversarial lines", "[parser][robustness]") {
  // Patterns that would make a naive matcher quadratic: many candidate
  // markers on one maximal line, many frames, many headers, many notes.
  std::string log;
  auto line_of = [](std::string_view unit) {
    std::string line;
    while (line.size() + unit.size() < 64 * 1024) line += unit;
    return line + "\n";
  };
  for (std::string_view unit : {": assertion ", "(lambda at ", "ERROR: ", "==1==", ":DEADLYSIGNAL", "#0 0x1 in (",
                                "runtime error: ", "Check failed: ", "\x1b[", " failed"}) {
    log += line_of(unit);
  }
  for (int i = 0; i < 20000; ++i) log += "    #" + std::to_string(i % 300) + " 0x1 in f(int) /a.c:1:1\n";
  for (int i = 0; i < 2000; ++i) log += "==" + std::to_string(i) + "==ERROR: AddressSanitizer: SEGV on unknown address 0x1\n";
  const CrashReport report = SanitizerLogParser::Parse(log);
  CHECK(report.crashed());
  CHECK(report.frames.size() <= ParseOptions().max_frames_per_stack);
  CHECK(report.parse_notes.size() <= ParseOptions().max_notes);
}

TEST_CASE("Parser handles NUL bytes and invalid UTF-8 and keeps reports printable", "[parser][robustness]") {
  std::string log(kHeapOverflowLog);
  log.replace(log.find("mqtt_parse_connect"), 4, std::string("\0\xff\xfe\x01", 4));
  const CrashReport report = SanitizerLogParser::Parse(log);
  CHECK(report.crash_type == "Heap-buffer-overflow\nREAD 4");
  const std::string json = ToJsonString(report);
  CHECK(json.find('\0') == std::string::npos);
  CHECK_NOTHROW(nlohmann::json::parse(json));
}

TEST_CASE("Parser gives the same report whatever the chunk boundaries", "[parser][chunks]") {
  const CrashReport whole = SanitizerLogParser::Parse(kHeapOverflowLog);
  for (std::size_t split = 0; split <= kHeapOverflowLog.size(); ++split) {
    SanitizerLogParser parser;
    parser.Feed(kHeapOverflowLog.substr(0, split));
    parser.Feed(kHeapOverflowLog.substr(split));
    if (!(parser.Finish() == whole)) FAIL("split at byte " << split << " parses differently");
  }
}

TEST_CASE("Parser can be reused after Finish", "[parser]") {
  SanitizerLogParser parser;
  parser.Feed(kHeapOverflowLog);
  const CrashReport first = parser.Finish();
  parser.Feed("nothing to see\n");
  CHECK_FALSE(parser.Finish().crashed());
  parser.Feed(kHeapOverflowLog);
  CHECK(parser.Finish() == first);
}

TEST_CASE("Parser reads the frame formats of sanitizers, glibc backtraces and absl", "[parser][frames]") {
  const CrashReport report = SanitizerLogParser::Parse(R"(==1==ERROR: AddressSanitizer: SEGV on unknown address 0x41414141 (pc 0x1 bp 0x2 sp 0x3 T0)
    #0 0x7f1 in ns::Parser::feed(char const*, unsigned long) const /src/p.cc:10:3
    #1 0x7f2 in operator new(unsigned long)
    #2 0x7f3 in raise (/lib/x86_64-linux-gnu/libc.so.6+0x35417) (BuildId: abc)
    #3 0x7f4  (/out/fw+0x1234)
    #4 0x7f5 in libgcc_s.so.1
    #5 0x7f6 in start_thread ??:0:0
    #6 0x7f7 in Builtins_JSEntry setup-isolate-deserialize.cc
    #7 0x7f8 <unknown>
    #8 0x7f9  frame_name
SUMMARY: AddressSanitizer: SEGV
)");
  REQUIRE(report.frames.size() == 9);
  const auto& f = report.frames;
  CHECK(f[0].function == "ns::Parser::feed(char const*, unsigned long) const");
  CHECK(f[0].file == "/src/p.cc");
  CHECK(f[1].function == "operator new(unsigned long)");
  CHECK(f[1].file.empty());
  CHECK(f[2].function == "raise");
  CHECK(f[2].module == "/lib/x86_64-linux-gnu/libc.so.6");
  CHECK(f[2].module_offset == 0x35417u);
  CHECK(f[3].function.empty());
  CHECK(f[3].module == "/out/fw");
  CHECK(f[4].module == "libgcc_s.so.1");
  CHECK(f[5].function == "start_thread");
  CHECK(f[5].file.empty());
  CHECK(f[6].file == "setup-isolate-deserialize.cc");
  CHECK(f[6].line == 0);
  CHECK(f[7].function.empty());
  CHECK(f[8].function == "frame_name");
  for (int i = 0; i < 9; ++i) CHECK(f[static_cast<std::size_t>(i)].index == i);

  const CrashReport glibc = SanitizerLogParser::Parse(
      "Check failed: x\n/usr/bin/fw(handle_packet+0x1c) [0x55d0c0de1234]\n/lib/libc.so.6(+0x29d8f) [0x7f0000029d8f]\n");
  REQUIRE(glibc.frames.size() == 2);
  CHECK(glibc.frames[0].module == "/usr/bin/fw");
  CHECK(glibc.frames[0].function == "handle_packet");
  CHECK(glibc.frames[0].pc == 0x55d0c0de1234u);
  CHECK(glibc.frames[1].module_offset == 0x29d8fu);
  CHECK(glibc.frames[1].function.empty());
}

TEST_CASE("Parser does not take libFuzzer status lines for frames", "[parser][frames]") {
  const CrashReport report = SanitizerLogParser::Parse(
      "==1== ERROR: libFuzzer: deadly signal\n#3\tNEW    cov: 8 ft: 8 corp: 2/3b lim: 4 exec/s: 0 rss: 31Mb\n"
      "SUMMARY: libFuzzer: deadly signal\n");
  CHECK(report.frames.empty());
}

}  // namespace
}  // namespace iotfuzz::triage
