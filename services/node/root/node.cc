// Node: builds every service of the client-side node, in dependency order, and tears them down
// in reverse. Services the build does not have yet (PLEXUS_NODE_WITH_* unset) are left out: the
// client API then answers their routes with 503.
#include "root/node.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "accountsync/api/output.h"
#include "accountsync/api/token_cache.h"
#include "accountsync/impl/accountsync_service.h"
#include "federationapi/impl/queued_edu.h"
#include "federationsender/impl/federation_sender_service.h"
#include "keyserver/api/output.h"
#include "keyserver/impl/device_list_sender.h"
#include "keyserver/impl/keyserver_service.h"
#include "media/impl/media_service.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/bus/outbox.h"
#include "plexus/bus/relay.h"
#include "plexus/bus/routed_bus.h"
#include "plexus/bus/typed_topic.h"
#if PLEXUS_HAVE_REDIS
#include <cstdlib>

#include "plexus/bus/redis_streams_bus.h"
#endif
#include "plexus/log/log.h"
#include "root/adapters.h"
#include "root/caching_key_source.h"
#include "root/federation_listener.h"
#include "root/grpc_bindings.h"
#include "root/node_gossip.h"
#include "root/node_overlay.h"
#include "root/observability.h"
#include "root/overlay_metrics.h"
#include "root/service_databases.h"
#include "root/service_links.h"
#include "root/service_metrics.h"
#include "root/shard_hash.h"
#include "root/storage_metrics.h"
#if PLEXUS_NODE_WITH_ROOMSERVER
#include "roomserver/api/output.h"
#include "roomserver/impl/roomserver_service.h"
#endif
#if PLEXUS_NODE_WITH_SYNCAPI
#include "syncapi/impl/caching_pushers.h"
#include "syncapi/impl/service_ports.h"
#include "syncapi/impl/sync_service.h"
#endif
#if PLEXUS_NODE_WITH_CLIENTAPI
#include "clientapi/impl/client_api_server.h"
#include "clientapi/impl/device_touch_throttle.h"
#endif

namespace plexus::node {
namespace {

using Clock = std::chrono::steady_clock;

// A client-api replica forwards a device's last-seen touch to account-sync at most this often
// (unless its IP changes): GET /devices may lag by as much.
constexpr std::int64_t kDeviceTouchIntervalMs = 60'000;

std::int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// Whether the node federates: over HTTPS (federation.listen) or over the overlay (p2p).
bool federates(const config::Config& config) {
  return !config.federation.listen.empty() || config.p2p.enabled;
}

// The services with a database of their own; federationapi only when the node federates.
std::vector<std::string> serviceNames(const config::Config& config) {
  std::vector<std::string> names = {"accountsync", "keyserver", "media", "roomserver", "syncapi"};
  if (federates(config)) {
    names.push_back("federationapi");
    names.push_back("federationsender");
  }
  return names;
}

}  // namespace

struct Node::Impl {
  config::Config config;
  events::ServerIdentity identity;
  NodeStartInfo info;
  // Metrics and health endpoints: up first, down last.
  std::unique_ptr<Observability> observability;
  // The roomserver's and sync-api's series (outlives both).
  std::unique_ptr<ServiceMetrics> serviceMetrics;
  // Declaration order is construction order; destruction runs backwards: the HTTP front
  // stops first, the databases close last.
  std::map<std::string, std::unique_ptr<storage::Database>> databases;
  // Producers' outputs are durable: each producer enqueues them in its own database (the
  // outbox, in the transaction that writes the change) and consumers read them from there
  // through `bus`, which routes those topics to the outboxes and the rest to memory.
  bus::InProcessBus memoryBus;
  // `plexus serve`: Redis Streams behind `bus` instead of memory, and the relays copying each
  // local outbox there for the other processes.
  std::unique_ptr<bus::Bus> clusterBus;
  bus::RoutedBus bus{memoryBus};
  std::map<std::string, std::unique_ptr<bus::Outbox>> outboxes;
  std::vector<std::unique_ptr<bus::Subscription>> relays;
  // Pools and consumer lag of the databases and outboxes above (detached before they close).
  std::unique_ptr<StorageMetrics> storageMetrics;
  std::uint16_t grpcPort = 0;
  std::unique_ptr<accountsync::AccountSyncService> accounts;
  std::unique_ptr<keyserver::KeyserverService> keys;
  // The overlay (p2p): its federation transport outlives `federation`, which sends through it.
  std::unique_ptr<NodeOverlay> overlay;
  std::unique_ptr<OverlayMetrics> overlayMetrics;
  // Public rooms and profiles spread over the overlay (stopped with the client API).
  std::unique_ptr<NodeGossip> gossip;
  // Federation: keys and outbound requests first (the roomserver and the sender use them),
  // the listener's routes once every service exists.
  std::unique_ptr<FederationListener> federation;
  // The cluster's federationapi: inbound EDUs taken off the bus (startFederation).
  std::unique_ptr<bus::Subscription> queuedEdus;
  std::unique_ptr<federationsender::FederationSenderService> sender;
  // What keyserver and sync-api send to other servers through the sender.
  std::unique_ptr<keyserver::SharedRoomServers> sharedRooms;
  std::unique_ptr<syncapi::EduSink> eduSink;
  // Media of other servers, fetched through the sender (outlives `media`, which uses it).
  std::unique_ptr<media::RemoteMediaFetcher> mediaFetcher;
  std::unique_ptr<keyserver::DeviceListSender> deviceListSender;
#if PLEXUS_NODE_WITH_ROOMSERVER
  std::unique_ptr<roomserver::RoomserverService> rooms;
#endif
  std::unique_ptr<media::MediaService> media;
  std::unique_ptr<syncapi::DeviceKeySource> deviceKeys;
  // The keyserver in another process: deviceKeys caches its answers and this subscription to
  // its OneTimeKeysChanged keeps them fresh (cacheDeviceKeys).
  std::unique_ptr<bus::Subscription> deviceKeyInvalidations;
#if PLEXUS_NODE_WITH_SYNCAPI
  // Account-sync in another process: push delivery's pusher lookups cached, kept fresh by its
  // PushersChanged (cachePushers). Outlives `sync`, which uses it.
  std::unique_ptr<syncapi::CachingPusherDirectory> pusherCache;
  std::unique_ptr<bus::Subscription> pusherInvalidations;
  std::unique_ptr<syncapi::SyncService> sync;
#endif
#if PLEXUS_NODE_WITH_CLIENTAPI
  // `plexus serve clientapi`: access-token answers cached, dropped when account-sync says
  // credentials changed (CredentialsChanged on the bus).
  std::unique_ptr<accountsync::TokenCache> tokenCache;
  std::unique_ptr<bus::Subscription> tokenInvalidations;
  // ... and each device's last-seen touch forwarded at most once a minute.
  std::unique_ptr<clientapi::DeviceTouchThrottle> touchThrottle;
  clientapi::ClientApiDeps deps;
  std::unique_ptr<clientapi::ClientApiServer> server;
#endif
#if PLEXUS_NODE_WITH_SYNCAPI && PLEXUS_NODE_WITH_ROOMSERVER
  std::unique_ptr<syncapi::RoomserverEventSource> roomEvents;
#endif
  // What callers use: the local implementation, or (loopback gRPC, `plexus serve`) a gRPC
  // client of it or of the process that runs it. Set as each service comes up.
  ServiceLinks links;
  std::atomic<bool> firstRequestLogged{false};
  bool stopped = false;

  Result<storage::Database*> openDatabase(const std::string& service) {
    auto start = Clock::now();
    if (config.database.usesPostgres())
      log::info("opening database", {{"service", service}, {"schema", service}});
    else
      log::info("opening database",
                {{"service", service}, {"path", sqlitePathFor(config, service)}});
    PLEXUS_TRY(auto db, openServiceDatabase(config, service));
    storage::Database* raw = db.get();
    if (storageMetrics) storageMetrics->watchDatabase(service, *raw);
    databases[service] = std::move(db);
    log::debug("database open", {{"service", service}, {"ms", msSince(start)}});
    return raw;
  }

  // The outbox on `service`'s database, serving `topic` to consumers of `bus`.
  Result<bus::Outbox*> outboxFor(const std::string& service, storage::Database& db,
                                 std::string_view topic) {
    auto& slot = outboxes[service];
    if (!slot) {
      PLEXUS_TRY(slot, bus::Outbox::open(db));
      if (storageMetrics) storageMetrics->watchOutbox(*slot);
    }
    bus.route(topic, *slot);
    return slot.get();
  }

  Status migrated(const std::string& service, Clock::time_point start, Status status) {
    if (!status.ok()) {
      log::error("migration failed", {{"service", service}, {"error", status.error().message}});
      return status;
    }
    log::info("database ready", {{"service", service}, {"ms", msSince(start)}});
    return {};
  }

  // The node runs every service; `plexus serve` exactly one (info.service).
  bool isLocal(std::string_view service) const {
    return info.service.empty() || info.service == service;
  }
  bool serving() const { return !info.service.empty(); }
  // The database (SQLite file, PostgreSQL schema) of a service; shards past the first have
  // their own ("roomserver_1").
  std::string databaseName(const std::string& service) const {
    const bool sharded = service == "roomserver" || service == "federationsender";
    if (serving() && sharded && config.cluster.shard > 0)
      return service + "_" + std::to_string(config.cluster.shard);
    return service;
  }
  // Federation keys and the outbound requester: for the federation listener, the roomserver
  // (remote events' signatures) and the sender.
  bool needsFederation() const {
    if (!federates(config)) return false;
    return isLocal("federationapi") || isLocal("roomserver") || isLocal("federationsender");
  }

  Status build() {
    PLEXUS_TRY(observability, Observability::start(config));
    PLEXUS_TRY(storageMetrics, StorageMetrics::create(observability->registry()));
    PLEXUS_TRY(serviceMetrics, ServiceMetrics::create(observability->registry()));
    if (serving()) {
      PLEXUS_TRY_VOID(links.useCluster(&observability->registry(), config.global.serverName));
      PLEXUS_TRY_VOID(connectClusterBus());
    } else if (config.loopbackGrpc) {
      PLEXUS_TRY_VOID(links.useLoopbackGrpc(&observability->registry()));
      log::info("cross-service calls go through gRPC on loopback (--loopback-grpc)");
    }
    if (config.database.usesPostgres()) {
      std::vector<std::string> names;
      for (const std::string& name : serviceNames(config))
        if (isLocal(name) || (name == "federationapi" && needsFederation()))
          names.push_back(databaseName(name));
      log::info("creating PostgreSQL schemas", {{"count", names.size()}});
      PLEXUS_TRY_VOID(createPostgresSchemas(config, names));
    }
    // Services of other processes (`plexus serve`): every one the config names.
    if (serving()) {
      for (const char* name :
           {"accountsync", "keyserver", "media", "roomserver", "federationsender", "syncapi"}) {
        if (isLocal(name) || config.cluster.targetsOf(name).empty()) continue;
        PLEXUS_TRY_VOID(links.remote(name, config.cluster.targetsOf(name)));
      }
    }

    if (isLocal("accountsync")) PLEXUS_TRY_VOID(createAccounts());
    if (isLocal("keyserver")) PLEXUS_TRY_VOID(createKeys());
    if (isLocal("media")) PLEXUS_TRY_VOID(createMedia());
    if (needsFederation()) PLEXUS_TRY_VOID(createFederation());
#if PLEXUS_NODE_WITH_ROOMSERVER
    if (isLocal("roomserver")) PLEXUS_TRY_VOID(createRooms());
    if (isLocal("federationsender") && federation) PLEXUS_TRY_VOID(createSender());
#else
    log::warn("service not built into this binary", {{"service", "roomserver"}});
#endif
    if (isLocal("keyserver")) PLEXUS_TRY_VOID(linkKeysToFederation());
    if (isLocal("media") && links.sender) {
      mediaFetcher = makeRemoteMediaFetcher(*links.sender);
      media->setRemoteFetcher(mediaFetcher.get());
    }
#if PLEXUS_NODE_WITH_SYNCAPI
    if (isLocal("syncapi")) PLEXUS_TRY_VOID(createSync());
#else
    log::warn("service not built into this binary", {{"service", "syncapi"}});
#endif
    // Outputs committed before a crash are delivered before the first client request, so a
    // client never sees an acknowledged event missing from /messages after a restart.
    auto catchUp = Clock::now();
    for (auto& [service, outbox] : outboxes) {
      if (!outbox->waitUntilDelivered(std::chrono::seconds(60))) {
        log::warn("bus backlog not delivered in time", {{"producer", service}});
      }
    }
    log::info("bus backlog delivered", {{"ms", msSince(catchUp)}});

    if (serving()) return serveLocalService();

    if (federation) {
      PLEXUS_TRY_VOID(startFederation());
      if (overlay && links.rooms && links.accounts) {
        gossip =
            std::make_unique<NodeGossip>(overlay->node(), identity.signingKey,
                                         config.global.serverName, *links.rooms, *links.accounts);
        gossip->start();
      }
    } else {
      log::info("no federation (neither federation.listen nor p2p is set)");
    }
#if PLEXUS_NODE_WITH_CLIENTAPI
    PLEXUS_TRY_VOID(startClientApi());
    observability->setReady(true);
    return {};
#else
    log::error("the client API is not built into this binary: nothing to listen with");
    return fail(ErrorCode::kUnavailable, "client API not built");
#endif
  }

  // `plexus serve`: the gRPC server of this process's service, or its HTTP listener.
  Status serveLocalService() {
    const std::string& service = info.service;
    if (service == "clientapi") {
#if PLEXUS_NODE_WITH_CLIENTAPI
      PLEXUS_TRY_VOID(startClientApi());
#else
      return fail(ErrorCode::kUnavailable, "client API not built");
#endif
    } else if (service == "federationapi") {
      if (!federation) return fail(ErrorCode::kInvalidParam, "federation.listen is not set");
      PLEXUS_TRY_VOID(startFederation());
    } else {
      const std::string listen =
          config.cluster.grpcListen.empty() ? "0.0.0.0:9100" : config.cluster.grpcListen;
      auto port = links.serve(service, listen);
      if (!port.ok()) {
        log::error("cannot serve gRPC", {{"address", listen}, {"error", port.error().message}});
        return std::move(port).takeError();
      }
      grpcPort = port.value();
      log::info("serving " + service + " on gRPC port " + std::to_string(grpcPort),
                {{"shard", config.cluster.shard}, {"ms_since_start", msSince(info.processStart)}});
    }
    observability->setReady(true);
    return {};
  }

  // `plexus serve`: the bus is Redis Streams; each local producer's outbox is copied there.
  Status connectClusterBus() {
#if PLEXUS_HAVE_REDIS
    if (config.cluster.redisUrl.empty())
      return fail(ErrorCode::kInvalidParam, "cluster.redis_url is not set");
    PLEXUS_TRY(bus::RedisOptions redis, bus::parseRedisUrl(config.cluster.redisUrl));
    bus::RedisStreamsBus::Options options;
    options.redis = redis;
    // A stable name: a restarted process takes up its own unacknowledged messages first, in
    // order (a new name would leave them to another consumer's idle claim, later and out of
    // order). Replicas of one service need distinct names: PLEXUS_BUS_CONSUMER (e.g. the pod).
    const char* named = std::getenv("PLEXUS_BUS_CONSUMER");
    options.consumerName = named && *named
                               ? std::string(named)
                               : info.service + "-" + std::to_string(config.cluster.shard);
    clusterBus = std::make_unique<bus::RedisStreamsBus>(options);
    bus.setFallback(*clusterBus);
    log::info("bus: Redis Streams", {{"url", bus::redactedRedisUrl(config.cluster.redisUrl)}});
    return {};
#else
    return fail(ErrorCode::kUnavailable, "this build has no Redis bus (libhiredis-dev)");
#endif
  }

  // In the cluster, consumers in other processes read `topic` from Redis: copy the outbox there.
  Status relayToCluster(bus::Outbox& outbox, std::string_view topic) {
    if (!clusterBus) return {};
    PLEXUS_TRY(auto sub, bus::relay(outbox, topic, *clusterBus));
    relays.push_back(std::move(sub));
    return {};
  }

  Status createAccounts() {
    auto t = Clock::now();
    PLEXUS_TRY(auto accountsDb, openDatabase("accountsync"));
    PLEXUS_TRY_VOID(
        migrated("accountsync", t, accountsync::AccountSyncService::migrate(*accountsDb)));
    accountsync::AccountSyncOptions accountOptions = accountsync::AccountSyncOptions::defaults();
    accountOptions.accessTokenLifetimeMs = config.accountSync.accessTokenLifetimeMs;
    accountOptions.allowGuests = config.clientApi.guestAccessEnabled;
    accountOptions.publishCredentialChanges = serving();
    // For sync-api's pusher cache when it reaches account-sync over gRPC (cachePushers).
    accountOptions.publishPusherChanges =
        serving() || (links.loopback() && PLEXUS_NODE_WITH_SYNCAPI);
    if (info.minimalPasswordHashing) {
      const accountsync::AccountSyncOptions cheap = accountsync::AccountSyncOptions::forTests();
      accountOptions.pwhashOpsLimit = cheap.pwhashOpsLimit;
      accountOptions.pwhashMemLimit = cheap.pwhashMemLimit;
    }
    PLEXUS_TRY(bus::Outbox * accountsOut,
               outboxFor("accountsync", *accountsDb, accountsync::AccountDataOutput::kTopic));
    accounts = std::make_unique<accountsync::AccountSyncService>(
        config.global.serverName, *accountsDb, *accountsOut, accountOptions);
    PLEXUS_TRY_VOID(relayToCluster(*accountsOut, accountsync::AccountDataOutput::kTopic));
    if (serving()) {
      bus.route(accountsync::CredentialsChanged::kTopic, *accountsOut);
      PLEXUS_TRY_VOID(relayToCluster(*accountsOut, accountsync::CredentialsChanged::kTopic));
    }
    if (accountOptions.publishPusherChanges) {
      bus.route(accountsync::PushersChanged::kTopic, *accountsOut);
      PLEXUS_TRY_VOID(relayToCluster(*accountsOut, accountsync::PushersChanged::kTopic));
    }
    return links.local(*accounts);
  }

  Status createKeys() {
    auto t = Clock::now();
    PLEXUS_TRY(auto keysDb, openDatabase("keyserver"));
    PLEXUS_TRY(bus::Outbox * keysOut,
               outboxFor("keyserver", *keysDb, keyserver::DeviceListUpdate::kTopic));
    keyserver::KeyserverOptions keyOptions;
    keyOptions.serverName = config.global.serverName;
    // For sync-api's cache of one-time-key counts when it reaches the keyserver over gRPC.
    keyOptions.publishOneTimeKeyChanges =
        serving() || (links.loopback() && PLEXUS_NODE_WITH_SYNCAPI);
    keys = std::make_unique<keyserver::KeyserverService>(*keysDb, *keysOut, keyOptions);
    PLEXUS_TRY_VOID(migrated("keyserver", t, keys->migrate()));
    PLEXUS_TRY_VOID(relayToCluster(*keysOut, keyserver::DeviceListUpdate::kTopic));
    if (keyOptions.publishOneTimeKeyChanges) {
      bus.route(keyserver::OneTimeKeysChanged::kTopic, *keysOut);
      PLEXUS_TRY_VOID(relayToCluster(*keysOut, keyserver::OneTimeKeysChanged::kTopic));
    }
    return links.local(*keys);
  }

  Status createMedia() {
    auto t = Clock::now();
    PLEXUS_TRY(auto mediaDb, openDatabase("media"));
    PLEXUS_TRY_VOID(migrated("media", t, media::MediaService::migrate(*mediaDb)));
    media::MediaServiceOptions mediaOptions;
    mediaOptions.maxUploadBytes = config.media.maxUploadBytes;
    mediaOptions.maxImagePixels = config.media.maxImagePixels;
    const std::string mediaDir =
        config.media.mediaDir.empty()
            ? (std::filesystem::path(config.global.dataDir) / "media").string()
            : config.media.mediaDir;
    media = std::make_unique<media::MediaService>(config.global.serverName, *mediaDb, mediaDir,
                                                  mediaOptions);
    return links.local(*media);
  }

  // Remote device lists and keys, and our device-list updates sent to other servers: both go
  // through the federation sender (wherever it runs).
  Status linkKeysToFederation() {
    if (!links.sender || !links.rooms) return {};
    sharedRooms = makeSharedRoomServers(*links.rooms);
    keys->setFederation(links.sender, sharedRooms.get());
    deviceListSender = std::make_unique<keyserver::DeviceListSender>(
        *keys, *links.sender, *sharedRooms, config.global.serverName);
    return deviceListSender->start(bus);
  }

#if PLEXUS_NODE_WITH_SYNCAPI
  // The keyserver over gRPC: /sync's two key queries answered from a cache, forgotten per device
  // on each OneTimeKeysChanged the keyserver publishes (caching_key_source.h).
  Status cacheDeviceKeys() {
    auto cache = std::make_unique<CachingDeviceKeySource>(std::move(deviceKeys));
    PLEXUS_TRY(deviceKeyInvalidations,
               subscribeToKeyChanges(bus, cacheGroup("syncapi-keycache"), *cache));
    deviceKeys = std::move(cache);
    return {};
  }

  // The consumer group of a sync-api cache kept fresh over the bus. The cluster: a group per
  // replica, named like the client-api token caches' (every replica must see every message).
  // Loopback: one stable group on the producer's outbox (a new name per run would leave dead
  // groups there that keep its rows from being pruned).
  std::string cacheGroup(std::string group) const {
    if (serving()) {
      const char* named = std::getenv("PLEXUS_BUS_CONSUMER");
      char host[256] = {};
      ::gethostname(host, sizeof(host) - 1);
      const std::string replica = named && *named
                                      ? std::string(named)
                                      : std::string(host) + "-" + std::to_string(::getpid());
      group.append("-").append(replica);
    }
    return group;
  }

  // Account-sync over gRPC: push delivery's pusher lookups answered from a cache, forgotten per
  // user on each PushersChanged account-sync publishes (caching_pushers.h).
  Status cachePushers() {
    pusherCache = std::make_unique<syncapi::CachingPusherDirectory>(
        std::make_unique<syncapi::AccountSyncPushers>(*links.accounts));
    PLEXUS_TRY(pusherInvalidations,
               syncapi::subscribeToPusherChanges(bus, cacheGroup("syncapi-pushers"), *pusherCache));
    return {};
  }

  Status createSync() {
    if (!links.keys || !links.accounts)
      return fail(ErrorCode::kInvalidParam, "sync-api needs the keyserver and account-sync");
    deviceKeys = makeDeviceKeySource(*links.keys, *links.accounts);
    if (!isLocal("keyserver") || links.loopback()) PLEXUS_TRY_VOID(cacheDeviceKeys());
    if (!isLocal("accountsync") || links.loopback()) PLEXUS_TRY_VOID(cachePushers());
    auto t = Clock::now();
    PLEXUS_TRY(auto syncDb, openDatabase("syncapi"));
    syncapi::SyncServiceOptions syncOptions;
    syncOptions.serverName = config.global.serverName;
    syncOptions.wakeThreads = config.syncApi.wakeThreads;
    syncOptions.maxTimeoutMs = config.syncApi.maxTimeoutMs;
    syncOptions.pushGatewayCaFile = config.syncApi.pushGatewayCaFile;
    syncOptions.pushGatewayInsecureTls = config.syncApi.pushGatewayInsecureTls;
    syncOptions.onWake = serviceMetrics->wakeObserver();
    if (serving() && config.cluster.syncapi.size() > 1) {
      // Replicas share the "syncapi" schema; shard 0 stores the bus inputs.
      syncOptions.replication.enabled = true;
      syncOptions.replication.consumesInputs = config.cluster.shard == 0;
      syncOptions.replication.replicaName = "syncapi-" + std::to_string(config.cluster.shard);
    }
    auto created = syncapi::SyncService::create(*syncDb, bus, deviceKeys.get(), links.accounts,
                                                pusherCache.get(), syncOptions);
    if (!created.ok()) return migrated("syncapi", t, created.error());
    PLEXUS_TRY_VOID(migrated("syncapi", t, {}));
    sync = std::move(created).value();
#if PLEXUS_NODE_WITH_ROOMSERVER
    // A remote join's room state reaches sync-api by ID only.
    if (links.rooms) {
      roomEvents = std::make_unique<syncapi::RoomserverEventSource>(*links.rooms);
      sync->setRoomEventSource(roomEvents.get());
    }
#endif
    if (links.sender) {
      eduSink = makeEduSink(*links.sender);
      sync->setEduSink(eduSink.get());
    }
    auto syncStart = Clock::now();
    PLEXUS_TRY_VOID(sync->start());
    log::info("sync streams loaded", {{"ms", msSince(syncStart)}});
    serviceMetrics->watchWaiters([s = sync.get()] { return s->parkedWaiters(); });
    return links.local(*sync);
  }
#endif

  // Phase 1: keys, key cache, transport and requester (before the roomserver).
  Status createFederation() {
    auto t = Clock::now();
    PLEXUS_TRY(auto db, openDatabase("federationapi"));
    if (config.p2p.enabled && !serving()) {
      // The node key: a key-named server's signing key (its name is the key's hex).
      PLEXUS_TRY(overlay, NodeOverlay::start(config.p2p, identity.signingKey));
      NodeOverlay* o = overlay.get();
      PLEXUS_TRY(overlayMetrics, OverlayMetrics::create(observability->registry(),
                                                        [o] { return o->snapshot(); }));
    }
    auto created = FederationListener::create(config, identity, *db,
                                              overlay ? &overlay->transport() : nullptr);
    if (!created.ok()) {
      log::error("federation failed to start", {{"error", created.error().message}});
      return std::move(created).takeError();
    }
    federation = std::move(created).value();
    // Events are signed with the same key as requests (the services created next use it).
    federation::SigningKeyEntry current = federation->signingKey();
    identity.keyId = current.keyId;
    identity.signingKey = current.key;
    log::debug("federation keys ready", {{"ms", msSince(t)}});
    return {};
  }

#if PLEXUS_NODE_WITH_ROOMSERVER
  Status createRooms() {
    if (!links.accounts) return fail(ErrorCode::kInvalidParam, "the roomserver needs account-sync");
    auto t = Clock::now();
    const std::string dbName = databaseName("roomserver");
    PLEXUS_TRY(auto roomsDb, openDatabase(dbName));
    PLEXUS_TRY(bus::Outbox * roomsOut,
               outboxFor(dbName, *roomsDb, roomserver::OutputRoomEvent::kTopic));
    roomserver::RoomserverService::Options roomOptions;
    roomOptions.observer = serviceMetrics.get();
    if (federation) roomOptions.keys = &federation->eventKeys();
    const std::size_t shards = config.cluster.roomserver.size();
    if (serving() && shards > 1) {
      const std::size_t mine = static_cast<std::size_t>(config.cluster.shard);
      roomOptions.ownsRoom = [shards, mine](std::string_view roomId) {
        return shardOf(roomId, shards) == mine;
      };
    }
    rooms = std::make_unique<roomserver::RoomserverService>(
        identity, *roomsDb, *roomsOut, makeProfileLookup(*links.accounts), roomOptions);
    PLEXUS_TRY_VOID(migrated(dbName, t, rooms->start()));
    PLEXUS_TRY_VOID(relayToCluster(*roomsOut, roomserver::OutputRoomEvent::kTopic));
    PLEXUS_TRY_VOID(links.local(*rooms));
    // In the node the sender is created after the roomserver and set then (createSender).
    if (serving() && links.sender) rooms->setFederation(links.sender);
    return {};
  }

  // The federation sender: outbound requests for the roomserver and client-api, and the
  // persisted queues fed by the roomserver's output (consumed once started).
  Status createSender() {
    if (!links.rooms) return fail(ErrorCode::kInvalidParam, "the sender needs the roomserver");
    auto t = Clock::now();
    const std::string dbName = databaseName("federationsender");
    PLEXUS_TRY(auto db, openDatabase(dbName));
    federationsender::FederationSenderOptions senderOptions;
    if (serving()) senderOptions.busGroup = dbName;  // every shard reads every room event
    const std::size_t senderShards = config.cluster.federationsender.size();
    if (serving() && senderShards > 1) {
      const std::size_t mine = static_cast<std::size_t>(config.cluster.shard);
      senderOptions.ownsDestination = [senderShards, mine](std::string_view destination) {
        return shardOf(destination, senderShards) == mine;
      };
    }
    auto created = federationsender::FederationSenderService::create(
        *db, bus, federation->requester(), *links.rooms, senderOptions);
    if (!created.ok()) return migrated(dbName, t, created.error());
    PLEXUS_TRY_VOID(migrated(dbName, t, {}));
    sender = std::move(created).value();
    PLEXUS_TRY_VOID(observability->attachFederationSender(*sender));
    PLEXUS_TRY_VOID(links.local(*sender));
    if (rooms) rooms->setFederation(links.sender);
    return sender->start();
  }
#endif

  // Phase 2: the Server-Server API listener over every service.
  Status startFederation() {
    federationapi::FederationDeps deps;
    deps.roomserver = links.rooms;
    deps.accounts = links.accounts;
    deps.keyserver = links.keys;
    deps.sync = links.sync;
    deps.media = links.media;
    if (auto* s = sender.get())
      deps.onAuthenticated = [s](const std::string& origin) { s->noteDestinationAlive(origin); };
    if (serving()) {
      // The cluster: EDUs go on the bus; the federationapi replicas (one shared group) hand them
      // to sync-api and the keyserver, again and again while those are unavailable.
      deps.queueEdu = [this](const std::string& origin, const json::Object& edu) -> Status {
        auto published = bus::publishTyped(bus, federationapi::QueuedEdu{origin, edu});
        if (!published.ok()) return std::move(published).takeError();
        return {};
      };
    }
    Status listening = federation->listen(
        std::move(deps), observability ? observability->httpObserver("federation") : nullptr);
    if (!listening.ok()) {
      log::error("federation failed to start", {{"error", listening.error().message}});
      return listening;
    }
    if (overlay) {
      overlay->serve(federation->handler(), federation->limits(), federation->bodyLimitFor());
      log::info("federation served over the overlay",
                {{"node_key", identity.signingKey.publicKey().toHex()}});
    }
    if (serving()) {
      PLEXUS_TRY(queuedEdus, bus::subscribeTyped<federationapi::QueuedEdu>(
                                 bus, "federationapi-edus",
                                 [this](const federationapi::QueuedEdu& queued, std::uint64_t) {
                                   return federation->handleQueuedEdu(queued.origin, queued.edu);
                                 }));
    }
    return listening;
  }

#if PLEXUS_NODE_WITH_CLIENTAPI
  // The cluster's client-api replicas: a token cache in front of account-sync's gRPC client,
  // emptied on every CredentialsChanged (each replica its own consumer group, from now on).
  Status cacheAccessTokens() {
    tokenCache = std::make_unique<accountsync::TokenCache>();
    // Unique per replica: a shared group would split the messages between replicas. In a
    // container the pid is often 1, hence the host name (the pod's) too.
    const char* named = std::getenv("PLEXUS_BUS_CONSUMER");
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    const std::string group =
        "clientapi-tokens-" + (named && *named
                                   ? std::string(named)
                                   : std::string(host) + "-" + std::to_string(::getpid()));
    PLEXUS_TRY(tokenInvalidations,
               bus::subscribeTyped<accountsync::CredentialsChanged>(
                   bus, group,
                   [cache = tokenCache.get()](const accountsync::CredentialsChanged&,
                                              std::uint64_t) -> Status {
                     cache->invalidate();
                     return {};
                   }));
    deps.tokenCache = tokenCache.get();
    touchThrottle = std::make_unique<clientapi::DeviceTouchThrottle>(kDeviceTouchIntervalMs);
    deps.touchThrottle = touchThrottle.get();
    return {};
  }

  Status startClientApi() {
    if (serving()) PLEXUS_TRY_VOID(cacheAccessTokens());
    deps.accounts = links.accounts;
    deps.keys = links.keys;
    deps.media = links.media;
    deps.federation = links.sender;
    deps.roomserver = links.rooms;
    deps.sync = links.sync;
    deps.identity = &identity;
    deps.overlayDirectory = gossip.get();
    const config::ClientApiSection& c = config.clientApi;
    deps.config.serverName = config.global.serverName;
    deps.config.publicBaseUrl = c.wellKnownBaseUrl;
    deps.config.wellKnownServer = config.federation.wellKnownServer;
    deps.config.registrationEnabled = c.registrationEnabled;
    deps.config.guestAccessEnabled = c.guestAccessEnabled;
    deps.config.maxBodyBytes = static_cast<std::size_t>(c.maxBodyBytes);
    deps.config.rateLimit.enabled = c.rateLimits.enabled;
    deps.config.rateLimit.requestsPerSecond = c.rateLimits.requestsPerSecond;
    deps.config.rateLimit.burst = c.rateLimits.burst;
    deps.config.turn.uris = c.turn.uris;
    deps.config.turn.username = c.turn.username;
    deps.config.turn.password = c.turn.password;
    deps.config.turn.ttlSeconds = c.turn.ttlSeconds;
    deps.config.workerThreads = c.workerThreads;

    http::ServerOptions options;
    if (!config::splitHostPort(c.listen, options.host, options.port))
      return fail(ErrorCode::kInvalidParam, "client_api.listen: bad address " + c.listen);
    options.ioThreads = c.ioThreads;
    options.onResponse = observability->httpObserver("client");
    server = std::make_unique<clientapi::ClientApiServer>(deps, options);
    // Wraps the worker executor the server installed, to log when the first request arrives.
    if (auto inner = deps.executor) {
      deps.executor = [this, inner](std::function<void()> work) {
        if (!firstRequestLogged.exchange(true, std::memory_order_relaxed))
          log::info("first request", {{"ms_since_start", msSince(info.processStart)}});
        inner(std::move(work));
      };
    }
    Status started = server->start();
    if (!started.ok()) {
      log::error("cannot listen", {{"address", c.listen}, {"error", started.error().message}});
      return started;
    }
    std::string host =
        options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
    log::info("listening on http://" + host + ":" + std::to_string(server->port()),
              {{"ms_since_start", msSince(info.processStart)}});
    return {};
  }
#endif

  void stop() {
    if (stopped) return;
    stopped = true;
    log::info("stopping");
    if (observability) observability->setReady(false);
    queuedEdus.reset();
    if (federation) federation->stop();
#if PLEXUS_NODE_WITH_CLIENTAPI
    if (server) server->stop();
    server.reset();
    tokenInvalidations.reset();
#endif
    if (gossip) gossip->stop();
    gossip.reset();
    if (deviceListSender) deviceListSender->stop();
    if (sender) sender->stop();
    // After the sender (its requests fail fast from here on), before the routes go away.
    overlayMetrics.reset();  // scrapes read the overlay
    if (overlay) overlay->stop();
    if (serviceMetrics) serviceMetrics->watchWaiters(nullptr);
#if PLEXUS_NODE_WITH_SYNCAPI
    if (sync) sync->stop();
#endif
    // No gRPC call reaches an implementation after this.
    links.stopServers();
#if PLEXUS_NODE_WITH_SYNCAPI
    sync.reset();
    deviceKeyInvalidations.reset();
    pusherInvalidations.reset();
#endif
#if PLEXUS_NODE_WITH_ROOMSERVER
    if (rooms) rooms->setFederation(nullptr);
#endif
    if (keys) keys->setFederation(nullptr, nullptr);
    deviceListSender.reset();
    eduSink.reset();
    if (media) media->setRemoteFetcher(nullptr);
    mediaFetcher.reset();
    if (observability) observability->detachFederationSender();
    sender.reset();
    relays.clear();
    storageMetrics.reset();
    sharedRooms.reset();
#if PLEXUS_NODE_WITH_ROOMSERVER
    rooms.reset();
#endif
    federation.reset();
    overlay.reset();
    keys.reset();
    accounts.reset();
    outboxes.clear();
    clusterBus.reset();
    databases.clear();
    if (observability) observability->stop();
    log::info("stopped");
  }
};

Result<std::unique_ptr<Node>> Node::start(const config::Config& config,
                                          events::ServerIdentity identity, NodeStartInfo info) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->identity = std::move(identity);
  impl->info = info;
  Status built = impl->build();
  if (!built.ok()) {
    impl->stop();
    return std::move(built).takeError();
  }
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() { stop(); }

std::uint16_t Node::clientPort() const {
#if PLEXUS_NODE_WITH_CLIENTAPI
  return impl_->server ? impl_->server->port() : 0;
#else
  return 0;
#endif
}

std::uint16_t Node::grpcPort() const { return impl_->grpcPort; }

std::uint16_t Node::federationPort() const {
  return impl_->federation ? impl_->federation->port() : 0;
}

std::string Node::signingKeyId() const { return impl_->identity.keyId; }

std::uint16_t Node::metricsPort() const {
  return impl_->observability ? impl_->observability->port() : 0;
}

void Node::stop() {
  if (impl_) impl_->stop();
}

clientapi::ClientApiDeps* Node::clientApiDeps() {
#if PLEXUS_NODE_WITH_CLIENTAPI
  return impl_->server ? &impl_->deps : nullptr;
#else
  return nullptr;
#endif
}

std::string Node::wiredServices() {
  std::string s = "accountsync keyserver media";
#if PLEXUS_NODE_WITH_ROOMSERVER
  s += " roomserver";
#endif
#if PLEXUS_NODE_WITH_SYNCAPI
  s += " syncapi";
#endif
#if PLEXUS_NODE_WITH_CLIENTAPI
  s += " clientapi";
#endif
  return s;
}

}  // namespace plexus::node
