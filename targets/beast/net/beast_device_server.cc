// The device REST API (device_api.h) of the smart lock's Wi-Fi module served
// over real TCP with Boost.Asio and Boost.Beast, for iotfuzz's network mode
// (`iotfuzz net beast_http_server`):
//
//   beast_device_server [--bind ADDR] [--port] PORT
//
// Listens on ADDR:PORT (default 127.0.0.1). Single-threaded, synchronous:
// one io_context, the acceptor accepts one connection at a time and
// ServeHttpConnection() (http_connection.h, the code the in-process harness
// runs on an in-memory stream) serves it with http::read_header(),
// http::read() and http::write() on the tcp::socket: keep-alive requests
// until the client closes, a request says "Connection: close", or a parse
// error is answered (400, 413, 431) and the connection closed; then the
// next connection is accepted. Each connection is served by a fresh
// DeviceApi with the harness's token secret, so every session starts from
// the device's initial state (sessions, failed logins, configuration,
// firmware slot), whatever earlier sessions did, and the first login of a
// connection returns the same token as in the harness.
//
// Deferred forkserver: built with AFL++ instrumentation, the server calls
// __afl_manual_init() once the acceptor is listening; each forked child
// accepts the session's connection on the inherited socket. The epoll
// reactor is told about the fork (io_context::notify_fork), so every child
// has its own epoll instance.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "device_api.h"
#include "fuzzers/harness/server_command_line.h"
#include "http_connection.h"

// Provided by AFL++'s runtime when built with afl-clang-fast.
extern "C" void __afl_manual_init(void) __attribute__((weak));

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using iotfuzz::beast_targets::DeviceApi;

// The secret of beast_http_request_fuzzer: seeds carry the tokens it yields.
constexpr uint64_t kTokenSecret = 0x10cc0ffee5eed001ULL;

constexpr char kUsage[] =
    "usage: beast_device_server [--bind ADDR] [--port] PORT\n"
    "  serves the device's REST API over HTTP/1.1 on TCP ADDR:PORT (default ADDR 127.0.0.1)\n";

}  // namespace

int main(int argc, char** argv) {
  const iotfuzz_server_command_line cl =
      iotfuzz_server_parse_command_line(argc, argv, "beast_device_server", nullptr, kUsage);
  const std::string bind_addr = cl.bind_addr;
  const int port = cl.port;
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(bind_addr, ec);
  if (ec) {
    std::fprintf(stderr, "beast_device_server: --bind %s: not an IPv4 or IPv6 address\n", bind_addr.c_str());
    return 2;
  }
  // A client may close before its response is written.
  signal(SIGPIPE, SIG_IGN);

  asio::io_context ioc{1};
  tcp::acceptor acceptor(ioc);
  const tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "beast_device_server: listen on tcp %s:%d: %s\n", bind_addr.c_str(), port,
                 ec.message().c_str());
    return 2;
  }
  std::fprintf(stderr, "beast_device_server: serving HTTP on tcp %s:%d\n", bind_addr.c_str(), port);

  // Fork point of AFL++'s deferred forkserver: everything above is done once.
  if (__afl_manual_init) {
    ioc.notify_fork(asio::execution_context::fork_prepare);
    __afl_manual_init();
    ioc.notify_fork(asio::execution_context::fork_child);
  }

  for (;;) {
    tcp::socket socket(ioc);
    acceptor.accept(socket, ec);
    if (ec) {
      // Transient (a connection reset while queued, no descriptors left):
      // the next one may do.
      if (ec == asio::error::interrupted || ec == asio::error::connection_aborted ||
          ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
        continue;
      }
      std::fprintf(stderr, "beast_device_server: accept: %s\n", ec.message().c_str());
      return 1;
    }
    socket.set_option(tcp::no_delay(true), ec);
    DeviceApi api(kTokenSecret);
    iotfuzz::beast_targets::ServeHttpConnection(socket, api);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }
}
