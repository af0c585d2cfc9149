// Fixture of the malicious federation input tests: FederationRoutes over the real roomserver
// (checking signatures with keys from the federation API's RemoteKeyCache, fetching what is
// missing from a counting fake federation sender: malicious_input_fakes.h) and the real sync-api
// consuming the roomserver's outputs from the bus, all on one temporary SQLite database. Remote
// servers (remote.test, other.test, third.test) build and sign real events and send them with
// X-Matrix-signed PUT /send requests; helpers tell what a local client and the roomserver see.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "federation_routes_fixture.h"
#include "malicious_input_fakes.h"
#include "plexus/events/event_signing.h"
#include "roomserver/impl/event_builder.h"
#include "roomserver/storage/sql_roomserver_store.h"
#include "syncapi/impl/sync_service.h"

namespace plexus::federationapi::testing {

inline const std::string kBob = "@bob:remote.test";

class MaliciousInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = storage::testing::TestDatabase::create(storage::Dialect::kSqlite);
    ASSERT_TRUE(made.ok()) << made.error().message;
    database_ = std::move(*made);
    storage::Database& db = database_->db();
    ASSERT_TRUE(keyStore_.migrate(db).ok());
    ownKeys_ = std::make_unique<OwnSigningKeys>(db, keyStore_, kUs);
    ASSERT_TRUE(ownKeys_->load().ok());
    cache_ = std::make_unique<RemoteKeyCache>(db, keyStore_, fetcher_, RemoteKeyCacheOptions{});
    ASSERT_TRUE(cache_->load().ok());
    for (auto* server : {&remote_, &other_, &third_}) {
      server->validUntilTs = nowMs() + kDay;
      fetcher_.add(*server);
    }
    eventKeys_ = std::make_unique<CacheEventKeys>(*cache_);

    auto outbox = bus::Outbox::open(db);
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    identity_ =
        events::ServerIdentity{kUs, ownKeys_->signingKey().keyId, ownKeys_->signingKey().key};
    roomserver::RoomserverService::Options options;
    options.federation = &federation_;
    options.keys = eventKeys_.get();
    options.inputLimits = limits_;
    real_ = std::make_unique<roomserver::RoomserverService>(
        identity_, db, *outbox_,
        [](const CallContext&, std::string_view) { return roomserver::Profile{}; }, options);
    ASSERT_TRUE(real_->start().ok());
    rooms_ = std::make_unique<RoomserverDouble>(*real_);
    store_ = std::make_unique<roomserver::SqlRoomserverStore>(db);

    syncapi::SyncServiceOptions syncOptions;
    syncOptions.serverName = kUs;
    auto sync = syncapi::SyncService::create(db, *outbox_, nullptr, syncOptions);
    ASSERT_TRUE(sync.ok()) << sync.error().message;
    sync_ = std::move(*sync);
    ASSERT_TRUE(sync_->start().ok());

    FederationDeps deps;
    deps.serverName = kUs;
    deps.keys = cache_.get();
    deps.roomserver = rooms_.get();
    deps.sync = sync_.get();
    deps.limits.maxTransactionBytes = kTransactionLimit;
    routes_ = std::make_unique<FederationRoutes>(std::move(deps));
    routes_->registerRoutes(router_);

    roomId_ = createRoomWithBob();
  }

  void TearDown() override {
    routes_.reset();
    if (sync_) sync_->stop();
    sync_.reset();
    rooms_.reset();
    real_.reset();
    store_.reset();
    outbox_.reset();
    eventKeys_.reset();
    cache_.reset();
    ownKeys_.reset();
    database_.reset();
  }

  // Smaller than the default 8 MiB so that the 413 test stays cheap; 50 PDUs of 64 KiB would not
  // fit, but every other test's transaction does.
  static constexpr std::size_t kTransactionLimit = 1024 * 1024;

  static std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // A public room made by alice that bob (remote.test) has joined.
  std::string createRoomWithBob() {
    roomserver::CreateRoomRequest request;
    request.creator = kAlice;
    request.preset = roomserver::Preset::kPublicChat;
    request.initialState.push_back(
        {"m.room.history_visibility", "", json::Object{{"history_visibility", "shared"}}});
    auto created = real_->performCreateRoom(ctx_, request);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    if (!created) return {};
    roomserver::JoinRequest join;
    join.roomIdOrAlias = created->roomId;
    join.userId = kBob;
    auto joined = real_->performJoin(ctx_, join);
    EXPECT_TRUE(joined.ok()) << (joined.ok() ? "" : joined.error().message);
    return created->roomId;
  }

  // The room's head as a server that saw everything would see it.
  roomserver::RoomState headOf(const std::string& roomId) {
    roomserver::RoomState head;
    head.roomId = roomId;
    auto version = real_->queryRoomVersion(ctx_, roomId);
    EXPECT_TRUE(version.ok());
    if (!version) return head;
    head.version = events::findRoomVersion(*version);
    auto state = real_->queryCurrentState(ctx_, roomId, {});
    EXPECT_TRUE(state.ok());
    for (const auto& e : *state) {
      head.state[roomserver::RoomState::stateMapKey(e.pdu.type(), *e.pdu.stateKey())] =
          roomserver::StateSlot{e.pdu.eventId(), 0, 0, 0,
                                std::make_shared<const events::Pdu>(e.pdu)};
    }
    auto latest = real_->queryLatestEvents(ctx_, roomId);
    EXPECT_TRUE(latest.ok());
    auto prevs = real_->queryEvents(ctx_, latest->eventIds);
    for (const auto& e : *prevs) head.extremities.push_back({e.pdu.eventId(), 0, e.pdu.depth()});
    return head;
  }

  static events::ServerIdentity identityOf(const FakeServer& server) {
    return events::ServerIdentity{server.name, server.key.keyId, server.key.key};
  }

  // An event on `head`, built and signed by `signer` (remote_ unless given); `head` advances
  // as the remote server's would (the event becomes its only extremity).
  events::Pdu buildOn(roomserver::RoomState& head, const std::string& sender,
                      const std::string& type, std::optional<std::string> stateKey,
                      json::Object content, const FakeServer* signer = nullptr) {
    roomserver::EventDraft draft{sender, type, stateKey, std::move(content), std::nullopt};
    auto built = roomserver::buildEvent(draft, head, identityOf(signer ? *signer : remote_),
                                        nowMs() + ++tsCounter_, 10);
    EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
    auto pdu = std::make_shared<const events::Pdu>(std::move(*built));
    if (stateKey) {
      head.state[roomserver::RoomState::stateMapKey(type, *stateKey)] =
          roomserver::StateSlot{pdu->eventId(), 0, 0, 0, pdu};
    }
    head.extremities = {{pdu->eventId(), 0, pdu->depth()}};
    return *pdu;
  }
  // An event on the room's current head.
  events::Pdu build(const std::string& sender, const std::string& type,
                    std::optional<std::string> stateKey, json::Object content,
                    const FakeServer* signer = nullptr) {
    roomserver::RoomState head = headOf(roomId_);
    return buildOn(head, sender, type, std::move(stateKey), std::move(content), signer);
  }
  events::Pdu message(const std::string& body, const std::string& sender = kBob,
                      const FakeServer* signer = nullptr) {
    return build(sender, "m.room.message", std::nullopt,
                 json::Object{{"msgtype", "m.text"}, {"body", body}}, signer);
  }
  // Rebuilds `event` after `change` and signs it again as `signer` (hashes recomputed).
  static events::Pdu resign(const events::Pdu& event, const FakeServer& signer,
                            const std::function<void(json::Object&)>& change) {
    json::Object o = event.json();
    o.erase("signatures");
    o.erase("hashes");
    o.erase("unsigned");
    change(o);
    events::hashAndSignEvent(o, signer.name, signer.key.keyId, signer.key.key, event.roomVersion());
    events::PduParseOptions options;
    options.enforceSizeLimit = false;
    auto pdu = events::Pdu::fromJson(std::move(o), event.roomVersion(), options);
    EXPECT_TRUE(pdu.ok()) << (pdu.ok() ? "" : pdu.error().message);
    return std::move(*pdu);
  }

  // A PUT /send signed by `from` (remote_ unless given), its body origin `from`'s name.
  Reply sendTxn(const std::string& txnId, const json::Array& pdus, const json::Array& edus = {},
                const FakeServer* from = nullptr) {
    const FakeServer& sender = from ? *from : remote_;
    json::Object body{
        {"origin", sender.name}, {"origin_server_ts", nowMs()}, {"pdus", pdus}, {"edus", edus}};
    return call("PUT", "/_matrix/federation/v1/send/" + txnId, json::canonical(body), &sender);
  }
  Reply sendTxn(const std::string& txnId, const std::vector<events::Pdu>& pdus) {
    json::Array array;
    for (const auto& p : pdus) array.emplace_back(p.json());
    return sendTxn(txnId, array);
  }

  // A request signed by `server` (remote_ unless given) with the X-Matrix header.
  Reply call(const std::string& method, const std::string& target, const std::string& body,
             const FakeServer* server = nullptr) {
    const FakeServer& from = server ? *server : remote_;
    auto request = makeRequest(method, target, body);
    std::optional<json::Value> content;
    if (!body.empty()) {
      if (auto parsed = json::parse(body)) content = std::move(*parsed);
    }
    auto auth = federation::signRequest(from.name, kUs, from.key.keyId, from.key.key, method,
                                        target, content ? &*content : nullptr);
    request.headers.add("Authorization", federation::formatXMatrix(auth));
    return send(std::move(request));
  }
  Reply send(http::Request request) {
    auto response = dispatch(router_, std::move(request));
    Reply reply;
    reply.status = response.status;
    reply.raw = response.body;
    if (auto parsed = json::parse(response.body); parsed && parsed->isObject())
      reply.body = *parsed->getObject();
    return reply;
  }

  // The per-PDU entry of a /send answer (nullptr when the PDU has none).
  static const json::Object* entryFor(const Reply& reply, const std::string& eventId) {
    const json::Value* pdus = reply.body.find("pdus");
    if (!pdus || !pdus->getObject()) return nullptr;
    const json::Value* entry = pdus->getObject()->find(eventId);
    return entry ? entry->getObject() : nullptr;
  }
  static bool hasError(const Reply& reply, const std::string& eventId) {
    const json::Object* entry = entryFor(reply, eventId);
    return entry && entry->contains("error");
  }
  static std::string errorOf(const Reply& reply, const std::string& eventId) {
    const json::Object* entry = entryFor(reply, eventId);
    const json::Value* error = entry ? entry->find("error") : nullptr;
    return error && error->getString() ? std::string(*error->getString()) : std::string();
  }

  // Waits (bounded) until sync-api consumed every roomserver output committed so far.
  void flush() { ASSERT_TRUE(outbox_->waitUntilDelivered(std::chrono::seconds(10))); }

  // Every event of the room alice's client sees: an initial /sync (timeline and state) and
  // /messages back from the end, as event_id -> event.
  std::map<std::string, json::Object> clientView() {
    flush();
    std::map<std::string, json::Object> seen;
    auto collect = [&](const json::Value* events) {
      if (!events || !events->getArray()) return;
      for (const auto& e : *events->getArray()) {
        if (auto id = e.getStringAt("event_id"); id && e.getObject())
          seen[std::string(*id)] = *e.getObject();
      }
    };
    syncapi::SyncRequest request;
    request.userId = kAlice;
    request.deviceId = "ALICE";
    request.filter =
        json::Object{{"room", json::Object{{"timeline", json::Object{{"limit", 100}}}}}};
    auto synced = sync_->querySync(ctx_, request);
    EXPECT_TRUE(synced.ok()) << (synced.ok() ? "" : synced.error().message);
    if (synced) {
      json::Value root(*synced);
      const json::Value* room = root.get("rooms");
      room = room ? room->get("join") : nullptr;
      room = room ? room->get(roomId_) : nullptr;
      EXPECT_TRUE(room) << "alice's room is missing from /sync";
      if (room) {
        if (const json::Value* timeline = room->get("timeline")) collect(timeline->get("events"));
        if (const json::Value* state = room->get("state")) collect(state->get("events"));
      }
    }
    syncapi::MessagesRequest messages;
    messages.userId = kAlice;
    messages.roomId = roomId_;
    messages.limit = 1000;
    auto page = sync_->queryMessages(ctx_, messages);
    EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message);
    if (page) collect(page->find("chunk"));
    return seen;
  }
  bool clientSees(const std::string& eventId) { return clientView().contains(eventId); }
  // True when any event alice's client sees has this body.
  bool clientSeesBody(const std::string& body) {
    for (const auto& [id, e] : clientView()) {
      const json::Value* content = e.find("content");
      if (content && content->getStringAt("body") == body) return true;
    }
    return false;
  }

  bool inCurrentState(const std::string& eventId) {
    auto state = real_->queryCurrentState(ctx_, roomId_, {});
    EXPECT_TRUE(state.ok());
    if (!state) return false;
    for (const auto& e : *state) {
      if (e.pdu.eventId() == eventId) return true;
    }
    return false;
  }
  bool isForwardExtremity(const std::string& eventId) {
    auto latest = real_->queryLatestEvents(ctx_, roomId_);
    EXPECT_TRUE(latest.ok());
    return latest && std::find(latest->eventIds.begin(), latest->eventIds.end(), eventId) !=
                         latest->eventIds.end();
  }
  // The roomserver's row of the event, if stored (rejected events are kept so that they are
  // not fetched again; they carry the flag).
  std::optional<roomserver::StoredEvent> storedRow(const std::string& eventId) {
    auto rows = store_->eventsByIds(database_->db(), {eventId});
    EXPECT_TRUE(rows.ok());
    if (!rows || rows->empty()) return std::nullopt;
    return rows->front();
  }
  // Not accepted anywhere a client or the room's state could see it.
  void expectNotAccepted(const std::string& eventId) {
    EXPECT_FALSE(clientSees(eventId)) << eventId << " reached a client";
    EXPECT_FALSE(inCurrentState(eventId)) << eventId << " is current state";
    EXPECT_FALSE(isForwardExtremity(eventId)) << eventId << " is a forward extremity";
    EXPECT_FALSE(sync_->queryEventForUser(ctx_, kAlice, roomId_, eventId).ok())
        << eventId << " is served by GET /rooms/{roomId}/event/{eventId}";
    if (auto row = storedRow(eventId)) {
      EXPECT_TRUE(row->rejected || row->outlier)
          << eventId << " is stored as an accepted event of the timeline";
    }
  }

  CallContext ctx_;
  roomserver::InputLimits limits_;
  std::unique_ptr<storage::testing::TestDatabase> database_;
  SqlServerKeyStore keyStore_;
  FakeKeyFetcher fetcher_;
  FakeServer remote_{"remote.test"};
  FakeServer other_{"other.test"};
  FakeServer third_{"third.test"};
  std::unique_ptr<OwnSigningKeys> ownKeys_;
  std::unique_ptr<RemoteKeyCache> cache_;
  std::unique_ptr<CacheEventKeys> eventKeys_;
  CountingFederation federation_;
  std::unique_ptr<bus::Outbox> outbox_;
  events::ServerIdentity identity_;
  std::unique_ptr<roomserver::RoomserverService> real_;
  std::unique_ptr<RoomserverDouble> rooms_;
  std::unique_ptr<roomserver::SqlRoomserverStore> store_;
  std::unique_ptr<syncapi::SyncService> sync_;
  std::unique_ptr<FederationRoutes> routes_;
  http::Router router_;
  std::string roomId_;
  int tsCounter_ = 0;
};

}  // namespace plexus::federationapi::testing
