// Builds the signed test room of signed_room_generator.h event by event: each event is hashed,
// signed by its sender's server and its ID computed before the next event names it.
#include "signed_room_generator.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>

#include "plexus/events/event_hashing.h"
#include "plexus/events/event_signing.h"
#include "plexus/json/canonical.h"

namespace plexus::stateres::testing {
namespace {

constexpr std::string_view kAlice = "@alice:a.example";
constexpr std::string_view kBob = "@bob:b.example";
constexpr std::string_view kCarol = "@carol:a.example";

std::string_view serverOf(std::string_view userId) { return userId.substr(userId.find(':') + 1); }

const SignedRoomServer& serverNamed(const std::vector<SignedRoomServer>& servers, std::string_view name) {
  for (const SignedRoomServer& s : servers) {
    if (s.name == name) return s;
  }
  throw std::invalid_argument("no key for server " + std::string(name));
}

std::string computeId(const json::Object& event, const events::RoomVersion& version) {
  auto id = events::computeEventId(event, version);
  if (!id.ok()) throw std::runtime_error("event ID: " + id.error().message);
  return *id;
}

class RoomBuilder {
 public:
  RoomBuilder(const events::RoomVersion& version, const std::vector<SignedRoomServer>& servers)
      : version_(version), servers_(servers) {
    room_.version = &version;
  }

  // Adds a signed event citing the events labelled in `prev` and `auth`.
  void add(std::string label, std::string_view type, std::optional<std::string_view> stateKey,
           std::string_view sender, json::Object content, const std::vector<std::string>& prev,
           const std::vector<std::string>& auth) {
    json::Object e{
        {"type", type},
        {"sender", sender},
        {"content", std::move(content)},
        {"origin_server_ts", static_cast<std::int64_t>(1'700'000'000'000 + 1000 * room_.events.size())},
        {"depth", depthAfter(prev)},
        {"prev_events", ids(prev)},
        {"auth_events", ids(auth)},
    };
    if (stateKey) e.set("state_key", *stateKey);
    bool derivedRoomId = type == "m.room.create" && version_.roomIdFromCreateEvent;
    if (!derivedRoomId) e.set("room_id", room_.roomId);
    SignedRoomEvent event{std::move(label), std::move(e), {}};
    resign(event, serverNamed(servers_, serverOf(sender)), version_);
    // SPEC: rooms/v12 (MSC4291): the room ID is the create event's ID with the sigil "!".
    if (derivedRoomId) room_.roomId = "!" + event.eventId.substr(1);
    room_.events.push_back(std::move(event));
  }

  // The auth events to cite: from v12 the create event is implied and not listed.
  std::vector<std::string> authOf(std::vector<std::string> labels) const {
    if (version_.roomIdFromCreateEvent) std::erase(labels, std::string("create"));
    return labels;
  }

  SignedRoom take() { return std::move(room_); }
  void setRoomId(std::string id) { room_.roomId = std::move(id); }

 private:
  json::Array ids(const std::vector<std::string>& labels) const {
    json::Array out;
    for (const std::string& l : labels) out.emplace_back(room_.idOf(l));
    return out;
  }
  std::int64_t depthAfter(const std::vector<std::string>& prev) const {
    std::int64_t depth = 0;
    for (const std::string& l : prev) depth = std::max(depth, *room_.event(l).json.find("depth")->getInt());
    return depth + 1;
  }

  const events::RoomVersion& version_;
  const std::vector<SignedRoomServer>& servers_;
  SignedRoom room_;
};

json::Object membership(std::string_view m) { return json::Object{{"membership", m}}; }

}  // namespace

const SignedRoomEvent& SignedRoom::event(std::string_view label) const {
  for (const SignedRoomEvent& e : events) {
    if (e.label == label) return e;
  }
  throw std::out_of_range("no event labelled " + std::string(label));
}

SignedRoomEvent& SignedRoom::event(std::string_view label) {
  return const_cast<SignedRoomEvent&>(std::as_const(*this).event(label));
}

std::string SignedRoom::stateJson(const LabelState& state) const {
  json::Object out;
  for (const auto& [key, label] : state) {
    json::Value& byType = out[key.first];
    if (!byType.isObject()) byType = json::Object{};
    byType.getObject()->set(key.second, idOf(label));
  }
  return json::canonical(out);
}

std::vector<SignedRoomServer> defaultServers() {
  std::vector<SignedRoomServer> out;
  for (const char* name : {"a.example", "b.example"}) {
    std::string seed(crypto::SigningKey::kSeedSize, name[0]);
    out.push_back({name, "ed25519:1", *crypto::SigningKey::fromSeed(seed)});
  }
  return out;
}

SignedRoom generateSignedRoom(const events::RoomVersion& version, const std::vector<SignedRoomServer>& servers) {
  if (version.eventIdsInEvents) throw std::invalid_argument("room versions 1-2 are not generated");
  RoomBuilder b(version, servers);
  b.setRoomId("!room:a.example");

  json::Object create{{"room_version", version.id}};
  if (!version.implicitRoomCreator) create.set("creator", kAlice);
  b.add("create", "m.room.create", "", kAlice, std::move(create), {}, {});
  b.add("alice_join", "m.room.member", kAlice, kAlice, membership("join"), {"create"}, b.authOf({"create"}));

  // SPEC: rooms/v12 rule 10.4: creators have no entry in power levels' users.
  json::Object users{{std::string(kBob), 50}};
  if (!version.privilegedCreators) users.set(std::string(kAlice), 100);
  b.add("power_levels", "m.room.power_levels", "", kAlice,
        json::Object{{"users", std::move(users)}, {"state_default", 50}, {"events_default", 0}},
        {"alice_join"}, b.authOf({"create", "alice_join"}));
  b.add("join_rules", "m.room.join_rules", "", kAlice, json::Object{{"join_rule", "public"}}, {"power_levels"},
        b.authOf({"create", "power_levels", "alice_join"}));
  b.add("bob_join", "m.room.member", kBob, kBob, membership("join"), {"join_rules"},
        b.authOf({"create", "power_levels", "join_rules"}));
  b.add("carol_join", "m.room.member", kCarol, kCarol, membership("join"), {"bob_join"},
        b.authOf({"create", "power_levels", "join_rules"}));
  b.add("topic", "m.room.topic", "", kAlice, json::Object{{"topic", "Welcome"}}, {"carol_join"},
        b.authOf({"create", "power_levels", "alice_join"}));
  b.add("message", "m.room.message", std::nullopt, kBob,
        json::Object{{"msgtype", "m.text"}, {"body", "hello from b"}}, {"topic"},
        b.authOf({"create", "power_levels", "bob_join"}));
  // The fork: both branches start at the message.
  b.add("topic_a", "m.room.topic", "", kAlice, json::Object{{"topic", "from a"}}, {"message"},
        b.authOf({"create", "power_levels", "alice_join"}));
  b.add("name_b", "m.room.name", "", kBob, json::Object{{"name", "named by b"}}, {"message"},
        b.authOf({"create", "power_levels", "bob_join"}));
  b.add("topic_b", "m.room.topic", "", kBob, json::Object{{"topic", "from b"}}, {"name_b"},
        b.authOf({"create", "power_levels", "bob_join"}));
  b.add("merge", "m.room.message", std::nullopt, kCarol, json::Object{{"msgtype", "m.text"}, {"body", "merged"}},
        {"topic_a", "topic_b"}, b.authOf({"create", "power_levels", "carol_join"}));

  SignedRoom room = b.take();
  room.expectedState = {
      {{"m.room.create", ""}, "create"},
      {{"m.room.member", std::string(kAlice)}, "alice_join"},
      {{"m.room.member", std::string(kBob)}, "bob_join"},
      {{"m.room.member", std::string(kCarol)}, "carol_join"},
      {{"m.room.power_levels", ""}, "power_levels"},
      {{"m.room.join_rules", ""}, "join_rules"},
      // SPEC (state res v2): both topics sit on the same power-levels mainline position, so the
      // later origin_server_ts (topic_b) is applied last and wins.
      {{"m.room.topic", ""}, "topic_b"},
      {{"m.room.name", ""}, "name_b"},
  };
  // Without bob, branch B keeps the first topic; topic_a is later and wins.
  room.expectedStateWithoutB = room.expectedState;
  room.expectedStateWithoutB.erase({"m.room.member", std::string(kBob)});
  room.expectedStateWithoutB.erase({"m.room.name", ""});
  room.expectedStateWithoutB[{"m.room.topic", ""}] = "topic_a";
  return room;
}

std::string roomToJson(const std::vector<SignedRoomEvent>& events) {
  std::string out = "[";
  for (const SignedRoomEvent& e : events) {
    if (out.size() > 1) out += ",\n";
    out += json::canonical(e.json);
  }
  return out + "]\n";
}

std::string keysToJson(const std::vector<SignedRoomServer>& servers) {
  json::Object out;
  for (const SignedRoomServer& s : servers) {
    json::Value& entry = out[s.name];
    if (!entry.isObject()) entry = json::Object{};
    entry.getObject()->set(s.keyId, s.key.publicKey().toBase64());
  }
  return json::canonical(out) + "\n";
}

crypto::KeyLookup keyLookup(const std::vector<SignedRoomServer>& servers) {
  auto copy = std::make_shared<std::vector<SignedRoomServer>>(servers);
  return [copy](std::string_view server, std::string_view keyId) -> std::optional<crypto::PublicKey> {
    for (const SignedRoomServer& s : *copy) {
      if (s.name == server && s.keyId == keyId) return s.key.publicKey();
    }
    return std::nullopt;
  };
}

void resign(SignedRoomEvent& event, const SignedRoomServer& server, const events::RoomVersion& version) {
  event.json.erase("signatures");
  event.json.erase("hashes");
  events::hashAndSignEvent(event.json, server.name, server.keyId, server.key, version);
  event.eventId = computeId(event.json, version);
}

}  // namespace plexus::stateres::testing
