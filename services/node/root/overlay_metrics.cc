// OverlayMetrics (overlay_metrics.h): one table of series, each a family, its labels and how
// to read its value from a snapshot. Counters follow the overlay's own totals (advanceTo).
#include "root/overlay_metrics.h"

#include <string>

namespace plexus::node {
namespace {

using Snapshot = overlay::OverlaySnapshot;
using Read = std::function<double(const Snapshot&)>;

double d(std::uint64_t v) { return static_cast<double>(v); }

struct Spec {
  const char* name;
  const char* help;
  metrics::Labels labels;
  bool counter;
  Read read;
};

std::vector<Spec> specs() {
  // Router frame types on the links (router.h): 16 announce, 17 withdraw, 18 refresh, 19 traffic.
  auto linkBytes = [](const char* direction, std::size_t type) -> Read {
    if (std::string(direction) == "in")
      return [type](const Snapshot& s) { return d(s.linkBytesIn[type]); };
    return [type](const Snapshot& s) { return d(s.linkBytesOut[type]); };
  };
  std::vector<Spec> out = {
      {"plexus_overlay_peers",
       "Peer links open now.",
       {},
       false,
       [](const Snapshot& s) { return static_cast<double>(s.peers.size()); }},
      {"plexus_overlay_links_opened_total",
       "Peer links whose handshake completed.",
       {},
       true,
       [](const Snapshot& s) { return d(s.node.linksOpened); }},
      {"plexus_overlay_links_failed_total",
       "Connections dropped before their handshake completed (bad handshake, garbage, timeout).",
       {},
       true,
       [](const Snapshot& s) { return d(s.node.linksFailed); }},
      {"plexus_overlay_links_refused_total",
       "Accepted connections closed at once because too many handshakes were pending.",
       {},
       true,
       [](const Snapshot& s) { return d(s.node.linksRefused); }},
      {"plexus_overlay_links_closed_total",
       "Peer links that were open and ended.",
       {},
       true,
       [](const Snapshot& s) { return d(s.node.linksClosed); }},
      {"plexus_overlay_dial_failures_total",
       "Dials to peers that failed to connect.",
       {},
       true,
       [](const Snapshot& s) { return d(s.node.dialFailures); }},
      {"plexus_overlay_routes",
       "Routing entries, by kind.",
       {{"kind", "peer"}},
       false,
       [](const Snapshot& s) { return static_cast<double>(s.routerPeers); }},
      {"plexus_overlay_routes",
       "Routing entries, by kind.",
       {{"kind", "keyspace"}},
       false,
       [](const Snapshot& s) { return static_cast<double>(s.keyspaceEntries); }},
      {"plexus_overlay_routes",
       "Routing entries, by kind.",
       {{"kind", "cached_coordinates"}},
       false,
       [](const Snapshot& s) { return static_cast<double>(s.cachedCoordinates); }},
      {"plexus_overlay_datagrams_delivered_total",
       "Datagrams that reached this node.",
       {},
       true,
       [](const Snapshot& s) { return d(s.router.delivered); }},
      {"plexus_overlay_datagrams_forwarded_total",
       "Datagrams this node sent on (own included).",
       {},
       true,
       [](const Snapshot& s) { return d(s.router.forwarded); }},
      {"plexus_overlay_datagrams_dropped_total",
       "Datagrams dropped, by reason.",
       {{"reason", "no_route"}},
       true,
       [](const Snapshot& s) { return d(s.router.droppedNoRoute); }},
      {"plexus_overlay_datagrams_dropped_total",
       "Datagrams dropped, by reason.",
       {{"reason", "hop_limit"}},
       true,
       [](const Snapshot& s) { return d(s.router.droppedHopLimit); }},
      {"plexus_overlay_datagrams_dropped_total",
       "Datagrams dropped, by reason.",
       {{"reason", "malformed"}},
       true,
       [](const Snapshot& s) { return d(s.router.droppedMalformed); }},
      {"plexus_overlay_datagrams_dropped_total",
       "Datagrams dropped, by reason.",
       {{"reason", "forged"}},
       true,
       [](const Snapshot& s) { return d(s.router.droppedForged); }},
      {"plexus_overlay_tree_fallbacks_total",
       "Packets whose tree coordinates led to a dead end and that went on by key space.",
       {},
       true,
       [](const Snapshot& s) { return d(s.router.treeFallbacks); }},
      {"plexus_overlay_parent_changes_total",
       "Parent changes in the spanning trees.",
       {},
       true,
       [](const Snapshot& s) { return d(s.router.parentChanges); }},
      {"plexus_overlay_root_changes_total",
       "Root changes in the spanning trees.",
       {},
       true,
       [](const Snapshot& s) { return d(s.router.rootChanges); }},
      {"plexus_overlay_sessions",
       "End-to-end sessions established now.",
       {},
       false,
       [](const Snapshot& s) { return static_cast<double>(s.activeSessions); }},
      {"plexus_overlay_sessions_half_open",
       "Session handshakes in progress.",
       {},
       false,
       [](const Snapshot& s) { return static_cast<double>(s.halfOpenSessions); }},
      {"plexus_overlay_session_handshake_failures_total",
       "Session handshakes given up.",
       {},
       true,
       [](const Snapshot& s) { return d(s.session.handshakeFailures); }},
      {"plexus_overlay_session_retransmissions_total",
       "Session packets resent after a loss.",
       {},
       true,
       [](const Snapshot& s) { return d(s.session.retransmissions); }},
      {"plexus_overlay_streams_opened_total",
       "Streams opened, by side.",
       {{"side", "local"}},
       true,
       [](const Snapshot& s) { return d(s.session.streamsOpened); }},
      {"plexus_overlay_streams_opened_total",
       "Streams opened, by side.",
       {{"side", "remote"}},
       true,
       [](const Snapshot& s) { return d(s.session.streamsAccepted); }},
      {"plexus_overlay_beacons_total",
       "LAN discovery beacons, by event.",
       {{"event", "sent"}},
       true,
       [](const Snapshot& s) { return d(s.discovery.beaconsSent); }},
      {"plexus_overlay_beacons_total",
       "LAN discovery beacons, by event.",
       {{"event", "received"}},
       true,
       [](const Snapshot& s) { return d(s.discovery.beaconsReceived); }},
      {"plexus_overlay_beacons_total",
       "LAN discovery beacons, by event.",
       {{"event", "rejected"}},
       true,
       [](const Snapshot& s) { return d(s.discovery.beaconsRejected); }},
  };
  const std::pair<const char*, std::size_t> kinds[] = {
      {"tree_announce", 16}, {"tree_withdraw", 17}, {"tree_refresh", 18}, {"traffic", 19}};
  for (const char* direction : {"in", "out"}) {
    for (auto [kind, type] : kinds) {
      out.push_back({"plexus_overlay_link_bytes_total",
                     "Payload bytes on peer links, by direction and kind of router frame.",
                     {{"direction", direction}, {"kind", kind}},
                     true,
                     linkBytes(direction, type)});
    }
  }
  out.push_back({"plexus_overlay_session_bytes_total",
                 "End-to-end session bytes, by direction.",
                 {{"direction", "out"}},
                 true,
                 [](const Snapshot& s) { return d(s.session.bytesSent); }});
  out.push_back({"plexus_overlay_session_bytes_total",
                 "End-to-end session bytes, by direction.",
                 {{"direction", "in"}},
                 true,
                 [](const Snapshot& s) { return d(s.session.bytesReceived); }});
  return out;
}

}  // namespace

Result<std::unique_ptr<OverlayMetrics>> OverlayMetrics::create(metrics::Registry& registry,
                                                               SnapshotSource source) {
  std::unique_ptr<OverlayMetrics> m(new OverlayMetrics());
  m->source_ = std::move(source);
  for (Spec& spec : specs()) {
    Series series;
    series.read = std::move(spec.read);
    if (spec.counter) {
      PLEXUS_TRY(auto family, registry.registerCounter(spec.name, spec.help));
      PLEXUS_TRY(series.counter, family.add(spec.labels));
    } else {
      PLEXUS_TRY(auto family, registry.registerGauge(spec.name, spec.help));
      PLEXUS_TRY(series.gauge, family.add(spec.labels));
    }
    m->series_.push_back(std::move(series));
  }
  OverlayMetrics* raw = m.get();
  m->hook_ = registry.addCollectHook([raw] { raw->collect(); });
  return m;
}

OverlayMetrics::~OverlayMetrics() { hook_.reset(); }

void OverlayMetrics::collect() {
  const Snapshot snapshot = source_();
  for (const Series& s : series_) {
    const double value = s.read(snapshot);
    if (s.counter) s.counter->advanceTo(value);
    if (s.gauge) s.gauge->set(value);
  }
}

}  // namespace plexus::node
