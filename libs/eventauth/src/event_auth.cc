// checkAuth: the rule order shared by every room version, dispatching to the rule groups for
// create, member and power-levels events.
#include "plexus/eventauth/event_auth.h"

#include "identifiers.h"
#include "rule_context.h"

namespace plexus::eventauth {

const events::Pdu* AuthEventList::find(std::string_view type, std::string_view stateKey) const {
  for (const events::Pdu* event : events_) {
    if (event == nullptr || event->type() != type) continue;
    if (auto key = event->stateKey(); key && *key == stateKey) return event;
  }
  return nullptr;
}

namespace detail {

Unexpected deny(std::string_view rule, std::string_view reason) {
  std::string message = "auth rule ";
  message.append(rule).append(": ").append(reason);
  return fail(ErrorCode::kForbidden, std::move(message));
}

std::string_view stringAt(const json::Object& object, std::string_view key) {
  const json::Value* value = object.find(key);
  const std::string* s = value != nullptr ? value->getString() : nullptr;
  return s != nullptr ? std::string_view(*s) : std::string_view();
}

Result<const PowerLevels*> RuleContext::powerLevels() {
  if (levels_ != nullptr) return levels_;
  const events::Pdu* pl = state.find("m.room.power_levels", "");
  if (cache_ != nullptr) {
    auto cached = cache_->get(create, pl);
    if (!cached.ok()) return deny("power levels", cached.error().message);
    levels_ = *cached;
    return levels_;
  }
  auto built = PowerLevels::fromState(create, pl);
  if (!built.ok()) return deny("power levels", built.error().message);
  local_.emplace(std::move(built).value());
  levels_ = &*local_;
  return levels_;
}

std::string_view RuleContext::membershipOf(std::string_view userId) const {
  const events::Pdu* member = state.find("m.room.member", userId);
  if (member == nullptr) return {};
  return member->membership().value_or(std::string_view());
}

namespace {

bool federationForbidden(const events::Pdu& event, const events::Pdu& create) {
  const json::Value* federate = create.content().find("m.federate");
  if (federate == nullptr || federate->getBool() != std::optional<bool>(false)) return false;
  return domainOf(event.sender()) != domainOf(create.sender());
}

Status checkAuthImpl(const events::Pdu& event, const AuthState& state, PowerLevelsCache* cache,
                     const PowerLevels* prebuilt) {
  const events::RoomVersion& version = event.roomVersion();
  const std::string_view type = event.type();
  if (type == "m.room.create") return checkCreateEvent(event);

  const events::Pdu* create = state.find("m.room.create", "");
  if (create == nullptr) return deny("auth events", "no m.room.create event in the state");
  // SPEC: v12 rule 2 (room_id is the create event's ID); for older versions the same check
  // keeps state from another room out.
  if (event.roomId() != create->roomId()) {
    return deny("room id", "the event's room_id does not match the create event");
  }
  if (federationForbidden(event, *create)) {
    return deny("m.federate", "the room does not federate and the sender is on another server");
  }

  if (version.specialCaseAliasesAuth && type == "m.room.aliases") {
    auto stateKey = event.stateKey();
    if (!stateKey) return deny("m.room.aliases", "no state_key");
    if (domainOf(event.sender()) != *stateKey) {
      return deny("m.room.aliases", "the sender's domain does not match the state_key");
    }
    return {};
  }

  RuleContext ctx(event, state, *create, cache, prebuilt);
  if (type == "m.room.member") return checkMemberEvent(ctx);

  const std::string_view sender = event.sender();
  if (ctx.membershipOf(sender) != "join")
    return deny("sender membership", "the sender is not joined");

  PLEXUS_TRY(const PowerLevels* levels, ctx.powerLevels());
  const std::int64_t senderLevel = levels->userLevel(sender);
  if (type == "m.room.third_party_invite") {
    if (senderLevel >= levels->invite()) return {};
    return deny("m.room.third_party_invite", "the sender is below the invite level");
  }
  const auto stateKey = event.stateKey();
  if (levels->eventLevel(type, stateKey.has_value()) > senderLevel) {
    return deny("required power level", "the sender's power level is too low for this event type");
  }
  if (stateKey && !stateKey->empty() && stateKey->front() == '@' && *stateKey != sender) {
    return deny("state_key", "a state_key starting with '@' must be the sender");
  }
  if (type == "m.room.power_levels") return checkPowerLevelsEvent(ctx, *levels);

  // SPEC: v1/v2 rule 11; from v3 redactions are authorised when applied, not here. v1 and v2
  // are exactly the versions with event IDs carried in the event.
  if (version.eventIdFormat == events::EventIdFormat::kInEvent && type == "m.room.redaction") {
    if (senderLevel >= levels->redact()) return {};
    const auto redacts = event.redacts();
    if (redacts && domainOf(*redacts) == domainOf(event.eventId()) && !domainOf(*redacts).empty()) {
      return {};
    }
    return deny("m.room.redaction", "below the redact level and redacting another server's event");
  }
  return {};
}

}  // namespace
}  // namespace detail

Status checkAuth(const events::Pdu& event, const AuthState& state) {
  return detail::checkAuthImpl(event, state, nullptr, nullptr);
}

Status checkAuth(const events::Pdu& event, const AuthState& state, PowerLevelsCache& cache) {
  return detail::checkAuthImpl(event, state, &cache, nullptr);
}

Status checkAuth(const events::Pdu& event, const AuthState& state, const PowerLevels& levels) {
  return detail::checkAuthImpl(event, state, nullptr, &levels);
}

}  // namespace plexus::eventauth
