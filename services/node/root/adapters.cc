// Adapters between service APIs (see adapters.h).
#include "root/adapters.h"

#include <set>

#include "syncapi/impl/service_ports.h"

namespace plexus::node {

roomserver::ProfileLookup makeProfileLookup(accountsync::AccountSyncApi& accounts) {
  return [&accounts](const CallContext& ctx, std::string_view userId) {
    roomserver::Profile out;
    auto profile = accounts.queryProfile(ctx, userId);
    if (profile.ok()) {
      out.displayName = profile->displayName;
      out.avatarUrl = profile->avatarUrl;
    }
    return out;
  };
}

std::unique_ptr<syncapi::DeviceKeySource> makeDeviceKeySource(
    keyserver::KeyserverApi& keys, accountsync::AccountSyncApi& accounts) {
  return std::make_unique<syncapi::ServiceKeySource>(keys, accounts);
}

namespace {

class FederationEduSink final : public syncapi::EduSink {
 public:
  explicit FederationEduSink(federationsender::FederationSenderApi& federation)
      : federation_(federation) {}

  Status sendEdu(const CallContext& ctx, const std::vector<std::string>& destinations,
                 const std::string& type, const json::Object& content) override {
    return federation_.performSendEdu(ctx, destinations, federationsender::Edu{type, content});
  }

 private:
  federationsender::FederationSenderApi& federation_;
};

class RoomserverSharedRoomServers final : public keyserver::SharedRoomServers {
 public:
  explicit RoomserverSharedRoomServers(roomserver::RoomserverApi& rooms) : rooms_(rooms) {}

  Result<std::vector<std::string>> queryServersSharingRooms(const CallContext& ctx,
                                                            const std::string& userId) override {
    std::set<std::string> servers;
    PLEXUS_TRY_VOID(collect(ctx, userId, servers, nullptr));
    return std::vector<std::string>(servers.begin(), servers.end());
  }
  Result<bool> queryServerSharesRoom(const CallContext& ctx, const std::string& userId,
                                     const std::string& server) override {
    std::set<std::string> servers;
    PLEXUS_TRY_VOID(collect(ctx, userId, servers, &server));
    return servers.contains(server);
  }

 private:
  // Adds the servers of the joined members of the user's rooms; stops once `wanted` is found.
  Status collect(const CallContext& ctx, const std::string& userId, std::set<std::string>& servers,
                 const std::string* wanted) {
    PLEXUS_TRY(auto roomIds, rooms_.queryRoomsForUser(ctx, userId, "join"));
    for (const auto& roomId : roomIds) {
      auto members = rooms_.queryJoinedMembers(ctx, roomId);
      if (!members.ok()) {
        if (members.error().code == ErrorCode::kNotFound) continue;  // purged meanwhile
        return members.error();
      }
      for (const auto& m : *members) {
        auto colon = m.userId.find(':');
        if (colon != std::string::npos) servers.insert(m.userId.substr(colon + 1));
      }
      if (wanted && servers.contains(*wanted)) return {};
    }
    return {};
  }

  roomserver::RoomserverApi& rooms_;
};

}  // namespace

std::unique_ptr<syncapi::EduSink> makeEduSink(federationsender::FederationSenderApi& federation) {
  return std::make_unique<FederationEduSink>(federation);
}

std::unique_ptr<keyserver::SharedRoomServers> makeSharedRoomServers(
    roomserver::RoomserverApi& rooms) {
  return std::make_unique<RoomserverSharedRoomServers>(rooms);
}

namespace {

class FederationMediaFetcher final : public media::RemoteMediaFetcher {
 public:
  explicit FederationMediaFetcher(federationsender::FederationSenderApi& federation)
      : federation_(federation) {}

  Result<media::RemoteMedia> fetchRemoteMedia(const CallContext& ctx, std::string_view serverName,
                                              std::string_view mediaId,
                                              std::int64_t maxBytes) override {
    PLEXUS_TRY(auto file, federation_.queryMediaDownload(ctx, std::string(serverName),
                                                         std::string(mediaId), maxBytes));
    return media::RemoteMedia{std::move(file.contentType), std::move(file.fileName),
                              std::move(file.bytes)};
  }

 private:
  federationsender::FederationSenderApi& federation_;
};

}  // namespace

std::unique_ptr<media::RemoteMediaFetcher> makeRemoteMediaFetcher(
    federationsender::FederationSenderApi& federation) {
  return std::make_unique<FederationMediaFetcher>(federation);
}

}  // namespace plexus::node
