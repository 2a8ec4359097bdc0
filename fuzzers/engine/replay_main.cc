// Standalone driver for a libFuzzer-style harness: runs each file (and each
// regular file of each directory, in name order) through
// LLVMFuzzerTestOneInput once, with no fuzzing engine. Used by tests, by
// triage and by anyone reproducing a crash:
//
//   <harness>_replay [-runs=N] FILE_OR_DIR...
//
// Each input is copied into a heap buffer of exactly its size, so a read past
// the end is caught by AddressSanitizer just as under libFuzzer. Output lines
// follow libFuzzer's ("Running: F", "Executed F in N ms") so logs from both
// read the same. Exit status: 0 when every input ran, 1 on a usage error or an
// unreadable input; a crashing input ends the process the way the sanitizer
// decides.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

bool ReadFile(const fs::path& path, std::vector<uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

bool CollectInputs(const fs::path& arg, std::vector<fs::path>& inputs) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(arg, ec)) {
      if (entry.is_regular_file(ec)) files.push_back(entry.path());
    }
    if (ec) {
      std::fprintf(stderr, "error: cannot list directory %s: %s\n", arg.c_str(),
                   ec.message().c_str());
      return false;
    }
    std::sort(files.begin(), files.end());
    inputs.insert(inputs.end(), files.begin(), files.end());
    return true;
  }
  if (!fs::exists(arg, ec)) {
    std::fprintf(stderr, "error: no such file or directory: %s\n", arg.c_str());
    return false;
  }
  inputs.push_back(arg);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);

  long runs = 1;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strncmp(arg, "-runs=", 6) == 0) {
      char* end = nullptr;
      runs = std::strtol(arg + 6, &end, 10);
      if (*end != '\0' || runs < 1) {
        std::fprintf(stderr, "error: -runs expects a positive integer, got '%s'\n", arg + 6);
        return 1;
      }
      continue;
    }
    if (std::strcmp(arg, "-help=1") == 0 || std::strcmp(arg, "--help") == 0 ||
        std::strcmp(arg, "-h") == 0) {
      std::printf("usage: %s [-runs=N] FILE_OR_DIR...\n", argv[0]);
      return 0;
    }
    if (arg[0] == '-') continue;  // libFuzzer flags are accepted and ignored
    if (!CollectInputs(arg, inputs)) return 1;
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s [-runs=N] FILE_OR_DIR...\nerror: no inputs given\n", argv[0]);
    return 1;
  }

  std::fprintf(stderr, "INFO: replaying %zu input(s), %ld run(s) each\n", inputs.size(), runs);
  std::vector<uint8_t> bytes;
  for (const auto& path : inputs) {
    if (!ReadFile(path, bytes)) {
      std::fprintf(stderr, "error: cannot read %s\n", path.c_str());
      return 1;
    }
    std::fprintf(stderr, "Running: %s\n", path.c_str());
    auto start = std::chrono::steady_clock::now();
    for (long r = 0; r < runs; ++r) {
      // Exactly-sized copy: overreads hit the heap redzone.
      std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
      if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
      LLVMFuzzerTestOneInput(copy.get(), bytes.size());
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "Executed %s in %lld ms\n", path.c_str(), static_cast<long long>(ms));
  }
  std::fprintf(stderr, "INFO: replayed %zu input(s) without a crash\n", inputs.size());
  return 0;
}
