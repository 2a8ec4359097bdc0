#include "fuzzers/triage/crash_signature.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include "fuzzers/triage/internal/text.h"

namespace iotfuzz::triage {

namespace {

using internal::Contains;
using internal::IsAsciiDigit;

constexpr std::size_t kMaxElementBytes = 256;
constexpr std::size_t kMaxCycleLength = 10;
constexpr std::size_t kCycleRepeats = 3;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// `text` without any of `noise` (single pass, so linear in the text).
std::string RemoveAll(std::string_view text, std::initializer_list<std::string_view> noise) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    bool removed = false;
    for (std::string_view word : noise) {
      if (text.substr(i, word.size()) == word) {
        i += word.size();
        removed = true;
        break;
      }
    }
    if (!removed) out.push_back(text[i++]);
  }
  return out;
}

// "(lambda at file.cc:12:3)" -> "(lambda)": source positions move with edits.
std::string ShortenLambdas(std::string_view text) {
  static constexpr std::string_view kLambda = "(lambda at ";
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, kLambda.size()) == kLambda) {
      int depth = 0;
      std::size_t end = i;
      for (; end < text.size(); ++end) {
        if (text[end] == '(') ++depth;
        if (text[end] == ')' && --depth == 0) break;
      }
      if (end < text.size()) {
        out += "(lambda)";
        i = end + 1;
        continue;
      }
      // Unbalanced: keep the rest as it is.
      out.append(text.substr(i));
      break;
    }
    out.push_back(text[i++]);
  }
  return out;
}

bool IsIdentifierChar(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// "0x1234abcd" -> ADDRESS, 4+ digit numbers -> NUMBER, "#12" -> "#NUMBER".
std::string NormaliseNumbers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
        (i == 0 || !IsIdentifierChar(text[i - 1]))) {
      const std::size_t digits = internal::HexPrefixLength(text.substr(i + 2));
      if (digits >= 4) {
        out += "ADDRESS";
        i += 2 + digits;
        continue;
      }
    }
    if (IsAsciiDigit(c) && (i == 0 || !IsAsciiDigit(text[i - 1]))) {
      std::size_t end = i;
      while (end < text.size() && IsAsciiDigit(text[end])) ++end;
      const char before = i == 0 ? ' ' : text[i - 1];
      const char after = end < text.size() ? text[end] : ' ';
      const bool after_ok = !IsIdentifierChar(after) && after != '.';
      const bool long_number = end - i >= 4 && before != ':' && before != '.' && after_ok;
      const bool counter = (before == '#' || before == '@') && after_ok;
      if (long_number || counter) {
        out += "NUMBER";
        i = end;
        continue;
      }
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

// Length of the operator symbol after "operator" at `pos` ("()", "<<=", "->", ...).
std::size_t OperatorSymbolLength(std::string_view text, std::size_t pos) {
  if (StartsWith(text.substr(pos), "()")) return 2;
  if (StartsWith(text.substr(pos), "[]")) return 2;
  std::size_t n = 0;
  while (pos + n < text.size() && Contains("<>=-!*&|+/%^~,", std::string_view(&text[pos + n], 1))) ++n;
  return n;
}

std::string Truncate(std::string text) {
  if (text.size() > kMaxElementBytes) text.resize(kMaxElementBytes);
  return text;
}

bool IsAssertionLike(std::string_view category) {
  return category == "ASSERT" || category == "Fatal error" || category == "Uncaught exception" ||
         category == "Bad-cast" ||
         (category.size() >= 13 && category.substr(category.size() - 13) == "CHECK failure");
}

// The recursion cycle of a stack overflow, rotated to its smallest rotation.
std::vector<std::string> CanonicalRecursionCycle(const std::vector<std::string>& frames) {
  for (std::size_t start = 0; start < frames.size(); ++start) {
    for (std::size_t length = 1; length <= kMaxCycleLength; ++length) {
      if (start + length * kCycleRepeats > frames.size()) break;
      bool repeats = true;
      for (std::size_t r = 1; r < kCycleRepeats && repeats; ++r) {
        for (std::size_t k = 0; k < length; ++k) {
          if (frames[start + k] != frames[start + r * length + k]) {
            repeats = false;
            break;
          }
        }
      }
      if (!repeats) continue;
      std::vector<std::string> cycle(frames.begin() + static_cast<std::ptrdiff_t>(start),
                                     frames.begin() + static_cast<std::ptrdiff_t>(start + length));
      std::vector<std::string> best = cycle;
      for (std::size_t shift = 1; shift < length; ++shift) {
        std::rotate(cycle.begin(), cycle.begin() + 1, cycle.end());
        if (cycle < best) best = cycle;
      }
      return best;
    }
  }
  return {};
}

std::uint64_t Fnv1a64(std::string_view text, std::uint64_t hash = 0xcbf29ce484222325ull) {
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

// ------------------------------------------------------------ ignore list

FrameIgnoreList FrameIgnoreList::Empty() { return FrameIgnoreList(); }

FrameIgnoreList FrameIgnoreList::Default() {
  FrameIgnoreList list;
  // Sanitizer runtimes and their interceptors.
  for (const char* prefix : {"__asan", "__hwasan", "__lsan", "__msan", "__tsan", "__ubsan", "__dfsan",
                             "__sanitizer", "__interceptor_", "___interceptor_", "_asan_", "asan_",
                             "__sanitizer_cov"}) {
    list.IgnoreFunctionPrefix(prefix);
  }
  for (const char* file : {"/compiler-rt/lib/", "/sanitizer_common/"}) list.IgnoreFileSubstring(file);
  list.IgnoreModuleSubstring("libclang_rt.");
  // Fuzzing engines (libFuzzer, Centipede/FuzzTest, AFL++ driver).
  for (const char* prefix : {"fuzzer::", "centipede::", "afl_", "__afl_", "testing::"}) {
    list.IgnoreFunctionPrefix(prefix);
  }
  list.IgnoreFunctionSubstring("fuzztest::internal::");
  for (const char* file : {"/libFuzzer/", "/lib/fuzzer/", "/Fuzzer/Fuzzer", "/centipede/", "/fuzztest/internal/",
                           "aflpp_driver", "afl-compiler-rt", "/googletest/"}) {
    list.IgnoreFileSubstring(file);
  }
  // iotfuzz harness glue: the replay driver and harness helpers.
  for (const char* prefix : {"iotfuzz::harness::", "iotfuzz::engine::"}) list.IgnoreFunctionPrefix(prefix);
  list.IgnoreFileSubstring("fuzzers/engine/");
  // Program entry and threads.
  for (const char* name : {"main", "_start", "start_thread", "clone", "__clone", "__clone3", "__restore_rt"}) {
    list.IgnoreFunction(name);
  }
  // C and C++ runtime: libc internals, the C++ standard library and ABI.
  for (const char* prefix : {"__libc_", "__GI_", "std::", "__gnu_cxx::", "__cxxabiv1::", "__cxa_", "_Unwind_",
                             "__mem", "__str", "__wmem", "__wcs", "__run_exit_handlers"}) {
    list.IgnoreFunctionPrefix(prefix);
  }
  for (const char* file : {"/libc++/", "/libcxx/", "/libc++abi/", "/libcxxabi/", "/include/c++/", "/glibc-",
                           "/eglibc-", "/sysdeps/", "/nptl/", "/csu/", "/musl/"}) {
    list.IgnoreFileSubstring(file);
  }
  for (const char* module : {"libc.so", "libc-2.", "libc++.so", "libc++abi.so", "libstdc++.so", "libgcc_s.so",
                             "libpthread.so", "libpthread-", "libm.so", "libdl.so", "ld-linux", "ld-musl",
                             "linux-gate.so", "linux-vdso.so", "[vdso]", "<unknown module>"}) {
    list.IgnoreModuleSubstring(module);
  }
  // Memory and string primitives: the bug is in their caller.
  for (const char* name : {"malloc", "calloc", "realloc", "reallocarray", "free", "cfree", "valloc", "pvalloc",
                           "memalign", "posix_memalign", "aligned_alloc", "strdup", "strndup", "operator new",
                           "operator new[]", "operator delete", "operator delete[]", "memcpy", "memmove", "memset",
                           "memcmp", "memchr", "bcmp", "bcopy", "strcmp", "strncmp", "strcasecmp", "strncasecmp",
                           "strlen", "strnlen", "strcpy", "strncpy", "strcat", "strncat", "strchr", "strrchr",
                           "strstr", "wcslen", "wmemcpy", "wmemset", "printf", "fprintf", "snprintf", "sprintf",
                           "vsnprintf", "vsprintf", "sscanf", "scanf"}) {
    list.IgnoreFunction(name);
  }
  // abort(), raise(), assert() and exception machinery.
  for (const char* name : {"abort", "raise", "gsignal", "exit", "_exit", "pthread_kill", "__pthread_kill",
                           "__pthread_kill_implementation", "__pthread_kill_internal", "tgkill", "__chk_fail",
                           "__fortify_fail", "__stack_chk_fail", "__assert_fail", "__assert_fail_base",
                           "__assert_perror_fail", "__assert", "__assert2", "__assert_rtn", "abort_message",
                           "demangling_terminate_handler", "__clang_call_terminate", "__terminate"}) {
    list.IgnoreFunction(name);
  }
  // Logging and CHECK machinery that turns a failed check into an abort.
  for (const char* prefix : {"google::LogMessage", "absl::log_internal::", "logging::LogMessage",
                             "logging::CheckError", "logging::NotReachedError", "base::ImmediateCrash", "V8_Fatal",
                             "v8::base::OS::Abort", "WTFCrash", "g_assertion_message", "g_log"}) {
    list.IgnoreFunctionPrefix(prefix);
  }
  for (const char* text : {"base::debug::StackTrace", "base::debug::CollectStackTrace"}) {
    list.IgnoreFunctionSubstring(text);
  }
  for (const char* name : {"ImmediateCrash", "backtrace", "backtrace_symbols", "backtrace_symbols_fd"}) {
    list.IgnoreFunction(name);
  }
  return list;
}

void FrameIgnoreList::IgnoreFunction(std::string name) { functions_.push_back(std::move(name)); }
void FrameIgnoreList::IgnoreFunctionPrefix(std::string prefix) { function_prefixes_.push_back(std::move(prefix)); }
void FrameIgnoreList::IgnoreFunctionSubstring(std::string text) { function_substrings_.push_back(std::move(text)); }
void FrameIgnoreList::IgnoreFileSubstring(std::string text) { file_substrings_.push_back(std::move(text)); }
void FrameIgnoreList::IgnoreModuleSubstring(std::string text) { module_substrings_.push_back(std::move(text)); }

bool FrameIgnoreList::Ignores(const StackFrame& frame) const {
  if (NormaliseFrame(frame).empty()) return true;
  if (!frame.function.empty()) {
    const std::string name = SimplifyFunctionName(frame.function);
    if (std::find(functions_.begin(), functions_.end(), name) != functions_.end()) return true;
    for (const auto& prefix : function_prefixes_) {
      if (StartsWith(name, prefix)) return true;
    }
    for (const auto& text : function_substrings_) {
      if (Contains(name, text)) return true;
    }
  }
  for (const auto& text : file_substrings_) {
    if (!frame.file.empty() && Contains(frame.file, text)) return true;
  }
  for (const auto& text : module_substrings_) {
    if (!frame.module.empty() && Contains(frame.module, text)) return true;
  }
  return false;
}

// ------------------------------------------------------------ normalisation

std::string SimplifyFunctionName(std::string_view function) {
  std::string name = ShortenLambdas(RemoveAll(
      internal::Trim(function),
      {"non-virtual thunk to ", "virtual thunk to ", "(anonymous namespace)::", "`anonymous namespace'::"}));
  // Cut the parameter list: the first '(' outside template arguments.
  int angle = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.compare(i, 8, "operator") == 0 && (i == 0 || !IsIdentifierChar(name[i - 1]))) {
      std::size_t j = i + 8;
      while (j < name.size() && name[j] == ' ') ++j;
      if (j < name.size() && !IsIdentifierChar(name[j])) {
        i = j + OperatorSymbolLength(name, j) - 1;
        continue;
      }
    }
    const char c = name[i];
    if (c == '<') ++angle;
    if (c == '>' && angle > 0) --angle;
    if (c == '(' && angle == 0 && i > 0) {
      name.resize(i);
      break;
    }
  }
  std::string_view trimmed = internal::Trim(name);
  for (std::string_view suffix : {" const", " volatile", " &&", " &"}) {
    if (trimmed.size() > suffix.size() && trimmed.substr(trimmed.size() - suffix.size()) == suffix) {
      trimmed.remove_suffix(suffix.size());
    }
  }
  return std::string(internal::Trim(trimmed));
}

std::string NormaliseFrame(const StackFrame& frame) {
  if (!frame.function.empty() && frame.function != "<unknown>") {
    const std::string name = SimplifyFunctionName(frame.function);
    if (!name.empty()) return Truncate(NormaliseNumbers(name));
  }
  if (!frame.module.empty()) {
    std::string text(internal::Basename(frame.module));
    if (frame.module_offset) text += "+" + internal::HexString(*frame.module_offset);
    return Truncate(text);
  }
  if (!frame.file.empty()) {
    std::string text(internal::Basename(frame.file));
    if (frame.line > 0) text += fmt::format(":{}", frame.line);
    return Truncate(text);
  }
  return {};
}

// ------------------------------------------------------------ signature

CrashSignature CrashSignature::FromReport(const CrashReport& report, const SignatureOptions& options) {
  CrashSignature signature;
  signature.crash_type_ = report.crash_type;

  std::vector<std::string> frames;
  for (const auto& frame : report.frames) {
    if (!frame.function.empty() && SimplifyFunctionName(frame.function) == "LLVMFuzzerTestOneInput") {
      // The harness boundary: used only when the bug is in the harness itself.
      if (frames.empty()) {
        std::string harness = "LLVMFuzzerTestOneInput";
        if (!frame.file.empty()) {
          harness = internal::Basename(frame.file);
        } else if (!frame.module.empty()) {
          harness += fmt::format(" ({})", internal::Basename(frame.module));
        }
        frames.push_back(std::move(harness));
      }
      break;
    }
    if (options.ignore.Ignores(frame)) continue;
    frames.push_back(NormaliseFrame(frame));
  }

  const std::string_view category = CrashCategory(report.crash_type);
  std::vector<std::string> head;
  if (IsAssertionLike(category) && !report.message.empty()) {
    head.push_back(Truncate(NormaliseNumbers(report.message)));
  }
  std::vector<std::string> state_frames = frames;
  if (category == "Stack-overflow") {
    std::vector<std::string> cycle = CanonicalRecursionCycle(frames);
    if (!cycle.empty()) state_frames = std::move(cycle);
  }

  signature.state_ = head;
  for (const auto& frame : state_frames) {
    if (signature.state_.size() >= options.state_frames) break;
    signature.state_.push_back(frame);
  }
  if (signature.state_.empty() && !options.fallback_state.empty()) {
    signature.state_.push_back(options.fallback_state);
  }
  signature.stack_ = head;
  for (const auto& frame : frames) {
    if (signature.stack_.size() >= options.similarity_frames) break;
    signature.stack_.push_back(frame);
  }
  return signature;
}

std::string CrashSignature::StateString() const {
  std::string out;
  for (const auto& line : state_) {
    out += line;
    out += '\n';
  }
  return out;
}

std::string CrashSignature::BucketKey() const {
  std::string slug;
  for (char c : CrashCategory(crash_type_)) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (IsIdentifierChar(lower) && lower != '_') {
      slug.push_back(lower);
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
    if (slug.size() >= 40) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  if (slug.empty()) slug = "no-crash";
  std::uint64_t hash = Fnv1a64(crash_type_);
  for (const auto& line : state_) {
    hash = Fnv1a64("\n", hash);
    hash = Fnv1a64(line, hash);
  }
  return fmt::format("{}-{:016x}", slug, hash);
}

// ------------------------------------------------------------ similarity

double StackSimilarity(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  auto weight = [](std::size_t i) { return 1.0 / (1.0 + static_cast<double>(i)); };
  double total_a = 0;
  double total_b = 0;
  for (std::size_t i = 0; i < a.size(); ++i) total_a += weight(i);
  for (std::size_t j = 0; j < b.size(); ++j) total_b += weight(j);
  const double total = std::max(total_a, total_b);
  if (total == 0) return 1.0;

  // distance[i][j]: cost of turning a[0..i) into b[0..j).
  std::vector<double> previous(b.size() + 1);
  std::vector<double> current(b.size() + 1);
  previous[0] = 0;
  for (std::size_t j = 1; j <= b.size(); ++j) previous[j] = previous[j - 1] + weight(j - 1);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = previous[0] + weight(i - 1);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const double substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0.0 : std::max(weight(i - 1), weight(j - 1)));
      const double remove = previous[j] + weight(i - 1);
      const double insert = current[j - 1] + weight(j - 1);
      current[j] = std::min({substitute, remove, insert});
    }
    std::swap(previous, current);
  }
  const double distance = std::min(previous[b.size()], total);
  return 1.0 - distance / total;
}

double Similarity(const CrashSignature& a, const CrashSignature& b) {
  double type_factor = 0.5;
  if (a.crash_type() == b.crash_type()) {
    type_factor = 1.0;
  } else if (CrashCategory(a.crash_type()) == CrashCategory(b.crash_type())) {
    type_factor = 0.8;
  }
  return type_factor * StackSimilarity(a.stack(), b.stack());
}

nlohmann::json ToJson(const CrashSignature& signature) {
  return {{"crash_type", signature.crash_type()},
          {"state", signature.state()},
          {"bucket_key", signature.BucketKey()}};
}

}  // namespace iotfuzz::triage
