// libcoap 4.3.1: parsing of received CoAP messages, for both framings the
// library reads.
//
// Input: one selector byte, then the bytes as received.
//   selector bit 0 = 0: one UDP datagram (RFC 7252 framing), parsed as
//                       coap_handle_dgram() does: runts under 4 bytes are
//                       dropped, the PDU is sized for a default session's MTU;
//   selector bit 0 = 1: a TCP byte stream (RFC 8323 framing), cut into PDUs as
//                       coap_read_session() does: the first byte gives the
//                       header length (coap_pdu_parse_header_size), the header
//                       the body length (coap_pdu_parse_size), PDUs above
//                       COAP_DEFAULT_MAX_PDU_RX_SIZE end the stream, a PDU cut
//                       by the end of the input is never dispatched.
// Every PDU that parses is then read the way a receiver reads it: each option
// through the option iterator and decoded as an integer, Block1/Block2, the
// payload, the Uri-Path and Uri-Query strings, and the debug dump of the
// whole PDU (coap_show_pdu at LOG_DEBUG, written to a log handler that
// discards it).

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <coap3/coap.h>

#include "libcoap_internals.h"

namespace {

void DiscardLog(coap_log_t, const char*) {}

// Keeps the compiler from discarding reads whose only effect is that
// AddressSanitizer checks them.
volatile uint64_t g_sink;
void Touch(uint64_t v) { g_sink = g_sink ^ v; }

void ReadLikeAReceiver(const coap_pdu_t* pdu) {
  coap_opt_iterator_t it;
  if (coap_option_iterator_init(pdu, &it, COAP_OPT_ALL)) {
    while (coap_opt_t* opt = coap_option_next(&it)) {
      const uint8_t* value = coap_opt_value(opt);
      uint32_t length = coap_opt_length(opt);
      Touch(it.number + coap_decode_var_bytes8(value, length));
      if (length) Touch(value[length - 1]);
    }
  }
  coap_block_t block;
  if (coap_get_block(pdu, COAP_OPTION_BLOCK1, &block)) Touch(block.num + block.szx);
  if (coap_get_block(pdu, COAP_OPTION_BLOCK2, &block)) Touch(block.num + block.szx);

  size_t len = 0;
  const uint8_t* data = nullptr;
  if (coap_get_data(pdu, &len, &data) && len) Touch(data[0] + data[len - 1]);

  if (coap_string_t* path = coap_get_uri_path(pdu)) {
    Touch(path->length);
    coap_delete_string(path);
  }
  if (coap_string_t* query = coap_get_query(pdu)) {
    Touch(query->length);
    coap_delete_string(query);
  }
  coap_show_pdu(LOG_DEBUG, pdu);
}

void ParseDatagram(const uint8_t* msg, size_t size) {
  if (size > COAP_RXBUFFER_SIZE) size = COAP_RXBUFFER_SIZE;  // the receive buffer cuts longer datagrams
  if (size < 4) return;  // coap_handle_dgram drops runts
  coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_EMPTY_CODE, 0, COAP_DEFAULT_MTU - 4);
  if (!pdu) return;
  if (coap_pdu_parse(COAP_PROTO_UDP, msg, size, pdu)) ReadLikeAReceiver(pdu);
  coap_delete_pdu(pdu);
}

void ParseStream(const uint8_t* stream, size_t size) {
  size_t pos = 0;
  while (pos < size) {
    const uint8_t* start = stream + pos;
    size_t remaining = size - pos;
    size_t hdr_size = libcoap_pdu_parse_header_size(COAP_PROTO_TCP, start);
    if (hdr_size == 0 || hdr_size > remaining) return;
    size_t body_size = libcoap_pdu_parse_size(COAP_PROTO_TCP, start, hdr_size);
    if (body_size > libcoap_max_pdu_rx_size()) return;  // the session disconnects
    if (body_size > remaining - hdr_size) return;          // never completed
    coap_pdu_t* pdu = coap_pdu_init(COAP_MESSAGE_CON, COAP_EMPTY_CODE, 0, libcoap_max_pdu_rx_size());
    if (!pdu) return;
    if (coap_pdu_parse(COAP_PROTO_TCP, start, hdr_size + body_size, pdu)) ReadLikeAReceiver(pdu);
    coap_delete_pdu(pdu);
    pos += hdr_size + body_size;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  coap_startup();
  coap_set_log_handler(DiscardLog);
  coap_set_log_level(LOG_DEBUG);
  coap_set_show_pdu_output(0);  // through the log handler, not stderr
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 70000) return 0;
  // A copy of exactly the message's size, as a socket read hands it over.
  size_t len = size - 1;
  uint8_t* msg = new uint8_t[len ? len : 1];
  if (len) std::memcpy(msg, data + 1, len);
  if (data[0] & 1) {
    ParseStream(msg, len);
  } else {
    ParseDatagram(msg, len);
  }
  delete[] msg;
  return 0;
}
