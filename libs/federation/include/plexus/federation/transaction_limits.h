// Limits of a federation transaction (`PUT /_matrix/federation/v1/send/{txnId}`): at most 50 PDUs
// and 100 EDUs (spec: "Transactions"), each PDU at most 65,536 bytes of canonical JSON
// (events::kMaxPduBytes), and the shape the transaction schema requires.
#pragma once

#include <cstddef>
#include <string_view>

#include "plexus/core/result.h"
#include "plexus/events/pdu.h"
#include "plexus/json/value.h"

namespace plexus::federation {

inline constexpr std::size_t kMaxPdusPerTransaction = 50;
inline constexpr std::size_t kMaxEdusPerTransaction = 100;
inline constexpr std::size_t kMaxPduBytes = events::kMaxPduBytes;

// Checks a received transaction body: `origin` (a string, equal to `expectedOrigin`, the X-Matrix
// origin), `origin_server_ts` (integer), `pdus` (array of objects, at most 50), `edus` (optional
// array of objects with a string `edu_type`, at most 100). Errors: kBadJson (shape),
// kForbidden (origin mismatch), kTooLarge (too many PDUs or EDUs).
Status checkTransaction(const json::Object& transaction, std::string_view expectedOrigin);

// Checks one PDU against the 65,536-byte limit on its canonical JSON. Errors: kTooLarge.
Status checkPduSize(const json::Object& pdu);

// How many transactions a sender needs for `pdus` PDUs and `edus` EDUs (0 when both are 0).
std::size_t transactionsNeeded(std::size_t pdus, std::size_t edus);

}  // namespace plexus::federation
