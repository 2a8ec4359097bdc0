// ServeHttpConnection: one persistent HTTP/1.1 connection of the device's
// REST API (device_api.h) on a synchronous stream, the way an embedded Beast
// server reads it:
//   1. http::read_header() into a request_parser<empty_body> with the
//      header limit;
//   2. DeviceApi::Plan() decides from the header how to take the body: a
//      request_parser<string_body> built from the header parser (Beast's
//      body-type conversion) with the JSON body limit, or a
//      request_parser<buffer_body> streaming a firmware image through a
//      fixed buffer with the firmware limit; "Expect: 100-continue" gets
//      its interim response before the body is read;
//   3. the answer is written with http::write(); the loop goes on while both
//      sides keep the connection alive and the stream has data.
// Parse errors answer 400 (431 for the header limit, 413 for a body limit)
// and close, as the stream is then out of sync.
#ifndef IOTFUZZ_TARGETS_BEAST_HTTP_CONNECTION_H_
#define IOTFUZZ_TARGETS_BEAST_HTTP_CONNECTION_H_

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cstddef>
#include <utility>

#include "device_api.h"

namespace iotfuzz::beast_targets {

struct ConnectionStats {
  size_t requests = 0;   // requests whose header was read
  size_t responses = 0;  // responses written (interim 100 Continue not counted)
};

template <class SyncStream>
ConnectionStats ServeHttpConnection(SyncStream& stream, DeviceApi& api) {
  namespace beast = boost::beast;
  ConnectionStats stats;
  // Large enough for the header limit plus what follows it in one read.
  beast::flat_buffer buffer(DeviceApi::kHeaderLimit + 4096);

  auto send = [&](ApiResponse& res, bool keep_alive) {
    res.keep_alive(keep_alive);
    beast::error_code ec;
    http::write(stream, res, ec);
    ++stats.responses;
    return !ec && keep_alive && !res.need_eof();
  };
  auto fail = [&](const beast::error_code& ec, unsigned version) {
    http::status status = http::status::bad_request;
    if (ec == http::error::header_limit) status = http::status::request_header_fields_too_large;
    if (ec == http::error::body_limit) status = http::status::payload_too_large;
    ApiResponse res = DeviceApi::Error(status, version, ec.message());
    send(res, false);
  };

  for (;;) {
    beast::error_code ec;
    http::request_parser<http::empty_body> header_parser;
    header_parser.header_limit(DeviceApi::kHeaderLimit);
    http::read_header(stream, buffer, header_parser, ec);
    if (ec == http::error::end_of_stream) return stats;  // clean close between requests
    if (ec) {
      // A partial message at the end of the stream gets no answer.
      if (ec != http::error::partial_message) fail(ec, 11);
      return stats;
    }
    ++stats.requests;
    const http::request_header<>& header = header_parser.get();
    RequestPlan plan = api.Plan(header);
    if (plan.refusal) {
      send(*plan.refusal, false);
      return stats;
    }
    // Beast checks a Content-Length against the body limit when it parses
    // the header, i.e. against the header parser's default limit (1 MiB
    // for requests); the route's own limit is checked here, before any of
    // the body is read.
    if (auto length = header_parser.content_length(); length && *length > plan.body_limit) {
      fail(http::error::body_limit, header.version());
      return stats;
    }
    const bool expects_body = !header_parser.is_done();
    if (expects_body && beast::iequals(header[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, header.version()};
      http::write(stream, go_on, ec);
      if (ec) return stats;
    }

    ApiResponse res;
    const bool keep_alive = header_parser.keep_alive();
    if (plan.body == RequestPlan::Body::kFirmwareStream) {
      http::request_parser<http::buffer_body> parser(std::move(header_parser));
      parser.body_limit(plan.body_limit);
      api.BeginFirmware();
      char chunk[1024];
      while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof(chunk);
        http::read(stream, buffer, parser, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) break;
        api.FirmwareChunk(chunk, sizeof(chunk) - parser.get().body().size);
      }
      if (ec) {
        if (ec != http::error::partial_message) fail(ec, parser.get().version());
        return stats;
      }
      res = api.FinishFirmware(parser.get());
    } else {
      http::request_parser<http::string_body> parser(std::move(header_parser));
      parser.body_limit(plan.body_limit);
      http::read(stream, buffer, parser, ec);
      if (ec) {
        if (ec != http::error::partial_message) fail(ec, parser.get().version());
        return stats;
      }
      http::request<http::string_body> request = parser.release();
      res = api.Handle(request);
    }
    if (!send(res, keep_alive)) return stats;
  }
}

}  // namespace iotfuzz::beast_targets

#endif  // IOTFUZZ_TARGETS_BEAST_HTTP_CONNECTION_H_
