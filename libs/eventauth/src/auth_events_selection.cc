// Auth events selection (spec: server-server API "Auth events selection") and the checks on an
// event's auth_events list (rule "considering the event's auth_events").
#include "plexus/eventauth/event_auth.h"
#include "rule_context.h"

namespace plexus::eventauth {

namespace {

bool isMember(const events::Pdu& event) { return event.type() == "m.room.member"; }

// SPEC: join rules matter for join and invite; also for knock (v7+), whose rule reads them.
bool needsJoinRules(const events::Pdu& event) {
  const auto membership = event.membership();
  if (!membership) return false;
  return *membership == "join" || *membership == "invite" ||
         (event.roomVersion().knocking && *membership == "knock");
}

// content.third_party_invite.signed.token of an invite, or nullopt.
std::optional<std::string_view> thirdPartyToken(const events::Pdu& event) {
  if (event.membership() != std::optional<std::string_view>("invite")) return std::nullopt;
  const json::Value* invite = event.content().find("third_party_invite");
  const json::Value* signedBlock = invite != nullptr ? invite->get("signed") : nullptr;
  if (signedBlock == nullptr) return std::nullopt;
  return signedBlock->getStringAt("token");
}

std::optional<std::string_view> authoriser(const events::Pdu& event) {
  if (!event.roomVersion().restrictedJoins) return std::nullopt;
  const std::string_view user =
      detail::stringAt(event.content(), "join_authorised_via_users_server");
  if (user.empty()) return std::nullopt;
  return user;
}

// Whether (type, stateKey) is one of the pairs authStateTuplesFor(event) lists, without
// building that list.
bool isSelectable(const events::Pdu& event, std::string_view type, std::string_view stateKey) {
  if (type == "m.room.create")
    return stateKey.empty() && !event.roomVersion().roomIdFromCreateEvent;
  if (type == "m.room.power_levels") return stateKey.empty();
  if (type == "m.room.member") {
    if (stateKey == event.sender()) return true;
    if (!isMember(event)) return false;
    if (event.stateKey() == stateKey) return true;
    return authoriser(event) == stateKey;
  }
  if (!isMember(event)) return false;
  if (type == "m.room.join_rules") return stateKey.empty() && needsJoinRules(event);
  if (type == "m.room.third_party_invite") return thirdPartyToken(event) == stateKey;
  return false;
}

}  // namespace

std::vector<StateTuple> authStateTuplesFor(const events::Pdu& event) {
  std::vector<StateTuple> tuples;
  if (event.type() == "m.room.create") return tuples;
  auto add = [&tuples](std::string_view type, std::string_view stateKey) {
    for (const StateTuple& t : tuples) {
      if (t.type == type && t.stateKey == stateKey) return;
    }
    tuples.push_back({std::string(type), std::string(stateKey)});
  };
  if (!event.roomVersion().roomIdFromCreateEvent) add("m.room.create", "");
  add("m.room.power_levels", "");
  add("m.room.member", event.sender());
  if (!isMember(event)) return tuples;
  if (auto target = event.stateKey()) add("m.room.member", *target);
  if (needsJoinRules(event)) add("m.room.join_rules", "");
  if (auto token = thirdPartyToken(event)) add("m.room.third_party_invite", *token);
  if (auto user = authoriser(event)) add("m.room.member", *user);
  return tuples;
}

Status checkAuthEventsSelection(const events::Pdu& event,
                                std::span<const events::Pdu* const> authEvents) {
  using detail::deny;
  if (event.type() == "m.room.create") return {};
  bool haveCreate = false;
  for (std::size_t i = 0; i < authEvents.size(); ++i) {
    const events::Pdu* authEvent = authEvents[i];
    if (authEvent == nullptr) return deny("auth events", "an auth event is missing");
    const auto stateKey = authEvent->stateKey();
    if (!stateKey) return deny("auth events", "an auth event is not a state event");
    if (authEvent->roomId() != event.roomId()) {
      return deny("auth events", "an auth event belongs to another room");
    }
    const std::string_view type = authEvent->type();
    for (std::size_t j = 0; j < i; ++j) {
      if (authEvents[j]->type() == type && authEvents[j]->stateKey() == stateKey) {
        return deny("auth events", "duplicate entries for one (type, state_key)");
      }
    }
    if (!isSelectable(event, type, *stateKey)) {
      return deny("auth events", "an entry the auth events selection does not allow");
    }
    haveCreate = haveCreate || type == "m.room.create";
  }
  if (!event.roomVersion().roomIdFromCreateEvent && !haveCreate) {
    return deny("auth events", "no m.room.create event among the auth events");
  }
  return {};
}

}  // namespace plexus::eventauth
