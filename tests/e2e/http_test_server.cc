// A small HTTP/1.x server for the real-traffic tests: it listens on
// 127.0.0.1 (or ::1 with --ipv6) on a port the kernel picks, prints
// "port N" on stdout, and serves connections one after the other with
// Boost.Beast until it is killed or has served --connections N. Answers:
//   /chunked      200 with a chunked body
//   /empty        204 without a body
//   /missing      404 with a short text body
//   /close        200 without Content-Length, the body ends with the connection
//   anything else 200 with a JSON body naming the method, target and body size
// A request with "Expect: 100-continue" gets a 100 Continue before its body
// is read. Keep-alive follows the request (HTTP/1.0 closes unless asked).
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

template <class Body>
void Decorate(http::response<Body>& res, unsigned version, bool keep_alive) {
  res.version(version);
  res.set(http::field::server, "iotfuzz-test-server/1");
  res.set(http::field::date, "Tue, 15 Nov 1994 08:12:31 GMT");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
}

// Serves one connection; returns when the peer or the response closes it.
void Serve(tcp::socket& socket) {
  beast::flat_buffer buffer;
  for (;;) {
    beast::error_code ec;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read_header(socket, buffer, parser, ec);
    if (ec) return;
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
      http::write(socket, cont, ec);
      if (ec) return;
    }
    http::read(socket, buffer, parser, ec);
    if (ec) return;
    http::request<http::string_body> req = parser.release();
    std::string target(req.target());
    bool keep_alive = req.keep_alive();
    if (target == "/chunked") {
      http::response<http::string_body> res{http::status::ok, req.version()};
      Decorate(res, req.version(), keep_alive);
      res.set(http::field::content_type, "text/plain");
      res.body() = std::string(3000, 'c');
      res.chunked(req.version() >= 11);
      if (req.version() < 11) res.prepare_payload();
      http::write(socket, res, ec);
    } else if (target == "/empty") {
      http::response<http::empty_body> res{http::status::no_content, req.version()};
      Decorate(res, req.version(), keep_alive);
      http::write(socket, res, ec);
    } else if (target == "/missing") {
      http::response<http::string_body> res{http::status::not_found, req.version()};
      Decorate(res, req.version(), keep_alive);
      res.set(http::field::content_type, "text/plain");
      res.body() = "not found\n";
      res.prepare_payload();
      http::write(socket, res, ec);
    } else if (target == "/close") {
      std::string head = (req.version() >= 11 ? "HTTP/1.1" : "HTTP/1.0") +
                         std::string(" 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");
      asio::write(socket, asio::buffer(head + "until the end of the connection\n"), ec);
      keep_alive = false;
    } else {
      http::response<http::string_body> res{http::status::ok, req.version()};
      Decorate(res, req.version(), keep_alive);
      res.set(http::field::content_type, "application/json");
      res.set(http::field::etag, "\"v1\"");
      res.set(http::field::set_cookie, "session=abc123; Path=/; HttpOnly");
      res.body() = "{\"method\":\"" + std::string(req.method_string()) + "\",\"target\":\"" + target +
                   "\",\"received\":" + std::to_string(req.body().size()) + "}";
      res.prepare_payload();
      if (req.method() == http::verb::head) {
        // The fields of the GET answer, Content-Length included, no body.
        http::response_serializer<http::string_body> serializer{res};
        http::write_header(socket, serializer, ec);
      } else {
        http::write(socket, res, ec);
      }
    }
    if (ec || !keep_alive) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool ipv6 = false;
  long connections = -1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--ipv6") {
      ipv6 = true;
    } else if (arg == "--connections" && i + 1 < argc) {
      connections = std::strtol(argv[++i], nullptr, 10);
    } else {
      std::cerr << "usage: http_test_server [--ipv6] [--connections N]\n";
      return 2;
    }
  }
  asio::io_context io;
  tcp::endpoint endpoint(asio::ip::make_address(ipv6 ? "::1" : "127.0.0.1"), 0);
  tcp::acceptor acceptor(io, endpoint);
  std::printf("port %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  for (long served = 0; connections < 0 || served < connections; ++served) {
    tcp::socket socket(io);
    acceptor.accept(socket);
    Serve(socket);
    beast::error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }
  return 0;
}
