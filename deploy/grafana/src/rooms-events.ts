// Rooms and events: the roomserver shards (persisting, rejecting, state resolution) and the
// calls other services make to them.
import { dashboard, quantile, rate, sel } from "./lib.js";

const rs = 'component="roomserver"';

export default dashboard("plexus-rooms-events", "Plexus / Rooms and events",
  "Room events persisted and rejected per roomserver shard, state resolution time, group commits, roomserver gRPC load.", [
  {
    title: "Events",
    panels: [
      { title: "Persisted/s by shard", description: "Events stored per second on each roomserver shard (uneven lines mean hot rooms).", unit: "ops", stacked: true,
        series: [{ expr: `sum by (instance) (rate(plexus_roomserver_events_persisted_total{${sel}}[$__rate_interval]))`, legend: "{{instance}}" }] },
      { title: "Rejected/s by shard", description: "Events that failed authorization or validation, per second.", unit: "ops",
        series: [{ expr: `sum by (instance) (rate(plexus_roomserver_events_rejected_total{${sel}}[$__rate_interval]))`, legend: "{{instance}}" }] },
      { title: "Rejected share", description: "Rejected events as a share of all events the shards were given.", unit: "percentunit",
        series: [{ expr: `sum(rate(plexus_roomserver_events_rejected_total{${sel}}[$__rate_interval])) / (sum(rate(plexus_roomserver_events_persisted_total{${sel}}[$__rate_interval])) + sum(rate(plexus_roomserver_events_rejected_total{${sel}}[$__rate_interval])))`, legend: "rejected" }] },
    ],
  },
  {
    title: "State resolution",
    panels: [
      { width: 12, title: "State resolution p50 / p99", description: "Time to resolve the state of a room at an event.", unit: "s",
        series: [
          { expr: quantile(0.5, "plexus_roomserver_state_resolution_seconds", "component"), legend: "p50" },
          { expr: quantile(0.99, "plexus_roomserver_state_resolution_seconds", "component"), legend: "p99" },
        ] },
      { width: 12, title: "State resolutions/s by shard", description: "How often each shard resolves state.", unit: "ops",
        series: [{ expr: `sum by (instance) (rate(plexus_roomserver_state_resolution_seconds_count{${sel}}[$__rate_interval]))`, legend: "{{instance}}" }] },
    ],
  },
  {
    title: "Group commit",
    panels: [
      { width: 12, title: "Messages per group commit by shard", description: "Mean messages to different rooms written in one roomserver transaction; it grows with the load (up to 64), and near 1 the shard is not busy.", unit: "none",
        series: [{ expr: `sum by (instance) (rate(plexus_roomserver_send_batch_messages_sum{${sel}}[$__rate_interval])) / sum by (instance) (rate(plexus_roomserver_send_batch_messages_count{${sel}}[$__rate_interval]))`, legend: "{{instance}}" }] },
      { width: 12, title: "Group commits/s by shard", description: "Roomserver transactions that wrote messages, per second.", unit: "ops",
        series: [{ expr: `sum by (instance) (rate(plexus_roomserver_send_batch_messages_count{${sel}}[$__rate_interval]))`, legend: "{{instance}}" }] },
    ],
  },
  {
    title: "Roomserver gRPC",
    panels: [
      { width: 12, title: "Calls/s by method", description: "gRPC calls the roomserver shards answered, by method.", unit: "ops", stacked: true,
        series: [{ expr: `sum by (method) (rate(plexus_grpc_server_handled_total{${sel}, ${rs}}[$__rate_interval]))`, legend: "{{method}}" }] },
      { width: 12, title: "p99 by method", description: "99th percentile time to answer, by method.", unit: "s",
        series: [{ expr: quantile(0.99, "plexus_grpc_server_handling_seconds", "method", rs), legend: "{{method}}" }] },
    ],
  },
]);
