// StepMainloop: see step_mainloop.h. The extern "C" functions below are the
// part of src/shared/mainloop.h that io-mainloop.c and timeout-mainloop.c use.
#include "step_mainloop.h"

#include <poll.h>
#include <sys/epoll.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

extern "C" {
#include "src/shared/mainloop.h"
}

namespace iotfuzz::bluez {
namespace {

struct FdWatch {
  uint32_t events;
  mainloop_event_func callback;
  mainloop_destroy_func destroy;
  void* user_data;
  uint64_t generation;  // tells a watch from a later one on the same fd
};

struct Timer {
  unsigned int msec;
  mainloop_timeout_func callback;
  mainloop_destroy_func destroy;
  void* user_data;
};

// Timer ids share nothing with descriptors here, but callers only ever pass
// them to the *_timeout functions, so a separate range is enough; it starts
// high so an id is never mistaken for a small descriptor in a debugger.
constexpr int kFirstTimerId = 1 << 20;

struct LoopState {
  std::map<int, FdWatch> fds;  // ordered: dispatch order is by descriptor
  std::map<int, Timer> timers;
  uint64_t next_generation = 1;
  int next_timer_id = kFirstTimerId;
};

LoopState& State() {
  static LoopState* state = new LoopState();  // never destroyed: used until exit
  return *state;
}

short PollEvents(uint32_t epoll_events) {
  short events = 0;
  if (epoll_events & EPOLLIN) events |= POLLIN;
  if (epoll_events & EPOLLOUT) events |= POLLOUT;
  if (epoll_events & EPOLLRDHUP) events |= POLLRDHUP;
  return events;
}

uint32_t EpollEvents(short revents) {
  uint32_t events = 0;
  if (revents & POLLIN) events |= EPOLLIN;
  if (revents & POLLOUT) events |= EPOLLOUT;
  if (revents & POLLRDHUP) events |= EPOLLRDHUP;
  if (revents & POLLHUP) events |= EPOLLHUP;
  if (revents & POLLERR) events |= EPOLLERR;
  return events;
}

// One poll over every registered descriptor, then the callbacks of the ready
// ones. A callback may add, modify or remove any watch, so each is looked up
// again (and skipped if it was replaced) before it runs.
size_t DispatchRound() {
  LoopState& state = State();
  std::vector<pollfd> polled;
  std::vector<uint64_t> generations;
  polled.reserve(state.fds.size());
  for (const auto& [fd, watch] : state.fds) {
    polled.push_back(pollfd{fd, PollEvents(watch.events), 0});
    generations.push_back(watch.generation);
  }
  if (polled.empty()) return 0;
  int ready;
  do {
    ready = poll(polled.data(), polled.size(), 0);
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) return 0;

  size_t dispatched = 0;
  for (size_t i = 0; i < polled.size(); ++i) {
    // POLLNVAL: closed while registered; epoll would have dropped it.
    if (polled[i].revents == 0 || (polled[i].revents & POLLNVAL)) continue;
    auto it = state.fds.find(polled[i].fd);
    if (it == state.fds.end() || it->second.generation != generations[i]) continue;
    uint32_t events = EpollEvents(polled[i].revents) &
                      (it->second.events | EPOLLHUP | EPOLLERR);
    if (events == 0) continue;
    FdWatch watch = it->second;
    watch.callback(polled[i].fd, events, watch.user_data);
    ++dispatched;
  }
  return dispatched;
}

}  // namespace

size_t StepMainloop::RunUntilIdle(const RoundHook& hook, size_t max_rounds) {
  size_t callbacks = 0;
  for (size_t round = 0;; ++round) {
    if (round == max_rounds) {
      std::fprintf(stderr,
                   "StepMainloop: still busy after %zu dispatch rounds: the code under "
                   "test does not become idle (livelock)\n",
                   max_rounds);
      std::abort();
    }
    size_t n = DispatchRound();
    callbacks += n;
    bool hook_worked = hook ? hook() : false;
    if (n == 0 && !hook_worked) return callbacks;
  }
}

size_t StepMainloop::FireTimeouts() {
  LoopState& state = State();
  std::vector<int> ids;
  for (const auto& [id, timer] : state.timers) ids.push_back(id);
  size_t fired = 0;
  for (int id : ids) {
    auto it = state.timers.find(id);
    if (it == state.timers.end()) continue;
    Timer timer = it->second;
    timer.callback(id, timer.user_data);
    ++fired;
  }
  return fired;
}

size_t StepMainloop::registered_fds() { return State().fds.size(); }
size_t StepMainloop::pending_timeouts() { return State().timers.size(); }

size_t StepMainloop::Reset() {
  LoopState& state = State();
  size_t removed = 0;
  while (!state.fds.empty()) {
    mainloop_remove_fd(state.fds.begin()->first);
    ++removed;
  }
  while (!state.timers.empty()) {
    mainloop_remove_timeout(state.timers.begin()->first);
    ++removed;
  }
  state.next_timer_id = kFirstTimerId;
  return removed;
}

}  // namespace iotfuzz::bluez

using iotfuzz::bluez::FdWatch;
using iotfuzz::bluez::State;
using iotfuzz::bluez::Timer;

extern "C" {

int mainloop_add_fd(int fd, uint32_t events, mainloop_event_func callback, void* user_data,
                    mainloop_destroy_func destroy) {
  if (fd < 0 || !callback) return -EINVAL;
  auto& state = State();
  if (state.fds.count(fd)) return -EEXIST;
  state.fds[fd] = FdWatch{events, callback, destroy, user_data, state.next_generation++};
  return 0;
}

int mainloop_modify_fd(int fd, uint32_t events) {
  auto& state = State();
  auto it = state.fds.find(fd);
  if (it == state.fds.end()) return -ENXIO;
  it->second.events = events;
  return 0;
}

int mainloop_remove_fd(int fd) {
  auto& state = State();
  auto it = state.fds.find(fd);
  if (it == state.fds.end()) return -ENXIO;
  FdWatch watch = it->second;
  state.fds.erase(it);
  if (watch.destroy) watch.destroy(watch.user_data);
  return 0;
}

int mainloop_add_timeout(unsigned int msec, mainloop_timeout_func callback, void* user_data,
                         mainloop_destroy_func destroy) {
  if (!callback) return -EINVAL;
  auto& state = State();
  int id = state.next_timer_id++;
  state.timers[id] = Timer{msec, callback, destroy, user_data};
  return id;
}

int mainloop_modify_timeout(int id, unsigned int msec) {
  auto& state = State();
  auto it = state.timers.find(id);
  if (it == state.timers.end()) return -EIO;
  if (msec > 0) it->second.msec = msec;
  return 0;
}

int mainloop_remove_timeout(int id) {
  auto& state = State();
  auto it = state.timers.find(id);
  if (it == state.timers.end()) return -ENXIO;
  Timer timer = it->second;
  state.timers.erase(it);
  if (timer.destroy) timer.destroy(timer.user_data);
  return 0;
}

}  // extern "C"
