// The few Client-Server API calls the load generator makes (register, createRoom, join, send,
// sync) and the reading of a /sync answer into what the modes need: the next batch token and the
// load generator's own messages ("lg <seq>") that arrived, with their senders.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_connection.h"

namespace plexus::loadgen {

struct Account {
  std::string userId;
  std::string token;
};

// A message body carries its global sequence number so that a receiver finds its send time.
std::string messageBody(std::uint64_t seq);

struct SyncBatch {
  std::string nextBatch;
  struct Arrival {
    std::uint64_t seq;
    std::string sender;
  };
  std::vector<Arrival> arrivals;  // m.room.message events whose body is "lg <seq>"
  bool limited = false;           // some joined room's timeline was cut (messages may be missed)
  std::vector<std::string> joinedRooms;  // the rooms under rooms.join
};

// Parses a /sync response body; nullopt when it is not a sync response.
std::optional<SyncBatch> readSyncBatch(std::string_view body);

std::string urlEncode(std::string_view text);

// A sync filter (inline JSON, URL-encoded) that keeps the joined rooms' timelines and drops the
// sections the modes do not read, as a real client's filter would.
const std::string& timelineOnlyFilter();

// Calls below never throw; on failure they return nullopt/false and set `error`.
inline constexpr std::chrono::milliseconds kSetupTimeout{60'000};

boost::asio::awaitable<std::optional<Account>> registerUser(HttpConnection& conn,
                                                           std::string localpart,
                                                           std::string& error);
boost::asio::awaitable<std::optional<std::string>> createRoom(HttpConnection& conn,
                                                             const Account& account,
                                                             std::string& error);
boost::asio::awaitable<bool> joinRoom(HttpConnection& conn, const Account& account,
                                      const std::string& roomId, std::string& error);
// POST /join/{roomId}?server_name=via: a join that may go over federation (via: the room's server).
boost::asio::awaitable<bool> joinRoomVia(HttpConnection& conn, const Account& account,
                                         const std::string& roomId, const std::string& via,
                                         std::string& error);
// PUT /rooms/{roomId}/send/m.room.message/{txnId} with body messageBody(seq).
boost::asio::awaitable<HttpResult> sendMessage(HttpConnection& conn, const Account& account,
                                               const std::string& roomId, std::uint64_t seq,
                                               std::chrono::milliseconds timeout);
// GET /sync; `since` empty means an initial sync.
boost::asio::awaitable<HttpResult> sync(HttpConnection& conn, const Account& account,
                                        const std::string& since, int timeoutMs,
                                        bool timelineFilter);

}  // namespace plexus::loadgen
