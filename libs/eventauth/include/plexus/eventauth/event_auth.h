// The authorization rules of every room version (spec: room versions 1-12, "Authorization
// rules"). checkAuth is the pure rule set: given an event and the state to check it against,
// it says allowed or why not. Selecting that state (auth events, state before the event,
// current state) is the caller's job.
//
// What checkAuth does not do (the caller's job, at "checks performed on receipt of a PDU"):
// signatures of the event itself, including rule "join_authorised_via_users_server: the event
// must be signed by that user's server" (it needs server keys); rejecting events whose auth
// events were rejected; the auth_events selection rules (use checkAuthEventsSelection); the v12
// rule that the create event was itself accepted.
//
// Performance: checkAuth does not copy event content. The power levels are built only when a
// rule needs them; pass a PowerLevelsCache to build them once per (create, PL event) pair when
// checking many events (state replay, iterative auth checks).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/core/result.h"
#include "plexus/eventauth/power_levels.h"
#include "plexus/events/pdu.h"

namespace plexus::eventauth {

// The state an event is authorized against: (type, state_key) -> event.
class AuthState {
 public:
  virtual ~AuthState() = default;
  // The state event for (type, stateKey), or nullptr. Must stay valid during checkAuth.
  virtual const events::Pdu* find(std::string_view type, std::string_view stateKey) const = 0;
};

// An AuthState over a list of events (e.g. an event's auth_events). Lookups scan the list, which
// is short for auth events. When two entries share (type, state_key) the first wins. Null
// entries are skipped.
class AuthEventList final : public AuthState {
 public:
  explicit AuthEventList(std::vector<const events::Pdu*> events) : events_(std::move(events)) {}
  const events::Pdu* find(std::string_view type, std::string_view stateKey) const override;

 private:
  std::vector<const events::Pdu*> events_;
};

// Checks `event` against `state` with the rules of the event's room version. `state` must
// contain the room's create event, also for room version 12 where auth_events no longer list it
// (add it to the AuthEventList yourself). Errors: kForbidden with the rule that failed in the
// message.
Status checkAuth(const events::Pdu& event, const AuthState& state);
// The same, taking power levels from (and adding them to) `cache`.
Status checkAuth(const events::Pdu& event, const AuthState& state, PowerLevelsCache& cache);
// The same with power levels the caller already built; they must come from PowerLevels::fromState
// with the create and m.room.power_levels events of `state` (not checked).
Status checkAuth(const events::Pdu& event, const AuthState& state, const PowerLevels& levels);

struct StateTuple {
  std::string type;
  std::string stateKey;
  friend bool operator==(const StateTuple&, const StateTuple&) = default;
};

// The (type, state_key) pairs an event's auth_events should be chosen from (spec: "Auth events
// selection"): create (not from v12), power levels, sender's member, and for member events the
// target's member, join rules (join, invite, and knock from v7), third-party invite and the
// authorising user's member (v8+). Empty for m.room.create. No duplicates.
std::vector<StateTuple> authStateTuplesFor(const events::Pdu& event);

// Checks an event's auth_events themselves (spec step "considering the event's auth_events"):
// every entry a state event of the same room, no duplicate (type, state_key), nothing outside
// authStateTuplesFor, and the create event present (absent from v12). `authEvents` are the
// events its auth_events name, in order; a null entry (an event not found) is an error. Always
// OK for m.room.create, whose rules do not consider auth_events. Does not allocate on success.
// Errors: kForbidden.
Status checkAuthEventsSelection(const events::Pdu& event,
                                std::span<const events::Pdu* const> authEvents);

}  // namespace plexus::eventauth
