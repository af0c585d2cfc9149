// Overview: is every process up, how much traffic, how many errors, how fast.
import { dashboard, quantile, rate, sel } from "./lib.js";

export default dashboard("plexus-overview", "Plexus / Overview",
  "Health, traffic, errors and latency of every Plexus process.", [
  {
    title: "Now",
    panels: [
      { kind: "stat", width: 6, title: "Processes up", description: "Scrape targets answering (one per process).",
        series: [{ expr: `sum(up{${sel}})`, legend: "up" }] },
      { kind: "stat", width: 6, title: "HTTP requests/s", description: "Client and federation API requests answered per second.",
        unit: "reqps", series: [{ expr: `sum(rate(plexus_http_requests_total{${sel}, listener!="metrics"}[$__rate_interval]))`, legend: "req/s" }] },
      { kind: "stat", width: 6, title: "HTTP 5xx ratio", description: "Share of HTTP responses that were server errors.",
        unit: "percentunit", series: [{ expr: `sum(rate(plexus_http_requests_total{${sel}, status_class="5xx"}[$__rate_interval])) / sum(rate(plexus_http_requests_total{${sel}}[$__rate_interval]))`, legend: "5xx" }] },
      { kind: "stat", width: 6, title: "Events persisted/s", description: "Room events the roomserver shards stored per second.",
        unit: "ops", series: [{ expr: `sum(rate(plexus_roomserver_events_persisted_total{${sel}}[$__rate_interval]))`, legend: "events/s" }] },
    ],
  },
  {
    title: "Processes",
    panels: [
      { width: 24, title: "Up by service", description: "1 while the process answers scrapes; a gap or 0 is a crash or a hung process.",
        series: [{ expr: `up{${sel}}`, legend: "{{component}} {{instance}}" }] },
    ],
  },
  {
    title: "HTTP",
    panels: [
      { title: "Requests by status class", description: "Responses per second by listener and status class.", unit: "reqps", stacked: true,
        series: [{ expr: rate("plexus_http_requests_total", 'listener!="metrics"', "listener, status_class"), legend: "{{listener}} {{status_class}}" }] },
      { title: "Latency p50", description: "Median time to a response, by listener (long-polls included).", unit: "s",
        series: [{ expr: quantile(0.5, "plexus_http_request_duration_seconds", "listener"), legend: "{{listener}}" }] },
      { title: "Latency p99", description: "99th percentile time to a response, by listener (long-polls included).", unit: "s",
        series: [{ expr: quantile(0.99, "plexus_http_request_duration_seconds", "listener"), legend: "{{listener}}" }] },
    ],
  },
  {
    title: "gRPC between services",
    panels: [
      { title: "Calls served/s", description: "gRPC calls each service answered, per second.", unit: "ops", stacked: true,
        series: [{ expr: rate("plexus_grpc_server_handled_total"), legend: "{{component}}" }] },
      { title: "Errors served/s", description: "gRPC calls answered with a status other than OK, by service and code.", unit: "ops",
        series: [{ expr: rate("plexus_grpc_server_handled_total", 'code!="OK"', "component, code"), legend: "{{component}} {{code}}" }] },
      { title: "Handling p99", description: "99th percentile time to answer a gRPC call, by service.", unit: "s",
        series: [{ expr: quantile(0.99, "plexus_grpc_server_handling_seconds"), legend: "{{component}}" }] },
    ],
  },
]);
