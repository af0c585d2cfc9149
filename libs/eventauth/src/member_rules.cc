// The m.room.member rules: join, invite, leave (and kick), ban, knock.
#include "rule_context.h"

namespace plexus::eventauth::detail {

namespace {

// The user whose first join needs no join rule: content.creator before v11, the sender after.
std::string_view creatorOf(const events::Pdu& create) {
  if (create.roomVersion().implicitRoomCreator) return create.sender();
  return stringAt(create.content(), "creator");
}

// NOTSPEC: the spec does not say what applies before any m.room.join_rules event; like other
// servers we treat a missing event (or join_rule key) as "invite".
std::string_view joinRuleOf(const RuleContext& ctx) {
  const events::Pdu* rules = ctx.stateEvent("m.room.join_rules", "");
  if (rules == nullptr) return "invite";
  const json::Value* rule = rules->content().find("join_rule");
  if (rule == nullptr) return "invite";
  const std::string* s = rule->getString();
  return s != nullptr ? std::string_view(*s) : std::string_view();
}

bool isCreatorFirstJoin(const RuleContext& ctx, std::string_view target) {
  const json::Value* prev = ctx.event.json().find("prev_events");
  if (prev == nullptr || !prev->isArray() || prev->getArray()->size() != 1) return false;
  const auto prevEvents = ctx.event.prevEvents();
  if (prevEvents.size() != 1 || prevEvents.front() != ctx.create.eventId()) return false;
  const std::string_view creator = creatorOf(ctx.create);
  return !creator.empty() && target == creator;
}

Status checkJoin(RuleContext& ctx, std::string_view target) {
  if (isCreatorFirstJoin(ctx, target)) return {};
  const std::string_view sender = ctx.event.sender();
  if (sender != target) return deny("member join", "the sender is not the state_key");
  const std::string_view current = ctx.membershipOf(sender);
  if (current == "ban") return deny("member join", "the sender is banned");
  const bool invitedOrJoined = current == "invite" || current == "join";

  const std::string_view rule = joinRuleOf(ctx);
  if (rule == "invite" || (ctx.version.knocking && rule == "knock")) {
    if (invitedOrJoined) return {};
    return deny("member join", "the room is invite-only and the sender is not invited");
  }
  if ((ctx.version.restrictedJoins && rule == "restricted") ||
      (ctx.version.knockRestrictedJoinRule && rule == "knock_restricted")) {
    if (invitedOrJoined) return {};
    const std::string_view authoriser =
        stringAt(ctx.event.content(), "join_authorised_via_users_server");
    if (authoriser.empty()) {
      return deny("member join", "restricted join without join_authorised_via_users_server");
    }
    if (ctx.membershipOf(authoriser) != "join") {
      return deny("member join", "the authorising user is not joined");
    }
    PLEXUS_TRY(const PowerLevels* levels, ctx.powerLevels());
    if (levels->userLevel(authoriser) < levels->invite()) {
      return deny("member join", "the authorising user cannot invite");
    }
    return {};
  }
  if (rule == "public") return {};
  return deny("member join", "the join rule does not allow joining");
}

Status checkInvite(RuleContext& ctx, std::string_view target) {
  if (const json::Value* thirdParty = ctx.event.content().find("third_party_invite")) {
    return checkThirdPartyInvite(ctx, *thirdParty);
  }
  const std::string_view sender = ctx.event.sender();
  if (ctx.membershipOf(sender) != "join") return deny("member invite", "the sender is not joined");
  const std::string_view current = ctx.membershipOf(target);
  if (current == "join" || current == "ban") {
    return deny("member invite", "the target is joined or banned");
  }
  PLEXUS_TRY(const PowerLevels* levels, ctx.powerLevels());
  if (levels->userLevel(sender) >= levels->invite()) return {};
  return deny("member invite", "the sender is below the invite level");
}

Status checkLeave(RuleContext& ctx, std::string_view target) {
  const std::string_view sender = ctx.event.sender();
  const std::string_view senderMembership = ctx.membershipOf(sender);
  if (sender == target) {
    if (senderMembership == "invite" || senderMembership == "join" ||
        (ctx.version.knocking && senderMembership == "knock")) {
      return {};
    }
    return deny("member leave", "the sender is not invited, joined or knocking");
  }
  if (senderMembership != "join") return deny("member leave", "the sender is not joined");
  PLEXUS_TRY(const PowerLevels* levels, ctx.powerLevels());
  const std::int64_t senderLevel = levels->userLevel(sender);
  const std::int64_t targetLevel = levels->userLevel(target);
  if (ctx.membershipOf(target) == "ban" && senderLevel < levels->ban()) {
    return deny("member leave", "unbanning needs the ban level");
  }
  if (senderLevel >= levels->kick() && targetLevel < senderLevel) return {};
  return deny("member leave", "kicking needs the kick level and a higher level than the target");
}

Status checkBan(RuleContext& ctx, std::string_view target) {
  const std::string_view sender = ctx.event.sender();
  if (ctx.membershipOf(sender) != "join") return deny("member ban", "the sender is not joined");
  PLEXUS_TRY(const PowerLevels* levels, ctx.powerLevels());
  const std::int64_t senderLevel = levels->userLevel(sender);
  if (senderLevel >= levels->ban() && levels->userLevel(target) < senderLevel) return {};
  return deny("member ban", "banning needs the ban level and a higher level than the target");
}

Status checkKnock(RuleContext& ctx, std::string_view target) {
  const std::string_view rule = joinRuleOf(ctx);
  if (rule != "knock" && !(ctx.version.knockRestrictedJoinRule && rule == "knock_restricted")) {
    return deny("member knock", "the join rule does not allow knocking");
  }
  const std::string_view sender = ctx.event.sender();
  if (sender != target) return deny("member knock", "the sender is not the state_key");
  const std::string_view current = ctx.membershipOf(sender);
  if (current == "ban" || current == "invite" || current == "join") {
    return deny("member knock", "the sender is banned, invited or joined");
  }
  return {};
}

}  // namespace

Status checkMemberEvent(RuleContext& ctx) {
  const auto target = ctx.event.stateKey();
  const auto membership = ctx.event.membership();
  if (!target || !membership) return deny("m.room.member", "no state_key or no membership");
  // SPEC: rule "join_authorised_via_users_server: validly signed by that user's server" is a
  // signature check the caller does (see event_auth.h).
  if (*membership == "join") return checkJoin(ctx, *target);
  if (*membership == "invite") return checkInvite(ctx, *target);
  if (*membership == "leave") return checkLeave(ctx, *target);
  if (*membership == "ban") return checkBan(ctx, *target);
  if (ctx.version.knocking && *membership == "knock") return checkKnock(ctx, *target);
  return deny("m.room.member", "unknown membership");
}

}  // namespace plexus::eventauth::detail
