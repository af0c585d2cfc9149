// Pdu parsing: required fields and their types per room version, strict canonical JSON from v6,
// the size limit, v1-v2 event shapes, v12 room IDs, and the accessors.
#include "plexus/events/pdu.h"

#include <gtest/gtest.h>

#include <string>

#include "plexus/events/room_version.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::events {
namespace {

const RoomVersion& v(std::string_view id) { return *findRoomVersion(id); }

// A valid v3+ message event; tests change one thing at a time.
json::Object messageEvent() {
  return json::Object{
      {"type", "m.room.message"},
      {"room_id", "!r:x"},
      {"sender", "@u:x"},
      {"origin_server_ts", std::int64_t{1700000000000}},
      {"depth", 5},
      {"content", json::Object{{"body", "hi"}, {"msgtype", "m.text"}}},
      {"prev_events", json::Array{"$p1", "$p2"}},
      {"auth_events", json::Array{"$a1"}},
      {"hashes", json::Object{{"sha256", "AAAA"}}},
      {"signatures", json::Object{}},
  };
}

std::string text(const json::Object& o) { return json::canonical(o); }

Result<Pdu> parseWith(const json::Object& o, std::string_view version,
                      const PduParseOptions& options = {}) {
  return Pdu::parse(text(o), v(version), options);
}

ErrorCode errorOf(const Result<Pdu>& r) { return r.ok() ? ErrorCode::kUnknown : r.error().code; }

TEST(PduTest, ParsesMessageEventAndExposesFields) {
  auto pdu = parseWith(messageEvent(), "10");
  ASSERT_TRUE(pdu.ok()) << pdu.error().message;
  EXPECT_EQ(pdu->type(), "m.room.message");
  EXPECT_EQ(pdu->roomId(), "!r:x");
  EXPECT_EQ(pdu->sender(), "@u:x");
  EXPECT_FALSE(pdu->isState());
  EXPECT_EQ(pdu->originServerTs(), 1700000000000);
  EXPECT_EQ(pdu->depth(), 5);
  EXPECT_EQ(*pdu->content().find("body")->getString(), "hi");
  EXPECT_EQ(pdu->prevEvents(), (std::vector<std::string_view>{"$p1", "$p2"}));
  EXPECT_EQ(pdu->authEvents(), (std::vector<std::string_view>{"$a1"}));
  EXPECT_EQ(pdu->membership(), std::nullopt);
  EXPECT_EQ(pdu->redacts(), std::nullopt);
  EXPECT_EQ(pdu->eventId().size(), 44u);  // "$" + 43 characters of unpadded base64
  EXPECT_EQ(pdu->eventId()[0], '$');
  EXPECT_EQ(pdu->canonicalJson(), text(messageEvent()));
}

TEST(PduTest, EventIdDependsOnRoomVersionAlphabet) {
  // Search a timestamp whose hash has a URL-unsafe character to see the v3/v4 difference.
  for (int ts = 0; ts < 200; ++ts) {
    json::Object e = messageEvent();
    e.set("origin_server_ts", ts);
    auto v3 = parseWith(e, "3");
    auto v4 = parseWith(e, "4");
    ASSERT_TRUE(v3.ok() && v4.ok());
    std::string expected = v3->eventId();
    for (char& c : expected) c = c == '+' ? '-' : c == '/' ? '_' : c;
    EXPECT_EQ(v4->eventId(), expected);
    EXPECT_EQ(v4->eventId().find_first_of("+/"), std::string::npos);
    if (v3->eventId() != v4->eventId()) return;
  }
  FAIL() << "no hash with '+' or '/' in 200 tries";
}

TEST(PduTest, ParsesStateAndMemberAccessors) {
  json::Object e = messageEvent();
  e.set("type", "m.room.member");
  e.set("state_key", "@u:x");
  e.set("content", json::Object{{"membership", "join"}});
  auto pdu = parseWith(e, "9");
  ASSERT_TRUE(pdu.ok());
  EXPECT_TRUE(pdu->isState());
  EXPECT_EQ(pdu->stateKey(), "@u:x");
  EXPECT_EQ(pdu->membership(), "join");
}

TEST(PduTest, RedactsIsTopLevelBeforeV11AndInContentFrom11) {
  json::Object e = messageEvent();
  e.set("type", "m.room.redaction");
  e.set("redacts", "$top");
  e.set("content", json::Object{{"redacts", "$inner"}});
  auto v10 = parseWith(e, "10");
  auto v11 = parseWith(e, "11");
  ASSERT_TRUE(v10.ok() && v11.ok());
  EXPECT_EQ(v10->redacts(), "$top");
  EXPECT_EQ(v11->redacts(), "$inner");
}

TEST(PduTest, RejectsMissingRequiredFields) {
  for (const char* field : {"type", "room_id", "sender", "origin_server_ts", "depth", "content",
                            "prev_events", "auth_events", "hashes"}) {
    json::Object e = messageEvent();
    e.erase(field);
    EXPECT_EQ(errorOf(parseWith(e, "10")), ErrorCode::kBadJson) << field;
  }
}

TEST(PduTest, RejectsFieldsOfTheWrongType) {
  std::vector<std::pair<const char*, json::Value>> cases = {
      {"type", 5},
      {"room_id", json::Array{}},
      {"sender", true},
      {"sender", "not-a-user"},
      {"origin_server_ts", "1000"},
      {"depth", nullptr},
      {"content", "body"},
      {"prev_events", "$p1"},
      {"prev_events", json::Array{5}},
      {"auth_events", json::Array{json::Array{"$a", json::Object{}}}},  // v1 shape in v10
      {"hashes", json::Array{}},
      {"signatures", "sig"},
      {"unsigned", 3},
      {"state_key", 0},
      {"redacts", json::Object{}},
  };
  for (auto& [field, value] : cases) {
    json::Object e = messageEvent();
    e.set(field, value);
    EXPECT_EQ(errorOf(parseWith(e, "10")), ErrorCode::kBadJson) << field << " = " << json::canonical(value);
  }
}

TEST(PduTest, RejectsTextThatIsNotAJsonObject) {
  EXPECT_EQ(errorOf(Pdu::parse("", v("10"))), ErrorCode::kNotJson);
  EXPECT_EQ(errorOf(Pdu::parse("[1,2]", v("10"))), ErrorCode::kBadJson);  // JSON, wrong shape
  EXPECT_EQ(errorOf(Pdu::parse("{\"type\":", v("10"))), ErrorCode::kNotJson);
}

TEST(PduTest, RejectsDuplicateKeys) {
  std::string t = text(messageEvent());
  t.insert(1, "\"type\":\"m.room.name\",");
  EXPECT_EQ(errorOf(Pdu::parse(t, v("10"))), ErrorCode::kNotJson);
  EXPECT_EQ(errorOf(Pdu::parse(t, v("1"))), ErrorCode::kNotJson);
}

TEST(PduTest, RejectsFloatsAndHugeIntegersFromV6ButAcceptsThemInV5) {
  std::string withFloat = text(messageEvent());
  withFloat.replace(withFloat.find("\"hi\""), 4, "1.5");
  EXPECT_EQ(errorOf(Pdu::parse(withFloat, v("6"))), ErrorCode::kNotJson);
  EXPECT_TRUE(Pdu::parse(withFloat, v("5")).ok());

  std::string huge = text(messageEvent());
  huge.replace(huge.find("\"hi\""), 4, "9007199254740992");  // 2^53
  EXPECT_EQ(errorOf(Pdu::parse(huge, v("11"))), ErrorCode::kNotJson);
  EXPECT_TRUE(Pdu::parse(huge, v("3")).ok());
}

TEST(PduTest, RejectsEventsOverTheSizeLimit) {
  json::Object e = messageEvent();
  // {"body":"...","msgtype":"m.text"} grows the event to exactly the limit, then one byte over.
  std::size_t base = text(e).size() - std::string("hi").size();
  e.set("content", json::Object{{"body", std::string(kMaxPduBytes - base, 'a')}, {"msgtype", "m.text"}});
  ASSERT_EQ(text(e).size(), kMaxPduBytes);
  EXPECT_TRUE(parseWith(e, "10").ok());
  e.set("content", json::Object{{"body", std::string(kMaxPduBytes - base + 1, 'a')}, {"msgtype", "m.text"}});
  EXPECT_EQ(errorOf(parseWith(e, "10")), ErrorCode::kTooLarge);
  EXPECT_TRUE(parseWith(e, "10", PduParseOptions{.trustEventIdField = false, .enforceSizeLimit = false}).ok());
}

TEST(PduTest, SizeLimitCountsCanonicalFormOfV5FloatsThatGrow) {
  // "1e15" is 4 bytes of text but 16 canonical bytes ("1000000000000000") in v1-v5.
  std::string numbers;
  for (int i = 0; i < 6000; ++i) numbers += (i ? ",1e15" : "1e15");
  std::string t = text(messageEvent());
  t.replace(t.find("\"hi\""), 4, "[" + numbers + "]");
  ASSERT_LE(t.size(), kMaxPduBytes);
  EXPECT_EQ(errorOf(Pdu::parse(t, v("5"))), ErrorCode::kTooLarge);
}

TEST(PduTest, SizeLimitCountsCanonicalBytesNotWhitespace) {
  json::Object e = messageEvent();
  std::string padded = text(e);
  padded.insert(1, std::string(kMaxPduBytes, ' '));
  EXPECT_TRUE(Pdu::parse(padded, v("10")).ok());
}

TEST(PduTest, ParsesV1ShapeWithEventIdAndPairs) {
  json::Object e = messageEvent();
  e.set("event_id", "$abc:origin.example");
  e.set("prev_events", json::Array{json::Array{"$p1:x", json::Object{{"sha256", "AA"}}}});
  e.set("auth_events", json::Array{json::Array{"$a1:x", json::Object{}}});
  auto pdu = parseWith(e, "1");
  ASSERT_TRUE(pdu.ok()) << pdu.error().message;
  EXPECT_EQ(pdu->eventId(), "$abc:origin.example");
  EXPECT_EQ(pdu->prevEvents(), (std::vector<std::string_view>{"$p1:x"}));
  EXPECT_EQ(pdu->authEvents(), (std::vector<std::string_view>{"$a1:x"}));
}

TEST(PduTest, RejectsV1EventsWithoutEventIdOrWithV3Shapes) {
  json::Object e = messageEvent();
  e.set("prev_events", json::Array{});
  e.set("auth_events", json::Array{});
  EXPECT_EQ(errorOf(parseWith(e, "2")), ErrorCode::kBadJson);  // no event_id
  e.set("event_id", "no-sigil");
  EXPECT_EQ(errorOf(parseWith(e, "2")), ErrorCode::kBadJson);
  e.set("event_id", "$abc:x");
  e.set("prev_events", json::Array{"$p1:x"});  // v3+ shape
  EXPECT_EQ(errorOf(parseWith(e, "2")), ErrorCode::kBadJson);
}

TEST(PduTest, DropsStrayEventIdFieldFromV3AndComputesTheId) {
  json::Object e = messageEvent();
  auto without = parseWith(e, "10");
  e.set("event_id", "$claimed");
  auto with = parseWith(e, "10");
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_EQ(with->eventId(), without->eventId());
  EXPECT_FALSE(with->json().contains("event_id"));
}

TEST(PduTest, TrustedEventIdsAllowHandWrittenGraphs) {
  json::Object e = messageEvent();
  e.erase("hashes");
  e.set("event_id", "$MSG:x");
  auto trusted = parseWith(e, "10", PduParseOptions{.trustEventIdField = true});
  ASSERT_TRUE(trusted.ok()) << trusted.error().message;
  EXPECT_EQ(trusted->eventId(), "$MSG:x");
  EXPECT_EQ(errorOf(parseWith(e, "10")), ErrorCode::kBadJson);  // hashes required otherwise
  e.erase("event_id");
  EXPECT_EQ(errorOf(parseWith(e, "10", PduParseOptions{.trustEventIdField = true})),
            ErrorCode::kBadJson);
}

TEST(PduTest, V12CreateEventRoomIdIsDerivedFromItsEventId) {
  json::Object e = messageEvent();
  e.erase("room_id");
  e.set("type", "m.room.create");
  e.set("state_key", "");
  e.set("content", json::Object{{"room_version", "12"}});
  e.set("prev_events", json::Array{});
  e.set("auth_events", json::Array{});
  auto pdu = parseWith(e, "12");
  ASSERT_TRUE(pdu.ok()) << pdu.error().message;
  EXPECT_EQ(pdu->roomId().substr(1), pdu->eventId().substr(1));
  EXPECT_EQ(pdu->roomId()[0], '!');
  // Before v12 a create event needs its room_id, as does any other v12 event.
  EXPECT_EQ(errorOf(parseWith(e, "11")), ErrorCode::kBadJson);
  e.set("type", "m.room.name");
  EXPECT_EQ(errorOf(parseWith(e, "12")), ErrorCode::kBadJson);
}

TEST(PduTest, V12CreateEventWithRoomIdIsLeftToTheAuthRules) {
  json::Object e = messageEvent();
  e.set("type", "m.room.create");
  e.set("state_key", "");
  auto pdu = parseWith(e, "12");
  ASSERT_TRUE(pdu.ok());
  EXPECT_EQ(pdu->roomId(), "!r:x");
}

TEST(PduTest, DropVerificationFieldsKeepsTheEventId) {
  json::Object e = messageEvent();
  e.set("unsigned", json::Object{{"age", 5}});
  auto pdu = parseWith(e, "10");
  ASSERT_TRUE(pdu.ok());
  std::string id = pdu->eventId();
  pdu->dropVerificationFields();
  EXPECT_EQ(pdu->eventId(), id);
  EXPECT_FALSE(pdu->json().contains("signatures"));
  EXPECT_FALSE(pdu->json().contains("hashes"));
  EXPECT_FALSE(pdu->json().contains("unsigned"));
  EXPECT_EQ(pdu->type(), "m.room.message");
}

TEST(PduTest, StaysSmallInMemory) {
  // Another component replays ~100k PDUs; the handle itself must stay a few words.
  EXPECT_LE(sizeof(Pdu), 104u);
}

}  // namespace
}  // namespace plexus::events
