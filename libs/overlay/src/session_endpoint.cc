// SessionEndpoint: handshake dispatch, responder state, flood limits and the connection table
// (session_endpoint.h).
#include "plexus/overlay/session_endpoint.h"

#include <algorithm>
#include <cstring>

#include "plexus/overlay/bytes.h"
#include "plexus/overlay/session_wire.h"
#include "session_connection.h"

namespace plexus::overlay {
namespace detail {

class EndpointHost final : public ConnectionHost {
 public:
  explicit EndpointHost(SessionEndpoint& ep) : ep_(ep) {}

  void sendDatagram(const crypto::PublicKey& to, std::string datagram) override {
    ++ep_.counters_.datagramsSent;
    ep_.counters_.bytesSent += datagram.size();
    if (ep_.callbacks_.sendDatagram) ep_.callbacks_.sendDatagram(to, std::move(datagram));
  }
  std::uint32_t allocateIndex() override {
    // Random ids, so an observer cannot count sessions and a stale id rarely matches.
    for (;;) {
      std::uint32_t index = 0;
      ep_.random_(&index, sizeof index);
      if (index != 0 && !ep_.indexOwners_.contains(index) && !ep_.halfOpen_.contains(index)) {
        return index;
      }
    }
  }
  void registerIndex(std::uint32_t index, Connection* connection) override {
    ep_.indexOwners_[index] = connection;
  }
  void releaseIndex(std::uint32_t index) override { ep_.indexOwners_.erase(index); }
  const LocalIdentity& identity() const override { return ep_.identity_; }
  const SessionConfig& config() const override { return ep_.config_; }
  SessionCounters& counters() override { return ep_.counters_; }
  const RandomFn& random() const override { return ep_.random_; }
  void onIncomingStream(std::shared_ptr<Stream> stream) override {
    if (ep_.callbacks_.onStream) {
      ep_.callbacks_.onStream(std::move(stream));
    } else {
      stream->reset(kResetAbandoned);
    }
  }
  void wake() override {
    if (ep_.settling_ || ep_.wakePending_) return;
    ep_.wakePending_ = true;
    if (ep_.callbacks_.wake) ep_.callbacks_.wake();
  }

 private:
  SessionEndpoint& ep_;
};

}  // namespace detail

using detail::Connection;
using detail::kNever;

SessionEndpoint::SessionEndpoint(const crypto::SigningKey& self, SessionConfig config,
                                 Callbacks callbacks, RandomFn random)
    : identity_(LocalIdentity::fromSigningKey(self)),
      config_(config),
      callbacks_(std::move(callbacks)),
      random_(std::move(random)),
      host_(std::make_unique<detail::EndpointHost>(*this)),
      tokens_(config.handshakeBurst) {}

SessionEndpoint::~SessionEndpoint() {
  graveyard_.clear();
  connections_.clear();
}

const crypto::PublicKey& SessionEndpoint::localKey() const { return identity_.edPublic; }

std::uint64_t SessionEndpoint::randomU64() {
  std::uint64_t v = 0;
  while (v == 0) random_(&v, sizeof v);
  return v;
}

Connection* SessionEndpoint::findConnection(const crypto::PublicKey& remote) const {
  auto it = connections_.find(std::string(remote.bytes()));
  return it == connections_.end() ? nullptr : it->second.get();
}

std::uint64_t SessionEndpoint::connectionIdFor(const crypto::PublicKey& remote) {
  if (auto* c = findConnection(remote); c != nullptr && !c->dead()) return c->localId();
  // A responder state already told this peer an id: keep using it so both sides agree.
  for (const auto& [index, h] : halfOpen_) {
    if (h.initiator == remote) return h.localConnectionId;
  }
  return randomU64();
}

Connection* SessionEndpoint::replaceConnection(const crypto::PublicKey& remote,
                                               std::uint64_t localId, std::uint64_t remoteId,
                                               std::int64_t nowUs) {
  const std::string key(remote.bytes());
  auto it = connections_.find(key);
  if (it != connections_.end()) {
    if (!it->second->dead()) {
      ++counters_.connectionRestarts;
      it->second->die(kResetConnectionLost);
    }
    graveyard_.push_back(std::move(it->second));
    connections_.erase(it);
  }
  auto conn = std::make_unique<Connection>(*host_, remote, localId, nowUs);
  conn->setRemoteId(remoteId);
  Connection* raw = conn.get();
  connections_.emplace(key, std::move(conn));
  return raw;
}

Result<std::shared_ptr<Stream>> SessionEndpoint::openStream(const crypto::PublicKey& destination) {
  if (destination == identity_.edPublic) {
    return fail(ErrorCode::kInvalidParam, "cannot open a session to our own key");
  }
  if (!x25519FromEd25519(destination)) {
    return fail(ErrorCode::kInvalidParam, "destination key is not a curve point");
  }
  Connection* conn = findConnection(destination);
  if (conn == nullptr || conn->dead()) {
    conn = replaceConnection(destination, connectionIdFor(destination), 0, lastNowUs_);
  }
  auto stream = conn->openStream();
  host_->wake();
  return stream;
}

void SessionEndpoint::onDatagram(const crypto::PublicKey& claimedSource, std::string_view datagram,
                                 std::int64_t nowUs) {
  (void)claimedSource;  // untrusted: see the header
  lastNowUs_ = std::max(lastNowUs_, nowUs);
  ++counters_.datagramsReceived;
  counters_.bytesReceived += datagram.size();
  if (datagram.empty() || datagram.size() > kMaxSessionDatagram) {
    ++counters_.dropsMalformed;
    return;
  }
  switch (static_cast<SessionMessageType>(datagram[0])) {
    case SessionMessageType::kInitiation:
      handleInitiation(datagram, nowUs);
      break;
    case SessionMessageType::kResponse:
      handleResponse(datagram, nowUs);
      break;
    case SessionMessageType::kTransport:
      handleTransport(datagram, nowUs);
      break;
    default:
      ++counters_.dropsMalformed;
      break;
  }
  settle(nowUs);
}

bool SessionEndpoint::takeHandshakeToken(std::int64_t nowUs) {
  if (nowUs > tokensAtUs_) {
    tokens_ = std::min(
        config_.handshakeBurst,
        tokens_ + config_.handshakesPerSecond * static_cast<double>(nowUs - tokensAtUs_) / 1e6);
    tokensAtUs_ = nowUs;
  }
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

void SessionEndpoint::eraseHalfOpen(std::unordered_map<std::uint32_t, HalfOpen>::iterator it,
                                    bool evicted) {
  halfOpenByEphemeral_.erase(it->second.ephemeral);
  if (evicted) {
    // Forget the ephemeral too, so the real initiator's retransmission is served afresh.
    seenEphemerals_.erase(it->second.ephemeral);
    ++counters_.halfOpenEvicted;
  }
  // After this the ephemeral stays remembered only if the session was confirmed.
  halfOpen_.erase(it);
}

void SessionEndpoint::handleInitiation(std::string_view datagram, std::int64_t nowUs) {
  if (datagram.size() != kInitiationSize) {
    ++counters_.dropsMalformed;
    return;
  }
  const Key32 ephemeral = *key32FromBytes(datagram.substr(5, 32));
  // A repeat of a message 1 we answered: the initiator lost our response. Resend it, no work.
  if (auto it = halfOpenByEphemeral_.find(ephemeral); it != halfOpenByEphemeral_.end()) {
    const HalfOpen& h = halfOpen_.at(it->second);
    ++counters_.handshakeDuplicates;
    host_->sendDatagram(h.initiator, h.response);
    return;
  }
  // Seen before and already confirmed (or expired): a replay. It cannot complete a session
  // (that needs the initiator's ephemeral secret) so it gets no work at all.
  if (seenEphemerals_.contains(ephemeral)) {
    ++counters_.dropsHandshakeReplay;
    return;
  }
  if (!takeHandshakeToken(nowUs)) {
    ++counters_.dropsHandshakeRateLimited;
    return;
  }
  auto read = ResponderHandshake::read(identity_, datagram);
  if (!read) {
    ++counters_.dropsHandshakeInvalid;
    return;
  }
  const crypto::PublicKey initiator = read->initiator();

  // Bound responder memory: per initiator key, then overall; the oldest state goes first.
  auto evictOldest = [&](const crypto::PublicKey* only) {
    auto oldest = halfOpen_.end();
    for (auto it = halfOpen_.begin(); it != halfOpen_.end(); ++it) {
      if (only != nullptr && !(it->second.initiator == *only)) continue;
      if (oldest == halfOpen_.end() || it->second.createdUs < oldest->second.createdUs) oldest = it;
    }
    if (oldest != halfOpen_.end()) eraseHalfOpen(oldest, true);
  };
  std::size_t forKey = 0;
  for (const auto& [index, h] : halfOpen_) {
    if (h.initiator == initiator) ++forKey;
  }
  if (forKey >= config_.maxHalfOpenPerKey) evictOldest(&initiator);
  if (halfOpen_.size() >= config_.maxHalfOpen) evictOldest(nullptr);

  const std::uint64_t localConnectionId = connectionIdFor(initiator);
  const std::uint32_t index = host_->allocateIndex();
  auto response = read->respond(index, localConnectionId, random_);
  if (!response) {
    ++counters_.dropsHandshakeInvalid;
    return;
  }
  HalfOpen h{initiator,
             read->remoteIndex(),
             read->remoteConnectionId(),
             localConnectionId,
             response->keys,
             response->message,
             ephemeral,
             nowUs};
  halfOpen_.emplace(index, std::move(h));
  halfOpenByEphemeral_[ephemeral] = index;
  if (seenEphemerals_.size() >= config_.maxRememberedEphemerals) {
    for (auto it = seenEphemerals_.begin(); it != seenEphemerals_.end();) {
      it = it->second <= nowUs ? seenEphemerals_.erase(it) : std::next(it);
    }
    if (seenEphemerals_.size() >= config_.maxRememberedEphemerals) {
      seenEphemerals_.erase(seenEphemerals_.begin());
    }
  }
  seenEphemerals_[ephemeral] = nowUs + config_.ephemeralMemoryUs;
  // Answer the key the handshake proved, not whoever the router says sent it.
  host_->sendDatagram(initiator, response->message);
}

void SessionEndpoint::handleResponse(std::string_view datagram, std::int64_t nowUs) {
  if (datagram.size() != kResponseSize) {
    ++counters_.dropsMalformed;
    return;
  }
  ByteReader r(datagram.substr(5, 4));
  const std::uint32_t receiverIndex = *r.u32();
  auto owner = indexOwners_.find(receiverIndex);
  if (owner == indexOwners_.end()) {
    ++counters_.dropsUnknownSession;
    return;
  }
  Connection* conn = owner->second;
  if (!conn->awaitsResponse(receiverIndex)) {
    ++counters_.dropsHandshakeReplay;  // a repeat of a response we already used
    return;
  }
  auto done = conn->finishHandshake(datagram, nowUs);
  if (!done) return;  // counted by the connection
  if (conn->remoteId() != 0 && conn->remoteId() != done->remoteConnectionId &&
      conn->heardFromPeer()) {
    // The peer restarted: its old streams are gone, so are ours to it. (If we never heard from
    // it, nothing we hold depends on its old state: every byte we sent is still unacknowledged
    // and will be resent, so the connection carries on under the new id.)
    conn = replaceConnection(conn->remote(), conn->localId(), done->remoteConnectionId, nowUs);
  }
  conn->setRemoteId(done->remoteConnectionId);
  conn->installSession(std::move(done->session), nowUs);
}

void SessionEndpoint::handleTransport(std::string_view datagram, std::int64_t nowUs) {
  auto header = decodeTransportHeader(datagram);
  if (!header) {
    ++counters_.dropsMalformed;
    return;
  }
  const std::string_view ad = datagram.substr(0, kTransportHeaderSize);
  const std::string_view ciphertext = datagram.substr(kTransportHeaderSize);
  if (auto owner = indexOwners_.find(header->receiverIndex); owner != indexOwners_.end()) {
    Connection* conn = owner->second;
    detail::CryptoSession* session = conn->sessionByIndex(header->receiverIndex);
    if (session == nullptr) {
      ++counters_.dropsUnknownSession;  // an id still waiting for its handshake response
      return;
    }
    if (!session->window.canAccept(header->packetNumber)) {
      ++counters_.dropsReplay;
      return;
    }
    auto plain = aeadOpen(session->keys.recv, header->packetNumber, ad, ciphertext);
    if (!plain) {
      ++counters_.dropsAuth;
      return;
    }
    session->window.accept(header->packetNumber);
    conn->onPacket(header->packetNumber, *plain, nowUs);
    return;
  }
  auto half = halfOpen_.find(header->receiverIndex);
  if (half == halfOpen_.end()) {
    ++counters_.dropsUnknownSession;
    return;
  }
  auto plain = aeadOpen(half->second.keys.recv, header->packetNumber, ad, ciphertext);
  if (!plain) {
    ++counters_.dropsAuth;
    return;
  }
  confirmHalfOpen(header->receiverIndex, header->packetNumber, nowUs, *plain);
}

void SessionEndpoint::confirmHalfOpen(std::uint32_t index, std::uint64_t packetNumber,
                                      std::int64_t nowUs, std::string_view plaintext) {
  auto it = halfOpen_.find(index);
  HalfOpen h = std::move(it->second);
  eraseHalfOpen(it, false);
  Connection* conn = findConnection(h.initiator);
  const bool sameConnection = conn != nullptr && !conn->dead() &&
                              conn->localId() == h.localConnectionId &&
                              (conn->remoteId() == 0 || conn->remoteId() == h.remoteConnectionId);
  if (!sameConnection) {
    conn = replaceConnection(h.initiator, h.localConnectionId, h.remoteConnectionId, nowUs);
  }
  conn->setRemoteId(h.remoteConnectionId);
  detail::CryptoSession session;
  session.localIndex = index;
  session.remoteIndex = h.remoteIndex;
  session.keys = h.keys;
  session.createdUs = nowUs;
  session.weInitiated = false;
  session.window.accept(packetNumber);
  conn->installSession(std::move(session), nowUs);
  ++counters_.handshakesConfirmed;
  conn->onPacket(packetNumber, plaintext, nowUs);
}

void SessionEndpoint::expireState(std::int64_t nowUs) {
  for (auto it = halfOpen_.begin(); it != halfOpen_.end();) {
    if (nowUs - it->second.createdUs >= config_.halfOpenTimeoutUs) {
      auto next = std::next(it);
      // Never confirmed: the initiator may still be retrying with this very message (all our
      // responses lost), so it must not count as a replay. A real replay of it gets a fresh
      // half-open state that cannot confirm either.
      seenEphemerals_.erase(it->second.ephemeral);
      eraseHalfOpen(it, false);
      it = next;
    } else {
      ++it;
    }
  }
}

std::int64_t SessionEndpoint::nextTimerUs() const {
  if (wakePending_) return lastNowUs_;
  std::int64_t t = kNever;
  for (const auto& [key, conn] : connections_) {
    if (conn->dirty()) return lastNowUs_;
    t = std::min(t, conn->nextTimerUs());
  }
  for (const auto& [index, h] : halfOpen_) {
    t = std::min(t, h.createdUs + config_.halfOpenTimeoutUs);
  }
  return t;
}

void SessionEndpoint::onTimer(std::int64_t nowUs) {
  lastNowUs_ = std::max(lastNowUs_, nowUs);
  expireState(nowUs);
  for (auto& [key, conn] : connections_) conn->onTimer(nowUs);
  settle(nowUs);
}

void SessionEndpoint::settle(std::int64_t nowUs) {
  settling_ = true;
  // Callbacks may write to streams or open new ones, which makes more to send; a few rounds
  // settle it, and anything left is picked up by the next onTimer (nextTimerUs says so).
  for (int round = 0; round < 8; ++round) {
    bool anyDirty = false;
    for (auto& [key, conn] : connections_) {
      conn->collectGarbage();
      if (conn->dirty()) {
        anyDirty = true;
        conn->flush(nowUs);
      }
    }
    for (auto& conn : graveyard_) conn->dispatchEvents();
    graveyard_.clear();
    for (auto& [key, conn] : connections_) conn->dispatchEvents();
    bool anyDirtyAfter = false;
    for (auto& [key, conn] : connections_) anyDirtyAfter = anyDirtyAfter || conn->dirty();
    if (!anyDirty && !anyDirtyAfter) break;
  }
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->second->dead()) {
      it->second->dispatchEvents();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
  wakePending_ = false;
  settling_ = false;
}

std::size_t SessionEndpoint::activeSessionCount() const {
  std::size_t n = 0;
  for (const auto& [key, conn] : connections_) {
    if (!conn->dead() && conn->established()) ++n;
  }
  return n;
}

bool SessionEndpoint::hasSession(const crypto::PublicKey& remote) const {
  const Connection* conn = findConnection(remote);
  return conn != nullptr && !conn->dead() && conn->established();
}

std::optional<SessionEndpoint::PeerInfo> SessionEndpoint::peerInfo(
    const crypto::PublicKey& remote) const {
  const Connection* conn = findConnection(remote);
  if (conn == nullptr || conn->dead() || !conn->established()) return std::nullopt;
  const auto& s = conn->sessions().front();
  PeerInfo info;
  info.localIndex = s.localIndex;
  info.remoteIndex = s.remoteIndex;
  info.sessionCreatedUs = s.createdUs;
  info.keyCount = conn->sessions().size();
  info.srttUs = conn->rtt().srttUs();
  info.congestionWindow = conn->congestion().window();
  info.streams = conn->streamCount();
  info.sendKey = s.keys.send;
  return info;
}

}  // namespace plexus::overlay
