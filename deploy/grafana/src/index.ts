// Every dashboard by its file name in ../dashboards/ (written by ../../checks/gen-dashboards.mjs).
import type { PlexusDashboard } from "./lib.js";
import federation from "./federation.js";
import overview from "./overview.js";
import roomsEvents from "./rooms-events.js";
import storageBus from "./storage-bus.js";
import sync from "./sync.js";

export const dashboards: Record<string, PlexusDashboard> = {
  "overview.json": overview,
  "rooms-events.json": roomsEvents,
  "federation.json": federation,
  "sync.json": sync,
  "storage-bus.json": storageBus,
};
