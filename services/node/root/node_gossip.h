// NodeGossip: the public-room directory and user profiles of a node on the overlay, spread to
// every other node by gossip (issue 6, discovery) and answered back to this node's clients
// (clientapi::OverlayDirectory). Records are signed by their author's node key
// (libs/overlay/gossip.h), so a node passes on what it cannot forge.
//
// Spreading: a new record goes to every direct peer, and every node passes a record it had not
// seen to its other peers (flooding, one datagram per record per link); a link that comes up
// gets every live record once. A node republishes its own records each half lifetime (1 h).
// Its own entries are read from the roomserver and account-sync every few seconds and only
// changes are published, so a room made public shows up on other nodes within seconds.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "accountsync/api/accountsync_api.h"
#include "clientapi/impl/overlay_directory.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/overlay/gossip.h"
#include "plexus/overlay/overlay_node.h"
#include "roomserver/api/roomserver_api.h"

namespace plexus::node {

struct NodeGossipOptions {
  std::chrono::milliseconds pollInterval{3'000};
  std::uint32_t ttlSeconds = 3'600;
  std::size_t maxOwnRooms = 50;
  std::size_t maxOwnProfiles = 200;
};

class NodeGossip final : public clientapi::OverlayDirectory {
 public:
  // The services must outlive the object; `overlay` too, and must be running.
  NodeGossip(overlay::OverlayNode& overlay, crypto::SigningKey key, std::string serverName,
             roomserver::RoomserverApi& rooms, accountsync::AccountSyncApi& accounts,
             NodeGossipOptions options = {});
  ~NodeGossip() override;  // stop()

  void start();
  // Stops publishing (joins the thread); received records are ignored from then on.
  void stop();

  // clientapi::OverlayDirectory
  std::vector<roomserver::PublicRoom> publicRooms(std::string_view searchTerm) const override;
  std::vector<std::string> roomServers(std::string_view roomId) const override;
  std::vector<Profile> profiles(std::string_view searchTerm, std::size_t limit) const override;

 private:
  void onDatagram(const crypto::PublicKey& from, std::string_view payload);
  void run();
  void publishChanges(std::int64_t nowMs);
  void greetNewPeers(std::int64_t nowMs);
  void flood(const overlay::GossipRecord& record, const crypto::PublicKey* except);

  overlay::OverlayNode& overlay_;
  crypto::SigningKey key_;
  std::string serverName_;
  roomserver::RoomserverApi& rooms_;
  accountsync::AccountSyncApi& accounts_;
  NodeGossipOptions options_;

  mutable std::mutex mutex_;
  overlay::GossipStore store_;
  // What we published last, per (kind, id): its body and version.
  std::map<std::pair<overlay::GossipKind, std::string>, std::pair<std::string, std::uint64_t>>
      published_;
  std::set<std::string> greetedPeers_;  // peer keys (hex) that got our store on their link
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace plexus::node
