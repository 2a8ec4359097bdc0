// Runs one session against a live server: the input (the sent messages of a
// grammar session, as one byte string — the session container that in-process
// harnesses take too) is split into its messages; each is completed with the
// values bound so far (`use`), sent, and answered: the executor reads until
// the server is done with the message — it went back to sleep after being
// woken, closed the connection, or (black-box) fell quiet — never a fixed
// wait. Responses are framed and parsed with the session's recv rules; their
// `bind`s feed later messages and their `state(...)` fields make the
// session's response-state sequence.
#ifndef IOTFUZZ_FUZZERS_NET_SESSION_RUNNER_H_
#define IOTFUZZ_FUZZERS_NET_SESSION_RUNNER_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzzers/grammar/grammar.h"
#include "fuzzers/grammar/input_parser.h"
#include "fuzzers/grammar/serializer.h"
#include "fuzzers/grammar/session_binder.h"
#include "fuzzers/net/connection.h"

namespace iotfuzz::net {

struct SessionTimeouts {
  // A server that neither answers, sleeps nor closes this long after a
  // message is hanging.
  std::chrono::milliseconds hang{1000};
  // Black-box (no process to watch): how long to wait for a first response
  // byte, and the silence after the last one that ends a response.
  std::chrono::milliseconds first_response{100};
  std::chrono::milliseconds quiet{5};
  // The fixed waits of AFLNet-style executors, for comparison in benchmarks:
  // a pause after connecting, and after each message reading until nothing
  // arrives for `fixed_receive` (server activity ignored).
  bool fixed_waits = false;
  // After the server is done with a message, keep reading until nothing
  // has arrived for this long (0: stop at once). Replays use it: their
  // transcript matters more than their speed.
  std::chrono::milliseconds linger{0};
  std::chrono::milliseconds fixed_connect{10};
  std::chrono::milliseconds fixed_receive{1};
};

struct Response {
  std::string bytes;
  size_t connection = 0;  // index into SessionResult::connection_names (0 with one connection)
  std::string rule;   // recv rule it parsed as; empty when none explains it
  std::string state;  // "rule" or "rule:value" from the step's state(FIELD)
  bool accepts = false;  // a recv step says this answer accepts the message (`accepts`)
};

struct MessageExchange {
  std::string sent;
  size_t connection = 0;  // the connection it went over
  std::string rule;  // sent rule; empty for bytes the grammar cannot explain
  std::vector<Response> responses;
  std::chrono::microseconds elapsed{0};
  // The message is invalid input a peer must reject: a field marked
  // `must_reject` lies (its name and value), or an item marked `must_reject`
  // is present (its name; `invalid_present`); empty otherwise.
  std::string invalid_field;
  uint64_t invalid_value = 0;
  bool invalid_present = false;
  // It went over a new connection, opened because the server had closed the
  // one before (SessionRunner::set_reconnect).
  bool reconnected = false;
};

struct SessionResult {
  enum class End {
    kCompleted,       // every message sent and answered (or not) in time
    kClosedByServer,  // the server closed or reset the connection early
    kHang,            // no answer, no sleep, no close within the hang timeout
    kServerGone,      // the server process ended during the session
  };
  End end = End::kCompleted;
  std::vector<MessageExchange> exchanges;
  size_t messages_in_input = 0;
  // State of each response in order (what `state(...)` says, see Response).
  std::vector<std::string> states;
  std::chrono::microseconds elapsed{0};
  // Validation oracle: the first message that was invalid input (a
  // `must_reject` field lying) and was answered with an accepting response;
  // -1 when none.
  int invalid_accepted = -1;
  bool closed_by_server = false;  // the server closed the connection (even after the last message)
  size_t reconnects = 0;          // connections opened again after the server closed them
  // The session's connections by index (`connection NAME { ... }`); empty
  // for a session of one connection.
  std::vector<std::string> connection_names;
};

const char* EndName(SessionResult::End end);

class SessionRunner {
 public:
  SessionRunner(const grammar::Grammar& grammar, const grammar::Session& session, Transport transport,
                SessionTimeouts timeouts = {});

  // Runs `input` over `connections` (connection 0 open already; the others
  // of a session with several are opened when a message first goes over
  // them). `activity` watches the server process; invalid means black-box.
  SessionResult Run(std::string_view input, ConnectionSet& connections, const ServerActivity& activity,
                    size_t max_messages = 256);
  // When the server closes a connection before the session's last message,
  // the next message for it opens a new one instead of ending the session
  // (an HTTP client after `Connection: close`, an MQTT client connecting
  // again to its kept session). Off: the session ends there.
  void set_reconnect(bool reconnect) { reconnect_ = reconnect; }

 private:
  struct Parsed {
    size_t length = 0;
    const grammar::Rule* rule = nullptr;
    grammar::RuleId rule_id = grammar::kNone;
  };
  enum class Wait { kDone, kClosed, kHang, kGone };
  // What arrived on one connection and is not yet taken as responses.
  struct Inbox {
    std::string received;
    std::vector<size_t> datagrams;  // UDP: the size of each datagram in `received`
  };
  // `mark`: the server's run count before the send, or with a switch watch
  // (ServerActivity::watches_switches) its switch count.
  Wait AwaitAnswer(ConnectionSet& connections, size_t current, const ServerActivity& activity, uint64_t mark);
  Wait AwaitSwitch(ConnectionSet& connections, size_t current, const ServerActivity& activity,
                   uint64_t switches_before_send);
  // After the server is done with a message: reads its connection until
  // nothing has arrived for timeouts_.linger (0: what is there now), then
  // what the other connections hold.
  Wait Linger(ConnectionSet& connections, size_t current);
  // Appends what connection `k` holds without waiting; kClosed marks it
  // closed.
  Connection::ReadResult Drain(ConnectionSet& connections, size_t k);
  // Reads without waiting what the connections other than `current` hold;
  // true when anything arrived.
  bool ReadOthers(ConnectionSet& connections, size_t current);
  bool WaitAsleep(const ServerActivity& activity);
  void TakeResponses(size_t connection, bool final, MessageExchange& exchange, SessionResult& result);
  bool ParseResponse(std::string_view bytes, bool whole, Response& response, size_t& length);
  std::string MessageBytes(grammar::Tree& tree, grammar::NodeId message, bool& is_raw);

  const grammar::Grammar& g_;
  const grammar::Session& session_;
  Transport transport_;
  SessionTimeouts timeouts_;
  bool reconnect_ = false;
  grammar::InputParser parser_;
  grammar::Serializer serializer_;
  grammar::SessionBinder binder_;
  grammar::SessionBinder::Variables variables_;
  std::vector<grammar::RuleId> response_rules_;  // recv rules, then sent ones (resync)
  std::vector<grammar::ExprId> state_fields_;     // per response rule, kNone when none
  std::vector<const grammar::SessionStep*> accept_steps_;  // per response rule, null when none
  grammar::ParseResult parse_;          // responses
  grammar::ParseResult best_parse_;     // the response rule that explains them best so far
  grammar::PrefixMatch prefix_;         // the same for a response at the front of a stream
  grammar::PrefixMatch best_prefix_;
  grammar::ParseResult session_parse_;  // the session input being sent
  grammar::Tree message_tree_;          // one message, to serialize it alone
  std::vector<Inbox> inboxes_;          // per connection
  // Per first byte of a response: the rule that explained it last time,
  // tried first (+1; 0 = none yet).
  std::vector<uint16_t> rule_hint_ = std::vector<uint16_t>(256, 0);
};

}  // namespace iotfuzz::net

#endif  // IOTFUZZ_FUZZERS_NET_SESSION_RUNNER_H_
