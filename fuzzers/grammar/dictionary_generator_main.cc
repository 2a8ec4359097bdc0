// iotfuzz_dictionary_generator: the build's step that writes a harness
// dictionary (cmake/IotfuzzHarness.cmake runs it for every harness with a
// grammar). It does what `iotfuzz grammar dict GRAMMAR --out OUT --extra
// DICT` does, without the rest of the CLI, so builds that make harnesses
// only (OSS-Fuzz) have it too.
//
//   iotfuzz_dictionary_generator --grammar FILE --out FILE [--extra DICT]...
//                                [--relative-to DIR]
//
// --relative-to names the grammar and the extra dictionaries in the file's
// comments relative to DIR (the source tree), so the file does not depend on
// where the tree was checked out. Exit status 0, or 1 with the error on
// stderr (a grammar error with its file:line:col report).
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/common/atomic_file.h"
#include "fuzzers/common/dictionary_file.h"
#include "fuzzers/common/error.h"
#include "fuzzers/grammar/dictionary.h"
#include "fuzzers/grammar/grammar_loader.h"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUsage =
    "usage: iotfuzz_dictionary_generator --grammar FILE --out FILE [--extra DICT]... [--relative-to DIR]\n";

std::string DisplayName(const std::string& path, const std::string& relative_to) {
  if (relative_to.empty()) return path;
  std::error_code ec;
  const fs::path rel = fs::relative(fs::absolute(path), fs::absolute(relative_to), ec);
  if (ec || rel.empty() || *rel.begin() == "..") return path;
  return rel.generic_string();
}

int Run(int argc, char** argv) {
  std::string grammar_file;
  std::string out;
  std::string relative_to;
  std::vector<std::string> extras;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) throw iotfuzz::Error::Format("{} needs a value\n{}", arg, kUsage);
    const std::string value = argv[++i];
    if (arg == "--grammar") {
      grammar_file = value;
    } else if (arg == "--out") {
      out = value;
    } else if (arg == "--extra") {
      extras.push_back(value);
    } else if (arg == "--relative-to") {
      relative_to = value;
    } else {
      throw iotfuzz::Error::Format("unknown argument {}\n{}", arg, kUsage);
    }
  }
  if (grammar_file.empty() || out.empty()) throw iotfuzz::Error(std::string(kUsage));

  iotfuzz::grammar::LoadedGrammar loaded;
  try {
    loaded = iotfuzz::grammar::LoadGrammarFile(grammar_file);
  } catch (const iotfuzz::grammar::GrammarError& e) {
    std::fputs(e.report().c_str(), stderr);
    throw;
  }
  const iotfuzz::grammar::Dictionary derived = iotfuzz::grammar::DeriveDictionary(loaded.grammar);
  std::vector<iotfuzz::grammar::DictionaryExtras> merged_extras;
  for (const std::string& path : extras) {
    merged_extras.push_back({DisplayName(path, relative_to), iotfuzz::ReadDictionaryFile(path)});
  }
  const iotfuzz::grammar::MergedDictionary merged = iotfuzz::grammar::FormatDictionary(
      loaded.grammar, DisplayName(grammar_file, relative_to), derived, merged_extras);
  iotfuzz::WriteFileAtomically(out, merged.text);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "iotfuzz_dictionary_generator: error: %s\n", e.what());
    return 1;
  }
}
