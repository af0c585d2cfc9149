// EventCache: stored events of one room, loaded in batches and parsed once.
#include "roomserver/impl/event_cache.h"

#include <set>

namespace plexus::roomserver {
namespace {

constexpr std::size_t kChunk = 500;  // IDs per query (placeholder limits of both dialects)

}  // namespace

Status EventCache::add(const StoredEvent& stored) {
  if (byId_.contains(stored.eventId)) return {};
  events::PduParseOptions options;
  options.enforceSizeLimit = false;  // stored events were checked when they arrived
  PLEXUS_TRY(events::Pdu pdu, events::Pdu::parse(stored.json, version_, options));
  KnownEvent k;
  k.nid = stored.eventNid;
  k.pdu = std::make_shared<const events::Pdu>(std::move(pdu));
  k.rejected = stored.rejected;
  k.outlier = stored.outlier;
  k.softFailed = stored.softFailed;
  k.stateBeforeNid = stored.stateBeforeNid;
  idByNid_[stored.eventNid] = stored.eventId;
  byId_.emplace(stored.eventId, std::move(k));
  return {};
}

Status EventCache::loadIds(const std::vector<std::string>& ids) {
  std::vector<std::string> wanted;
  std::set<std::string_view> seen;
  for (const auto& id : ids) {
    if (!byId_.contains(id) && seen.insert(id).second) wanted.push_back(id);
  }
  for (std::size_t at = 0; at < wanted.size(); at += kChunk) {
    std::vector<std::string> chunk(
        wanted.begin() + static_cast<std::ptrdiff_t>(at),
        wanted.begin() + static_cast<std::ptrdiff_t>(std::min(wanted.size(), at + kChunk)));
    PLEXUS_TRY(auto stored, store_.eventsByIds(*ex_, chunk));
    for (const auto& e : stored) PLEXUS_TRY_VOID(add(e));
  }
  return {};
}

Status EventCache::loadNids(const std::vector<std::int64_t>& nids) {
  std::vector<std::int64_t> wanted;
  for (std::int64_t nid : nids) {
    if (!idByNid_.contains(nid)) wanted.push_back(nid);
  }
  for (std::size_t at = 0; at < wanted.size(); at += kChunk) {
    std::vector<std::int64_t> chunk(
        wanted.begin() + static_cast<std::ptrdiff_t>(at),
        wanted.begin() + static_cast<std::ptrdiff_t>(std::min(wanted.size(), at + kChunk)));
    PLEXUS_TRY(auto stored, store_.eventsByNids(*ex_, chunk));
    for (const auto& e : stored) PLEXUS_TRY_VOID(add(e));
  }
  return {};
}

Status EventCache::loadAuthClosure(std::vector<std::string> ids) {
  std::set<std::string> visited;
  // Each round loads one level of auth events; a room's auth DAG is finite, so this ends.
  while (!ids.empty()) {
    PLEXUS_TRY_VOID(loadIds(ids));
    std::vector<std::string> next;
    for (const auto& id : ids) {
      if (!visited.insert(id).second) continue;
      const KnownEvent* k = get(id);
      if (!k) continue;
      for (auto a : k->pdu->authEvents()) {
        if (!visited.contains(std::string(a))) next.emplace_back(a);
      }
    }
    ids = std::move(next);
  }
  return {};
}

const KnownEvent* EventCache::get(std::string_view eventId) const {
  auto it = byId_.find(eventId);
  return it == byId_.end() ? nullptr : &it->second;
}

const std::string* EventCache::idOf(std::int64_t nid) const {
  auto it = idByNid_.find(nid);
  return it == idByNid_.end() ? nullptr : &it->second;
}

void EventCache::put(KnownEvent event) {
  std::string id = event.pdu->eventId();
  if (event.nid != 0) idByNid_[event.nid] = id;
  byId_[id] = std::move(event);
}

const events::Pdu* EventCache::find(std::string_view eventId) const {
  const KnownEvent* k = get(eventId);
  return k ? k->pdu.get() : nullptr;
}

bool EventCache::isRejected(std::string_view eventId) const {
  const KnownEvent* k = get(eventId);
  return k && k->rejected;
}

}  // namespace plexus::roomserver
