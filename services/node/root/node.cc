// Node: builds every service of the client-side node, in dependency order, and tears them down
// in reverse. Services the build does not have yet (PLEXUS_NODE_WITH_* unset) are left out: the
// client API then answers their routes with 503.
#include "root/node.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <vector>

#include "accountsync/api/output.h"
#include "accountsync/impl/accountsync_service.h"
#include "federationsender/impl/federation_sender_service.h"
#include "keyserver/api/output.h"
#include "keyserver/impl/device_list_sender.h"
#include "keyserver/impl/keyserver_service.h"
#include "media/impl/media_service.h"
#include "plexus/bus/in_process_bus.h"
#include "plexus/bus/outbox.h"
#include "plexus/bus/routed_bus.h"
#include "plexus/log/log.h"
#include "root/adapters.h"
#include "root/federation_listener.h"
#include "root/observability.h"
#include "root/service_databases.h"
#if PLEXUS_NODE_WITH_ROOMSERVER
#include "roomserver/api/output.h"
#include "roomserver/impl/roomserver_service.h"
#endif
#if PLEXUS_NODE_WITH_SYNCAPI
#include "syncapi/impl/service_ports.h"
#include "syncapi/impl/sync_service.h"
#endif
#if PLEXUS_NODE_WITH_CLIENTAPI
#include "clientapi/impl/client_api_server.h"
#endif

namespace plexus::node {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// The services with a database of their own; federationapi only with a federation listener.
std::vector<std::string> serviceNames(const config::Config& config) {
  std::vector<std::string> names = {"accountsync", "keyserver", "media", "roomserver", "syncapi"};
  if (!config.federation.listen.empty()) {
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
  // Declaration order is construction order; destruction runs backwards: the HTTP front
  // stops first, the databases close last.
  std::map<std::string, std::unique_ptr<storage::Database>> databases;
  // Producers' outputs are durable: each producer enqueues them in its own database (the
  // outbox, in the transaction that writes the change) and consumers read them from there
  // through `bus`, which routes those topics to the outboxes and the rest to memory.
  bus::InProcessBus memoryBus;
  bus::RoutedBus bus{memoryBus};
  std::map<std::string, std::unique_ptr<bus::Outbox>> outboxes;
  std::unique_ptr<accountsync::AccountSyncService> accounts;
  std::unique_ptr<keyserver::KeyserverService> keys;
  // Federation: keys and outbound requests first (the roomserver and the sender use them),
  // the listener's routes once every service exists.
  std::unique_ptr<FederationListener> federation;
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
#if PLEXUS_NODE_WITH_SYNCAPI
  std::unique_ptr<syncapi::SyncService> sync;
#endif
#if PLEXUS_NODE_WITH_CLIENTAPI
  clientapi::ClientApiDeps deps;
  std::unique_ptr<clientapi::ClientApiServer> server;
#endif
#if PLEXUS_NODE_WITH_SYNCAPI && PLEXUS_NODE_WITH_ROOMSERVER
  std::unique_ptr<syncapi::RoomserverEventSource> roomEvents;
#endif
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

  Status build() {
    PLEXUS_TRY(observability, Observability::start(config));
    if (config.database.usesPostgres()) {
      const std::vector<std::string> names = serviceNames(config);
      log::info("creating PostgreSQL schemas", {{"count", names.size()}});
      PLEXUS_TRY_VOID(createPostgresSchemas(config, names));
    }

    auto t = Clock::now();
    PLEXUS_TRY(auto accountsDb, openDatabase("accountsync"));
    PLEXUS_TRY_VOID(
        migrated("accountsync", t, accountsync::AccountSyncService::migrate(*accountsDb)));
    accountsync::AccountSyncOptions accountOptions = accountsync::AccountSyncOptions::defaults();
    accountOptions.accessTokenLifetimeMs = config.accountSync.accessTokenLifetimeMs;
    accountOptions.allowGuests = config.clientApi.guestAccessEnabled;
    if (info.minimalPasswordHashing) {
      const accountsync::AccountSyncOptions cheap = accountsync::AccountSyncOptions::forTests();
      accountOptions.pwhashOpsLimit = cheap.pwhashOpsLimit;
      accountOptions.pwhashMemLimit = cheap.pwhashMemLimit;
    }
    PLEXUS_TRY(bus::Outbox * accountsOut,
               outboxFor("accountsync", *accountsDb, accountsync::AccountDataOutput::kTopic));
    accounts = std::make_unique<accountsync::AccountSyncService>(
        config.global.serverName, *accountsDb, *accountsOut, accountOptions);

    t = Clock::now();
    PLEXUS_TRY(auto keysDb, openDatabase("keyserver"));
    PLEXUS_TRY(bus::Outbox * keysOut,
               outboxFor("keyserver", *keysDb, keyserver::DeviceListUpdate::kTopic));
    keyserver::KeyserverOptions keyOptions;
    keyOptions.serverName = config.global.serverName;
    keys = std::make_unique<keyserver::KeyserverService>(*keysDb, *keysOut, keyOptions);
    PLEXUS_TRY_VOID(migrated("keyserver", t, keys->migrate()));

    t = Clock::now();
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

    const bool federated = !config.federation.listen.empty();
    if (federated) PLEXUS_TRY_VOID(createFederation());
#if PLEXUS_NODE_WITH_ROOMSERVER
    t = Clock::now();
    PLEXUS_TRY(auto roomsDb, openDatabase("roomserver"));
    PLEXUS_TRY(bus::Outbox * roomsOut,
               outboxFor("roomserver", *roomsDb, roomserver::OutputRoomEvent::kTopic));
    roomserver::RoomserverService::Options roomOptions;
    if (federation) roomOptions.keys = &federation->eventKeys();
    rooms = std::make_unique<roomserver::RoomserverService>(
        identity, *roomsDb, *roomsOut, makeProfileLookup(*accounts), roomOptions);
    PLEXUS_TRY_VOID(migrated("roomserver", t, rooms->start()));
    if (federated) PLEXUS_TRY_VOID(createSender());
#else
    log::warn("service not built into this binary", {{"service", "roomserver"}});
#endif

    deviceKeys = makeDeviceKeySource(*keys, *accounts);
#if PLEXUS_NODE_WITH_SYNCAPI
    t = Clock::now();
    PLEXUS_TRY(auto syncDb, openDatabase("syncapi"));
    syncapi::SyncServiceOptions syncOptions;
    syncOptions.serverName = config.global.serverName;
    syncOptions.wakeThreads = config.syncApi.wakeThreads;
    syncOptions.maxTimeoutMs = config.syncApi.maxTimeoutMs;
    syncOptions.pushGatewayCaFile = config.syncApi.pushGatewayCaFile;
    syncOptions.pushGatewayInsecureTls = config.syncApi.pushGatewayInsecureTls;
    auto created =
        syncapi::SyncService::create(*syncDb, bus, deviceKeys.get(), accounts.get(), syncOptions);
    if (!created.ok()) return migrated("syncapi", t, created.error());
    PLEXUS_TRY_VOID(migrated("syncapi", t, {}));
    sync = std::move(created).value();
#if PLEXUS_NODE_WITH_ROOMSERVER
    // A remote join's room state reaches sync-api by ID only.
    roomEvents = std::make_unique<syncapi::RoomserverEventSource>(*rooms);
    sync->setRoomEventSource(roomEvents.get());
#endif
    if (eduSink) sync->setEduSink(eduSink.get());
    auto syncStart = Clock::now();
    PLEXUS_TRY_VOID(sync->start());
    log::info("sync streams loaded", {{"ms", msSince(syncStart)}});
    // Outputs committed before a crash are delivered before the first client request, so a
    // client never sees an acknowledged event missing from /messages after a restart.
    auto catchUp = Clock::now();
    for (auto& [service, outbox] : outboxes) {
      if (!outbox->waitUntilDelivered(std::chrono::seconds(60))) {
        log::warn("bus backlog not delivered in time", {{"producer", service}});
      }
    }
    log::info("bus backlog delivered", {{"ms", msSince(catchUp)}});
#else
    log::warn("service not built into this binary", {{"service", "syncapi"}});
#endif

    if (federated) {
      PLEXUS_TRY_VOID(startFederation());
    } else {
      log::info("no federation listener (federation.listen is not set)");
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

  // Phase 1: keys, key cache, transport and requester (before the roomserver).
  Status createFederation() {
    auto t = Clock::now();
    PLEXUS_TRY(auto db, openDatabase("federationapi"));
    auto created = FederationListener::create(config, identity, *db);
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
  // The federation sender: outbound requests for the roomserver and client-api, and the
  // persisted queues fed by the roomserver's output (consumed once started).
  Status createSender() {
    auto t = Clock::now();
    PLEXUS_TRY(auto db, openDatabase("federationsender"));
    auto created =
        federationsender::FederationSenderService::create(*db, bus, federation->requester(), *rooms);
    if (!created.ok()) return migrated("federationsender", t, created.error());
    PLEXUS_TRY_VOID(migrated("federationsender", t, {}));
    sender = std::move(created).value();
    PLEXUS_TRY_VOID(observability->attachFederationSender(*sender));
    rooms->setFederation(sender.get());
    PLEXUS_TRY_VOID(sender->start());
    // Remote device lists and keys, our device-list updates and the EDUs of sync-api.
    sharedRooms = makeSharedRoomServers(*rooms);
    keys->setFederation(sender.get(), sharedRooms.get());
    deviceListSender = std::make_unique<keyserver::DeviceListSender>(
        *keys, *sender, *sharedRooms, config.global.serverName);
    PLEXUS_TRY_VOID(deviceListSender->start(bus));
    eduSink = makeEduSink(*sender);
    mediaFetcher = makeRemoteMediaFetcher(*sender);
    media->setRemoteFetcher(mediaFetcher.get());
    return {};
  }
#else
  Status createSender() { return {}; }
#endif

  // Phase 2: the Server-Server API listener over every service.
  Status startFederation() {
    federationapi::FederationDeps deps;
#if PLEXUS_NODE_WITH_ROOMSERVER
    deps.roomserver = rooms.get();
#endif
    deps.accounts = accounts.get();
    deps.keyserver = keys.get();
#if PLEXUS_NODE_WITH_SYNCAPI
    deps.sync = sync.get();
#endif
    deps.media = media.get();
    if (auto* s = sender.get())
      deps.onAuthenticated = [s](const std::string& origin) { s->noteDestinationAlive(origin); };
    Status listening = federation->listen(
        std::move(deps), observability ? observability->httpObserver("federation") : nullptr);
    if (!listening.ok())
      log::error("federation failed to start", {{"error", listening.error().message}});
    return listening;
  }

#if PLEXUS_NODE_WITH_CLIENTAPI
  Status startClientApi() {
    deps.accounts = accounts.get();
    deps.keys = keys.get();
    deps.media = media.get();
    deps.federation = sender.get();
#if PLEXUS_NODE_WITH_ROOMSERVER
    deps.roomserver = rooms.get();
#endif
#if PLEXUS_NODE_WITH_SYNCAPI
    deps.sync = sync.get();
#endif
    deps.identity = &identity;
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
    if (federation) federation->stop();
#if PLEXUS_NODE_WITH_CLIENTAPI
    if (server) server->stop();
    server.reset();
#endif
    if (deviceListSender) deviceListSender->stop();
    if (sender) sender->stop();
#if PLEXUS_NODE_WITH_SYNCAPI
    if (sync) sync->stop();
    sync.reset();
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
    sharedRooms.reset();
#if PLEXUS_NODE_WITH_ROOMSERVER
    rooms.reset();
#endif
    federation.reset();
    keys.reset();
    accounts.reset();
    outboxes.clear();
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
