#include "fuzzers/common/error.h"

#include <algorithm>

namespace iotfuzz {
namespace {

std::string OneLine(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

Error::Error(const std::string& message) : std::runtime_error(OneLine(message)) {}

}  // namespace iotfuzz
