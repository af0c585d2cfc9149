// Replays a really signed room without trusted event IDs: IDs are computed, signatures checked
// with server keys, content hashes checked. Covers the receipt checks of the replay input and
// what a failed check does to the event and to the events that depend on it.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "plexus/events/event_hashing.h"
#include "plexus/stateres/replay.h"
#include "signed_room_generator.h"

namespace plexus::stateres {
namespace {

using testing::SignedRoom;
using testing::SignedRoomEvent;
using testing::SignedRoomServer;

// The b.example events: bob's join and everything bob sent.
const std::vector<std::string> kBobEvents = {"bob_join", "message", "name_b", "topic_b"};

class SignedReplayTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    version_ = events::findRoomVersion(GetParam());
    ASSERT_NE(version_, nullptr);
    servers_ = testing::defaultServers();
    room_ = testing::generateSignedRoom(*version_, servers_);
  }

  ReplayOptions options(const std::vector<SignedRoomServer>& known) const {
    ReplayOptions o;
    o.trustEventIds = false;
    o.keys = testing::keyLookup(known);
    o.threads = 1;
    return o;
  }

  Result<ReplayResult> replay(const std::vector<SignedRoomEvent>& events) const {
    return replay(events, servers_);
  }
  Result<ReplayResult> replay(const std::vector<SignedRoomEvent>& events,
                              const std::vector<SignedRoomServer>& known) const {
    return replayRoomJson(testing::roomToJson(events), *version_, options(known));
  }

  std::set<std::string> ids(const std::vector<std::string>& labels) const {
    std::set<std::string> out;
    for (const std::string& l : labels) out.insert(room_.idOf(l));
    return out;
  }

  const SignedRoomServer& server(std::string_view name) const {
    for (const SignedRoomServer& s : servers_) {
      if (s.name == name) return s;
    }
    throw std::out_of_range(std::string(name));
  }

  const events::RoomVersion* version_ = nullptr;
  std::vector<SignedRoomServer> servers_;
  SignedRoom room_;
};

std::map<std::string, std::string> rejectedById(const ReplayResult& r) {
  std::map<std::string, std::string> out;
  for (const RejectedEvent& e : r.rejected) out.emplace(r.graph.eventId(e.event), e.reason);
  return out;
}

std::set<std::string> keysOf(const std::map<std::string, std::string>& m) {
  std::set<std::string> out;
  for (const auto& [k, v] : m) out.insert(k);
  return out;
}

// True when some state entry holds `eventId`.
bool inState(const ReplayResult& r, std::string_view eventId) {
  for (std::size_t k = 0; k < r.state.keyBound(); ++k) {
    EventIdx e = r.state.get(static_cast<KeyIdx>(k));
    if (e != kNoEvent && r.graph.eventId(e) == eventId) return true;
  }
  return false;
}

TEST_P(SignedReplayTest, ReplaysSignedRoomWithComputedIdsToExpectedState) {
  auto result = replay(room_.events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->stats.events, room_.events.size());
  EXPECT_EQ(result->stats.rejected, 0u);
  EXPECT_TRUE(result->rejected.empty()) << result->graph.eventId(result->rejected[0].event) << ": "
                                        << result->rejected[0].reason;
  for (const auto& [key, label] : room_.expectedState) {
    KeyIdx k = result->graph.findKey(key.first, key.second);
    ASSERT_NE(k, kNoKey) << key.first << "/" << key.second;
    ASSERT_NE(result->state.get(k), kNoEvent) << key.first << "/" << key.second;
    EXPECT_EQ(result->graph.eventId(result->state.get(k)), room_.idOf(label)) << key.first << "/" << key.second;
  }
  EXPECT_EQ(result->state.count(), room_.expectedState.size());
  EXPECT_EQ(stateToJson(result->graph, result->state), room_.stateJson(room_.expectedState));
  ASSERT_EQ(result->forwardExtremities.size(), 1u);
  EXPECT_EQ(result->graph.eventId(result->forwardExtremities[0]), room_.idOf("merge"));
  EXPECT_EQ(result->stats.resolutions, 1u);  // the merge of the two branches
}

TEST_P(SignedReplayTest, ComputedIdsUseTheVersionFormat) {
  for (const SignedRoomEvent& e : room_.events) {
    ASSERT_EQ(e.eventId.size(), 44u) << e.label;  // "$" + 43 chars of unpadded base64 (32 bytes)
    bool urlSafe = e.eventId.find_first_of("+/") == std::string::npos;
    if (version_->eventIdFormat == events::EventIdFormat::kUrlSafeHash) {
      EXPECT_TRUE(urlSafe) << e.eventId;
    }
  }
  if (version_->roomIdFromCreateEvent) {
    EXPECT_EQ(room_.roomId, "!" + room_.idOf("create").substr(1));
    EXPECT_FALSE(room_.event("create").json.contains("room_id"));
    for (const SignedRoomEvent& e : room_.events) {
      const json::Array* auth = e.json.find("auth_events")->getArray();
      for (const json::Value& a : *auth) EXPECT_NE(*a.getString(), room_.idOf("create")) << e.label;
    }
  }
}

TEST_P(SignedReplayTest, RejectsEventWithTamperedSignatureAndItsDependants) {
  std::vector<SignedRoomEvent> events = room_.events;
  json::Object* sigs = room_.event("bob_join").json.find("signatures")->getObject();
  std::string sig = *sigs->find("b.example")->getObject()->find("ed25519:1")->getString();
  sig[0] = sig[0] == 'A' ? 'B' : 'A';
  for (SignedRoomEvent& e : events) {
    if (e.label == "bob_join") {
      e.json.find("signatures")->getObject()->find("b.example")->getObject()->set("ed25519:1", sig);
    }
  }
  auto result = replay(events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  auto rejected = rejectedById(*result);
  // bob's join fails its own check; bob's later events cite it as an auth event.
  EXPECT_EQ(keysOf(rejected), ids(kBobEvents));
  EXPECT_NE(rejected[room_.idOf("bob_join")].find("does not verify"), std::string::npos)
      << rejected[room_.idOf("bob_join")];
  EXPECT_NE(rejected[room_.idOf("topic_b")].find("rejected auth event"), std::string::npos)
      << rejected[room_.idOf("topic_b")];
  for (const std::string& l : kBobEvents) EXPECT_FALSE(inState(*result, room_.idOf(l))) << l;
  EXPECT_EQ(stateToJson(result->graph, result->state), room_.stateJson(room_.expectedStateWithoutB));
}

TEST_P(SignedReplayTest, RejectsEveryEventOfServerWhoseKeyIsUnknown) {
  auto result = replay(room_.events, {server("a.example")});
  ASSERT_TRUE(result.ok()) << result.error().message;
  auto rejected = rejectedById(*result);
  EXPECT_EQ(keysOf(rejected), ids(kBobEvents));
  for (const std::string& l : kBobEvents) {
    // Each fails its own signature check, before auth.
    EXPECT_NE(rejected[room_.idOf(l)].find("no signature of b.example with a known key"), std::string::npos)
        << l << ": " << rejected[room_.idOf(l)];
    EXPECT_FALSE(inState(*result, room_.idOf(l))) << l;
  }
  EXPECT_EQ(stateToJson(result->graph, result->state), room_.stateJson(room_.expectedStateWithoutB));
}

TEST_P(SignedReplayTest, RejectsEventSignedWithUnknownKeyIdOrByAnotherServersKey) {
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    std::vector<SignedRoomEvent> events = room_.events;
    for (SignedRoomEvent& e : events) {
      if (e.label != "bob_join") continue;
      std::string before = e.eventId;
      if (variant == 0) {
        SignedRoomServer otherKeyId = server("b.example");
        otherKeyId.keyId = "ed25519:2";
        testing::resign(e, otherKeyId, *version_);
      } else if (variant == 1) {
        SignedRoomServer wrongKey = server("a.example");
        wrongKey.name = "b.example";  // b.example's name and key ID, a.example's key
        testing::resign(e, wrongKey, *version_);
      } else {
        e.json.erase("signatures");
      }
      // Signatures are not part of the reference hash: the ID the other events cite holds.
      EXPECT_EQ(variant == 2 ? events::computeEventId(e.json, *version_).value() : e.eventId, before);
    }
    auto result = replay(events);
    ASSERT_TRUE(result.ok()) << result.error().message;
    auto rejected = rejectedById(*result);
    EXPECT_EQ(keysOf(rejected), ids(kBobEvents));
    EXPECT_EQ(stateToJson(result->graph, result->state), room_.stateJson(room_.expectedStateWithoutB));
  }
}

TEST_P(SignedReplayTest, RejectsEventWhoseTypeChangedAfterSigning) {
  // The type is part of the reference hash, so the changed event gets another ID; it must be a
  // leaf for the rest of the room to stay intact, so the merge is left out.
  std::vector<SignedRoomEvent> events = room_.events;
  events.pop_back();
  SignedRoomEvent& tampered = events.back();
  ASSERT_EQ(tampered.label, "topic_b");
  tampered.json.set("type", "m.room.name");
  std::string tamperedId = events::computeEventId(tampered.json, *version_).value();
  ASSERT_NE(tamperedId, room_.idOf("topic_b"));
  auto result = replay(events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  auto rejected = rejectedById(*result);
  ASSERT_EQ(keysOf(rejected), std::set<std::string>{tamperedId});
  EXPECT_NE(rejected[tamperedId].find("does not verify"), std::string::npos) << rejected[tamperedId];
  EXPECT_FALSE(inState(*result, tamperedId));
  testing::LabelState expected = room_.expectedState;
  expected[{"m.room.topic", ""}] = "topic_a";  // branch B keeps the first topic; topic_a is later
  EXPECT_EQ(stateToJson(result->graph, result->state), room_.stateJson(expected));
}

TEST_P(SignedReplayTest, UsesRedactedFormOfEventWhoseContentChangedAfterSigning) {
  // SPEC (server-server "Checks performed on receipt of a PDU", step 3): an event that passes
  // the signature check but not the content hash check is redacted before being processed
  // further. Message and topic content is not part of the redacted form, so the IDs hold.
  std::vector<SignedRoomEvent> events = room_.events;
  for (SignedRoomEvent& e : events) {
    if (e.label == "message") e.json.find("content")->getObject()->set("body", "changed in transit");
    if (e.label == "topic_b") e.json.find("content")->getObject()->set("topic", "changed in transit");
  }
  auto result = replay(events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->rejected.empty()) << result->rejected[0].reason;
  EXPECT_EQ(stateToJson(result->graph, result->state), room_.stateJson(room_.expectedState));
  for (const char* label : {"message", "topic_b"}) {
    EventIdx e = result->graph.find(room_.idOf(label));
    ASSERT_NE(e, kNoEvent) << label;
    ASSERT_NE(result->graph.pdu(e), nullptr) << label;
    EXPECT_TRUE(result->graph.pdu(e)->content().empty()) << label;  // redacted, not the changed body
  }
  // The untouched events keep their content.
  EventIdx topicA = result->graph.find(room_.idOf("topic_a"));
  EXPECT_EQ(result->graph.pdu(topicA)->content().find("topic")->getString()->c_str(), std::string("from a"));
}

TEST_P(SignedReplayTest, IgnoresEventIdFieldThatLiesAboutTheId) {
  // From v3 an event's ID is its reference hash; an `event_id` field is not part of the format.
  std::vector<SignedRoomEvent> events = room_.events;
  for (SignedRoomEvent& e : events) {
    if (e.label == "message") e.json.set("event_id", "$liar:b.example");
    if (e.label == "topic_a") e.json.set("event_id", room_.idOf("topic_b"));  // claims another's ID
  }
  auto result = replay(events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->rejected.empty()) << result->rejected[0].reason;
  EXPECT_EQ(result->graph.find("$liar:b.example"), kNoEvent);
  // The stray field is dropped before the content hash check, so the message is not redacted.
  EventIdx message = result->graph.find(room_.idOf("message"));
  ASSERT_NE(message, kNoEvent);
  ASSERT_NE(result->graph.pdu(message), nullptr);
  EXPECT_NE(result->graph.pdu(message)->content().find("body"), nullptr);
  EXPECT_NE(result->graph.pdu(result->graph.find(room_.idOf("topic_a"))), nullptr);
  EXPECT_EQ(stateToJson(result->graph, result->state), room_.stateJson(room_.expectedState));
}

TEST_P(SignedReplayTest, RejectsEverythingWithoutKeys) {
  ReplayOptions o;
  o.threads = 1;
  auto result = replayRoomJson(testing::roomToJson(room_.events), *version_, o);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->stats.rejected, room_.events.size());
  EXPECT_EQ(result->state.count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(RoomVersions, SignedReplayTest, ::testing::Values("3", "10", "11", "12"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           return std::string("v") + param.param;
                         });

}  // namespace
}  // namespace plexus::stateres
