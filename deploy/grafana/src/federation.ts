// Federation: outbound queues of the federation sender shards and the inbound Server-Server API.
import { dashboard, quantile, rate, sel } from "./lib.js";

export default dashboard("plexus-federation", "Plexus / Federation",
  "Outbound queues, transactions, retries and backoff per federation sender shard; inbound federation traffic.", [
  {
    title: "Outbound queues",
    panels: [
      { title: "Pending PDUs", description: "Room events waiting to be sent to other servers, per sender shard.",
        series: [{ expr: `sum by (instance) (plexus_federation_sender_pending_pdus{${sel}})`, legend: "{{instance}}" }] },
      { title: "Pending EDUs", description: "Ephemeral events (typing, receipts, presence, to-device) waiting to be sent.",
        series: [{ expr: `sum by (instance) (plexus_federation_sender_pending_edus{${sel}})`, legend: "{{instance}}" }] },
      { title: "Destinations backing off", description: "Servers that failed recently and are being retried later.",
        series: [{ expr: `sum by (instance) (plexus_federation_sender_destinations_backing_off{${sel}})`, legend: "{{instance}}" }] },
    ],
  },
  {
    title: "Transactions",
    panels: [
      { title: "Transactions/s by result", description: "Transactions sent, failed or dropped per second.", unit: "ops", stacked: true,
        series: [{ expr: rate("plexus_federation_sender_transactions_total", "", "result"), legend: "{{result}}" }] },
      { title: "Retries/s", description: "Transactions sent again after a failure.", unit: "ops",
        series: [{ expr: rate("plexus_federation_sender_retries_total", "", "instance"), legend: "{{instance}}" }] },
      { title: "PDUs and EDUs sent/s", description: "Events delivered to other servers per second.", unit: "ops",
        series: [
          { expr: `sum(rate(plexus_federation_sender_pdus_sent_total{${sel}}[$__rate_interval]))`, legend: "PDUs" },
          { expr: `sum(rate(plexus_federation_sender_edus_sent_total{${sel}}[$__rate_interval]))`, legend: "EDUs" },
        ] },
    ],
  },
  {
    title: "Inbound (federation API)",
    panels: [
      { width: 12, title: "Requests/s by status class", description: "Server-Server API requests answered per second.", unit: "reqps", stacked: true,
        series: [{ expr: rate("plexus_http_requests_total", 'listener="federation"', "status_class"), legend: "{{status_class}}" }] },
      { width: 12, title: "Latency p50 / p99", description: "Time to answer a Server-Server API request.", unit: "s",
        series: [
          { expr: quantile(0.5, "plexus_http_request_duration_seconds", "listener", 'listener="federation"'), legend: "p50" },
          { expr: quantile(0.99, "plexus_http_request_duration_seconds", "listener", 'listener="federation"'), legend: "p99" },
        ] },
    ],
  },
]);
