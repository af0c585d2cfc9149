// Checks the JSON answers of the outbound Server-Server requests and turns them into the
// FederationSenderApi value types. A wrong shape is kBadJson naming the endpoint and field;
// the events inside are not checked here (the roomserver verifies them).
#pragma once

#include <string_view>
#include <vector>

#include "federationsender/api/federation_sender_api.h"

namespace plexus::federationsender {

// make_join / make_leave / make_knock: `event` object, `room_version` string (absent: "1").
Result<MakeMembershipResponse> parseMakeMembership(const json::Value& answer);
// send_join v2. `origin` falls back to `destination` when the answer has none.
Result<SendJoinResponse> parseSendJoin(const json::Value& answer, std::string_view destination);
// send_knock v1: `knock_room_state` (array of objects; absent: empty).
Result<std::vector<json::Object>> parseSendKnock(const json::Value& answer);
// invite v2: the `event` object.
Result<json::Object> parseInvite(const json::Value& answer);
// get_missing_events: `events`.
Result<std::vector<json::Object>> parseMissingEvents(const json::Value& answer);
Result<StateIdsResponse> parseStateIds(const json::Value& answer);
Result<StateResponse> parseState(const json::Value& answer);
// /event: a transaction whose `pdus` holds exactly one object.
Result<json::Object> parseSingleEvent(const json::Value& answer);
// event_auth: `auth_chain`.
Result<std::vector<json::Object>> parseEventAuth(const json::Value& answer);
// backfill: a transaction; its `pdus`.
Result<std::vector<json::Object>> parseBackfill(const json::Value& answer);
Result<DirectoryResponse> parseDirectory(const json::Value& answer);
// user/devices: an object whose `user_id` is `userId` and whose `devices` is an array.
Result<json::Object> parseUserDevices(const json::Value& answer, std::string_view userId);
// Any object; `member`, when present, must be an object too (keys query / claim).
Result<json::Object> parseObjectWithMember(const json::Value& answer, std::string_view endpoint,
                                           std::string_view member);
// publicRooms: an object with a `chunk` array.
Result<json::Object> parsePublicRooms(const json::Value& answer);
// Any object (query/profile, send_leave).
Result<json::Object> parseObject(const json::Value& answer, std::string_view endpoint);

}  // namespace plexus::federationsender
