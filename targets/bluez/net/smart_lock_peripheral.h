/*
 * The smart lock as a BLE peripheral for a C program (net/bluez_att_server.c):
 * one ATT connection at a time, served by BlueZ's bt_att and bt_gatt_server
 * with the lock's GATT database (smart_lock_gatt.h), and its event loop
 * (StepMainloop, step_mainloop.h).
 */
#ifndef IOTFUZZ_TARGETS_BLUEZ_NET_SMART_LOCK_PERIPHERAL_H_
#define IOTFUZZ_TARGETS_BLUEZ_NET_SMART_LOCK_PERIPHERAL_H_

#ifdef __cplusplus
extern "C" {
#endif

typedef struct smart_lock_peripheral smart_lock_peripheral;

/* The lock before a connection: a fresh GATT database and lock state
 * (smart_lock_gatt.h). NULL on failure. */
smart_lock_peripheral* smart_lock_new(void);

/* The connection on `att_fd` (one end of a SOCK_SEQPACKET socketpair: one
 * ATT PDU per packet), set up as in the harness: bt_att_new() on the
 * descriptor (closed when the peripheral is freed), the link encrypted with
 * an unauthenticated 16-byte key (security level MEDIUM), a bt_gatt_server
 * offering an ATT_MTU of 517. Once per peripheral. 0 on success, -1 on
 * failure (the descriptor is then left to the caller). */
int smart_lock_connect(smart_lock_peripheral* p, int att_fd);

/* Runs the event loop until nothing is ready: bt_att reads the PDUs waiting
 * on its descriptor and the server answers them. `drain` is called after
 * every round (to take what the server sent from the other end); it returns
 * nonzero if it did something, which runs another round. */
void smart_lock_run_until_idle(smart_lock_peripheral* p, int (*drain)(void* ctx), void* ctx);

/* The client is gone, as at the end of a harness input: pending timers fire
 * once (the ATT transaction timeout passes), then `client_fd` (the other end
 * of the socketpair) is closed, the bearer sees the hang-up, and the bearer,
 * server, database and lock state are freed with the peripheral. */
void smart_lock_disconnect(smart_lock_peripheral* p, int client_fd, int (*drain)(void* ctx), void* ctx);

#ifdef __cplusplus
}
#endif

#endif /* IOTFUZZ_TARGETS_BLUEZ_NET_SMART_LOCK_PERIPHERAL_H_ */
