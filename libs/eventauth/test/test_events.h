// Test helper (unit tests only): builds PDUs from short JSON texts with trusted event IDs and default fields.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "plexus/events/pdu.h"
#include "plexus/json/parse.h"

namespace plexus::eventauth::testing {

// Parses `text` (an event without the boring fields) for room version `versionId`. Adds
// room_id (unless a v12 create), origin_server_ts, depth, prev_events, auth_events, content.
inline events::Pdu makePdu(std::string_view text, std::string_view versionId,
                           std::string_view roomId = "!room:example.org") {
  const events::RoomVersion* version = events::findRoomVersion(versionId);
  EXPECT_NE(version, nullptr) << versionId;
  json::ParseOptions parseOptions;
  parseOptions.strictIntegers = false;
  auto object = json::parseObject(text, parseOptions);
  EXPECT_TRUE(object.ok()) << text;
  json::Object o = std::move(object).value();
  const json::Value* type = o.find("type");
  const bool v12Create = version->roomIdFromCreateEvent && type != nullptr &&
                         type->getString() != nullptr && *type->getString() == "m.room.create";
  if (!o.contains("room_id") && !v12Create) o.set("room_id", std::string(roomId));
  if (!o.contains("origin_server_ts")) o.set("origin_server_ts", 0);
  if (!o.contains("depth")) o.set("depth", 1);
  if (!o.contains("prev_events")) o.set("prev_events", json::Array{});
  if (!o.contains("auth_events")) o.set("auth_events", json::Array{});
  if (!o.contains("content")) o.set("content", json::Object{});
  events::PduParseOptions options;
  options.trustEventIdField = true;
  options.enforceSizeLimit = false;
  auto pdu = events::Pdu::fromJson(std::move(o), *version, options);
  EXPECT_TRUE(pdu.ok()) << (pdu.ok() ? "" : pdu.error().message);
  return std::move(pdu).value();
}

}  // namespace plexus::eventauth::testing
