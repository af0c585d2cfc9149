// RoomserverService, joining a room over federation: make_join / send_join through the
// federation sender, verification of the resident server's answer (signatures, hashes, auth of
// every state and auth-chain event), and one transaction that creates the room with that state,
// stores the auth chain and state as outliers and the join as the room's first accepted event.
#include <algorithm>
#include <set>

#include "plexus/bus/output_sink.h"
#include "plexus/eventauth/event_auth.h"
#include "plexus/events/event_signing.h"
#include "roomserver/impl/identifiers.h"
#include "roomserver/impl/roomserver_service.h"

namespace plexus::roomserver {
namespace {

// The events of the answer, verified, by ID.
struct JoinAnswer {
  std::map<std::string, KnownEvent, std::less<>> events;
  std::vector<std::string> order;  // auth order of `events`
  stateres::StateMap state;        // the room state before the join
  std::shared_ptr<const events::Pdu> join;
};

class StateAuth final : public eventauth::AuthState {
 public:
  StateAuth(const stateres::StateMap& state, const JoinAnswer& answer)
      : state_(state), answer_(answer) {}
  const events::Pdu* find(std::string_view type, std::string_view stateKey) const override {
    auto it = state_.find({std::string(type), std::string(stateKey)});
    if (it == state_.end()) return nullptr;
    auto e = answer_.events.find(it->second);
    return e == answer_.events.end() ? nullptr : e->second.pdu.get();
  }

 private:
  const stateres::StateMap& state_;
  const JoinAnswer& answer_;
};

std::vector<std::string> supportedVersionIds() {
  std::vector<std::string> out;
  for (const auto& v : events::supportedRoomVersions()) out.emplace_back(v.id);
  return out;
}

// Checks the make_join template: the membership event we asked for.
Status checkTemplate(const json::Object& event, const std::string& roomId,
                     const std::string& userId, std::string_view membership) {
  auto str = [&](std::string_view key) -> std::string {
    const json::Value* v = event.find(key);
    return v && v->getString() ? *v->getString() : std::string("\x01");
  };
  const json::Value* content = event.find("content");
  std::string m = content && content->getObject() && content->get("membership") &&
                          content->get("membership")->getString()
                      ? *content->get("membership")->getString()
                      : std::string();
  if (str("type") != "m.room.member" || str("state_key") != userId || str("sender") != userId ||
      str("room_id") != roomId || m != membership) {
    return fail(ErrorCode::kBadJson, "the resident server's template is not our membership event");
  }
  return {};
}

}  // namespace

Result<RoomserverService::MembershipTarget> RoomserverService::membershipTarget(
    const CallContext& ctx, const JoinRequest& request) {
  federationsender::FederationSenderApi* federation = federation_.load();
  MembershipTarget target;
  target.servers = request.serverNames;
  if (!request.roomIdOrAlias.empty() && request.roomIdOrAlias.front() == '#' &&
      serverOf(request.roomIdOrAlias) != identity_.serverName && federation) {
    if (!isRoomAlias(request.roomIdOrAlias)) {
      return fail(ErrorCode::kInvalidParam, "not a room alias: " + request.roomIdOrAlias);
    }
    std::string aliasServer(serverOf(request.roomIdOrAlias));
    PLEXUS_TRY(auto directory, federation->queryDirectory(ctx, aliasServer, request.roomIdOrAlias));
    target.roomId = directory.roomId;
    target.servers.insert(target.servers.end(), directory.servers.begin(), directory.servers.end());
    target.servers.push_back(aliasServer);
  } else {
    PLEXUS_TRY(target.roomId, resolveRoom(request.roomIdOrAlias));
  }
  PLEXUS_TRY(target.room, store_.room(db_, target.roomId));
  if (target.room) {
    PLEXUS_TRY(target.resident, hasLocalMember(target.room->roomNid));
  }
  return target;
}

Result<JoinResponse> RoomserverService::performJoin(const CallContext& ctx,
                                                    const JoinRequest& request) {
  federationsender::FederationSenderApi* federation = federation_.load();
  // A room where a local user is joined is joined locally; otherwise over federation when the
  // room lives elsewhere.
  PLEXUS_TRY(MembershipTarget target, membershipTarget(ctx, request));
  const std::string& roomId = target.roomId;
  std::vector<std::string>& servers = target.servers;
  if (!target.resident && federation) {
    PLEXUS_TRY(auto invite, store_.remoteInvite(db_, roomId, request.userId));
    if (invite) servers.insert(servers.begin(), invite->origin);
    if (auto s = serverOf(roomId); !s.empty()) servers.emplace_back(s);
    std::erase(servers, identity_.serverName);
    if (!servers.empty() || !target.room) return performRemoteJoin(ctx, roomId, request, servers);
  }
  if (!target.room) return fail(ErrorCode::kNotFound, "unknown room " + roomId);
  PLEXUS_TRY(auto sent,
             sendMember(ctx, roomId, request.userId, request.userId, "join", request.reason, true));
  return JoinResponse{roomId, sent.eventId};
}

json::Object RoomserverService::signedFromTemplate(const CallContext& ctx,
                                                  const json::Object& templ,
                                                  const events::RoomVersion& version,
                                                  const std::string& userId,
                                                  const std::optional<std::string>& reason,
                                                  bool withProfile) {
  json::Object event = templ;
  event.erase("hashes");
  event.erase("signatures");
  event.erase("unsigned");
  if (!version.eventIdsInEvents) event.erase("event_id");
  event.set("origin_server_ts", now());
  const json::Value* original = event.find("content");
  json::Object content =
      original && original->getObject() ? *original->getObject() : json::Object{};
  if (withProfile) {
    Profile profile = profiles_(ctx, userId);
    if (profile.displayName) content.set("displayname", *profile.displayName);
    if (profile.avatarUrl) content.set("avatar_url", *profile.avatarUrl);
  }
  if (reason) content.set("reason", *reason);
  event.set("content", std::move(content));
  events::hashAndSignEvent(event, identity_.serverName, identity_.keyId, identity_.signingKey,
                           version);
  return event;
}

Result<bool> RoomserverService::hasLocalMember(std::int64_t roomNid) {
  PLEXUS_TRY(auto joined, store_.membersWith(db_, roomNid, "join"));
  return std::any_of(joined.begin(), joined.end(), [&](const MembershipRow& m) {
    return serverOf(m.userId) == identity_.serverName;
  });
}

Result<JoinResponse> RoomserverService::performRemoteJoin(const CallContext& ctx,
                                                          const std::string& roomId,
                                                          const JoinRequest& request,
                                                          std::vector<std::string> servers) {
  std::set<std::string> tried;
  std::optional<Error> last;
  for (const auto& server : servers) {
    if (server.empty() || !tried.insert(server).second) continue;
    auto joined = joinVia(ctx, server, roomId, request);
    if (joined.ok()) return joined;
    last = joined.error();
    // Auth refusals are the room's answer; other servers would say the same.
    if (last->code == ErrorCode::kForbidden) break;
  }
  if (last) return std::move(*last);
  return fail(ErrorCode::kNotFound, "no server to join " + roomId + " through");
}

Result<JoinResponse> RoomserverService::joinVia(const CallContext& ctx, const std::string& server,
                                                const std::string& roomId,
                                                const JoinRequest& request) {
  federationsender::FederationSenderApi* federation = federation_.load();
  PLEXUS_TRY(auto made, federation->performMakeJoin(ctx, server, roomId, request.userId,
                                                    supportedVersionIds()));
  const events::RoomVersion* version = events::findRoomVersion(made.roomVersion);
  if (!version) {
    return fail(ErrorCode::kIncompatibleRoomVersion, "room version " + made.roomVersion);
  }
  PLEXUS_TRY_VOID(checkTemplate(made.event, roomId, request.userId, "join"));

  json::Object event = signedFromTemplate(ctx, made.event, *version, request.userId,
                                          request.reason, true);
  PLEXUS_TRY(events::Pdu ours, events::Pdu::fromJson(event, *version));
  std::string eventId = ours.eventId();

  federationsender::SendJoinRequest sendRequest{roomId, eventId, event, false};
  PLEXUS_TRY(auto answered, federation->performSendJoin(ctx, server, sendRequest));

  // Verify the answer.
  LockedRoom room = lockRoomForCreate(roomId);
  EventVerifier verifier(identity_, options_.keys, ctx);
  std::vector<const json::Object*> raw;
  for (const auto& e : answered.state) raw.push_back(&e);
  for (const auto& e : answered.authChain) raw.push_back(&e);
  if (answered.event) raw.push_back(&*answered.event);
  verifier.prefetch(raw);

  JoinAnswer answer;
  std::vector<std::shared_ptr<const events::Pdu>> pdus;
  std::set<std::string> stateIds;
  std::vector<const json::Object*> received;
  for (const auto& e : answered.authChain) received.push_back(&e);
  for (const auto& e : answered.state) received.push_back(&e);
  auto checkedAll = verifier.checkAll(received, *version, roomId);
  for (std::size_t i = 0; i < checkedAll.size(); ++i) {
    // Not signed properly: as if the resident had not sent it.
    if (!checkedAll[i].ok()) continue;
    const std::shared_ptr<const events::Pdu>& pdu = checkedAll[i]->pdu;
    const std::string& id = pdu->eventId();
    if (i >= answered.authChain.size()) stateIds.insert(id);
    if (answer.events.contains(id)) continue;
    answer.events.emplace(id, KnownEvent{0, pdu, false, true, false, 0});
    pdus.push_back(pdu);
  }
  answer.join = std::make_shared<const events::Pdu>(std::move(ours));
  if (answered.event) {
    // The resident's copy (restricted joins add its signature); it must be the same event.
    auto theirs = verifier.check(*answered.event, *version, roomId);
    if (theirs.ok() && theirs->pdu->eventId() == eventId && !theirs->redacted)
      answer.join = theirs->pdu;
  }

  auto lookup = [&](std::string_view id) -> const KnownEvent* {
    auto it = answer.events.find(id);
    return it == answer.events.end() ? nullptr : &it->second;
  };
  for (std::size_t i : authOrder(pdus)) {
    const events::Pdu& pdu = *pdus[i];
    auto& known = answer.events.find(pdu.eventId())->second;
    known.rejected = !checkAgainstAuthEvents(pdu, roomId, lookup).ok();
    answer.order.push_back(pdu.eventId());
  }
  std::string createId;
  for (const auto& id : stateIds) {
    const KnownEvent& k = answer.events.find(id)->second;
    if (k.rejected || !k.pdu->isState()) continue;
    answer.state[{std::string(k.pdu->type()), std::string(*k.pdu->stateKey())}] = id;
    if (k.pdu->type() == "m.room.create" && k.pdu->stateKey() == std::string_view()) createId = id;
  }
  std::string expectedCreate = createEventIdFor(roomId, *version);
  if (createId.empty() || (!expectedCreate.empty() && createId != expectedCreate)) {
    return fail(ErrorCode::kBadJson, "the send_join state lacks the room's create event");
  }
  if (auto allowed = eventauth::checkAuth(*answer.join, StateAuth(answer.state, answer));
      !allowed.ok()) {
    return fail(ErrorCode::kForbidden,
                "the join is not allowed by the room state: " + allowed.error().message);
  }

  // Numeric IDs first (outside the transaction, as RoomWriter does).
  std::map<std::string, std::pair<std::int64_t, std::optional<std::int64_t>>> names;
  {
    std::vector<const events::Pdu*> all;
    for (const auto& id : answer.order) all.push_back(answer.events.find(id)->second.pdu.get());
    all.push_back(answer.join.get());
    std::vector<std::string> stateKeys;
    for (const events::Pdu* pdu : all) {
      if (auto key = pdu->stateKey()) stateKeys.emplace_back(*key);
    }
    PLEXUS_TRY(auto keyNids, store_.stateKeyNids(stateKeys));
    std::size_t k = 0;
    for (const events::Pdu* pdu : all) {
      PLEXUS_TRY(std::int64_t t, store_.eventTypeNid(pdu->type()));
      std::optional<std::int64_t> keyNid;
      if (pdu->stateKey()) keyNid = keyNids[k++];
      names[pdu->eventId()] = {t, keyNid};
    }
  }

  std::vector<std::string> ids = answer.order;
  ids.push_back(eventId);
  std::map<std::string, std::int64_t> existing;
  {
    std::vector<std::string> chunk;
    for (std::size_t i = 0; i < ids.size(); i += 500) {
      chunk.assign(ids.begin() + static_cast<std::ptrdiff_t>(i),
                   ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + 500)));
      PLEXUS_TRY(auto found, store_.eventsByIds(db_, chunk));
      for (const auto& e : found) existing[e.eventId] = e.eventNid;
    }
  }

  RoomState head;
  head.roomId = roomId;
  head.version = version;
  std::vector<std::string> adds;
  auto fn = [&](storage::Transaction& tx) -> Status {
    adds.clear();
    PLEXUS_TRY(auto stored, store_.room(tx, roomId));
    std::int64_t roomNid = 0;
    if (stored) {
      if (stored->roomVersion != version->id) {
        return fail(ErrorCode::kConflict, "the room is known here with another version");
      }
      roomNid = stored->roomNid;
    } else {
      PLEXUS_TRY(roomNid, store_.insertRoom(tx, roomId, version->id));
    }
    head.roomNid = roomNid;
    std::map<std::string, std::int64_t> nids = existing;
    std::vector<NewEvent> rows;
    std::vector<std::string> rowIds;
    for (const auto& id : answer.order) {
      if (nids.contains(id)) continue;
      const KnownEvent& k = answer.events.find(id)->second;
      const events::Pdu& pdu = *k.pdu;
      NewEvent row{roomNid,
                   id,
                   names[id].first,
                   names[id].second,
                   std::string(pdu.sender()),
                   pdu.depth(),
                   pdu.originServerTs(),
                   pdu.canonicalJson(),
                   0};
      row.rejected = k.rejected;
      row.outlier = true;
      rows.push_back(std::move(row));
      rowIds.push_back(id);
    }
    PLEXUS_TRY(auto inserted, store_.insertEvents(tx, rows));
    for (std::size_t i = 0; i < rowIds.size(); ++i) nids[rowIds[i]] = inserted[i];
    std::vector<StateEntry> before;
    before.reserve(answer.state.size());
    for (const auto& [key, id] : answer.state) {
      before.push_back({names[id].first, *names[id].second, nids[id]});
    }
    PLEXUS_TRY(StoredSnapshot beforeSnapshot,
               store_.insertSnapshot(tx, roomNid, std::nullopt, before));
    const events::Pdu& join = *answer.join;
    std::int64_t joinNid = 0;
    if (auto it = nids.find(eventId); it != nids.end()) {
      joinNid = it->second;
      PLEXUS_TRY_VOID(store_.promoteOutlier(tx, joinNid, beforeSnapshot.snapshotNid, false, false));
    } else {
      NewEvent row{roomNid,
                   eventId,
                   names[eventId].first,
                   names[eventId].second,
                   std::string(join.sender()),
                   join.depth(),
                   join.originServerTs(),
                   join.canonicalJson(),
                   beforeSnapshot.snapshotNid};
      PLEXUS_TRY(joinNid, store_.insertEvent(tx, row));
    }
    // Current state: the returned state plus the join (a stale current state of a room we had
    // left is replaced).
    PLEXUS_TRY(auto oldCurrent, store_.currentState(tx, roomNid));
    StateEntry joinEntry{names[eventId].first, *names[eventId].second, joinNid};
    std::set<std::pair<std::int64_t, std::int64_t>> keys;
    head.state.clear();
    std::vector<StateEntry> current;
    std::vector<RoomserverStore::MembershipUpdate> memberships;
    current.reserve(answer.state.size() + 1);
    auto addCurrent = [&](const StateEntry& entry, const std::string& id,
                          std::shared_ptr<const events::Pdu> pdu) {
      current.push_back(entry);
      keys.insert({entry.typeNid, entry.stateKeyNid});
      if (auto m = pdu->membership(); m && pdu->type() == "m.room.member") {
        memberships.push_back({std::string(*pdu->stateKey()), std::string(*m), entry.eventNid});
      }
      head.state[RoomState::stateMapKey(pdu->type(), *pdu->stateKey())] =
          StateSlot{id, entry.eventNid, entry.typeNid, entry.stateKeyNid, pdu};
      adds.push_back(id);
    };
    for (const auto& [key, id] : answer.state) {
      StateEntry entry{names[id].first, *names[id].second, nids[id]};
      if (std::pair(entry.typeNid, entry.stateKeyNid) ==
          std::pair(joinEntry.typeNid, joinEntry.stateKeyNid)) {
        continue;
      }
      addCurrent(entry, id, answer.events.find(id)->second.pdu);
    }
    addCurrent(joinEntry, eventId, answer.join);
    PLEXUS_TRY_VOID(store_.setCurrentStates(tx, roomNid, current));
    PLEXUS_TRY_VOID(store_.setMemberships(tx, roomNid, memberships));
    for (const auto& old : oldCurrent) {
      if (!keys.contains({old.typeNid, old.stateKeyNid})) {
        PLEXUS_TRY_VOID(store_.removeCurrentState(tx, roomNid, old.typeNid, old.stateKeyNid));
      }
    }
    PLEXUS_TRY(head.snapshot, store_.insertSnapshot(tx, roomNid, beforeSnapshot, {joinEntry}));
    PLEXUS_TRY_VOID(store_.setRoomSnapshot(tx, roomNid, head.snapshot.snapshotNid));
    PLEXUS_TRY(auto oldExtremities, store_.extremities(tx, roomNid));
    std::vector<std::int64_t> removed;
    for (const auto& x : oldExtremities) removed.push_back(x.eventNid);
    PLEXUS_TRY_VOID(store_.replaceExtremities(tx, roomNid, removed, joinNid));
    head.extremities = {Extremity{eventId, joinNid, join.depth()}};

    PLEXUS_TRY_VOID(store_.deleteRemoteInvite(tx, roomId, request.userId));
    OutputRoomEvent out;
    out.kind = OutputRoomEvent::Kind::kNewRoomEvent;
    out.roomId = roomId;
    out.roomVersion = std::string(version->id);
    out.eventId = eventId;
    out.event = join.json();
    out.addsStateEventIds = adds;
    return bus::enqueueTyped(outputs_, tx, out);
  };
  PLEXUS_TRY_VOID(db_.runInTransaction(fn));
  outputs_.committed();
  room.entry->head = std::move(head);
  return JoinResponse{roomId, eventId};
}

}  // namespace plexus::roomserver
