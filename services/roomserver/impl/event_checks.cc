// Receipt checks of one PDU: format, room, signatures, hash and auth against its auth_events.
#include "roomserver/impl/event_checks.h"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "plexus/eventauth/event_auth.h"
#include "plexus/events/event_signing.h"
#include "plexus/events/redaction.h"

namespace plexus::roomserver {

void EventVerifier::prefetch(const std::vector<const json::Object*>& events) const {
  if (!keys_) return;
  std::map<std::string, std::set<std::string>> wanted;
  std::int64_t maxTs = 0;
  for (const json::Object* e : events) {
    const json::Value* sigs = e->find("signatures");
    if (!sigs || !sigs->getObject()) continue;
    for (const auto& [server, byKey] : *sigs->getObject()) {
      if (server == identity_.serverName || !byKey.getObject()) continue;
      for (const auto& [keyId, sig] : *byKey.getObject()) wanted[server].insert(keyId);
    }
    if (auto* ts = e->find("origin_server_ts"); ts && ts->getInt())
      maxTs = std::max(maxTs, *ts->getInt());
  }
  if (!wanted.empty()) keys_->ensureKeys(ctx_, wanted, maxTs);
}

crypto::KeyLookup EventVerifier::lookupFor(const events::Pdu& pdu) const {
  std::int64_t ts = pdu.originServerTs();
  const events::RoomVersion* version = &pdu.roomVersion();
  return [this, ts, version](std::string_view entity,
                             std::string_view keyId) -> std::optional<crypto::PublicKey> {
    if (entity == identity_.serverName) {
      if (keyId == identity_.keyId) return identity_.signingKey.publicKey();
      return std::nullopt;
    }
    if (!keys_) return std::nullopt;
    return keys_->keyForEvent(entity, keyId, ts, *version);
  };
}

Result<ReceivedEvent> EventVerifier::check(const json::Object& event,
                                           const events::RoomVersion& version,
                                           std::string_view roomId) const {
  json::Object copy = event;
  // `unsigned` is the sender's local data: it is covered by neither hash nor signature.
  copy.erase("unsigned");
  PLEXUS_TRY(events::Pdu pdu, events::Pdu::fromJson(std::move(copy), version));
  if (pdu.roomId() != roomId) {
    return fail(ErrorCode::kInvalidParam,
                "event " + pdu.eventId() + " belongs to " + std::string(pdu.roomId()));
  }
  PLEXUS_TRY(events::EventIntegrity integrity, events::checkEventIntegrity(pdu, lookupFor(pdu)));
  ReceivedEvent out;
  if (integrity.redactionNeeded) {
    // SPEC: "Checks performed on receipt of a PDU": a wrong content hash keeps the redacted
    // form; the event ID (reference hash) is the same.
    PLEXUS_TRY(events::Pdu redacted,
               events::Pdu::fromJson(events::redact(pdu.json(), version), version));
    out.pdu = std::make_shared<const events::Pdu>(std::move(redacted));
    out.redacted = true;
  } else {
    out.pdu = std::make_shared<const events::Pdu>(std::move(pdu));
  }
  return out;
}

std::vector<Result<ReceivedEvent>> EventVerifier::checkAll(
    const std::vector<const json::Object*>& events, const events::RoomVersion& version,
    std::string_view roomId) const {
  std::vector<Result<ReceivedEvent>> out(events.size(),
                                         Result<ReceivedEvent>(fail(ErrorCode::kInternal, "")));
  // Signature checks dominate a large join (tens of microseconds each): spread them out.
  constexpr std::size_t kPerThread = 1000;
  std::size_t threads = std::min<std::size_t>(
      {std::max(1u, std::thread::hardware_concurrency()), 8, events.size() / kPerThread + 1});
  auto work = [&](std::size_t t) {
    for (std::size_t i = t; i < events.size(); i += threads)
      out[i] = check(*events[i], version, roomId);
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  return out;
}

std::string createEventIdFor(std::string_view roomId, const events::RoomVersion& version) {
  if (!version.roomIdFromCreateEvent || roomId.size() < 2) return {};
  std::string id;
  id.reserve(roomId.size());
  id.push_back('$');
  id.append(roomId.substr(1));
  return id;
}

Status checkAgainstAuthEvents(const events::Pdu& event, std::string_view roomId,
                              const KnownLookup& lookup) {
  if (event.type() == "m.room.create" && event.stateKey() == std::string_view()) {
    return eventauth::checkAuth(event, eventauth::AuthEventList({&event}));
  }
  std::vector<const events::Pdu*> authPdus;
  for (auto id : event.authEvents()) {
    const KnownEvent* k = lookup(id);
    if (!k) return fail(ErrorCode::kNotFound, "unknown auth event " + std::string(id));
    if (k->rejected)
      return fail(ErrorCode::kForbidden, "auth event " + std::string(id) + " was rejected");
    authPdus.push_back(k->pdu.get());
  }
  PLEXUS_TRY_VOID(eventauth::checkAuthEventsSelection(event, authPdus));
  std::string createId = createEventIdFor(roomId, event.roomVersion());
  if (!createId.empty()) {
    const KnownEvent* create = lookup(createId);
    if (!create) return fail(ErrorCode::kNotFound, "unknown create event " + createId);
    // SPEC: rooms/v12: the create event must itself have been accepted.
    if (create->rejected)
      return fail(ErrorCode::kForbidden, "the room's create event was rejected");
    authPdus.push_back(create->pdu.get());
  }
  return eventauth::checkAuth(event, eventauth::AuthEventList(std::move(authPdus)));
}

std::vector<std::size_t> authOrder(const std::vector<std::shared_ptr<const events::Pdu>>& events) {
  std::map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < events.size(); ++i) index.emplace(events[i]->eventId(), i);
  std::vector<std::vector<std::size_t>> dependents(events.size());
  std::vector<std::size_t> missing(events.size(), 0);
  for (std::size_t i = 0; i < events.size(); ++i) {
    std::set<std::size_t> deps;
    for (auto id : events[i]->authEvents()) {
      if (auto it = index.find(id); it != index.end() && it->second != i) deps.insert(it->second);
    }
    for (auto id : events[i]->prevEvents()) {
      if (auto it = index.find(id); it != index.end() && it->second != i) deps.insert(it->second);
    }
    missing[i] = deps.size();
    for (std::size_t d : deps) dependents[d].push_back(i);
  }
  auto less = [&](std::size_t a, std::size_t b) {
    if (events[a]->depth() != events[b]->depth()) return events[a]->depth() < events[b]->depth();
    return events[a]->eventId() < events[b]->eventId();
  };
  auto cmp = [&](std::size_t a, std::size_t b) { return less(a, b); };
  std::set<std::size_t, decltype(cmp)> ready(cmp);
  std::set<std::size_t, decltype(cmp)> waiting(cmp);
  for (std::size_t i = 0; i < events.size(); ++i) (missing[i] == 0 ? ready : waiting).insert(i);
  std::vector<std::size_t> order;
  order.reserve(events.size());
  while (order.size() < events.size()) {
    std::size_t next;
    if (!ready.empty()) {
      next = *ready.begin();
      ready.erase(ready.begin());
    } else {
      next = *waiting.begin();  // a cycle: take the shallowest
    }
    waiting.erase(next);
    order.push_back(next);
    for (std::size_t d : dependents[next]) {
      if (missing[d] > 0 && --missing[d] == 0 && waiting.erase(d)) ready.insert(d);
    }
  }
  return order;
}

}  // namespace plexus::roomserver
