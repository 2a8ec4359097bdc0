// The parts of libcoap 4.3.1's receive path that only its internal headers
// declare, for the harnesses (C++, which cannot include those headers: they
// use `class` as a parameter name). Implemented in libcoap_internals.c, a C
// file compiled with the library's own headers.
#ifndef IOTFUZZ_TARGETS_LIBCOAP_LIBCOAP_INTERNALS_H_
#define IOTFUZZ_TARGETS_LIBCOAP_LIBCOAP_INTERNALS_H_

#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#ifdef __cplusplus
extern "C" {
#endif

// COAP_DEFAULT_MAX_PDU_RX_SIZE: above it coap_read_session() drops a TCP
// session instead of allocating the PDU.
size_t libcoap_max_pdu_rx_size(void);

// coap_pdu_parse_header_size() and coap_pdu_parse_size(): the first byte of a
// TCP-framed PDU gives the header length, the header the body length.
size_t libcoap_pdu_parse_header_size(coap_proto_t proto, const uint8_t* data);
size_t libcoap_pdu_parse_size(coap_proto_t proto, const uint8_t* data, size_t length);

// Callbacks replacing a context's network_read and network_send.
//   read: copies the next datagram (at most `capacity` bytes) to `payload`,
//         returns its length, or -1 when there is none;
//   send: receives every datagram the context sends; returns `len`.
typedef ptrdiff_t (*libcoap_read_fn)(uint8_t* payload, size_t capacity);
typedef ptrdiff_t (*libcoap_send_fn)(const uint8_t* data, size_t len);

// Installs `read` and `send` as the network_read/network_send of `ctx`: the
// library then receives and sends through them instead of its sockets.
// Datagrams read come from `remote` (a copy is kept).
void libcoap_set_network(coap_context_t* ctx, libcoap_read_fn read, libcoap_send_fn send,
                         const coap_address_t* remote);

// Marks the endpoint's socket readable, as coap_io_prepare_io() does when
// select() reports data, then runs the library's I/O step coap_io_do_io():
// coap_read_endpoint() reads one datagram through network_read, finds or
// creates the sender's session and hands the datagram to coap_handle_dgram().
// Then coap_check_notify() sends pending Observe notifications, as the next
// turn of the I/O loop would.
void libcoap_receive_on_endpoint(coap_context_t* ctx, coap_endpoint_t* ep);

// Frees the user data of every resource of `ctx` with `release` (libcoap
// 4.3.1 never releases resource user data itself).
void libcoap_release_resource_userdata(coap_context_t* ctx, void (*release)(void*));

// The socket of a UDP endpoint (for a server's own event loop to wait on).
int libcoap_endpoint_fd(const coap_endpoint_t* ep);

#ifdef __cplusplus
}
#endif

#endif  // IOTFUZZ_TARGETS_LIBCOAP_LIBCOAP_INTERNALS_H_
