// FederationListener: builds the federation objects in dependency order (store, own keys,
// resolver, transport, fetchers, remote key cache, requester; later the routes) and serves them
// on their own http::Server. Members are declared in construction order, so destruction stops
// the server before anything its handlers use goes away.
#include "root/federation_listener.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "federationapi/impl/federation_routes.h"
#include "federationapi/impl/https_fetchers.h"
#include "federationapi/impl/key_routes.h"
#include "federationapi/impl/own_signing_keys.h"
#include "federationapi/impl/remote_key_cache.h"
#include "federationapi/storage/sql_server_key_store.h"
#include "plexus/federation/dns_resolver.h"
#include "plexus/federation/server_name.h"
#include "plexus/federation/server_resolver.h"
#include "plexus/federation/transport_selector.h"
#include "plexus/federation/well_known.h"
#include "plexus/federation_https/https_federation_transport.h"
#include "plexus/http/router.h"
#include "plexus/http/server.h"
#include "plexus/log/log.h"
#include "root/event_key_adapter.h"
#include "root/self_signed_certificate.h"

namespace plexus::node {
namespace {

// Federation handlers running at once (they block on key fetches and service calls); more
// requests wait in the queue.
constexpr int kWorkerThreads = 8;

// A fixed pool for the blocking work of federation handlers (key fetches).
class BlockingPool {
 public:
  explicit BlockingPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~BlockingPool() { stop(); }
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // After stop() the task runs on the caller's thread, so a late request still gets an answer.
  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      if (!stopping_) {
        tasks_.push_back(std::move(task));
        wake_.notify_one();
        return;
      }
    }
    task();
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;  // stopping, queue drained
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

struct FederationListener::Impl {
  Impl(const config::Config& config, storage::Database& database,
       federation::FederationTransport* overlayTransport)
      : db(database),
        httpOptions(fetcherOptions(config)),
        wellKnown(httpOptions),
        transport(dns, wellKnown, transportOptions(config)),
        selector(transport, overlayTransport),
        fetcher(transport, httpOptions) {}

  static std::map<std::string, std::string> overrides(const config::Config& config) {
    std::map<std::string, std::string> out;
    for (const auto& entry : config.federation.resolve) {
      auto eq = entry.find('=');
      if (eq != std::string::npos) out[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    return out;
  }

  static federationapi::FederationHttpOptions fetcherOptions(const config::Config& config) {
    federationapi::FederationHttpOptions options;
    options.tls.verifyPeer = !config.federation.skipTlsVerify;
    options.resolveOverrides = overrides(config);
    return options;
  }

  static federation_https::HttpsFederationTransportOptions transportOptions(
      const config::Config& config) {
    federation_https::HttpsFederationTransportOptions options;
    options.tls.verifyPeer = !config.federation.skipTlsVerify;
    options.resolveOverrides = overrides(config);
    return options;
  }

  storage::Database& db;
  federationapi::SqlServerKeyStore store;
  std::unique_ptr<federationapi::OwnSigningKeys> ownKeys;
  federationapi::FederationHttpOptions httpOptions;
  federation::SystemDnsResolver dns;
  federationapi::HttpsWellKnownFetcher wellKnown;
  federation_https::HttpsFederationTransport transport;
  // Picks the transport per destination: the overlay's for key-named servers when the node is
  // on the overlay; without it those reach HTTPS, which refuses them (no DNS for them) unless
  // federation.resolve names them.
  federation::TransportSelector selector;
  federationapi::HttpsKeyFetcher fetcher;
  std::unique_ptr<federationapi::RemoteKeyCache> remoteKeys;
  std::unique_ptr<RemoteKeyCacheEventKeys> eventKeys;
  std::unique_ptr<federation::FederationRequester> requester;
  BlockingPool pool{kWorkerThreads};
  federationapi::KeyRoutesContext routes;
  std::unique_ptr<federationapi::FederationRoutes> federationRoutes;
  http::Router router;
  std::unique_ptr<http::Server> server;
  http::ParserLimits limits;
  std::size_t fallbackBodyLimit = 0;
  bool stopped = false;

  Status build(const config::Config& config, const events::ServerIdentity& identity) {
    const config::FederationSection& f = config.federation;
    if (f.tlsCert.empty() != f.tlsKey.empty())
      return fail(ErrorCode::kInvalidParam, "federation: tls_cert and tls_key go together");

    PLEXUS_TRY_VOID(store.migrate(db));
    ownKeys = std::make_unique<federationapi::OwnSigningKeys>(db, store, config.global.serverName);
    PLEXUS_TRY_VOID(
        ownKeys->load(federation::SigningKeyEntry{identity.keyId, identity.signingKey}));
    const federation::SigningKeyEntry current = ownKeys->signingKey();
    // A key-named server signs only with the key its name encodes: any other key would make
    // everything it signs fail everywhere (a data dir of another server, a rotated key).
    if (auto named = federation::keyNamedServerKey(config.global.serverName)) {
      if (identity.signingKey.publicKey() != *named || current.key.publicKey() != *named)
        return fail(ErrorCode::kInvalidParam,
                    "key-named server " + config.global.serverName + " must sign with its node " +
                        "key, but the signing key file or the federation key store in this " +
                        "data dir holds another key (" + current.keyId + ")");
    }
    // The key store wins over the key file (see root/key_rotation.h): the node signs with
    // signingKey().
    if (current.keyId != identity.keyId)
      log::warn("the signing key file is not the current key; signing with the current key",
                {{"current_key_id", current.keyId}, {"key_file_key_id", identity.keyId}});

    remoteKeys = std::make_unique<federationapi::RemoteKeyCache>(db, store, fetcher);
    PLEXUS_TRY_VOID(remoteKeys->load());
    // Our own keys are never fetched over the network.
    remoteKeys->addTrustedKey(
        config.global.serverName, current.keyId,
        {current.key.publicKey(), std::numeric_limits<std::int64_t>::max() / 2, std::nullopt});
    if (identity.keyId != current.keyId)
      remoteKeys->addTrustedKey(config.global.serverName, identity.keyId,
                                {identity.signingKey.publicKey(),
                                 std::numeric_limits<std::int64_t>::max() / 2, std::nullopt});
    for (const auto& old : ownKeys->oldKeys())
      remoteKeys->addTrustedKey(config.global.serverName, old.keyId,
                                {old.key, old.expiredTs, old.expiredTs});
    eventKeys = std::make_unique<RemoteKeyCacheEventKeys>(*remoteKeys);
    federationapi::OwnSigningKeys* own = ownKeys.get();
    requester = std::make_unique<federation::FederationRequester>(
        selector, config.global.serverName, [own] {
          federation::SigningKeyEntry key = own->signingKey();
          return federation::RequestSigningKey{key.keyId, key.key};
        });
    if (f.skipTlsVerify)
      log::warn("federation: TLS certificates of other servers are not verified",
                {{"option", "skip_tls_verify"}});
    return {};
  }

  Status listen(const config::Config& config, federationapi::FederationDeps deps,
                std::function<void(const http::ResponseRecord&)> onResponse) {
    const config::FederationSection& f = config.federation;
    http::ServerOptions options;
    options.onResponse = std::move(onResponse);
    if (!f.listen.empty() && !config::splitHostPort(f.listen, options.host, options.port))
      return fail(ErrorCode::kInvalidParam, "federation.listen: bad address " + f.listen);

    routes.ownKeys = ownKeys.get();
    routes.remoteKeys = remoteKeys.get();
    routes.runBlocking = [this](std::function<void()> work) { pool.post(std::move(work)); };
    federationapi::registerKeyRoutes(router, routes);
    deps.serverName = config.global.serverName;
    deps.keys = remoteKeys.get();
    deps.runBlocking = routes.runBlocking;
    const std::size_t fallback = deps.limits.maxBodyBytes;
    federationRoutes = std::make_unique<federationapi::FederationRoutes>(std::move(deps));
    federationRoutes->registerRoutes(router);
    // /send takes transactions of up to 50 PDUs and 100 EDUs; other routes keep the default.
    options.limits.maxBodyBytes = fallback;
    options.bodyLimitFor = [this, fallback](const http::Request& head) {
      return router.bodyLimit(head).value_or(fallback);
    };
    limits = options.limits;
    fallbackBodyLimit = fallback;
    // A p2p node without federation.listen serves the routes over the overlay only.
    if (f.listen.empty()) return {};

    if (!f.tlsCert.empty()) {
      options.tls = http::ServerTlsOptions{f.tlsCert, f.tlsKey};
    } else {
      PLEXUS_TRY(SelfSignedCertificate self, loadOrCreateSelfSignedCertificate(
                                                 config.global.dataDir, config.global.serverName));
      log::warn(
          "federation serves a self-signed certificate: servers that verify certificates refuse "
          "it; set federation.tls_cert and tls_key",
          {{"certificate", self.certificateFile.string()}, {"created", self.created}});
      options.tls = http::ServerTlsOptions{self.certificateFile.string(), self.keyFile.string()};
    }
    server = std::make_unique<http::Server>(options, [this](http::Request r, http::Responder s) {
      router.dispatch(std::move(r), std::move(s));
    });
    Status started = server->start();
    if (!started.ok()) {
      log::error("cannot listen for federation",
                 {{"address", f.listen}, {"error", started.error().message}});
      return started;
    }
    std::string host =
        options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
    log::info("federation listening on https://" + host + ":" + std::to_string(server->port()),
              {{"key_id", ownKeys->signingKey().keyId}});
    return {};
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    if (server) server->stop();
    pool.stop();
  }
};

Result<std::unique_ptr<FederationListener>> FederationListener::create(
    const config::Config& config, const events::ServerIdentity& identity, storage::Database& db,
    federation::FederationTransport* overlayTransport) {
  auto impl = std::make_unique<Impl>(config, db, overlayTransport);
  Status built = impl->build(config, identity);
  if (!built.ok()) {
    impl->stop();
    return std::move(built).takeError();
  }
  auto out = std::unique_ptr<FederationListener>(new FederationListener(std::move(impl)));
  out->config_ = config;
  return out;
}

FederationListener::FederationListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FederationListener::~FederationListener() { stop(); }

roomserver::EventKeySource& FederationListener::eventKeys() { return *impl_->eventKeys; }
federation::FederationRequester& FederationListener::requester() { return *impl_->requester; }
federation::SigningKeyEntry FederationListener::signingKey() const {
  return impl_->ownKeys->signingKey();
}

Status FederationListener::listen(federationapi::FederationDeps deps,
                                  std::function<void(const http::ResponseRecord&)> onResponse) {
  Status s = impl_->listen(config_, std::move(deps), std::move(onResponse));
  if (!s.ok()) impl_->stop();
  return s;
}

http::Handler FederationListener::handler() {
  Impl* impl = impl_.get();
  // Requests from the overlay arrive on its thread, which must never block: the routes run on
  // the worker pool, as the HTTPS listener's blocking work does.
  return [impl](http::Request request, http::Responder responder) {
    impl->pool.post(
        [impl, request = std::move(request), responder = std::move(responder)]() mutable {
          impl->router.dispatch(std::move(request), std::move(responder));
        });
  };
}

http::ParserLimits FederationListener::limits() const { return impl_->limits; }

http::BodyLimitFor FederationListener::bodyLimitFor() {
  Impl* impl = impl_.get();
  const std::size_t fallback = impl->fallbackBodyLimit;
  return [impl, fallback](const http::Request& head) {
    return impl->router.bodyLimit(head).value_or(fallback);
  };
}

Status FederationListener::handleQueuedEdu(const std::string& origin, const json::Object& edu) {
  if (!impl_->federationRoutes) return fail(ErrorCode::kUnavailable, "federation not listening");
  return impl_->federationRoutes->handleQueuedEdu(origin, edu);
}

std::uint16_t FederationListener::port() const { return impl_->server ? impl_->server->port() : 0; }

void FederationListener::stop() {
  if (impl_) impl_->stop();
}

}  // namespace plexus::node
