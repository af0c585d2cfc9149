// Gossip records and their store (gossip.h).
#include "plexus/overlay/gossip.h"

#include "plexus/overlay/bytes.h"

namespace plexus::overlay {
namespace {

constexpr std::size_t kSignatureBytes = 64;

bool validKind(std::uint8_t k) { return k == 1 || k == 2; }

}  // namespace

std::string GossipRecord::signingInput() const {
  ByteWriter w(64 + id.size() + body.size());
  w.raw("plexus-gossip-v1");
  w.u8(static_cast<std::uint8_t>(kind));
  w.raw(author.view());
  w.blob(id);
  w.blob(body);
  w.u64(version);
  w.u32(ttlSeconds);
  return w.take();
}

GossipRecord makeGossipRecord(GossipKind kind, std::string id, std::string body,
                              std::uint64_t versionMs, std::uint32_t ttlSeconds,
                              const crypto::SigningKey& author) {
  GossipRecord r;
  r.kind = kind;
  r.author = *NodeId::fromBytes(author.publicKey().bytes());
  r.id = std::move(id);
  r.body = std::move(body);
  r.version = versionMs;
  r.ttlSeconds = ttlSeconds;
  r.signature = author.sign(r.signingInput());
  return r;
}

std::string encodeGossip(const GossipRecord& r) {
  ByteWriter w(128 + r.id.size() + r.body.size());
  w.u8(static_cast<std::uint8_t>(r.kind));
  w.raw(r.author.view());
  w.blob(r.id);
  w.blob(r.body);
  w.u64(r.version);
  w.u32(r.ttlSeconds);
  w.raw(r.signature);
  return w.take();
}

std::optional<GossipRecord> decodeGossip(std::string_view bytes) {
  ByteReader in(bytes);
  GossipRecord r;
  auto kind = in.u8();
  auto author = in.raw(NodeId::kSize);
  auto id = in.blob(kMaxGossipIdBytes);
  auto body = in.blob(kMaxGossipBodyBytes);
  auto version = in.u64();
  auto ttl = in.u32();
  auto signature = in.raw(kSignatureBytes);
  if (!kind || !author || !id || !body || !version || !ttl || !signature || !in.done()) {
    return std::nullopt;
  }
  if (!validKind(*kind) || id->empty() || *ttl == 0 || *ttl > kMaxGossipTtlSeconds) {
    return std::nullopt;
  }
  r.kind = static_cast<GossipKind>(*kind);
  r.author = *NodeId::fromBytes(*author);
  r.id.assign(*id);
  r.body.assign(*body);
  r.version = *version;
  r.ttlSeconds = *ttl;
  r.signature.assign(*signature);
  return r;
}

GossipStore::Offer GossipStore::offer(const GossipRecord& record, std::int64_t nowMs) {
  if (!validKind(static_cast<std::uint8_t>(record.kind)) || record.id.empty() ||
      record.id.size() > kMaxGossipIdBytes || record.body.size() > kMaxGossipBodyBytes ||
      record.ttlSeconds == 0 || record.ttlSeconds > kMaxGossipTtlSeconds ||
      record.signature.size() != kSignatureBytes) {
    return Offer::kInvalid;
  }
  if (static_cast<std::int64_t>(record.version) > nowMs + limits_.maxClockSkewMs) {
    return Offer::kInvalid;
  }
  if (record.expiresAtMs() <= nowMs) return Offer::kExpired;
  const Key key{record.author, record.kind, record.id};
  auto it = records_.find(key);
  if (it != records_.end()) {
    if (it->second.version == record.version) return Offer::kKnown;
    if (it->second.version > record.version) return Offer::kStale;
  }
  // Only now the signature: duplicates and stale copies, the bulk of gossip, cost no check.
  auto authorKey = crypto::PublicKey::fromBytes(record.author.view());
  if (!authorKey || !authorKey->verify(record.signingInput(), record.signature)) {
    return Offer::kInvalid;
  }
  if (it != records_.end()) {
    it->second = record;
    return Offer::kNew;
  }
  auto& count = perAuthor_[record.author];
  if (records_.size() >= limits_.maxRecords || count >= limits_.maxPerAuthor) {
    if (count == 0) perAuthor_.erase(record.author);
    return Offer::kFull;
  }
  ++count;
  records_.emplace(key, record);
  return Offer::kNew;
}

std::vector<GossipRecord> GossipStore::records(std::int64_t nowMs) const {
  std::vector<GossipRecord> out;
  for (const auto& [key, r] : records_) {
    if (r.expiresAtMs() > nowMs) out.push_back(r);
  }
  return out;
}

std::vector<GossipRecord> GossipStore::records(GossipKind kind, std::int64_t nowMs) const {
  std::vector<GossipRecord> out;
  for (const auto& [key, r] : records_) {
    if (r.kind == kind && r.expiresAtMs() > nowMs) out.push_back(r);
  }
  return out;
}

void GossipStore::expire(std::int64_t nowMs) {
  for (auto it = records_.begin(); it != records_.end();) {
    if (it->second.expiresAtMs() <= nowMs) {
      auto a = perAuthor_.find(it->second.author);
      if (a != perAuthor_.end() && --a->second == 0) perAuthor_.erase(a);
      it = records_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace plexus::overlay
