// Tests of the replay engine's input handling and of the string-map resolveState interface.
#include <gtest/gtest.h>

#include "json_array_splitter.h"
#include "sha1.h"
#include "plexus/stateres/replay.h"
#include "plexus/stateres/resolver.h"

namespace plexus::stateres {
namespace {

const events::RoomVersion& v10() { return *events::findRoomVersion("10"); }

std::string event(std::string_view id, std::string_view type, std::string_view stateKey, std::string_view content,
                  std::string_view prev, std::string_view auth, int depth) {
  return "{\"event_id\":\"" + std::string(id) + "\",\"type\":\"" + std::string(type) + "\",\"state_key\":\"" +
         std::string(stateKey) + "\",\"sender\":\"@alice:x\",\"room_id\":\"!r:x\",\"content\":" + std::string(content) +
         ",\"prev_events\":[" + std::string(prev) + "],\"auth_events\":[" + std::string(auth) +
         "],\"origin_server_ts\":" + std::to_string(1000 + depth) + ",\"depth\":" + std::to_string(depth) + "}";
}

// create, alice's join, power levels: a minimal valid room.
std::string baseRoom() {
  return event("$c", "m.room.create", "", R"({"creator":"@alice:x"})", "", "", 1) + "," +
         event("$j", "m.room.member", "@alice:x", R"({"membership":"join"})", R"("$c")", R"("$c")", 2) + "," +
         event("$p", "m.room.power_levels", "", R"({"users":{"@alice:x":100}})", R"("$j")", R"("$c","$j")", 3);
}

ReplayOptions trusted() {
  ReplayOptions o;
  o.trustEventIds = true;
  o.threads = 1;
  return o;
}

TEST(ReplayTest, ReplaysEventsGivenInAnyOrder) {
  std::string text = "[" +
                     event("$t", "m.room.topic", "", R"({"topic":"x"})", R"("$p")", R"("$c","$j","$p")", 4) +
                     "," + baseRoom() + "]";
  auto result = replayRoomJson(text, v10(), trusted());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(stateToJson(result->graph, result->state),
            R"({"m.room.create":{"":"$c"},"m.room.member":{"@alice:x":"$j"},"m.room.power_levels":{"":"$p"},)"
            R"("m.room.topic":{"":"$t"}})");
  EXPECT_EQ(result->stats.rejected, 0u);
}

TEST(ReplayTest, MissingPrevEventIsAnErrorUnlessAllowed) {
  std::string text = "[" + baseRoom() + "," +
                     event("$t", "m.room.topic", "", R"({"topic":"x"})", R"("$gone")", R"("$c","$j","$p")", 4) + "]";
  auto strict = replayRoomJson(text, v10(), trusted());
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().code, ErrorCode::kNotFound);
  ReplayOptions lenient = trusted();
  lenient.allowMissingPrevEvents = true;
  auto result = replayRoomJson(text, v10(), lenient);
  ASSERT_TRUE(result.ok()) << result.error().message;
  // Its only prev event is missing, so it starts from the empty state and fails auth.
  EXPECT_EQ(result->stats.rejected, 1u);
}

TEST(ReplayTest, RejectsDuplicateEventIds) {
  std::string text = "[" + baseRoom() + "," + baseRoom() + "]";
  EXPECT_FALSE(replayRoomJson(text, v10(), trusted()).ok());
}

TEST(ReplayTest, RejectsPrevEventCycle) {
  std::string text = "[" + baseRoom() + "," +
                     event("$x", "m.room.topic", "", "{}", R"("$y")", R"("$c","$j","$p")", 4) + "," +
                     event("$y", "m.room.topic", "", "{}", R"("$x")", R"("$c","$j","$p")", 5) + "]";
  auto result = replayRoomJson(text, v10(), trusted());
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("cycle"), std::string::npos);
}

TEST(ReplayTest, MalformedInputIsAnErrorNotACrash) {
  for (std::string_view text : {"", "{}", "[", "[{]", "[{\"a\":\"}]", "[1,]", "[{}] x", "[{},{}", "[\"\\\"]"}) {
    EXPECT_FALSE(replayRoomJson(text, v10(), trusted()).ok()) << text;
  }
  EXPECT_TRUE(replayRoomJson("[]", v10(), trusted()).ok());
}

TEST(ReplayTest, UntrustedIdsWithoutKeysRejectEveryEvent) {
  ReplayOptions o;  // computes event IDs; there are no keys, so nothing verifies
  o.threads = 1;
  std::string text = "[" + baseRoom() + "]";
  auto result = replayRoomJson(text, v10(), o);
  // The hand-written events have no hashes: parsing without trusted IDs fails on them.
  if (result.ok()) {
    EXPECT_EQ(result->stats.rejected, result->stats.events);
  }
}

TEST(JsonArraySplitterTest, SplitsElementsWithNestingAndEscapes) {
  auto parts = detail::splitJsonArray(R"( [ {"a":"x,]\"}"} , [1,[2]] ,"s\\"] )");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0], R"({"a":"x,]\"}"})");
  EXPECT_EQ((*parts)[1], "[1,[2]]");
  EXPECT_EQ((*parts)[2], R"("s\\")");
}

TEST(Sha1Test, MatchesFipsExamples) {
  auto hex = [](const std::array<std::uint8_t, 20>& d) {
    std::string out;
    for (std::uint8_t b : d) out += "0123456789abcdef"[b >> 4], out += "0123456789abcdef"[b & 15];
    return out;
  };
  EXPECT_EQ(hex(detail::sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(detail::sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(hex(detail::sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

// An EventSource over parsed PDUs.
class MapSource final : public EventSource {
 public:
  explicit MapSource(std::vector<events::Pdu> pdus) : pdus_(std::move(pdus)) {}
  const events::Pdu* find(std::string_view id) const override {
    for (const events::Pdu& p : pdus_) {
      if (p.eventId() == id) return &p;
    }
    return nullptr;
  }

 private:
  std::vector<events::Pdu> pdus_;
};

TEST(ResolveStateTest, LaterTopicOnTheSameMainlinePositionWins) {
  std::string text = "[" + baseRoom() + "," +
                     event("$t1", "m.room.topic", "", R"({"topic":"a"})", R"("$p")", R"("$c","$j","$p")", 4) + "," +
                     event("$t2", "m.room.topic", "", R"({"topic":"b"})", R"("$p")", R"("$c","$j","$p")", 5) + "]";
  auto loaded = loadPdus(text, v10(), trusted());
  ASSERT_TRUE(loaded.ok());
  MapSource source(std::move(loaded->pdus));
  StateMap base = {{{"m.room.create", ""}, "$c"}, {{"m.room.member", "@alice:x"}, "$j"}, {{"m.room.power_levels", ""}, "$p"}};
  StateMap a = base, b = base;
  a[{"m.room.topic", ""}] = "$t1";
  b[{"m.room.topic", ""}] = "$t2";
  std::vector<StateMap> sets = {a, b};
  auto resolved = resolveState(v10(), sets, source);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved->at({"m.room.topic", ""}), "$t2");  // same mainline position, later ts
  EXPECT_EQ(resolved->size(), 4u);
}

TEST(ResolveStateTest, UnknownEventIsNotFound) {
  MapSource source({});
  std::vector<StateMap> sets = {{{{"m.room.topic", ""}, "$nope"}}, {}};
  auto resolved = resolveState(v10(), sets, source);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace plexus::stateres
