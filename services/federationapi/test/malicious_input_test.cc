// Malicious federation input (issue 4), end to end: signed PUT /send requests into the real
// roomserver and sync-api (malicious_input_fixture.h). Each case checks the answer (HTTP status
// or the PDU's error entry) and that alice's client (/sync, /messages, /rooms/{roomId}/event)
// and the room's state do not show the event as accepted; fetches caused by missing events are
// counted against the roomserver's InputLimits. The table in ../README.md ("Malicious input")
// maps each case to where it is stopped.
#include <string>
#include <vector>

#include "malicious_input_fixture.h"
#include "plexus/crypto/base64.h"
#include "plexus/crypto/sha256.h"
#include "plexus/events/event_hashing.h"

namespace plexus::federationapi {
namespace {

using testing::kAlice;
using testing::kBob;

class MaliciousInput : public testing::MaliciousInputTest {
 protected:
  // A syntactically valid v4+ event ID that no server has.
  static std::string fakeEventId(int n) {
    std::string seed("missing-");
    seed.append(std::to_string(n));
    // Appended, not operator+: GCC 12 warns falsely on it at -O3.
    std::string id("$");
    id.append(crypto::encodeBase64(crypto::sha256Bytes(seed), crypto::Base64Alphabet::kUrlSafe));
    return id;
  }

  // Sends a raw body signed as remote.test (the X-Matrix signature needs JSON: bodies that are
  // not JSON are signed without content, as an attacker who cannot sign them would).
  testing::Reply sendRaw(const std::string& txnId, const std::string& body) {
    return call("PUT", "/_matrix/federation/v1/send/" + txnId, body);
  }
};

TEST_F(MaliciousInput, RejectsEventWithBadSignature) {
  events::Pdu real = message("forged");
  // Same key ID, another key: the signature does not verify with remote.test's published key.
  testing::FakeServer impostor{"remote.test"};
  events::Pdu forged = resign(real, impostor, [](json::Object&) {});
  ASSERT_EQ(forged.eventId(), real.eventId());
  auto reply = sendTxn("t1", {forged});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_TRUE(hasError(reply, forged.eventId())) << reply.raw;
  EXPECT_FALSE(storedRow(forged.eventId())) << "an event with a bad signature is not stored";
  expectNotAccepted(forged.eventId());
  EXPECT_FALSE(clientSeesBody("forged"));
}

TEST_F(MaliciousInput, RejectsEventSignedByAnUnknownKey) {
  testing::FakeServer stranger{"remote.test"};
  stranger.key.keyId = "ed25519:unpublished";
  events::Pdu event = resign(message("unknown key"), stranger, [](json::Object&) {});
  auto reply = sendTxn("t1", {event});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_TRUE(hasError(reply, event.eventId())) << reply.raw;
  expectNotAccepted(event.eventId());
}

// SPEC: "Checks performed on receipt of a PDU": a wrong content hash is not a rejection; the
// redacted form is stored and used instead, so no client ever sees the tampered content.
TEST_F(MaliciousInput, WrongContentHashKeepsOnlyTheRedactedForm) {
  events::Pdu original = message("original");
  json::Object tampered = original.json();
  tampered.set("content", json::Object{{"msgtype", "m.text"}, {"body", "tampered"}});
  auto reply = sendTxn("t1", json::Array{tampered});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  ASSERT_TRUE(entryFor(reply, original.eventId())) << reply.raw;
  EXPECT_FALSE(hasError(reply, original.eventId())) << reply.raw;
  auto view = clientView();
  ASSERT_TRUE(view.contains(original.eventId()));
  const json::Value* content = view[original.eventId()].find("content");
  EXPECT_TRUE(!content || (content->getObject() && content->getObject()->empty()))
      << json::canonical(view[original.eventId()]);
  EXPECT_FALSE(clientSeesBody("tampered"));
  EXPECT_FALSE(clientSeesBody("original"));
  auto stored = real_->queryEvent(ctx_, original.eventId());
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->pdu.content().empty());
}

TEST_F(MaliciousInput, RejectsAuthRuleViolation) {
  // eve never joined: her message fails the membership rule.
  events::Pdu intruder = message("let me in", "@eve:remote.test");
  // bob (power 0) renames the room (needs 50).
  events::Pdu rename = build(kBob, "m.room.name", "", json::Object{{"name", "Bob's now"}});
  auto reply = sendTxn("t1", {intruder, rename});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_NE(errorOf(reply, intruder.eventId()).find("rejected"), std::string::npos) << reply.raw;
  EXPECT_NE(errorOf(reply, rename.eventId()).find("rejected"), std::string::npos) << reply.raw;
  for (const auto* e : {&intruder, &rename}) {
    auto row = storedRow(e->eventId());
    ASSERT_TRUE(row) << "a rejected event is kept (as rejected) so that it is not fetched again";
    EXPECT_TRUE(row->rejected);
    expectNotAccepted(e->eventId());
  }
  EXPECT_FALSE(clientSeesBody("let me in"));
  EXPECT_TRUE(real_->queryStateEvent(ctx_, roomId_, "m.room.name", "").error().code ==
              ErrorCode::kNotFound);
  // The room goes on: bob's next message (on the state without the rejected events) is fine.
  events::Pdu after = message("after");
  auto next = sendTxn("t2", {after});
  EXPECT_FALSE(hasError(next, after.eventId())) << next.raw;
  EXPECT_TRUE(clientSees(after.eventId()));
}

// Rejected events are kept by the roomserver (so that they are not fetched again) but must not
// be handed out as room history to other servers either.
TEST_F(MaliciousInput, RejectedEventsAreNotServedToOtherServers) {
  roomserver::RoomState head = headOf(roomId_);
  events::Pdu rename = buildOn(head, kBob, "m.room.name", "", json::Object{{"name", "Bob's now"}});
  // A message on top of it: accepted (a rejected event with a state is a usable prev event).
  events::Pdu child = buildOn(head, kBob, "m.room.message", std::nullopt,
                              json::Object{{"msgtype", "m.text"}, {"body", "child"}});
  auto reply = sendTxn("t1", {rename, child});
  ASSERT_TRUE(hasError(reply, rename.eventId())) << reply.raw;
  ASSERT_FALSE(hasError(reply, child.eventId())) << reply.raw;
  auto event = call("GET", "/_matrix/federation/v1/event/" + rename.eventId(), "");
  EXPECT_EQ(event.status, 404) << event.raw;
  auto backfill = call(
      "GET", "/_matrix/federation/v1/backfill/" + roomId_ + "?v=" + child.eventId() + "&limit=100",
      "");
  EXPECT_EQ(backfill.status, 200) << backfill.raw;
  // The child names the rejected event as a prev event; the rejected event itself (the only one
  // carrying the new name) must not be among the PDUs.
  auto servesRename = [](const json::Object& body, const char* field) {
    const json::Value* list = body.find(field);
    if (!list || !list->getArray()) return false;
    for (const auto& e : *list->getArray()) {
      const json::Value* content = e.getObject() ? e.getObject()->find("content") : nullptr;
      if (e.getStringAt("type") == "m.room.name" && content &&
          content->getStringAt("name") == "Bob's now")
        return true;
    }
    return false;
  };
  EXPECT_TRUE(backfill.raw.find("\"child\"") != std::string::npos) << backfill.raw;
  EXPECT_FALSE(servesRename(backfill.body, "pdus")) << "backfill serves it: " << backfill.raw;
  json::Object missing{{"earliest_events", json::Array{}},
                       {"latest_events", json::Array{child.eventId()}},
                       {"limit", 10}};
  auto gap = call("POST", "/_matrix/federation/v1/get_missing_events/" + roomId_,
                  json::canonical(missing));
  EXPECT_EQ(gap.status, 200) << gap.raw;
  EXPECT_FALSE(servesRename(gap.body, "events")) << "get_missing_events serves it: " << gap.raw;
}

// Allowed by the state it names but not by the current one (bob was banned meanwhile): soft
// failed, so stored but neither current nor shown (SPEC: "Soft failure").
TEST_F(MaliciousInput, SoftFailedEventIsNotShownToClients) {
  roomserver::RoomState stale = headOf(roomId_);
  roomserver::MembershipChangeRequest ban{roomId_, kAlice, kBob, std::nullopt, false};
  ASSERT_TRUE(real_->performBan(ctx_, ban).ok());
  events::Pdu late = buildOn(stale, kBob, "m.room.message", std::nullopt,
                             json::Object{{"msgtype", "m.text"}, {"body", "after my ban"}});
  auto reply = sendTxn("t1", {late});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  auto row = storedRow(late.eventId());
  ASSERT_TRUE(row);
  EXPECT_TRUE(row->softFailed);
  EXPECT_FALSE(clientSees(late.eventId()));
  EXPECT_FALSE(clientSeesBody("after my ban"));
  EXPECT_FALSE(isForwardExtremity(late.eventId()));
}

// A redaction of alice's event by bob, who lacks the power: accepted by the v3+ auth rules (the
// redaction event itself is harmless) but not applied, and clients still see the content.
TEST_F(MaliciousInput, RedactionWithoutPowerIsNotAppliedForClients) {
  roomserver::SendEventRequest send;
  send.roomId = roomId_;
  send.sender = kAlice;
  send.type = "m.room.message";
  send.content = json::Object{{"msgtype", "m.text"}, {"body", "alice's words"}};
  auto sent = real_->performSendEvent(ctx_, send);
  ASSERT_TRUE(sent.ok());
  events::Pdu redaction =
      build(kBob, "m.room.redaction", std::nullopt, json::Object{{"redacts", sent->eventId}});
  auto reply = sendTxn("t1", {redaction});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_TRUE(clientSeesBody("alice's words"));
  auto event = sync_->queryEventForUser(ctx_, kAlice, roomId_, sent->eventId);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(json::Value(*event).get("content")->getStringAt("body"), "alice's words");
}

// `unsigned` is the sender's local data, covered by neither hash nor signature: a remote server
// cannot use it to make clients think an event is their own echo or was redacted.
TEST_F(MaliciousInput, RemoteUnsignedDataDoesNotReachClients) {
  events::Pdu event = message("with unsigned");
  json::Object withUnsigned = event.json();
  withUnsigned.set("unsigned", json::Object{{"transaction_id", "alice-txn"},
                                            {"redacted_because", json::Object{{"x", 1}}},
                                            {"age", 1}});
  auto reply = sendTxn("t1", json::Array{withUnsigned});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  ASSERT_FALSE(hasError(reply, event.eventId())) << reply.raw;
  auto view = clientView();
  ASSERT_TRUE(view.contains(event.eventId()));
  const json::Value* seen = view[event.eventId()].find("unsigned");
  if (seen) {
    EXPECT_FALSE(seen->get("transaction_id")) << json::canonical(view[event.eventId()]);
    EXPECT_FALSE(seen->get("redacted_because")) << json::canonical(view[event.eventId()]);
  }
}

// A PDU of a user of third.test that only the transaction's origin signed: the sender's server
// must sign its events, so it fails the signature check whatever the origin claims.
TEST_F(MaliciousInput, RejectsEventClaimingAnotherOrigin) {
  events::Pdu claimed = message("from third", "@carol:third.test");  // signed by remote.test
  events::Pdu asAlice = message("I am alice", kAlice);               // a local user, forged
  events::Pdu withOrigin = resign(message("origin field"), remote_, [](json::Object& o) {
    o.set("sender", "@carol:third.test");
    o.set("origin", "third.test");
  });
  auto reply = sendTxn("t1", {claimed, withOrigin, asAlice});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  for (const auto* e : {&claimed, &withOrigin, &asAlice}) {
    EXPECT_TRUE(hasError(reply, e->eventId())) << reply.raw;
    EXPECT_FALSE(storedRow(e->eventId()));
    expectNotAccepted(e->eventId());
  }
  EXPECT_FALSE(clientSeesBody("from third"));
  EXPECT_FALSE(clientSeesBody("I am alice"));
}

// The transaction origin differs from the PDU's sender server: a PDU is judged by its own
// signatures and auth, not by who relayed it. Signed by its sender's server it is accepted
// (nothing in the spec forbids relaying); signed only by the relay it is not.
TEST_F(MaliciousInput, PduOfAnotherServerIsJudgedByItsOwnSignatures) {
  roomserver::JoinRequest join;
  join.roomIdOrAlias = roomId_;
  join.userId = "@olga:other.test";
  ASSERT_TRUE(real_->performJoin(ctx_, join).ok());
  events::Pdu relayed = message("relayed", "@olga:other.test", &other_);
  events::Pdu unsignedBySender = message("not olga", "@olga:other.test", &remote_);
  auto reply = sendTxn("t1", {relayed, unsignedBySender});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_FALSE(hasError(reply, relayed.eventId())) << reply.raw;
  EXPECT_TRUE(clientSees(relayed.eventId()));
  EXPECT_TRUE(hasError(reply, unsignedBySender.eventId())) << reply.raw;
  expectNotAccepted(unsignedBySender.eventId());
  EXPECT_FALSE(clientSeesBody("not olga"));
}

TEST_F(MaliciousInput, RejectsXMatrixOriginThatDoesNotMatchTheSigningKey) {
  events::Pdu event = message("unauthenticated");
  json::Object body{{"origin", "remote.test"},
                    {"origin_server_ts", nowMs()},
                    {"pdus", json::Array{event.json()}}};
  // remote.test's name, another key.
  testing::FakeServer impostor{"remote.test"};
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", json::canonical(body), &impostor);
  EXPECT_EQ(reply.status, 401) << reply.raw;
  EXPECT_EQ(reply.errcode(), "M_UNAUTHORIZED");
  // other.test's name, remote.test's key.
  testing::FakeServer borrowed = remote_;
  borrowed.name = "other.test";
  body.set("origin", "other.test");
  reply = call("PUT", "/_matrix/federation/v1/send/t2", json::canonical(body), &borrowed);
  EXPECT_EQ(reply.status, 401) << reply.raw;
  // Authenticated as remote.test, but the body claims other.test.
  reply = call("PUT", "/_matrix/federation/v1/send/t3", json::canonical(body));
  EXPECT_EQ(reply.status, 403) << reply.raw;
  EXPECT_EQ(reply.errcode(), "M_FORBIDDEN");
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 0);
  expectNotAccepted(event.eventId());
}

TEST_F(MaliciousInput, ReplayedTransactionIsAnsweredFromTheCache) {
  events::Pdu event = message("once");
  auto first = sendTxn("t1", {event});
  ASSERT_EQ(first.status, 200) << first.raw;
  auto again = sendTxn("t1", {event});
  EXPECT_EQ(again.raw, first.raw);
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 1) << "the repeat was processed again";
  // The same PDU under a new txnId reaches the roomserver, which already has it.
  auto replayed = sendTxn("t2", {event});
  EXPECT_EQ(replayed.status, 200);
  EXPECT_FALSE(hasError(replayed, event.eventId())) << replayed.raw;
  flush();
  syncapi::MessagesRequest messages{kAlice, "", roomId_, "", "", 'b', 1000, std::nullopt};
  auto page = sync_->queryMessages(ctx_, messages);
  ASSERT_TRUE(page.ok());
  int copies = 0;
  for (const auto& e : *page->find("chunk")->getArray())
    copies += e.getStringAt("event_id") == event.eventId();
  EXPECT_EQ(copies, 1);
}

TEST_F(MaliciousInput, RejectsOversizedTransactionWith413) {
  events::Pdu event = message("inside a huge transaction");
  json::Object body{{"origin", "remote.test"},
                    {"origin_server_ts", nowMs()},
                    {"pdus", json::Array{event.json()}},
                    {"padding", std::string(kTransactionLimit, 'x')}};
  auto reply = call("PUT", "/_matrix/federation/v1/send/t1", json::canonical(body));
  EXPECT_EQ(reply.status, 413) << reply.raw.substr(0, 200);
  EXPECT_EQ(reply.errcode(), "M_TOO_LARGE");
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 0);
  expectNotAccepted(event.eventId());
  // The router tells the HTTP server the same limit, so the server refuses it before reading.
  auto request = testing::makeRequest("PUT", "/_matrix/federation/v1/send/t1");
  ASSERT_TRUE(http::parseTarget(request).ok());
  EXPECT_EQ(router_.bodyLimit(request), kTransactionLimit);
}

TEST_F(MaliciousInput, DropsPduOver65536BytesWithAPerPduError) {
  // Signed by remote.test like any other event (the builder refuses to make it that big).
  events::Pdu big = resign(message("big"), remote_, [](json::Object& o) {
    o.set("content", json::Object{{"msgtype", "m.text"}, {"body", std::string(70000, 'x')}});
  });
  events::Pdu small = message("fits");
  ASSERT_GT(big.canonicalJson().size(), events::kMaxPduBytes);
  auto reply = sendTxn("t1", {big, small});
  ASSERT_EQ(reply.status, 200) << reply.raw.substr(0, 300);
  EXPECT_NE(errorOf(reply, big.eventId()).find("65536"), std::string::npos) << reply.raw;
  EXPECT_FALSE(hasError(reply, small.eventId()));
  EXPECT_FALSE(storedRow(big.eventId()));
  expectNotAccepted(big.eventId());
  EXPECT_TRUE(clientSees(small.eventId()));
}

// prev_events (or auth_events) naming ~1,300 events nobody has (as many as fit in 64 KiB), fifteen
// such PDUs in one transaction: the fetches they cause stay within the roomserver's per-call
// budget, and the events are refused (their state or auth events cannot be had).
TEST_F(MaliciousInput, BoundsFetchesForEventsReferencingThousandsOfMissingEvents) {
  std::vector<events::Pdu> pdus;
  for (int p = 0; p < 10; ++p) {
    pdus.push_back(resign(message("orphan " + std::to_string(p)), remote_, [&](json::Object& o) {
      json::Array prevs;
      for (int i = 0; i < 1300; ++i) prevs.emplace_back(fakeEventId(p * 10000 + i));
      o.set("prev_events", std::move(prevs));
    }));
    ASSERT_LE(pdus.back().canonicalJson().size(), events::kMaxPduBytes);
  }
  // And as many unknown auth_events.
  for (int p = 0; p < 5; ++p) {
    pdus.push_back(resign(message("unauthed " + std::to_string(p)), remote_, [&](json::Object& o) {
      json::Array auth;
      for (int i = 0; i < 1300; ++i) auth.emplace_back(fakeEventId(100000 + p * 10000 + i));
      o.set("auth_events", std::move(auth));
    }));
    ASSERT_LE(pdus.back().canonicalJson().size(), events::kMaxPduBytes);
  }
  auto started = std::chrono::steady_clock::now();
  auto reply = sendTxn("t1", pdus);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(reply.status, 200) << reply.raw.substr(0, 300);
  EXPECT_LT(took, std::chrono::seconds(20));
  EXPECT_GE(federation_.missingEventsCalls.load(), 1) << "the missing events were not asked for";
  EXPECT_LE(federation_.missingEventsCalls.load(), limits_.maxMissingEventsCalls);
  EXPECT_LE(federation_.stateIdsCalls.load(), limits_.maxStateIdsCalls);
  EXPECT_LE(federation_.eventCalls.load() + federation_.stateCalls.load(),
            limits_.maxEventFetches + limits_.maxStateIdsCalls);
  EXPECT_LE(federation_.eventAuthCalls.load(), limits_.maxEventFetches);
  for (const auto& p : pdus) {
    EXPECT_TRUE(hasError(reply, p.eventId())) << p.eventId() << " " << errorOf(reply, p.eventId());
    expectNotAccepted(p.eventId());
  }
}

// A /get_missing_events answer of thousands of (valid, signed) events: only `limit` of them are
// taken, however many the remote server sends.
TEST_F(MaliciousInput, BoundsAHugeGetMissingEventsAnswer) {
  roomserver::RoomState head = headOf(roomId_);
  std::vector<json::Object> chain;
  for (int i = 0; i < 2000; ++i) {
    chain.push_back(buildOn(head, kBob, "m.room.message", std::nullopt,
                            json::Object{{"msgtype", "m.text"}, {"body", "gap"}})
                        .json());
  }
  events::Pdu tip = buildOn(head, kBob, "m.room.message", std::nullopt,
                            json::Object{{"msgtype", "m.text"}, {"body", "tip"}});
  federation_.answerMissingEventsWith(chain);
  auto reply = sendTxn("t1", {tip});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_GE(federation_.missingEventsCalls.load(), 1);
  EXPECT_LE(federation_.missingEventsCalls.load(), limits_.maxMissingEventsCalls);
  EXPECT_EQ(federation_.lastMissingLimit, limits_.missingEventsLimit);
  // The newest `limit` events of the answer still lack their own prev events and the fake has no
  // state to offer: the tip is refused, not accepted on a partial history.
  EXPECT_TRUE(hasError(reply, tip.eventId())) << reply.raw;
  expectNotAccepted(tip.eventId());
  int stored = 0;
  for (const auto& e : chain) {
    auto id = events::computeEventId(
        e, *events::findRoomVersion(*real_->queryRoomVersion(ctx_, roomId_)));
    ASSERT_TRUE(id.ok());
    stored += storedRow(*id).has_value();
  }
  EXPECT_LE(stored, limits_.missingEventsLimit * limits_.maxMissingEventsCalls);
  EXPECT_LE(static_cast<int>(clientView().size()), 200);
}

// An /event_auth answer is taken up to InputLimits::maxStateIds (10,000) events, and each PDU
// whose auth events are unknown asks for one. Ten such PDUs with a 2,000-event answer each would
// verify every answer again (its events name unknown auth events, so none is stored): 20,000
// signature checks for one transaction, 500,000 for fifty PDUs with 10,000-event answers. The
// fetched-events budget (InputLimits::maxFetchedEvents) bounds them all together.
TEST_F(MaliciousInput, BoundsSignatureChecksForHugeEventAuthAnswers) {
  std::vector<json::Object> junk;
  events::Pdu base = message("junk");
  for (int i = 0; i < 2000; ++i) {
    junk.push_back(resign(base, remote_, [&](json::Object& o) {
                     o.set("origin_server_ts", nowMs() + i);
                     o.set("auth_events", json::Array{fakeEventId(500000 + i)});
                   }).json());
  }
  federation_.answerEventAuthWith(junk);
  std::vector<events::Pdu> pdus;
  for (int p = 0; p < 10; ++p) {
    pdus.push_back(
        resign(message("needs auth " + std::to_string(p)), remote_, [&](json::Object& o) {
          json::Array auth = *o.find("auth_events")->getArray();
          auth.emplace_back(fakeEventId(600000 + p));
          o.set("auth_events", std::move(auth));
        }));
  }
  int before = eventKeys_->lookups.load();
  auto reply = sendTxn("t1", pdus);
  ASSERT_EQ(reply.status, 200) << reply.raw.substr(0, 300);
  for (const auto& p : pdus) expectNotAccepted(p.eventId());
  EXPECT_LE(eventKeys_->lookups.load() - before,
            static_cast<int>(limits_.maxFetchedEvents + pdus.size()))
      << federation_.eventAuthCalls.load() << " /event_auth answers verified";
}

TEST_F(MaliciousInput, DuplicateEventIdsInOneTransactionAreProcessedOnce) {
  events::Pdu event = message("twice");
  auto reply = sendTxn("t1", {event, event});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  EXPECT_FALSE(hasError(reply, event.eventId())) << reply.raw;
  EXPECT_EQ(reply.body.find("pdus")->getObject()->size(), 1u);
  flush();
  syncapi::MessagesRequest messages{kAlice, "", roomId_, "", "", 'b', 1000, std::nullopt};
  auto page = sync_->queryMessages(ctx_, messages);
  ASSERT_TRUE(page.ok());
  int copies = 0;
  for (const auto& e : *page->find("chunk")->getArray())
    copies += e.getStringAt("event_id") == event.eventId();
  EXPECT_EQ(copies, 1);
}

// SPEC: "Transactions": at most 50 PDUs and 100 EDUs. The spec names no error; the whole
// transaction is refused with 400 (as Synapse and Dendrite do) and nothing in it is processed.
TEST_F(MaliciousInput, RejectsTransactionWithMoreThan50PdusOr100Edus) {
  std::vector<events::Pdu> pdus;
  json::Array array;
  for (int i = 0; i < 51; ++i) {
    pdus.push_back(message("bulk " + std::to_string(i)));
    array.emplace_back(pdus.back().json());
  }
  auto reply = sendTxn("t1", array);
  EXPECT_EQ(reply.status, 400) << reply.raw.substr(0, 300);
  EXPECT_EQ(reply.errcode(), "M_TOO_LARGE");
  json::Array edus;
  for (int i = 0; i < 101; ++i) {
    edus.emplace_back(json::Object{
        {"edu_type", "m.typing"},
        {"content", json::Object{{"room_id", roomId_}, {"user_id", kBob}, {"typing", true}}}});
  }
  reply = sendTxn("t2", json::Array{pdus.front().json()}, edus);
  EXPECT_EQ(reply.status, 400) << reply.raw.substr(0, 300);
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 0);
  for (const auto& p : pdus) EXPECT_FALSE(clientSees(p.eventId()));
}

// Bodies the strict JSON parser refuses (nesting deeper than 64, integers beyond 2^53-1,
// floats, invalid UTF-8, duplicate keys) are not JSON: 400 M_NOT_JSON for the transaction,
// nothing in it processed.
TEST_F(MaliciousInput, RejectsNonCanonicalOrHostileJson) {
  events::Pdu event = message("carrier");
  std::string pdu = json::canonical(event.json());
  std::string head = R"({"origin":"remote.test","origin_server_ts":1,"pdus":[)" + pdu;
  std::string nested = "[";
  for (int i = 0; i < 200; ++i) nested += "[";
  for (int i = 0; i < 200; ++i) nested += "]";
  nested += "]";
  const std::vector<std::pair<std::string, std::string>> bodies = {
      {"deep", head + "]," + R"("x":)" + nested + "}"},
      {"bigint", head + R"(,{"depth":9007199254740992}]})"},
      {"negbigint", head + R"(,{"depth":-9007199254740992}]})"},
      {"float", head + R"(,{"depth":1.5}]})"},
      {"exponent", head + R"(,{"depth":1e400}]})"},
      {"utf8", head + ",{\"body\":\"\xff\xfe\"}]}"},
      {"surrogate", head + R"(,{"body":"\ud800"}]})"},
      {"dupkey", head + R"(],"pdus":[]})"},
  };
  for (const auto& [name, body] : bodies) {
    SCOPED_TRACE(name);
    auto reply = sendRaw(name, body);
    EXPECT_EQ(reply.status, 400) << reply.raw;
    EXPECT_EQ(reply.errcode(), "M_NOT_JSON") << reply.raw;
  }
  EXPECT_EQ(rooms_->inputEventsCalls.load(), 0);
  expectNotAccepted(event.eventId());
}

// An event with the largest depth canonical JSON allows: accepted (it is valid), and local
// events after it must still be valid PDUs (depth capped, not 2^53).
TEST_F(MaliciousInput, MaximalDepthDoesNotBreakTheRoom) {
  constexpr std::int64_t kMaxSafe = 9007199254740991;  // 2^53 - 1
  events::Pdu deep =
      resign(message("deep"), remote_, [](json::Object& o) { o.set("depth", kMaxSafe); });
  auto reply = sendTxn("t1", {deep});
  ASSERT_EQ(reply.status, 200) << reply.raw;
  roomserver::SendEventRequest send;
  send.roomId = roomId_;
  send.sender = kAlice;
  send.type = "m.room.message";
  send.content = json::Object{{"msgtype", "m.text"}, {"body", "after deep"}};
  auto sent = real_->performSendEvent(ctx_, send);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  auto local = real_->queryEvent(ctx_, sent->eventId);
  ASSERT_TRUE(local.ok());
  EXPECT_LE(local->pdu.depth(), kMaxSafe);
  // It re-parses as a PDU of the room's version (what every other server does with it).
  auto version = events::findRoomVersion(*real_->queryRoomVersion(ctx_, roomId_));
  EXPECT_TRUE(events::Pdu::parse(local->pdu.canonicalJson(), *version).ok());
}

}  // namespace
}  // namespace plexus::federationapi
