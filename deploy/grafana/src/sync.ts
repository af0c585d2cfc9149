// Sync: /sync long-poll waiters and how fast they wake up after a new event.
import { dashboard, quantile, sel } from "./lib.js";

export default dashboard("plexus-sync", "Plexus / Sync",
  "Long-poll waiters per sync-api replica, wake-ups and their latency, sync-api gRPC time.", [
  {
    title: "Waiters",
    panels: [
      { width: 12, title: "Waiting /sync requests", description: "Clients parked in a long-poll, per sync-api replica.", stacked: true,
        series: [{ expr: `sum by (instance) (plexus_syncapi_waiters{${sel}})`, legend: "{{instance}}" }] },
      { width: 12, title: "Wake-ups/s", description: "Long-polls answered because something new arrived.", unit: "ops",
        series: [{ expr: `sum by (instance) (rate(plexus_syncapi_wakeup_seconds_count{${sel}}[$__rate_interval]))`, legend: "{{instance}}" }] },
    ],
  },
  {
    title: "Wake-up latency",
    panels: [
      { width: 12, title: "Wake-up p50 / p99", description: "From an event reaching sync-api to the waiting /sync answering.", unit: "s",
        series: [
          { expr: quantile(0.5, "plexus_syncapi_wakeup_seconds", "component"), legend: "p50" },
          { expr: quantile(0.99, "plexus_syncapi_wakeup_seconds", "component"), legend: "p99" },
        ] },
      { width: 12, title: "Sync-api gRPC p99 by method", description: "Time sync-api takes to answer the client API, by method.", unit: "s",
        series: [{ expr: quantile(0.99, "plexus_grpc_server_handling_seconds", "method", 'component="syncapi"'), legend: "{{method}}" }] },
    ],
  },
]);
