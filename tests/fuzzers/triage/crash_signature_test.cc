#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "fuzzers/triage/crash_signature.h"
#include "fuzzers/triage/sanitizer_log_parser.h"

namespace iotfuzz::triage {
namespace {

StackFrame Function(std::string name, std::string file = "") {
  StackFrame frame;
  frame.function = std::move(name);
  frame.file = std::move(file);
  return frame;
}

StackFrame Module(std::string module, std::uint64_t offset) {
  StackFrame frame;
  frame.module = std::move(module);
  frame.module_offset = offset;
  return frame;
}

CrashReport Report(std::string type, std::vector<StackFrame> frames) {
  CrashReport report;
  report.crash_type = std::move(type);
  report.frames = std::move(frames);
  return report;
}

// An ASan heap overflow as a run with `pid` and an ASLR `base` would print it.
std::string OverflowLog(int pid, std::uint64_t base, std::string_view function) {
  return fmt::format(
      "==={0}==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x{1:x} at pc 0x{2:x} bp 0x1 sp 0x2\n"
      "READ of size 4 at 0x{1:x} thread T0\n"
      "    #0 0x{2:x} in __asan_memcpy /src/llvm/compiler-rt/lib/asan/asan_interceptors_memintrinsics.cpp:22:3\n"
      "    #1 0x{3:x} in {4}(unsigned char const*, unsigned long) /src/fw/{4}.c:88:12\n"
      "    #2 0x{5:x} in dispatch /src/fw/dispatch.c:41:7\n"
      "    #3 0x{6:x} in LLVMFuzzerTestOneInput /src/fw/fuzz/fw_fuzzer.cc:20:3\n"
      "    #4 0x{7:x} in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) "
      "/src/llvm/compiler-rt/lib/fuzzer/FuzzerLoop.cpp:611:15\n"
      "SUMMARY: AddressSanitizer: heap-buffer-overflow\n==={0}==ABORTING\n",
      pid, base + 0x100000, base + 0x10, base + 0x2000, function, base + 0x3000, base + 0x4000, base + 0x5000);
}

TEST_CASE("Signature skips sanitizer, engine, runtime and allocator frames", "[signature]") {
  const CrashReport report = Report(
      "Heap-buffer-overflow\nWRITE 2",
      {Function("__interceptor_memcpy"), Function("__asan_memcpy"), Function("operator new(unsigned long)"),
       Function("malloc"), Function("raise"), Function("abort"), Function("__GI_raise"),
       Function("std::__1::vector<int>::push_back(int&&)"), Function("operator->", "/usr/include/c++/v1/memory"),
       Function("__libc_start_main"), Function("fuzzer::Fuzzer::RunOne(unsigned char const*, unsigned long)"),
       Module("/lib/x86_64-linux-gnu/libc.so.6", 0x29d8f), Function("iotfuzz::harness::Feed()"),
       Function("coap_parse(coap_pdu_t*)", "/src/coap/pdu.c"), Function("coap_handle", "/src/coap/server.c"),
       Function("coap_loop", "/src/coap/server.c"), Function("main")});
  const CrashSignature signature = CrashSignature::FromReport(report);
  CHECK(signature.state() == std::vector<std::string>{"coap_parse", "coap_handle", "coap_loop"});
  CHECK(signature.StateString() == "coap_parse\ncoap_handle\ncoap_loop\n");
}

TEST_CASE("Signature uses module and offset for frames without symbols", "[signature]") {
  const CrashReport report =
      Report("UNKNOWN READ", {Module("/lib/x86_64-linux-gnu/libc.so.6", 0x35417), Module("/opt/fw/bin/httpd", 0x1c2a0),
                              Module("/opt/fw/lib/libcoap.so.3", 0x8f00)});
  CHECK(CrashSignature::FromReport(report).state() ==
        std::vector<std::string>{"httpd+0x1c2a0", "libcoap.so.3+0x8f00"});
}

TEST_CASE("Signature uses LLVMFuzzerTestOneInput only when no deeper frame survives", "[signature]") {
  const CrashReport in_target =
      Report("Abrt", {Function("abort"), Function("parse", "/src/a.c"),
                      Function("LLVMFuzzerTestOneInput", "/src/fuzz/a_fuzzer.cc"), Function("HonggfuzzRunOneInput")});
  CHECK(CrashSignature::FromReport(in_target).state() == std::vector<std::string>{"parse"});
  const CrashReport in_harness =
      Report("Abrt", {Function("abort"), Function("LLVMFuzzerTestOneInput", "/src/fuzz/a_fuzzer.cc"),
                      Function("fuzzer::Fuzzer::ExecuteCallback()")});
  CHECK(CrashSignature::FromReport(in_harness).state() == std::vector<std::string>{"a_fuzzer.cc"});
}

TEST_CASE("Signature simplifies function names to what identifies them", "[signature]") {
  CHECK(SimplifyFunctionName("ns::(anonymous namespace)::Parse(char const*, unsigned long) const") == "ns::Parse");
  CHECK(SimplifyFunctionName("non-virtual thunk to Foo::Bar()") == "Foo::Bar");
  CHECK(SimplifyFunctionName("std::map<int, std::pair<int, int>>::operator[](int const&)") ==
        "std::map<int, std::pair<int, int>>::operator[]");
  CHECK(SimplifyFunctionName("Table::Iterate<(lambda at ../../src/t.cc:191:27)>(int)") == "Table::Iterate<(lambda)>");
  CHECK(SimplifyFunctionName("Widget::operator()(int) const") == "Widget::operator()");
  CHECK(SimplifyFunctionName("bool operator<(Key const&, Key const&)") == "bool operator<");
  CHECK(NormaliseFrame(Function("Buffer<4096>::grow(unsigned long)")) == "Buffer<NUMBER>::grow");
}

TEST_CASE("Signature is the same for the same bug at other addresses and pids", "[signature]") {
  auto signature = [](int pid, std::uint64_t base, std::string_view function) {
    return CrashSignature::FromReport(SanitizerLogParser::Parse(OverflowLog(pid, base, function)));
  };
  const auto first = signature(100, 0x55d0c0000000, "parse_header");
  const auto second = signature(4711, 0x5600aa000000, "parse_header");
  CHECK(first.state() == std::vector<std::string>{"parse_header", "dispatch"});
  CHECK(first.BucketKey() == second.BucketKey());
  CHECK(Similarity(first, second) == Approx(1.0));
}

TEST_CASE("Signature differs for different bugs", "[signature]") {
  auto signature = [](std::string_view function) {
    return CrashSignature::FromReport(SanitizerLogParser::Parse(OverflowLog(1, 0x55d0c0000000, function)));
  };
  const auto header = signature("parse_header");
  const auto body = signature("parse_body");
  CHECK(header.BucketKey() != body.BucketKey());
  CHECK(Similarity(header, body) < 1.0);

  CrashReport other_type = SanitizerLogParser::Parse(OverflowLog(1, 0x55d0c0000000, "parse_header"));
  other_type.crash_type = "Heap-use-after-free\nREAD 4";
  CHECK(CrashSignature::FromReport(other_type).BucketKey() != header.BucketKey());
}

TEST_CASE("Bucket key is a stable, directory-safe string", "[signature]") {
  const CrashReport report = Report("Heap-buffer-overflow\nREAD 4", {Function("parse_header", "/src/a.c")});
  const std::string key = CrashSignature::FromReport(report).BucketKey();
  // Pinned: the key must not change between releases, or buckets split.
  CHECK(key == CrashSignature::FromReport(report).BucketKey());
  CHECK(key.rfind("heap-buffer-overflow-", 0) == 0);
  CHECK(key.size() == std::string("heap-buffer-overflow-").size() + 16);
  CHECK(key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos);
  CHECK(key == "heap-buffer-overflow-" + fmt::format("{:016x}", [] {
          std::uint64_t hash = 0xcbf29ce484222325ull;
          for (char c : std::string("Heap-buffer-overflow\nREAD 4\nparse_header")) {
            hash ^= static_cast<unsigned char>(c);
            hash *= 0x100000001b3ull;
          }
          return hash;
        }()));
}

TEST_CASE("Signature puts the assertion message first for assertion-like crashes", "[signature]") {
  CrashReport report = Report("ASSERT", {Function("__assert_fail"), Function("read_props", "/src/p.c"),
                                         Function("parse", "/src/p.c"), Function("loop", "/src/p.c")});
  report.message = "len <= 65535";
  CHECK(CrashSignature::FromReport(report).state() ==
        std::vector<std::string>{"len <= NUMBER", "read_props", "parse"});
}

TEST_CASE("Signature of a stack overflow does not depend on where the recursion ran out", "[signature]") {
  auto recursion = [](std::vector<std::string> order) {
    std::vector<StackFrame> frames;
    for (int repeat = 0; repeat < 5; ++repeat) {
      for (const auto& name : order) frames.push_back(Function(name, "/src/json.c"));
    }
    frames.push_back(Function("json_parse", "/src/json.c"));
    return CrashSignature::FromReport(Report("Stack-overflow", frames));
  };
  const auto a = recursion({"parse_value", "parse_array", "parse_element"});
  const auto b = recursion({"parse_array", "parse_element", "parse_value"});
  CHECK(a.BucketKey() == b.BucketKey());
  CHECK(a.state() == std::vector<std::string>{"parse_array", "parse_element", "parse_value"});
}

TEST_CASE("Signature of a timeout comes from the stack at the alarm, not one bucket for all", "[signature]") {
  auto timeout = [](std::string stuck) {
    return CrashSignature::FromReport(
        Report("Timeout", {Function("__sanitizer_print_stack_trace"), Function("fuzzer::Fuzzer::AlarmCallback()"),
                           Module("/lib/x86_64-linux-gnu/libpthread.so.0", 0x1441f), Function(stuck, "/src/m.c"),
                           Function("mqtt_parse", "/src/m.c")}));
  };
  CHECK(timeout("skip_properties").state() == std::vector<std::string>{"skip_properties", "mqtt_parse"});
  CHECK(timeout("skip_properties").BucketKey() != timeout("read_topic").BucketKey());
}

TEST_CASE("Signature falls back to the given state when no frame survives", "[signature]") {
  SignatureOptions options;
  options.fallback_state = "demo_device_mqtt_fuzzer";
  const CrashReport report = Report("Out-of-memory", {Function("malloc"), Function("fuzzer::RunOne()")});
  CHECK(CrashSignature::FromReport(report, options).state() == std::vector<std::string>{"demo_device_mqtt_fuzzer"});
  CHECK(CrashSignature::FromReport(report).state().empty());
}

TEST_CASE("A custom ignore rule removes a project's own wrapper frames", "[signature]") {
  SignatureOptions options;
  options.ignore.IgnoreFunctionPrefix("fw::checked_");
  const CrashReport report = Report("Heap-buffer-overflow\nREAD 1",
                                    {Function("fw::checked_read(buf*)"), Function("parse", "/src/a.c")});
  CHECK(CrashSignature::FromReport(report, options).state() == std::vector<std::string>{"parse"});
  CHECK(CrashSignature::FromReport(report).state() == std::vector<std::string>{"fw::checked_read", "parse"});
  CHECK(FrameIgnoreList::Empty().Ignores(StackFrame{}));
  CHECK_FALSE(FrameIgnoreList::Empty().Ignores(Function("malloc")));
}

TEST_CASE("Stack similarity weighs differences near the crash point most", "[signature][similarity]") {
  const std::vector<std::string> base{"a", "b", "c", "d", "e"};
  CHECK(StackSimilarity(base, base) == Approx(1.0));
  CHECK(StackSimilarity({}, {}) == Approx(1.0));
  CHECK(StackSimilarity(base, {}) == Approx(0.0));
  CHECK(StackSimilarity({"x", "y"}, {"p", "q"}) == Approx(0.0));
  const double differs_at_top = StackSimilarity(base, {"x", "b", "c", "d", "e"});
  const double differs_at_bottom = StackSimilarity(base, {"a", "b", "c", "d", "x"});
  CHECK(differs_at_top < differs_at_bottom);
  CHECK(differs_at_bottom > kLikelySameBugSimilarity);
  // An extra inlined frame on top costs less than a different crash site.
  CHECK(StackSimilarity(base, {"inlined", "a", "b", "c", "d", "e"}) > differs_at_top);
  // Symmetric.
  CHECK(StackSimilarity(base, {"a", "c", "d"}) == Approx(StackSimilarity({"a", "c", "d"}, base)));
}

TEST_CASE("Similarity discounts different crash types", "[signature][similarity]") {
  const std::vector<StackFrame> frames{Function("parse", "/src/a.c"), Function("loop", "/src/a.c")};
  const auto read = CrashSignature::FromReport(Report("Heap-buffer-overflow\nREAD 4", frames));
  const auto write = CrashSignature::FromReport(Report("Heap-buffer-overflow\nWRITE 4", frames));
  const auto segv = CrashSignature::FromReport(Report("UNKNOWN READ", frames));
  CHECK(Similarity(read, read) == Approx(1.0));
  CHECK(Similarity(read, write) == Approx(0.8));
  CHECK(Similarity(read, segv) == Approx(0.5));
}

}  // namespace
}  // namespace iotfuzz::triage
