// StepMainloop: a deterministic implementation of BlueZ's event-loop API
// (src/shared/mainloop.h) for in-process harnesses, linked in place of
// src/shared/mainloop.c.
//
// BlueZ's io (src/shared/io-mainloop.c) and timeout
// (src/shared/timeout-mainloop.c) back ends register file descriptors and
// timers through mainloop_add_fd() and mainloop_add_timeout(). The stock
// mainloop.c blocks in epoll_wait() until mainloop_quit(), and its timers are
// timerfds on the wall clock; a harness needs to run "until nothing is left
// to do" after each message, and needs runs that do not depend on time.
// StepMainloop keeps the same registration semantics (one entry per fd,
// level-triggered EPOLLIN/EPOLLOUT/EPOLLRDHUP, EPOLLHUP and EPOLLERR always
// reported, destroy callbacks on removal) and:
//   - RunUntilIdle() polls the registered descriptors with a zero timeout
//     and dispatches every ready one, again and again until none is ready;
//   - timers never fire on their own: time stands still unless
//     FireTimeouts() is called, so a transaction timeout (ATT's 30 s) never
//     depends on how busy the machine is;
//   - Reset() removes whatever is still registered (calling the destroy
//     callbacks), so every fuzz input starts from the same state.
#ifndef IOTFUZZ_TARGETS_BLUEZ_STEP_MAINLOOP_H_
#define IOTFUZZ_TARGETS_BLUEZ_STEP_MAINLOOP_H_

#include <cstddef>
#include <functional>

namespace iotfuzz::bluez {

class StepMainloop {
 public:
  // Called after each dispatch round that ran at least one callback, e.g. to
  // drain the other end of a socket so the loop never blocks on a full
  // buffer. Returns true if it did something (then another round runs).
  using RoundHook = std::function<bool()>;

  // Dispatches ready descriptors until none is ready (and `hook`, if any,
  // reports nothing done). Returns the number of callbacks run. More than
  // `max_rounds` rounds without becoming idle is a livelock in the code
  // under test: reported on stderr and aborted.
  static size_t RunUntilIdle(const RoundHook& hook = {}, size_t max_rounds = 100000);

  // Runs the callback of every pending timer once, as if its time had come
  // (a timer returning true is re-armed, as in timeout-mainloop.c).
  static size_t FireTimeouts();

  static size_t registered_fds();
  static size_t pending_timeouts();

  // Removes every descriptor and timer still registered, calling their
  // destroy callbacks. Returns how many there were.
  static size_t Reset();
};

}  // namespace iotfuzz::bluez

#endif  // IOTFUZZ_TARGETS_BLUEZ_STEP_MAINLOOP_H_
