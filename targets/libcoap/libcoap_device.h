// The resources of the small sensor/actuator device that libcoap serves,
// shared by the in-process harness (libcoap_server_fuzzer.cc) and the
// network-mode server (net/libcoap_device_server.c):
//   sensors/temperature   GET, observable; new_reading() changes the value
//                         and notifies the observers
//   actuators/led         GET, PUT "on"/"off" (4.00 otherwise), POST toggles;
//                         observable, notified on change
//   config                GET (a 1.5 KiB JSON document: Block2), PUT (up to
//                         4 KiB, reassembled from Block1 by libcoap), DELETE
//   firmware/manifest     GET, 3 KiB text with an ETag (Block2)
//   data/<name>           PUT to an unknown path creates a resource (up to 8),
//                         GET reads it, DELETE removes it
//   /.well-known/core     served by libcoap from the resources' attributes
// C linkage, so a C program can serve them; one device at a time.
#ifndef IOTFUZZ_TARGETS_LIBCOAP_LIBCOAP_DEVICE_H_
#define IOTFUZZ_TARGETS_LIBCOAP_LIBCOAP_DEVICE_H_

#include <coap3/coap.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct libcoap_device libcoap_device;

// The device in its initial state, its resources added to `ctx`.
libcoap_device* libcoap_device_create(coap_context_t* ctx);

// The sensor takes a new reading (`index`: the count of datagrams so far,
// which decides the step) and the temperature's observers are notified.
void libcoap_device_new_reading(libcoap_device* device, unsigned index);

// Frees the device and the bodies of its data/<name> resources; the context
// (and with it the resources) is freed by the caller afterwards.
void libcoap_device_destroy(libcoap_device* device, coap_context_t* ctx);

#ifdef __cplusplus
}
#endif

#endif  // IOTFUZZ_TARGETS_LIBCOAP_LIBCOAP_DEVICE_H_
