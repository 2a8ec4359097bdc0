// Validity of HTTP messages against Boost.Beast's own parser: every file is
// the bytes of one connection (requests a client sent, or responses a server
// sent); its messages are read one after the other with
// http::request_parser / http::response_parser<string_body> (header limit
// 64 KiB, no body limit), as a server or client reading a keep-alive
// connection would. A message is accepted when the parser completes it
// without an error; a connection is accepted when all its bytes are read as
// complete messages (a body read to the end of the connection counts for a
// response, as Beast's put_eof() completes it).
//
//   http_validity request|response FILE...
// prints "messages N accepted A connections C complete K".
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace http = boost::beast::http;
namespace net = boost::asio;

namespace {

struct Counts {
  long messages = 0;
  long accepted = 0;
};

// Reads messages from `data` until its end or the first error. Returns true
// when every byte was read as complete messages.
template <bool isRequest>
bool ReadConnection(const std::string& data, Counts& counts) {
  size_t pos = 0;
  while (pos < data.size()) {
    http::parser<isRequest, http::string_body> parser;
    parser.eager(true);
    parser.header_limit(64 * 1024);
    parser.body_limit(std::uint64_t{1} << 40);
    boost::beast::error_code ec;
    ++counts.messages;
    while (!parser.is_done()) {
      size_t used = parser.put(net::buffer(data.data() + pos, data.size() - pos), ec);
      pos += used;
      if (ec == http::error::need_more || (!ec && used == 0)) {
        ec = {};
        if (pos < data.size() && used > 0) continue;
        parser.put_eof(ec);  // no more bytes: the connection ends here
        break;
      }
      if (ec) break;
    }
    if (ec && std::getenv("HTTP_VALIDITY_VERBOSE")) std::fprintf(stderr, "  %s at byte %zu\n", ec.message().c_str(), pos);
    if (ec || !parser.is_done()) return false;
    ++counts.accepted;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::string(argv[1]) != "request" && std::string(argv[1]) != "response")) {
    std::fprintf(stderr, "usage: http_validity request|response FILE...\n");
    return 1;
  }
  bool requests = std::string(argv[1]) == "request";
  Counts counts;
  long connections = 0;
  long complete = 0;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    ++connections;
    bool ok = requests ? ReadConnection<true>(data, counts) : ReadConnection<false>(data, counts);
    complete += ok;
    if (!ok && std::getenv("HTTP_VALIDITY_VERBOSE")) std::fprintf(stderr, "rejected: %s\n", argv[i]);
  }
  std::printf("messages %ld accepted %ld connections %ld complete %ld\n", counts.messages, counts.accepted,
              connections, complete);
  return 0;
}
