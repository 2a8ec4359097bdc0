#include "fuzzers/engine/stop_signal.h"

#include <poll.h>

#include <catch2/catch.hpp>
#include <csignal>

namespace iotfuzz {
namespace {

TEST_CASE("SIGINT and SIGTERM become counted stop requests that wake a poll") {
  StopSignal stop;
  CHECK_FALSE(stop.requested());
  std::raise(SIGINT);
  CHECK(stop.requested());
  CHECK(stop.last_signal() == SIGINT);
  pollfd fd{stop.wake_fd(), POLLIN, 0};
  CHECK(::poll(&fd, 1, 0) == 1);
  stop.Drain();
  CHECK(::poll(&fd, 1, 0) == 0);
  std::raise(SIGTERM);
  CHECK(stop.count() == 2);
  CHECK(stop.last_signal() == SIGTERM);
}

TEST_CASE("The previous signal handlers come back when the stop signal goes") {
  auto* previous = std::signal(SIGTERM, SIG_IGN);
  { StopSignal stop; }
  CHECK(std::signal(SIGTERM, previous) == SIG_IGN);
}

TEST_CASE("A fresh stop signal starts with no requests") {
  {
    StopSignal stop;
    stop.Request(SIGINT);
  }
  StopSignal again;
  CHECK_FALSE(again.requested());
}

}  // namespace
}  // namespace iotfuzz
