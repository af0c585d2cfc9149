// PUT /_matrix/federation/v1/send/{txnId}: a transaction of PDUs and EDUs from another server
// (SPEC: server-server-api "Transactions"). Limits are checked first (50 PDUs, 100 EDUs, body
// size), repeats of (origin, txnId) get the first answer, PDUs are grouped by room and handed
// to the roomserver room by room (rooms in parallel, a room's PDUs in order), and each PDU we
// could identify gets an entry in the answer: {} when accepted, {"error"} otherwise.
#include <future>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "federationapi/impl/edu_handler.h"
#include "federationapi/impl/route_context.h"
#include "plexus/events/pdu.h"
#include "plexus/federation/transaction_limits.h"
#include "plexus/log/log.h"

namespace plexus::federationapi {
namespace {

// Rooms of one transaction processed at once.
constexpr std::size_t kParallelRooms = 4;

using PduResults = std::vector<std::pair<std::string, json::Value>>;

json::Object errorEntry(std::string message) { return json::Object{{"error", std::move(message)}}; }

// The roomserver's verdicts as /send answer entries ({} or {"error"}), for PDUs it could name.
void appendResults(PduResults& out,
                   const std::vector<roomserver::RoomserverApi::InputEventResult>& results) {
  for (const auto& r : results) {
    if (r.eventId.empty()) continue;
    out.emplace_back(r.eventId,
                     r.error ? json::Value(errorEntry(*r.error)) : json::Value(json::Object{}));
  }
}

// The PDUs of one room, handed to the roomserver in the order received; it parses and checks
// them (size, signatures, hashes, auth) and names each by its event ID. Only when the room's ACL
// denies the origin, or storage fails, are the PDUs parsed here, to name them in the answer.
PduResults processRoom(const RouteState& state, const CallContext& ctx, const std::string& origin,
                       const std::string& roomId, const std::vector<const json::Object*>& pdus) {
  PduResults out;
  auto versionId = state.rooms().queryRoomVersion(ctx, roomId);
  if (!versionId) {
    // A room we are not in: only a local user's invite or knock there can make its PDUs matter
    // (the room takes it back); the roomserver decides. The rest cannot even be given an event
    // ID (that needs the room version): dropped, as other servers do.
    std::vector<roomserver::RoomserverApi::InputRoomEvent> memberships;
    for (const json::Object* pdu : pdus) {
      if (pdu->find("type") && pdu->find("type")->getString() &&
          *pdu->find("type")->getString() == "m.room.member")
        memberships.push_back({*pdu, origin, roomserver::RoomserverApi::InputKind::kNew});
    }
    auto results = memberships.empty()
                       ? Result<std::vector<roomserver::RoomserverApi::InputEventResult>>(
                             fail(ErrorCode::kNotFound, versionId.error().message))
                       : state.rooms().inputEvents(ctx, roomId, memberships);
    if (!results) {
      log::info("federation PDUs for an unknown room dropped",
                {{"origin", origin}, {"room_id", roomId}, {"error", results.error().message}});
      return out;
    }
    appendResults(out, *results);
    return out;
  }
  const events::RoomVersion* version = events::findRoomVersion(*versionId);
  if (!version) return out;
  // The same error for every PDU that can be named.
  auto failAll = [&](const std::string& message) {
    for (const json::Object* pdu : pdus) {
      events::PduParseOptions options;
      options.enforceSizeLimit = false;
      if (auto parsed = events::Pdu::fromJson(*pdu, *version, options))
        out.emplace_back(parsed->eventId(), errorEntry(message));
    }
    return std::move(out);
  };
  if (auto acl = checkServerAcl(ctx, state, roomId, origin); !acl)
    return failAll(acl.error().message);

  std::vector<roomserver::RoomserverApi::InputRoomEvent> inputs;
  inputs.reserve(pdus.size());
  for (const json::Object* pdu : pdus)
    inputs.push_back({*pdu, origin, roomserver::RoomserverApi::InputKind::kNew});
  if (inputs.empty()) return out;
  auto results = state.rooms().inputEvents(ctx, roomId, inputs);
  if (!results) return failAll(results.error().message);  // storage trouble: nothing stored
  appendResults(out, *results);
  return out;
}

http::Response processTransaction(const RouteState& state, const FederationRequest& request) {
  const json::Object* txn = request.body();
  if (!txn) return errorResponse(ErrorCode::kBadJson, "the transaction is not a JSON object");
  if (auto checked = federation::checkTransaction(*txn, request.origin); !checked) {
    const Error& e = checked.error();
    // Too many PDUs or EDUs is a bad request, not 413 (that is for the body size).
    if (e.code == ErrorCode::kTooLarge)
      return http::Response::matrixError(400, e.errcode(), e.message);
    return errorResponse(e);
  }

  std::map<std::string, std::vector<const json::Object*>> byRoom;
  for (const auto& pdu : *txn->find("pdus")->getArray()) {
    const json::Object* object = pdu.getObject();
    auto roomId = pdu.getStringAt("room_id");
    if (!roomId) {
      log::info("federation PDU without room_id dropped", {{"origin", request.origin}});
      continue;
    }
    byRoom[std::string(*roomId)].push_back(object);
  }

  json::Object results;
  std::vector<std::pair<const std::string*, const std::vector<const json::Object*>*>> rooms;
  for (const auto& [roomId, pdus] : byRoom) rooms.emplace_back(&roomId, &pdus);
  for (std::size_t start = 0; start < rooms.size(); start += kParallelRooms) {
    std::size_t end = std::min(rooms.size(), start + kParallelRooms);
    std::vector<std::future<PduResults>> running;
    for (std::size_t i = start + 1; i < end; ++i) {
      running.push_back(std::async(std::launch::async, [&state, &request, room = rooms[i]] {
        return processRoom(state, request.ctx, request.origin, *room.first, *room.second);
      }));
    }
    // The first room of the batch runs on this thread.
    std::vector<PduResults> batch;
    batch.push_back(
        processRoom(state, request.ctx, request.origin, *rooms[start].first, *rooms[start].second));
    for (auto& f : running) batch.push_back(f.get());
    for (auto& roomResults : batch)
      for (auto& [id, entry] : roomResults) results.set(std::move(id), std::move(entry));
  }

  if (const json::Value* edus = txn->find("edus")) {
    for (const auto& edu : *edus->getArray()) {
      if (state.deps.queueEdu) {
        Status queued = state.deps.queueEdu(request.origin, *edu.getObject());
        if (queued) continue;
        log::warn("federation EDU not queued; handling it now",
                  {{"origin", request.origin}, {"error", queued.error().message}});
      }
      (void)handleEdu(state, request.ctx, request.origin, *edu.getObject());
    }
  }
  return http::Response::json(json::Object{{"pdus", std::move(results)}});
}

}  // namespace

void registerSendRoutes(http::Router& router, RouteState& state) {
  addFederationRoute(
      router, state, "PUT", "/_matrix/federation/v1/send/{txnId}",
      [&state](const FederationRequest& request) {
        if (request.http.body.size() > state.deps.limits.maxTransactionBytes)
          return errorResponse(ErrorCode::kTooLarge, "transaction body too large");
        std::string txnId = request.param("txnId");
        return state.transactions.run(request.origin, txnId,
                                      [&] { return processTransaction(state, request); });
      },
      state.deps.limits.maxTransactionBytes);
}

}  // namespace plexus::federationapi
