// InMemoryStream: a synchronous stream (Beast's SyncReadStream and
// SyncWriteStream) whose read side is a fixed byte string and whose write
// side appends to a string, so an in-process harness can run the same
// http::read/http::write code a server or client runs on a TCP socket.
//
// Reads deliver at most `segment` bytes each, as TCP delivers a byte stream
// in segments; at the end of the input a read fails with net::error::eof,
// which Beast's read functions turn into http::error::end_of_stream or
// http::error::partial_message. Writes beyond `write_limit` bytes fail with
// net::error::no_buffer_space, like a peer that stopped reading.
#ifndef IOTFUZZ_TARGETS_BEAST_IN_MEMORY_STREAM_H_
#define IOTFUZZ_TARGETS_BEAST_IN_MEMORY_STREAM_H_

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace iotfuzz::beast_targets {

class InMemoryStream {
 public:
  // The minimum IPv4 MSS: a realistic segment size that still splits
  // most messages.
  static constexpr size_t kDefaultSegment = 536;

  InMemoryStream(std::string_view input, size_t segment = kDefaultSegment,
                 size_t write_limit = 1 << 20)
      : input_(input), segment_(segment ? segment : 1), write_limit_(write_limit) {}

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    boost::beast::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, boost::beast::error_code& ec) {
    size_t want = std::min(boost::asio::buffer_size(buffers), segment_);
    if (want == 0) {
      ec = {};
      return 0;
    }
    if (pos_ == input_.size()) {
      ec = boost::asio::error::eof;
      return 0;
    }
    size_t n = boost::asio::buffer_copy(
        buffers, boost::asio::buffer(input_.data() + pos_, std::min(want, input_.size() - pos_)));
    pos_ += n;
    ec = {};
    return n;
  }

  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers) {
    boost::beast::error_code ec;
    size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
    size_t n = boost::asio::buffer_size(buffers);
    if (output_.size() + n > write_limit_) {
      ec = boost::asio::error::no_buffer_space;
      return 0;
    }
    size_t old = output_.size();
    output_.resize(old + n);
    boost::asio::buffer_copy(boost::asio::buffer(output_.data() + old, n), buffers);
    ec = {};
    return n;
  }

  // What was written so far.
  const std::string& output() const { return output_; }
  // Input bytes not yet read.
  size_t remaining() const { return input_.size() - pos_; }

 private:
  std::string_view input_;
  size_t pos_ = 0;
  size_t segment_;
  size_t write_limit_;
  std::string output_;
};

}  // namespace iotfuzz::beast_targets

#endif  // IOTFUZZ_TARGETS_BEAST_IN_MEMORY_STREAM_H_
