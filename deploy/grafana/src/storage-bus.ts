// Storage and bus: PostgreSQL connection pools and the Redis Streams bus.
import { dashboard, rate, sel } from "./lib.js";

export default dashboard("plexus-storage-bus", "Plexus / Storage and bus",
  "Database connection pool use per service and the bus: deliveries and consumer-group lag.", [
  {
    title: "Database pools",
    panels: [
      { width: 12, title: "Connections in use", description: "PostgreSQL connections checked out, by process and service store.",
        series: [{ expr: `sum by (component, service) (plexus_db_pool_in_use{${sel}})`, legend: "{{component}} {{service}}" }] },
      { width: 12, title: "Pool use", description: "Connections in use as a share of the pool size; near 100% means requests queue for a connection.", unit: "percentunit",
        series: [{ expr: `sum by (component, service) (plexus_db_pool_in_use{${sel}}) / sum by (component, service) (plexus_db_pool_size{${sel}})`, legend: "{{component}} {{service}}" }] },
    ],
  },
  {
    title: "Bus (Redis Streams)",
    panels: [
      { width: 12, title: "Delivered/s by topic", description: "Messages handed to consumers per second.", unit: "ops", stacked: true,
        series: [{ expr: rate("plexus_bus_delivered_total", "", "topic"), legend: "{{topic}}" }] },
      { width: 12, title: "Consumer lag", description: "Messages a consumer group has not acknowledged yet, by topic and group.",
        series: [{ expr: `max by (topic, group) (plexus_bus_lag_messages{${sel}})`, legend: "{{group}} on {{topic}}" }] },
    ],
  },
]);
