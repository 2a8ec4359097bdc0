// See libcoap_internals.h.

#include "coap3/coap_internal.h"

#include "libcoap_internals.h"

static libcoap_read_fn g_read;
static libcoap_send_fn g_send;
static coap_address_t g_remote;

size_t libcoap_max_pdu_rx_size(void) { return COAP_DEFAULT_MAX_PDU_RX_SIZE; }

size_t libcoap_pdu_parse_header_size(coap_proto_t proto, const uint8_t* data) {
  return coap_pdu_parse_header_size(proto, data);
}

size_t libcoap_pdu_parse_size(coap_proto_t proto, const uint8_t* data, size_t length) {
  return coap_pdu_parse_size(proto, data, length);
}

// Same contract as coap_network_read(): only when the socket is readable,
// clearing the flag; fills the payload, its length and the sender's address.
static ssize_t read_hook(coap_socket_t* sock, coap_packet_t* packet) {
  if ((sock->flags & COAP_SOCKET_CAN_READ) == 0) return -1;
  sock->flags &= ~COAP_SOCKET_CAN_READ;
  ptrdiff_t len = g_read(packet->payload, COAP_RXBUFFER_SIZE);
  if (len < 0) return -1;
  packet->length = (size_t)len;
  coap_address_copy(&packet->addr_info.remote, &g_remote);
  packet->ifindex = 0;
  return len;
}

static ssize_t send_hook(coap_socket_t* sock, const coap_session_t* session, const uint8_t* data,
                         size_t datalen) {
  (void)sock;
  (void)session;
  return g_send(data, datalen);
}

void libcoap_set_network(coap_context_t* ctx, libcoap_read_fn read, libcoap_send_fn send,
                         const coap_address_t* remote) {
  g_read = read;
  g_send = send;
  coap_address_copy(&g_remote, remote);
  ctx->network_read = read_hook;
  ctx->network_send = send_hook;
}

void libcoap_receive_on_endpoint(coap_context_t* ctx, coap_endpoint_t* ep) {
  coap_tick_t now;
  ep->sock.flags |= COAP_SOCKET_CAN_READ;
  coap_ticks(&now);
  coap_io_do_io(ctx, now);
  coap_check_notify(ctx);
}

void libcoap_release_resource_userdata(coap_context_t* ctx, void (*release)(void*)) {
  RESOURCES_ITER(ctx->resources, r) {
    void* data = coap_resource_get_userdata(r);
    if (data) {
      coap_resource_set_userdata(r, NULL);
      release(data);
    }
  }
}

int libcoap_endpoint_fd(const coap_endpoint_t* ep) { return ep->sock.fd; }
