// Transaction shape and size limits.
#include "plexus/federation/transaction_limits.h"

#include <algorithm>

#include "plexus/json/canonical.h"

namespace plexus::federation {
namespace {

Unexpected badShape(std::string why) {
  return fail(ErrorCode::kBadJson, "invalid transaction: " + std::move(why));
}

}  // namespace

Status checkTransaction(const json::Object& transaction, std::string_view expectedOrigin) {
  const json::Value* origin = transaction.find("origin");
  if (!origin || !origin->getString()) return badShape("origin missing");
  if (*origin->getString() != expectedOrigin) {
    return fail(ErrorCode::kForbidden, "transaction origin does not match the request origin");
  }
  const json::Value* ts = transaction.find("origin_server_ts");
  if (!ts || !ts->getInt()) return badShape("origin_server_ts missing or not an integer");
  const json::Value* pdus = transaction.find("pdus");
  if (!pdus || !pdus->getArray()) return badShape("pdus missing or not an array");
  if (pdus->getArray()->size() > kMaxPdusPerTransaction) {
    return fail(ErrorCode::kTooLarge, "more than 50 PDUs in a transaction");
  }
  for (const json::Value& pdu : *pdus->getArray()) {
    if (!pdu.isObject()) return badShape("a PDU is not an object");
  }
  if (const json::Value* edus = transaction.find("edus")) {
    if (!edus->getArray()) return badShape("edus is not an array");
    if (edus->getArray()->size() > kMaxEdusPerTransaction) {
      return fail(ErrorCode::kTooLarge, "more than 100 EDUs in a transaction");
    }
    for (const json::Value& edu : *edus->getArray()) {
      if (!edu.isObject() || !edu.getStringAt("edu_type")) {
        return badShape("an EDU is not an object with a string edu_type");
      }
    }
  }
  return {};
}

Status checkPduSize(const json::Object& pdu) {
  if (json::canonical(pdu).size() > kMaxPduBytes) {
    return fail(ErrorCode::kTooLarge, "PDU over 65536 bytes");
  }
  return {};
}

std::size_t transactionsNeeded(std::size_t pdus, std::size_t edus) {
  auto batches = [](std::size_t n, std::size_t per) { return (n + per - 1) / per; };
  return std::max(batches(pdus, kMaxPdusPerTransaction), batches(edus, kMaxEdusPerTransaction));
}

}  // namespace plexus::federation
