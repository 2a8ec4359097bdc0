// SIGINT, SIGTERM and SIGHUP turned into a stop request that a polling loop
// can see.
#ifndef IOTFUZZ_FUZZERS_ENGINE_STOP_SIGNAL_H_
#define IOTFUZZ_FUZZERS_ENGINE_STOP_SIGNAL_H_

namespace iotfuzz {

// While an instance lives, SIGINT, SIGTERM and SIGHUP (a closed terminal)
// no longer end iotfuzz: they are counted, and wake_fd() becomes readable so a poll() loop wakes up
// at once. The previous handlers are restored on destruction. Only one instance may exist at a time
// (signal handlers are process-wide).
class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Signals received so far (a second Ctrl-C means "stop now").
  int count() const;
  bool requested() const { return count() > 0; }
  // The last signal received, 0 if none.
  int last_signal() const;

  // Readable after a signal; poll it, then Drain() it.
  int wake_fd() const;
  void Drain();

  // Acts as if `signal` had been received (for tests and programmatic stops).
  void Request(int signal);
};

}  // namespace iotfuzz

#endif  // IOTFUZZ_FUZZERS_ENGINE_STOP_SIGNAL_H_
