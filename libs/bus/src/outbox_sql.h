// The outbox's statements shared by the producer and the delivery side (private).
#pragma once

#include <string_view>

namespace plexus::bus::detail {

inline constexpr std::string_view kMinOffsetSql =
    "SELECT MIN(last_id) FROM bus_consumer_offsets WHERE topic = $1";

// Deletes in bounded batches so a large backlog never holds the write lock for long.
inline constexpr std::string_view kPruneSql =
    "DELETE FROM bus_outbox WHERE id IN (SELECT id FROM bus_outbox WHERE topic = $1 AND id <= $2 "
    "ORDER BY id LIMIT $3)";

inline constexpr std::string_view kReadSql =
    "SELECT id, msg_key, payload FROM bus_outbox WHERE topic = $1 AND id > $2 ORDER BY id "
    "LIMIT $3";

inline constexpr std::string_view kNewestSql = "SELECT MAX(id) FROM bus_outbox WHERE topic = $1";

inline constexpr std::string_view kLoadOffsetSql =
    "SELECT last_id FROM bus_consumer_offsets WHERE topic = $1 AND consumer_group = $2";

// A new group is registered at 0 so that pruning waits for it from the start.
inline constexpr std::string_view kRegisterGroupSql =
    "INSERT INTO bus_consumer_offsets (topic, consumer_group, last_id) VALUES ($1, $2, 0) "
    "ON CONFLICT (topic, consumer_group) DO NOTHING";

// Never moves an offset backwards (a stale writer after a restart).
inline constexpr std::string_view kStoreOffsetSql =
    "UPDATE bus_consumer_offsets SET last_id = $3 WHERE topic = $1 AND consumer_group = $2 "
    "AND last_id < $3";

}  // namespace plexus::bus::detail
