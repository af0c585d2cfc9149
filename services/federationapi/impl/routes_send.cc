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
#include "plexus/json/canonical.h"
#include "plexus/log/log.h"

namespace plexus::federationapi {
namespace {

// Rooms of one transaction processed at once.
constexpr std::size_t kParallelRooms = 4;

using PduResults = std::vector<std::pair<std::string, json::Value>>;

json::Object errorEntry(std::string message) { return json::Object{{"error", std::move(message)}}; }

// The PDUs of one room: parsed for their IDs (under the room's version), checked for size and
// ACL, then handed to the roomserver in the order received.
PduResults processRoom(const RouteState& state, const CallContext& ctx, const std::string& origin,
                       const std::string& roomId, const std::vector<const json::Object*>& pdus) {
  PduResults out;
  auto versionId = state.rooms().queryRoomVersion(ctx, roomId);
  if (!versionId) {
    // PDUs for rooms we do not know cannot even be given an event ID (that needs the room
    // version): they are dropped, as other servers do.
    log::info("federation PDUs for an unknown room dropped",
              {{"origin", origin}, {"room_id", roomId}, {"error", versionId.error().message}});
    return out;
  }
  const events::RoomVersion* version = events::findRoomVersion(*versionId);
  if (!version) return out;
  auto acl = checkServerAcl(ctx, state, roomId, origin);

  std::vector<roomserver::RoomserverApi::InputRoomEvent> inputs;
  std::vector<std::string> inputIds;
  for (const json::Object* pdu : pdus) {
    events::PduParseOptions options;
    options.enforceSizeLimit = false;
    auto parsed = events::Pdu::fromJson(*pdu, *version, options);
    if (!parsed) {
      log::info("federation PDU without a usable shape dropped",
                {{"origin", origin}, {"room_id", roomId}, {"error", parsed.error().message}});
      continue;
    }
    const std::string& eventId = parsed->eventId();
    if (!acl) {
      out.emplace_back(eventId, errorEntry(acl.error().message));
    } else if (json::canonical(*pdu).size() > federation::kMaxPduBytes) {
      out.emplace_back(eventId, errorEntry("PDU over 65536 bytes"));
    } else {
      inputs.push_back({*pdu, origin, roomserver::RoomserverApi::InputKind::kNew});
      inputIds.push_back(eventId);
    }
  }
  if (inputs.empty()) return out;
  auto results = state.rooms().inputEvents(ctx, roomId, inputs);
  if (!results) {
    for (auto& id : inputIds) out.emplace_back(std::move(id), errorEntry(results.error().message));
    return out;
  }
  for (auto& r : *results) {
    if (r.eventId.empty()) continue;
    out.emplace_back(r.eventId,
                     r.error ? json::Value(errorEntry(*r.error)) : json::Value(json::Object{}));
  }
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
    for (const auto& edu : *edus->getArray())
      (void)handleEdu(state, request.ctx, request.origin, *edu.getObject());
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
