// Router frame codecs (router_wire.h).
#include "router_wire.h"

#include "plexus/overlay/bytes.h"

namespace plexus::overlay::detail {
namespace {

void writeId(ByteWriter& w, const NodeId& id) { w.raw(id.view()); }

std::optional<NodeId> readId(ByteReader& r) {
  auto raw = r.raw(NodeId::kSize);
  if (!raw) return std::nullopt;
  return NodeId::fromBytes(*raw);
}

void writeCoords(ByteWriter& w, const CoordSet& set) {
  w.u8(static_cast<std::uint8_t>(set.size()));
  for (const auto& c : set) {
    w.u8(c.tree);
    w.u64(c.rootTag);
    w.varint(c.ports.size());
    for (auto p : c.ports) w.varint(p);
  }
}

bool readCoords(ByteReader& r, CoordSet& out, std::size_t maxDepth) {
  auto count = r.u8();
  if (!count || *count > kMaxTrees) return false;
  out.resize(*count);
  for (auto& c : out) {
    auto tree = r.u8();
    auto tag = r.u64();
    auto n = r.varint();
    if (!tree || !tag || !n || *tree >= kMaxTrees || *n > maxDepth) return false;
    c.tree = *tree;
    c.rootTag = *tag;
    c.ports.resize(static_cast<std::size_t>(*n));
    for (auto& p : c.ports) {
      auto v = r.varint();
      if (!v || *v > 0xffffffffu) return false;
      p = static_cast<std::uint32_t>(*v);
    }
  }
  return true;
}

}  // namespace

bool isControl(TrafficKind kind) { return kind != TrafficKind::kData; }

std::uint64_t rootTag(const NodeId& root) {
  std::uint64_t tag = 0;
  for (int i = 0; i < 8; ++i) tag = tag << 8 | root.bytes[static_cast<std::size_t>(i)];
  return tag;
}

std::string encode(const TreeAnnounce& a) {
  ByteWriter w(16 + a.hops.size() * 100);
  w.u8(a.tree);
  w.varint(a.sequence);
  w.varint(a.hops.size());
  for (const auto& h : a.hops) {
    writeId(w, h.key);
    w.varint(h.port);
    w.raw(h.signature);
  }
  return w.take();
}

std::optional<TreeAnnounce> decodeAnnounce(std::string_view in, std::size_t maxDepth) {
  ByteReader r(in);
  TreeAnnounce a;
  auto tree = r.u8();
  auto seq = r.varint();
  auto n = r.varint();
  if (!tree || !seq || !n || *tree >= kMaxTrees || *n == 0 || *n > maxDepth) return std::nullopt;
  a.tree = *tree;
  a.sequence = *seq;
  a.hops.resize(static_cast<std::size_t>(*n));
  for (auto& h : a.hops) {
    auto key = readId(r);
    auto port = r.varint();
    auto sig = r.raw(kSignatureSize);
    if (!key || !port || !sig || *port == 0 || *port > 0xffffffffu) return std::nullopt;
    h.key = *key;
    h.port = static_cast<std::uint32_t>(*port);
    h.signature.assign(*sig);
  }
  if (!r.done()) return std::nullopt;
  return a;
}

std::string announcementSigningInput(const TreeAnnounce& a, std::size_t index,
                                     const NodeId& nextHop) {
  ByteWriter w(48 + (index + 1) * 40);
  w.raw("plexus-tree-v1");
  w.u8(a.tree);
  w.u64(a.sequence);
  for (std::size_t i = 0; i <= index && i < a.hops.size(); ++i) {
    writeId(w, a.hops[i].key);
    w.u32(a.hops[i].port);
  }
  writeId(w, nextHop);
  return w.take();
}

std::string encode(const TreeNotice& n) {
  ByteWriter w(48);
  w.u8(n.tree);
  writeId(w, n.root);
  w.varint(n.sequence);
  return w.take();
}

std::optional<TreeNotice> decodeNotice(std::string_view in) {
  ByteReader r(in);
  TreeNotice n;
  auto tree = r.u8();
  auto root = readId(r);
  auto seq = r.varint();
  if (!tree || !root || !seq || !r.done() || *tree >= kMaxTrees) return std::nullopt;
  n.tree = *tree;
  n.root = *root;
  n.sequence = *seq;
  return n;
}

std::string encode(const Traffic& t) {
  ByteWriter w(128 + t.payload.size());
  w.u8(static_cast<std::uint8_t>(t.kind));
  w.u8(static_cast<std::uint8_t>((t.keyspace ? 1 : 0) | (t.avoid ? 2 : 0)));
  w.u16(t.hopLimit);
  w.u16(t.hops);
  writeId(w, t.destination);
  writeId(w, t.source);
  writeCoords(w, t.sourceCoords);
  writeCoords(w, t.destinationCoords);
  if (t.keyspace) {
    writeId(w, t.target);
    writeCoords(w, t.targetCoords);
    if (t.avoid) writeId(w, *t.avoid);
  }
  w.blob(t.payload);
  return w.take();
}

std::optional<Traffic> decodeTraffic(std::string_view in, std::size_t maxDepth,
                                     std::size_t maxPayload) {
  ByteReader r(in);
  Traffic t;
  auto kind = r.u8();
  auto flags = r.u8();
  auto hopLimit = r.u16();
  auto hops = r.u16();
  if (!kind || !flags || !hopLimit || !hops) return std::nullopt;
  if (*kind > static_cast<std::uint8_t>(TrafficKind::kNeighbourHint) || (*flags & ~3u) != 0) {
    return std::nullopt;
  }
  t.kind = static_cast<TrafficKind>(*kind);
  t.keyspace = (*flags & 1) != 0;
  t.hopLimit = *hopLimit;
  t.hops = *hops;
  auto dest = readId(r);
  auto src = readId(r);
  if (!dest || !src) return std::nullopt;
  t.destination = *dest;
  t.source = *src;
  if (!readCoords(r, t.sourceCoords, maxDepth) || !readCoords(r, t.destinationCoords, maxDepth)) {
    return std::nullopt;
  }
  if (t.keyspace) {
    auto target = readId(r);
    if (!target || !readCoords(r, t.targetCoords, maxDepth)) return std::nullopt;
    t.target = *target;
    if (*flags & 2) {
      auto avoid = readId(r);
      if (!avoid) return std::nullopt;
      t.avoid = *avoid;
    }
  } else if (*flags & 2) {
    return std::nullopt;
  }
  auto payload = r.blob(maxPayload);
  if (!payload || !r.done()) return std::nullopt;
  t.payload.assign(*payload);
  return t;
}

}  // namespace plexus::overlay::detail
