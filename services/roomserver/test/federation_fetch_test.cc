// inputEvents fetching what is missing: unknown prev_events through get_missing_events, a gap
// filled with state_ids + event, unknown auth events through event_auth, and the bounds on all
// of it.
#include "federation_fixture.h"

namespace plexus::roomserver::testing {
namespace {

// "<prefix><n>", built without operator+ (GCC 12 warns falsely on it at -O3).
std::string label(std::string_view prefix, int n, int m = -1) {
  std::string out(prefix);
  out.append(std::to_string(n));
  if (m >= 0) {
    out.push_back('-');
    out.append(std::to_string(m));
  }
  return out;
}

class FederationFetchTest : public FederationTest {
 protected:
  events::Pdu message(RoomState& head, const std::string& body) {
    return remoteEvent(head, kZed, "m.room.message", std::nullopt,
                       json::Object{{"msgtype", "m.text"}, {"body", body}});
  }
  // state_ids answers from `stateBefore` for every event.
  void answerStateIds(const RoomState& stateBefore) {
    federationsender::StateIdsResponse response;
    std::set<std::string> chain;
    for (const auto& [key, slot] : stateBefore.state) {
      response.pduIds.push_back(slot.eventId);
      for (auto a : slot.pdu->authEvents()) chain.emplace(a);
    }
    response.authChainIds.assign(chain.begin(), chain.end());
    federation_.stateIds = [response](const std::string&) { return response; };
  }
};

TEST_P(FederationFetchTest, FetchesMissingPrevEventsAndAppliesThemInOrder) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  events::Pdu m1 = message(head, "one");
  events::Pdu m2 = message(head, "two");
  events::Pdu m3 = message(head, "three");
  inputOk(roomId, m3);
  EXPECT_EQ(federation_.missingEventsCalls.load(), 1);
  EXPECT_EQ(federation_.stateIdsCalls.load(), 0);
  ASSERT_TRUE(waitForOutput(m3.eventId()));
  std::vector<std::string> order;
  {
    std::lock_guard lock(outputsMutex_);
    for (const auto& o : outputs_) order.push_back(o.eventId);
  }
  auto pos = [&](const std::string& id) {
    return std::find(order.begin(), order.end(), id) - order.begin();
  };
  EXPECT_LT(pos(m1.eventId()), pos(m2.eventId()));
  EXPECT_LT(pos(m2.eventId()), pos(m3.eventId()));
  EXPECT_LT(pos(m3.eventId()), static_cast<long>(order.size()));
  auto latest = api().queryLatestEvents(ctx_, roomId);
  EXPECT_EQ(latest->eventIds, std::vector<std::string>{m3.eventId()});
}

TEST_P(FederationFetchTest, FillsAGapWithStateIds) {
  limits_.missingEventsLimit = 3;
  service_ = makeService(identity_, db(), limits_);
  RoomState head;
  std::string roomId = roomWithZed(&head);
  // zed's power to set the topic.
  SendEventRequest pl{roomId, kAlice, "m.room.power_levels", std::string(), {}, {}};
  auto levels = api().queryStateEvent(ctx_, roomId, "m.room.power_levels", "");
  pl.content = levels->pdu.content();
  json::Object users = *pl.content.find("users")->getObject();
  users.set(kZed, 50);
  pl.content.set("users", users);
  ASSERT_TRUE(api().performSendEvent(ctx_, pl).ok());
  head = headOf(roomId);
  // In the gap: a topic change we never see as a live event.
  events::Pdu topic = remoteEvent(head, kZed, "m.room.topic", "", json::Object{{"topic", "gap"}});
  std::vector<events::Pdu> chain;
  for (int i = 0; i < 6; ++i) chain.push_back(message(head, label("m", i)));
  answerStateIds(head);  // messages do not change state: the state before any of them
  inputOk(roomId, chain.back());
  EXPECT_EQ(federation_.missingEventsCalls.load(), 1);
  EXPECT_GE(federation_.stateIdsCalls.load(), 1);
  EXPECT_GE(federation_.eventCalls.load(), 1);  // the topic was fetched
  auto current = api().queryStateEvent(ctx_, roomId, "m.room.topic", "");
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->pdu.eventId(), topic.eventId());
  ASSERT_TRUE(waitForOutput(chain.back().eventId()));
  // The first event after the gap brought the topic into the current state.
  std::lock_guard lock(outputsMutex_);
  bool added = false;
  for (const auto& o : outputs_) {
    added |= std::find(o.addsStateEventIds.begin(), o.addsStateEventIds.end(), topic.eventId()) !=
             o.addsStateEventIds.end();
  }
  EXPECT_TRUE(added);
}

TEST_P(FederationFetchTest, RefusesAStateTooLargeToFetch) {
  limits_.missingEventsLimit = 2;
  limits_.maxStateIds = 50;
  service_ = makeService(identity_, db(), limits_);
  RoomState head;
  std::string roomId = roomWithZed(&head);
  std::vector<events::Pdu> chain;
  for (int i = 0; i < 5; ++i) chain.push_back(message(head, label("m", i)));
  federationsender::StateIdsResponse huge;
  for (int i = 0; i < 1000; ++i) huge.pduIds.push_back(label("$missing", i));
  federation_.stateIds = [huge](const std::string&) { return huge; };
  auto r = input(roomId, {chain.back()});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE((*r)[0].error);
  EXPECT_NE((*r)[0].error->find("missing prev events"), std::string::npos);
  EXPECT_EQ(federation_.eventCalls.load(), 0);
  EXPECT_LE(federation_.stateIdsCalls.load(), limits_.maxStateIdsCalls);
  EXPECT_FALSE(api().queryEvent(ctx_, chain.back().eventId()).ok());
}

TEST_P(FederationFetchTest, BoundsFetchesForABatchOfDisconnectedEvents) {
  limits_.missingEventsLimit = 2;
  service_ = makeService(identity_, db(), limits_);
  RoomState head;
  std::string roomId = roomWithZed(&head);
  RoomState base = head;
  // Twenty events on twenty separate long chains: each would need fetching.
  std::vector<events::Pdu> tips;
  for (int c = 0; c < 20; ++c) {
    RoomState branch = base;
    events::Pdu last = message(branch, "x");
    for (int i = 0; i < 4; ++i) last = message(branch, label("c", c, i));
    tips.push_back(last);
  }
  federation_.stateIds = [](const std::string&) -> Result<federationsender::StateIdsResponse> {
    return fail(ErrorCode::kUnavailable, "down");
  };
  auto r = input(roomId, tips);
  ASSERT_TRUE(r.ok());
  EXPECT_LE(federation_.missingEventsCalls.load(), limits_.maxMissingEventsCalls);
  EXPECT_LE(federation_.stateIdsCalls.load(), limits_.maxStateIdsCalls);
  int failed = 0;
  for (const auto& x : *r) failed += x.error.has_value();
  EXPECT_GT(failed, 0);
}

TEST_P(FederationFetchTest, FetchesUnknownAuthEvents) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  // yan joins in an event we never receive; then yan's message (whose auth events name that
  // join) arrives with it as prev event missing, state fetched by state_ids.
  events::Pdu yanJoin =
      remoteEvent(head, kYan, "m.room.member", kYan, json::Object{{"membership", "join"}});
  events::Pdu hello = remoteEvent(head, kYan, "m.room.message", std::nullopt,
                                  json::Object{{"msgtype", "m.text"}, {"body", "hello"}});
  RoomState before = head;
  answerStateIds(before);
  inputOk(roomId, hello);
  EXPECT_GE(federation_.eventAuthCalls.load() + federation_.missingEventsCalls.load(), 1);
  EXPECT_EQ(membershipOf(roomId, kYan), "join");
  (void)yanJoin;
}

TEST_P(FederationFetchTest, StoresOutliersInAnyOrderWithoutOutput) {
  RoomState head;
  std::string roomId = roomWithZed(&head);
  events::Pdu join =
      remoteEvent(head, kYan, "m.room.member", kYan, json::Object{{"membership", "join"}});
  events::Pdu rename = remoteEvent(head, kYan, "m.room.member", kYan,
                                   json::Object{{"membership", "join"}, {"displayname", "Yan"}});
  json::Object forged = rename.json();
  forged.set("sender", kZed);  // breaks the signature
  using Kind = RoomserverApi::InputKind;
  auto r = api().inputEvents(ctx_, roomId,
                             {{rename.json(), kRemote, Kind::kOutlier},
                              {join.json(), kRemote, Kind::kOutlier},
                              {forged, kRemote, Kind::kOutlier}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].eventId, rename.eventId());
  EXPECT_FALSE((*r)[0].error);
  EXPECT_EQ((*r)[1].eventId, join.eventId());
  EXPECT_FALSE((*r)[1].error);
  EXPECT_TRUE((*r)[2].error);
  EXPECT_TRUE(api().queryEvent(ctx_, rename.eventId()).ok());
  EXPECT_EQ(membershipOf(roomId, kYan), std::nullopt);  // outliers do not change the state
  // The same event arriving live later is promoted and applied.
  inputOk(roomId, join);
  EXPECT_EQ(membershipOf(roomId, kYan), "join");
  ASSERT_TRUE(waitForOutput(join.eventId()));
}

PLEXUS_INSTANTIATE_DATABASE_TESTS(FederationFetchTest);

}  // namespace
}  // namespace plexus::roomserver::testing
