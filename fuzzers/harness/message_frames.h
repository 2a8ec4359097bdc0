// iotfuzz message frames: the container in which an in-process harness
// receives a session of several messages in one fuzz input.
//
// Format: a sequence of frames, each
//   u16 little-endian length, then that many bytes of one message
// (a UDP datagram, an ATT PDU, one MQTT packet on one connection...).
// Every byte string is a valid container: a frame whose length runs past the
// end of the input is cut to the bytes that remain, and a single byte left
// over at the end is ignored. A grammar describes the container as
//   start = frame*;
//   frame = (len: u16le = length(message)) (message: some_message);
// so message-level mutations (insert, delete, duplicate, reorder) are list
// mutations of `frame*`.
//
// A session over several connections (an MQTT subscriber and a publisher;
// `connection NAME { ... }` in a grammar session) prefixes each frame with
// the index of the connection its message goes over:
//   u8 connection, u16 little-endian length, that many bytes of one message
// read with ConnectionFrameReader. Header-only and free of dependencies, so harnesses
// in any build variant can include it.
#ifndef IOTFUZZ_HARNESS_MESSAGE_FRAMES_H_
#define IOTFUZZ_HARNESS_MESSAGE_FRAMES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>

namespace iotfuzz::harness {

// Walks the frames of one input without copying.
class MessageFrameReader {
 public:
  MessageFrameReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // The next message, or false at the end of the input.
  bool Next(std::span<const uint8_t>& message) {
    if (size_ - pos_ < 2) return false;
    size_t len = static_cast<size_t>(data_[pos_]) | (static_cast<size_t>(data_[pos_ + 1]) << 8);
    pos_ += 2;
    if (len > size_ - pos_) len = size_ - pos_;
    message = std::span<const uint8_t>(data_ + pos_, len);
    pos_ += len;
    return true;
  }

  // Bytes consumed so far.
  size_t position() const { return pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Walks the frames of a session over several connections: each message with
// the index of its connection. An index past the last connection a harness
// serves is for it to map (the network executor takes it modulo the count).
class ConnectionFrameReader {
 public:
  ConnectionFrameReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // The next message and its connection, or false at the end of the input
  // (a connection index with no frame after it is ignored).
  bool Next(uint8_t& connection, std::span<const uint8_t>& message) {
    if (size_ - pos_ < 3) return false;
    connection = data_[pos_];
    MessageFrameReader frame(data_ + pos_ + 1, size_ - pos_ - 1);
    frame.Next(message);
    pos_ += 1 + frame.position();
    return true;
  }

  // Bytes consumed so far.
  size_t position() const { return pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// A message copied into a heap buffer of exactly its size, as a network stack
// hands one over, so AddressSanitizer catches a read one byte past its end.
class ExactBuffer {
 public:
  explicit ExactBuffer(std::span<const uint8_t> message)
      : size_(message.size()), bytes_(new uint8_t[message.empty() ? 1 : message.size()]) {
    if (!message.empty()) std::memcpy(bytes_.get(), message.data(), message.size());
  }
  uint8_t* data() { return bytes_.get(); }
  size_t size() const { return size_; }

 private:
  size_t size_;
  std::unique_ptr<uint8_t[]> bytes_;
};

// Appends one frame to `out`; for seed generators and tests. Messages longer
// than 65535 bytes cannot be framed and are cut.
inline void AppendMessageFrame(std::string& out, std::span<const uint8_t> message) {
  size_t len = message.size() > 0xffff ? 0xffff : message.size();
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  out.append(reinterpret_cast<const char*>(message.data()), len);
}

// Appends one frame of a session over several connections to `out`.
inline void AppendConnectionFrame(std::string& out, uint8_t connection, std::span<const uint8_t> message) {
  out.push_back(static_cast<char>(connection));
  AppendMessageFrame(out, message);
}

}  // namespace iotfuzz::harness

#endif  // IOTFUZZ_HARNESS_MESSAGE_FRAMES_H_
