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
//   http_validity request|response [--last-may-answer-head] FILE...
// --last-may-answer-head: each connection's last response may answer a HEAD
// request (header only), as in http.grammar's cloud_responses session.
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

template <bool isRequest>
bool ReadMessage(const std::string& data, size_t& pos, bool head_answer);

// Reads messages from `data` until its end or the first error. Returns true
// when every byte was read as complete messages. With `last_may_answer_head`
// a response that does not read as a whole message is read once more as the
// answer to a HEAD request (a header announcing a body it does not carry,
// Beast's skip()), accepted when that header is all the connection has left.
template <bool isRequest>
bool ReadConnection(const std::string& data, Counts& counts, bool last_may_answer_head) {
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t start = pos;
    if (!ReadMessage<isRequest>(data, pos, false)) {
      if (!last_may_answer_head) return false;
      pos = start;
      if (!ReadMessage<isRequest>(data, pos, true) || pos != data.size()) {
        ++counts.messages;
        return false;
      }
    }
    ++counts.messages;
    ++counts.accepted;
  }
  return true;
}

// Reads one message from `pos`, advancing it; true when complete.
template <bool isRequest>
bool ReadMessage(const std::string& data, size_t& pos, bool head_answer) {
  {
    http::parser<isRequest, http::string_body> parser;
    parser.skip(head_answer);
    parser.eager(true);
    parser.header_limit(64 * 1024);
    parser.body_limit(std::uint64_t{1} << 40);
    boost::beast::error_code ec;
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
    return !ec && parser.is_done();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::string(argv[1]) != "request" && std::string(argv[1]) != "response")) {
    std::fprintf(stderr, "usage: http_validity request|response [--last-may-answer-head] FILE...\n");
    return 1;
  }
  bool requests = std::string(argv[1]) == "request";
  int first = 2;
  bool last_may_answer_head = false;
  if (argc > 2 && std::string(argv[2]) == "--last-may-answer-head") {
    last_may_answer_head = !requests;
    first = 3;
  }
  Counts counts;
  long connections = 0;
  long complete = 0;
  for (int i = first; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), {});
    ++connections;
    bool ok = requests ? ReadConnection<true>(data, counts, false)
                       : ReadConnection<false>(data, counts, last_may_answer_head);
    complete += ok;
    if (!ok && std::getenv("HTTP_VALIDITY_VERBOSE")) std::fprintf(stderr, "rejected: %s\n", argv[i]);
  }
  std::printf("messages %ld accepted %ld connections %ld complete %ld\n", counts.messages, counts.accepted,
              connections, complete);
  return 0;
}
