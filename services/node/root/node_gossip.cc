// NodeGossip (node_gossip.h).
#include "root/node_gossip.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "plexus/core/call_context.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "plexus/log/log.h"

namespace plexus::node {
namespace {

// Service datagram byte of gossip on the overlay (0x10-0x1f are for overlay services).
constexpr std::uint8_t kGossipService = 0x10;

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains(const std::optional<std::string>& field, const std::string& term) {
  return field && lower(*field).find(term) != std::string::npos;
}

std::string roomBody(const roomserver::PublicRoom& room) {
  json::Object o;
  if (room.name) o.set("name", *room.name);
  if (room.topic) o.set("topic", *room.topic);
  if (room.canonicalAlias) o.set("canonical_alias", *room.canonicalAlias);
  if (room.avatarUrl) o.set("avatar_url", *room.avatarUrl);
  if (room.joinRule) o.set("join_rule", *room.joinRule);
  if (room.roomType) o.set("room_type", *room.roomType);
  o.set("num_joined_members", room.numJoinedMembers);
  o.set("world_readable", room.worldReadable);
  o.set("guest_can_join", room.guestCanJoin);
  return json::canonical(o);
}

std::optional<std::string> stringAt(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  if (!v || !v->getString()) return std::nullopt;
  return *v->getString();
}

std::optional<roomserver::PublicRoom> roomFromRecord(const overlay::GossipRecord& r) {
  auto parsed = json::parseObject(r.body);
  if (!parsed.ok()) return std::nullopt;
  const json::Object& o = *parsed;
  roomserver::PublicRoom room;
  room.roomId = r.id;
  room.name = stringAt(o, "name");
  room.topic = stringAt(o, "topic");
  room.canonicalAlias = stringAt(o, "canonical_alias");
  room.avatarUrl = stringAt(o, "avatar_url");
  room.joinRule = stringAt(o, "join_rule");
  room.roomType = stringAt(o, "room_type");
  if (const json::Value* n = o.find("num_joined_members"))
    room.numJoinedMembers = n->getInt().value_or(0);
  if (const json::Value* w = o.find("world_readable"))
    room.worldReadable = w->getBool().value_or(false);
  if (const json::Value* g = o.find("guest_can_join"))
    room.guestCanJoin = g->getBool().value_or(false);
  return room;
}

}  // namespace

NodeGossip::NodeGossip(overlay::OverlayNode& overlay, crypto::SigningKey key,
                       std::string serverName, roomserver::RoomserverApi& rooms,
                       accountsync::AccountSyncApi& accounts, NodeGossipOptions options)
    : overlay_(overlay),
      key_(std::move(key)),
      serverName_(std::move(serverName)),
      rooms_(rooms),
      accounts_(accounts),
      options_(options) {}

NodeGossip::~NodeGossip() { stop(); }

void NodeGossip::start() {
  overlay_.onServiceDatagram(kGossipService,
                             [this](const crypto::PublicKey& from, std::string_view payload) {
                               onDatagram(from, payload);
                             });
  thread_ = std::thread([this] { run(); });
}

void NodeGossip::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NodeGossip::onDatagram(const crypto::PublicKey& from, std::string_view payload) {
  auto record = overlay::decodeGossip(payload);
  if (!record) return;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (store_.offer(*record, nowMs()) != overlay::GossipStore::Offer::kNew) return;
  }
  flood(*record, &from);
}

void NodeGossip::flood(const overlay::GossipRecord& record, const crypto::PublicKey* except) {
  const std::string bytes = overlay::encodeGossip(record);
  for (const auto& peer : overlay_.snapshot().peers) {
    if (except && peer.key == *except) continue;
    (void)overlay_.sendDatagram(kGossipService, peer.key, bytes);  // best effort
  }
}

void NodeGossip::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const std::int64_t now = nowMs();
    publishChanges(now);
    greetNewPeers(now);
    lock.lock();
    store_.expire(now);
    wake_.wait_for(lock, options_.pollInterval, [this] { return stopping_; });
  }
}

void NodeGossip::publishChanges(std::int64_t now) {
  std::vector<std::pair<std::pair<overlay::GossipKind, std::string>, std::string>> current;
  auto ctx = CallContext::withTimeout(std::chrono::seconds(10), "gossip");
  roomserver::PublicRoomsRequest request;
  request.limit = static_cast<std::int64_t>(options_.maxOwnRooms);
  if (auto rooms = rooms_.queryPublicRooms(ctx, request); rooms.ok()) {
    for (const auto& room : rooms->chunk) {
      current.push_back({{overlay::GossipKind::kPublicRoom, room.roomId}, roomBody(room)});
    }
  }
  if (auto users =
          accounts_.queryUserDirectory(ctx, "", static_cast<int>(options_.maxOwnProfiles), "");
      users.ok()) {
    for (const auto& user : users->results) {
      json::Object o;
      if (user.displayName) o.set("displayname", *user.displayName);
      if (user.avatarUrl) o.set("avatar_url", *user.avatarUrl);
      current.push_back({{overlay::GossipKind::kProfile, user.userId}, json::canonical(o)});
    }
  }
  std::vector<overlay::GossipRecord> toSend;
  {
    std::lock_guard lock(mutex_);
    const auto halfLife = static_cast<std::uint64_t>(options_.ttlSeconds) * 500;
    std::set<std::pair<overlay::GossipKind, std::string>> seen;
    for (auto& [key, body] : current) {
      seen.insert(key);
      auto it = published_.find(key);
      const bool changed = it == published_.end() || it->second.first != body;
      const bool due =
          it != published_.end() && static_cast<std::uint64_t>(now) >= it->second.second + halfLife;
      if (!changed && !due) continue;
      toSend.push_back(makeGossipRecord(
          key.first, key.second, body, static_cast<std::uint64_t>(now), options_.ttlSeconds, key_));
      published_[key] = {body, static_cast<std::uint64_t>(now)};
    }
    // Rooms that left the directory: a withdrawal (empty body) replaces their entry everywhere.
    for (auto it = published_.begin(); it != published_.end();) {
      if (seen.count(it->first)) {
        ++it;
        continue;
      }
      if (!it->second.first.empty()) {
        toSend.push_back(makeGossipRecord(it->first.first, it->first.second, "",
                                          static_cast<std::uint64_t>(now), options_.ttlSeconds,
                                          key_));
      }
      it = published_.erase(it);
    }
    for (const auto& r : toSend) (void)store_.offer(r, now);
  }
  for (const auto& r : toSend) flood(r, nullptr);
  if (!toSend.empty()) log::debug("gossip published", {{"records", toSend.size()}});
}

void NodeGossip::greetNewPeers(std::int64_t now) {
  const auto peers = overlay_.snapshot().peers;
  std::vector<crypto::PublicKey> fresh;
  std::vector<overlay::GossipRecord> records;
  {
    std::lock_guard lock(mutex_);
    std::set<std::string> current;
    for (const auto& peer : peers) {
      const std::string hex = peer.key.toHex();
      current.insert(hex);
      if (!greetedPeers_.count(hex)) fresh.push_back(peer.key);
    }
    greetedPeers_ = std::move(current);  // a peer that comes back is greeted again
    if (!fresh.empty()) records = store_.records(now);
  }
  for (const auto& peer : fresh) {
    for (const auto& r : records) {
      (void)overlay_.sendDatagram(kGossipService, peer, overlay::encodeGossip(r));
    }
  }
}

std::vector<roomserver::PublicRoom> NodeGossip::publicRooms(std::string_view searchTerm) const {
  const std::string term = lower(searchTerm);
  std::vector<roomserver::PublicRoom> out;
  std::vector<overlay::GossipRecord> records;
  {
    std::lock_guard lock(mutex_);
    records = store_.records(overlay::GossipKind::kPublicRoom, nowMs());
  }
  const std::string ownKey = key_.publicKey().toHex();
  for (const auto& r : records) {
    if (r.body.empty() || r.author.toHex() == ownKey) continue;
    auto room = roomFromRecord(r);
    if (!room) continue;
    if (!term.empty() && !contains(room->name, term) && !contains(room->topic, term) &&
        !contains(room->canonicalAlias, term) &&
        lower(room->roomId).find(term) == std::string::npos) {
      continue;
    }
    out.push_back(std::move(*room));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.numJoinedMembers != b.numJoinedMembers ? a.numJoinedMembers > b.numJoinedMembers
                                                    : a.roomId < b.roomId;
  });
  return out;
}

std::vector<std::string> NodeGossip::roomServers(std::string_view roomId) const {
  std::vector<overlay::GossipRecord> records;
  {
    std::lock_guard lock(mutex_);
    records = store_.records(overlay::GossipKind::kPublicRoom, nowMs());
  }
  std::vector<std::string> out;
  for (const auto& r : records) {
    if (!r.body.empty() && r.id == roomId) out.push_back(r.author.toHex());
  }
  return out;
}

std::vector<clientapi::OverlayDirectory::Profile> NodeGossip::profiles(std::string_view searchTerm,
                                                                       std::size_t limit) const {
  const std::string term = lower(searchTerm);
  std::vector<overlay::GossipRecord> records;
  {
    std::lock_guard lock(mutex_);
    records = store_.records(overlay::GossipKind::kProfile, nowMs());
  }
  std::string ownSuffix(1, ':');
  ownSuffix += serverName_;
  std::vector<Profile> out;
  for (const auto& r : records) {
    // A profile is only believed for a user of the author's own server (a key-named server's
    // name is its key; a cloud server peering on the overlay cannot vouch for its users here).
    std::string suffix(1, ':');
    suffix += r.author.toHex();
    if (r.id.size() <= suffix.size() ||
        r.id.compare(r.id.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    if (r.id.ends_with(ownSuffix)) continue;  // our own users come from account-sync
    auto parsed = json::parseObject(r.body);
    if (!parsed.ok()) continue;
    Profile p{r.id, stringAt(*parsed, "displayname"), stringAt(*parsed, "avatar_url")};
    if (!term.empty() && lower(p.userId).find(term) == std::string::npos &&
        !contains(p.displayName, term))
      continue;
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.userId < b.userId; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace plexus::node
