// The authorization rules of every room version (spec: room versions 1-12, "Authorization
// rules"). checkAuth is the pure rule set: given an event and the state to check it against,
// it says allowed or why not. Selecting that state (auth events, state before the event,
// current state) is the caller's job.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/events/pdu.h"

namespace plexus::eventauth {

// The state an event is authorized against: (type, state_key) -> event.
class AuthState {
 public:
  virtual ~AuthState() = default;
  // The state event for (type, stateKey), or nullptr. Must stay valid during checkAuth.
  virtual const events::Pdu* find(std::string_view type, std::string_view stateKey) const = 0;
};

// An AuthState over a list of events (e.g. an event's auth_events).
class AuthEventList final : public AuthState {
 public:
  explicit AuthEventList(std::vector<const events::Pdu*> events) : events_(std::move(events)) {}
  const events::Pdu* find(std::string_view type, std::string_view stateKey) const override;

 private:
  std::vector<const events::Pdu*> events_;
};

// Checks `event` against `state` with the rules of the event's room version. Errors: kForbidden
// with the rule that failed in the message.
Status checkAuth(const events::Pdu& event, const AuthState& state);

struct StateTuple {
  std::string type;
  std::string stateKey;
  friend bool operator==(const StateTuple&, const StateTuple&) = default;
};

// The (type, state_key) pairs an event's auth_events should be chosen from (spec: "Auth events
// selection"): create (not from v12), power levels, sender's member, and for member events the
// target's member, join rules, third-party invite and the authorising user's member.
std::vector<StateTuple> authStateTuplesFor(const events::Pdu& event);

// Checks an event's auth_events themselves (spec step "considering the event's auth_events"):
// no duplicate (type, state_key), nothing outside authStateTuplesFor, and the create event
// present (absent from v12). `authEvents` are the events its auth_events name, in order.
Status checkAuthEventsSelection(const events::Pdu& event, std::span<const events::Pdu* const> authEvents);

}  // namespace plexus::eventauth
