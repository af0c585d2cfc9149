// The small ports one service needs from another, adapted over the real service APIs. Only the
// composition root knows both sides.
#pragma once

#include <memory>

#include "accountsync/api/accountsync_api.h"
#include "federationsender/api/federation_sender_api.h"
#include "keyserver/api/keyserver_api.h"
#include "keyserver/api/ports.h"
#include "media/api/remote_media_fetcher.h"
#include "roomserver/api/roomserver_api.h"
#include "syncapi/api/ports.h"

namespace plexus::node {

// Profiles for the member events the roomserver builds, read from account-sync. Unknown users
// and lookup failures give an empty profile (the member event is still valid without one).
roomserver::ProfileLookup makeProfileLookup(accountsync::AccountSyncApi& accounts);

// One-time-key counts and fallback keys from the keyserver, device lists from account-sync.
std::unique_ptr<syncapi::DeviceKeySource> makeDeviceKeySource(keyserver::KeyserverApi& keys,
                                                              accountsync::AccountSyncApi& accounts);

// Sync-api's outbound EDUs (typing, receipts, presence, to-device for remote users) queued
// through the federation sender (performSendEdu); sync-api has chosen the destinations.
std::unique_ptr<syncapi::EduSink> makeEduSink(federationsender::FederationSenderApi& federation);

// The servers sharing a room with a user, from the roomserver: the servers of the joined
// members of every room the user is joined to. For the keyserver (where a local user's
// device-list EDUs go; whether a remote user's list concerns us).
std::unique_ptr<keyserver::SharedRoomServers> makeSharedRoomServers(
    roomserver::RoomserverApi& rooms);

// Media of other servers for the media service, fetched by the federation sender
// (queryMediaDownload: GET /_matrix/federation/v1/media/download, Location followed once).
std::unique_ptr<media::RemoteMediaFetcher> makeRemoteMediaFetcher(
    federationsender::FederationSenderApi& federation);

}  // namespace plexus::node
