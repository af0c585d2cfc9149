// KeyserverService: the remote users' part of /keys/query and /keys/claim (SPEC: client-server
// "POST /keys/query", "POST /keys/claim"; server-server "End-to-End Encryption"). Cached lists
// are answered locally; the rest go to the users' servers through the federation sender, one
// request per server, within the remote-query timeout. Unreachable servers end up in
// `failures`; only the answering server's own users are taken from its answer.
#include <set>

#include "keyserver/impl/keyserver_service.h"
#include "keyserver/impl/server_names.h"
#include "keyserver/storage/key_store.h"

namespace plexus::keyserver {
namespace {

json::Object failureObject(const std::string& message) {
  return json::Object{{"message", message}, {"status", 503}};
}

// Copies answer[member][user] into `into` for the users of `server`.
void mergeUsers(const json::Object& answer, std::string_view member, std::string_view server,
                json::Object& into) {
  const json::Value* byUser = answer.find(member);
  const json::Object* users = byUser ? byUser->getObject() : nullptr;
  if (!users) return;
  for (const auto& [userId, value] : *users) {
    if (serverOfUser(userId) == server && value.isObject()) into.set(userId, value);
  }
}

}  // namespace

CallContext KeyserverService::remoteContext(const CallContext& ctx) const {
  CallContext remote = ctx;
  auto limit = CallContext::Clock::now() + options_.remoteQueryTimeout;
  if (limit < remote.deadline) remote.deadline = limit;
  return remote;
}

Status KeyserverService::queryRemoteKeys(const CallContext& ctx, const DeviceKeysQuery& remote,
                                         DeviceKeysQuery& fromCache, QueryKeysResponse& response) {
  std::map<std::string, json::Object> askByServer;  // server -> {user: [device IDs]}
  std::set<std::string> failed;
  for (const auto& [userId, devices] : remote) {
    std::string server = serverOfUser(userId);
    if (server.empty() || failed.contains(server)) continue;
    // Only a list someone here shares a room with gets EDUs, so only such a cache is fresh.
    auto shares = sharesRoomWithUs(ctx, userId);
    const bool shared = shares.ok() && *shares;
    if (shared) {
      PLEXUS_TRY(auto list, store_->remoteDeviceList(db_, userId));
      if (list && !list->stale) {
        fromCache[userId] = devices;
        continue;
      }
      if (options_.federation) {
        Status synced = resyncRemoteUser(ctx, userId);
        if (synced.ok()) {
          fromCache[userId] = devices;
          continue;
        }
        failed.insert(server);
        response.failures.set(server, failureObject(synced.error().message));
        continue;
      }
    }
    json::Array ids;
    for (const auto& d : devices) ids.emplace_back(d);
    askByServer[server].set(userId, std::move(ids));
  }
  for (const auto& [server, users] : askByServer) {
    if (failed.contains(server)) continue;
    if (!options_.federation) {
      response.failures.set(server, failureObject("federation is not available"));
      continue;
    }
    auto answer = options_.federation->queryUserKeys(remoteContext(ctx), server, users);
    if (!answer.ok()) {
      response.failures.set(server, failureObject(answer.error().message));
      continue;
    }
    mergeUsers(*answer, "device_keys", server, response.deviceKeys);
    mergeUsers(*answer, "master_keys", server, response.masterKeys);
    mergeUsers(*answer, "self_signing_keys", server, response.selfSigningKeys);
  }
  return {};
}

void KeyserverService::claimRemoteKeys(const CallContext& ctx, const ClaimKeysRequest& remote,
                                       ClaimKeysResponse& response) {
  std::map<std::string, json::Object> byServer;  // server -> {user: {device: algorithm}}
  for (const auto& [userId, devices] : remote) {
    json::Object wanted;
    for (const auto& [deviceId, algorithm] : devices) wanted.set(deviceId, algorithm);
    std::string server = serverOfUser(userId);
    if (!server.empty()) byServer[server].set(userId, std::move(wanted));
  }
  for (const auto& [server, body] : byServer) {
    if (!options_.federation) {
      response.failures.set(server, failureObject("federation is not available"));
      continue;
    }
    auto answer = options_.federation->performClaimKeys(remoteContext(ctx), server, body);
    if (!answer.ok()) {
      response.failures.set(server, failureObject(answer.error().message));
      continue;
    }
    mergeUsers(*answer, "one_time_keys", server, response.oneTimeKeys);
  }
}

}  // namespace plexus::keyserver
