// Internal: what every auth rule needs while one event is checked — the event, the state, the
// room's create event and version, the lazily built power levels — and the rule groups that
// live in their own files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/eventauth/event_auth.h"
#include "plexus/eventauth/power_levels.h"
#include "plexus/events/pdu.h"

namespace plexus::eventauth::detail {

class RuleContext {
 public:
  RuleContext(const events::Pdu& event, const AuthState& state, const events::Pdu& create,
              PowerLevelsCache* cache, const PowerLevels* prebuilt)
      : event(event),
        state(state),
        create(create),
        version(event.roomVersion()),
        cache_(cache),
        levels_(prebuilt) {}

  const events::Pdu& event;
  const AuthState& state;
  const events::Pdu& create;
  const events::RoomVersion& version;

  // The room's power levels, built on first use. Errors: a malformed PL event in the state.
  Result<const PowerLevels*> powerLevels();
  // content.membership of the user's m.room.member state event; empty when there is none.
  std::string_view membershipOf(std::string_view userId) const;
  // The state event for (type, stateKey), or nullptr.
  const events::Pdu* stateEvent(std::string_view type, std::string_view stateKey) const {
    return state.find(type, stateKey);
  }

 private:
  PowerLevelsCache* cache_;
  std::optional<PowerLevels> local_;
  const PowerLevels* levels_ = nullptr;
};

// A kForbidden error naming the rule that rejected the event.
Unexpected deny(std::string_view rule, std::string_view reason);

// The event's JSON string member at `key` inside an object value, or empty.
std::string_view stringAt(const json::Object& object, std::string_view key);

// Rule 1: m.room.create.
Status checkCreateEvent(const events::Pdu& event);
// m.room.member rules (v1 rule 5, v8 rule 4, v12 rule 5).
Status checkMemberEvent(RuleContext& ctx);
// The third_party_invite branch of the invite rule.
Status checkThirdPartyInvite(RuleContext& ctx, const json::Value& thirdPartyInvite);
// m.room.power_levels rules, after the generic power-level checks.
Status checkPowerLevelsEvent(RuleContext& ctx, const PowerLevels& current);

}  // namespace plexus::eventauth::detail
