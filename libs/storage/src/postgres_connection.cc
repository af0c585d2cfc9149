// libpq connection: connect, prepared-statement cache, parameter encoding, pipelines (several
// statements, one round trip), result decoding and SQLSTATE -> plexus::Error mapping.
#include "postgres_connection.h"

#include <charconv>
#include <cstring>
#include <optional>
#include <vector>

#include "plexus/storage/errors.h"

namespace plexus::storage::detail {
namespace {

// Type OIDs from pg_type.h (stable across PostgreSQL versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// bytea text output is "\x" + hex (bytea_output=hex, the default since 9.0).
Result<std::string> decodeBytea(std::string_view text) {
  if (!text.starts_with("\\x") || text.size() % 2 != 0) {
    return fail(ErrorCode::kInternal, "postgres: bytea not in hex format");
  }
  std::string out;
  out.reserve((text.size() - 2) / 2);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    int hi = hexDigit(text[i]), lo = hexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return fail(ErrorCode::kInternal, "postgres: bad hex in bytea");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

Result<Value> decodeCell(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return Value();
  std::string_view text(PQgetvalue(res, row, col),
                        static_cast<std::size_t>(PQgetlength(res, row, col)));
  switch (PQftype(res, col)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      std::int64_t n = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || ptr != text.data() + text.size()) {
        return fail(ErrorCode::kInternal, "postgres: bad integer in result");
      }
      return Value(n);
    }
    case kBoolOid:
      return Value(text == "t" ? 1 : 0);
    case kByteaOid: {
      PLEXUS_TRY(std::string bytes, decodeBytea(text));
      return Value::blob(bytes);
    }
    default:
      return Value(std::string(text));
  }
}

// Every wait for the server's answer, process-wide (postgresRoundTrips()).
std::atomic<std::uint64_t> roundTrips{0};

}  // namespace

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::connect(
    const PostgresConfig& config, PostgresCounters& counters) {
  std::string timeout = std::to_string(config.connectTimeoutS);
  // Keywords before the expanded dsn are defaults it may override; those after override it.
  std::vector<const char*> keys = {"connect_timeout", "client_encoding", "application_name",
                                   "dbname"};
  std::vector<const char*> values = {timeout.c_str(), "UTF8", "plexus", config.dsn.c_str()};
  if (!config.database.empty()) {
    keys.push_back("dbname");
    values.push_back(config.database.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return fail(ErrorCode::kUnavailable, "postgres: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return fail(ErrorCode::kUnavailable, "postgres: cannot connect: " + msg);
  }
  counters.opened++;
  // Server NOTICEs ("relation already exists, skipping") would go to stderr by default.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PostgresConnection>(
      new PostgresConnection(conn, config.statementCacheSize, counters));
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

Error PostgresConnection::errorOf(const PGresult* res) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string_view code = state ? state : "";
  std::string full = "postgres: ";
  if (!code.empty()) full.append("[").append(code).append("] ");
  full.append(msg);
  msg = std::move(full);
  if (PQstatus(conn_) == CONNECTION_BAD || code.starts_with("08") || code.starts_with("57P")) {
    broken_ = true;
    return makeError(ErrorCode::kUnavailable, msg);
  }
  if (code == "23505") return uniqueViolationError(msg);
  if (code.starts_with("23")) return makeError(ErrorCode::kInvalidParam, msg);
  // serialization_failure, deadlock_detected, insufficient_resources (e.g. too many clients)
  if (code == "40001" || code == "40P01" || code.starts_with("53")) {
    return makeError(ErrorCode::kUnavailable, msg);
  }
  return makeError(ErrorCode::kInternal, msg);
}

Status PostgresConnection::encode(std::string_view sql, const Params& params, Encoded& out) {
  const std::size_t n = params.size();
  out.key.assign(sql);
  out.key.push_back('\0');
  out.types.assign(n, 0);
  out.ints.assign(n, std::string());
  out.values.assign(n, nullptr);
  out.lengths.assign(n, 0);
  out.formats.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Value& v = params[i];
    switch (v.type()) {
      case Value::Type::kNull:
        out.key.push_back('n');
        break;
      case Value::Type::kInt64:
        out.key.push_back('i');
        out.types[i] = kInt8Oid;
        out.ints[i] = std::to_string(v.int64());
        out.values[i] = out.ints[i].c_str();
        break;
      case Value::Type::kText:
        // Untyped, so the server infers the type from context (text, varchar, jsonb...).
        // Text travels NUL-terminated and PostgreSQL text cannot hold NUL anyway.
        if (v.bytes().find('\0') != std::string::npos) {
          return fail(ErrorCode::kInvalidParam, "postgres: text parameter contains NUL");
        }
        out.key.push_back('t');
        out.values[i] = v.bytes().c_str();
        break;
      case Value::Type::kBlob:
        out.key.push_back('b');
        out.types[i] = kByteaOid;
        out.values[i] = v.bytes().data();
        out.lengths[i] = static_cast<int>(v.bytes().size());
        out.formats[i] = 1;  // binary: bytea's binary form is the raw bytes
        break;
    }
  }
  return {};
}

void PostgresConnection::reserveCache(std::size_t needed) {
  if (cache_.size() + needed <= static_cast<std::size_t>(cacheSize_)) return;
  ResultPtr dealloc(PQexec(conn_, "DEALLOCATE ALL"), &PQclear);
  roundTrips.fetch_add(1, std::memory_order_relaxed);
  cache_.clear();
}

Result<PostgresConnection::ResultPtr> PostgresConnection::runOnce(std::string_view sql,
                                                                  const Params& params,
                                                                  bool* stalePlan) {
  Encoded enc;
  PLEXUS_TRY_VOID(encode(sql, params, enc));
  const int n = static_cast<int>(params.size());

  bool cached = true;
  auto it = cache_.find(enc.key);
  if (it == cache_.end()) {
    cached = false;
    reserveCache(1);
    std::string name = "plexus_" + std::to_string(nextName_++);
    std::string text(sql);
    ResultPtr prep(PQprepare(conn_, name.c_str(), text.c_str(), n, enc.types.data()), &PQclear);
    roundTrips.fetch_add(1, std::memory_order_relaxed);
    if (!prep || PQresultStatus(prep.get()) != PGRES_COMMAND_OK) return errorOf(prep.get());
    counters_.prepared++;
    it = cache_.emplace(std::move(enc.key), std::move(name)).first;
  } else {
    counters_.cacheHits++;
  }

  ResultPtr res(PQexecPrepared(conn_, it->second.c_str(), n, enc.values.data(), enc.lengths.data(),
                               enc.formats.data(), /*resultFormat=*/0),
                &PQclear);
  roundTrips.fetch_add(1, std::memory_order_relaxed);
  ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return res;
  const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
  if (cached && state && std::strcmp(state, "0A000") == 0) {
    // "cached plan must not change result type": the schema changed under the prepared
    // statement. Forget it (the server-side one is left until the connection closes: it
    // cannot be deallocated inside an aborted transaction).
    cache_.erase(it);
    *stalePlan = true;
  }
  return errorOf(res.get());
}

Result<std::vector<PostgresConnection::ResultPtr>> PostgresConnection::pipeline(
    const std::vector<PipelineStep>& steps) {
  std::vector<Encoded> enc(steps.size());
  std::size_t uncached = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i].params) continue;
    PLEXUS_TRY_VOID(encode(steps[i].sql, *steps[i].params, enc[i]));
    if (!cache_.contains(enc[i].key)) ++uncached;
  }
  reserveCache(uncached);

  // What was sent, in order: each step's execution, preceded by its preparation when the
  // statement was not cached (a statement twice in one pipeline is prepared once).
  struct Sent {
    std::size_t step;
    bool prepare;
    std::string name;
  };
  std::vector<Sent> sent;
  std::unordered_map<std::string, std::string> preparedHere;
  auto lost = [&](const char* what) -> Error {
    broken_ = true;  // the pipeline's state is unknown: the pool discards the connection
    return makeError(ErrorCode::kUnavailable,
                     std::string("postgres: pipeline ") + what + ": " + PQerrorMessage(conn_));
  };
  if (PQenterPipelineMode(conn_) != 1) return lost("cannot start");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::string text(steps[i].sql);
    if (!steps[i].params) {
      if (PQsendQueryParams(conn_, text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
        return lost("send failed");
      }
      sent.push_back({i, false, {}});
      continue;
    }
    Encoded& e = enc[i];
    const int n = static_cast<int>(steps[i].params->size());
    std::string name;
    if (auto it = cache_.find(e.key); it != cache_.end()) {
      name = it->second;
      counters_.cacheHits++;
    } else if (auto here = preparedHere.find(e.key); here != preparedHere.end()) {
      name = here->second;
    } else {
      name = "plexus_" + std::to_string(nextName_++);
      if (PQsendPrepare(conn_, name.c_str(), text.c_str(), n, e.types.data()) != 1) {
        return lost("send failed");
      }
      preparedHere.emplace(e.key, name);
      sent.push_back({i, true, name});
    }
    if (PQsendQueryPrepared(conn_, name.c_str(), n, e.values.data(), e.lengths.data(),
                            e.formats.data(), /*resultFormat=*/0) != 1) {
      return lost("send failed");
    }
    sent.push_back({i, false, name});
  }
  if (PQpipelineSync(conn_) != 1) return lost("sync failed");
  roundTrips.fetch_add(1, std::memory_order_relaxed);

  std::vector<ResultPtr> results;
  results.reserve(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) results.emplace_back(nullptr, &PQclear);
  std::optional<Error> firstError;
  for (const Sent& s : sent) {
    ResultPtr res(PQgetResult(conn_), &PQclear);
    if (!res) return lost("lost an answer");
    // Each command's results end with a null result (our statements have one result each).
    int extras = 0;
    for (PGresult* extra = PQgetResult(conn_); extra != nullptr; extra = PQgetResult(conn_)) {
      PQclear(extra);
      if (++extras > 8) return lost("got more results than commands");
    }
    ExecStatusType status = PQresultStatus(res.get());
    if (status == PGRES_PIPELINE_ABORTED) continue;  // an earlier command failed
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      if (s.prepare) {
        counters_.prepared++;
        cache_.emplace(enc[s.step].key, s.name);
      } else {
        results[s.step] = std::move(res);
      }
      continue;
    }
    if (firstError) continue;
    const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
    if (!s.prepare && state && std::strcmp(state, "0A000") == 0) {
      cache_.erase(enc[s.step].key);  // a stale plan, as in runOnce()
    }
    firstError = errorOf(res.get());
  }
  ResultPtr sync(PQgetResult(conn_), &PQclear);
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) return lost("lost its sync");
  if (PQexitPipelineMode(conn_) != 1) return lost("cannot end");
  if (firstError) return *std::move(firstError);
  return results;
}

Result<PostgresConnection::ResultPtr> PostgresConnection::run(std::string_view sql,
                                                              const Params& params) {
  bool stale = false;
  auto res = runOnce(sql, params, &stale);
  // Outside a transaction nothing ran, so trying again with a fresh plan is safe.
  if (!res.ok() && stale && idle()) res = runOnce(sql, params, &stale);
  return res;
}

std::int64_t PostgresConnection::changedRows(const PGresult* res) {
  if (PQresultStatus(res) == PGRES_TUPLES_OK) return std::int64_t{PQntuples(res)};
  std::string_view tuples = PQcmdTuples(const_cast<PGresult*>(res));
  std::int64_t changed = 0;
  std::from_chars(tuples.data(), tuples.data() + tuples.size(), changed);
  return changed;
}

Result<Rows> PostgresConnection::rowsOf(const PGresult* res) {
  const int columns = PQnfields(res);
  std::vector<std::string> names;
  for (int c = 0; c < columns; ++c) names.emplace_back(PQfname(res, c));
  Rows rows(std::move(names));
  const int count = PQntuples(res);
  for (int r = 0; r < count; ++r) {
    for (int c = 0; c < columns; ++c) {
      PLEXUS_TRY(Value v, decodeCell(res, r, c));
      rows.append(std::move(v));
    }
  }
  return rows;
}

Result<std::int64_t> PostgresConnection::execute(std::string_view sql, const Params& params) {
  PLEXUS_TRY(ResultPtr res, run(sql, params));
  return changedRows(res.get());
}

Result<Rows> PostgresConnection::query(std::string_view sql, const Params& params) {
  PLEXUS_TRY(ResultPtr res, run(sql, params));
  return rowsOf(res.get());
}

Status PostgresConnection::executeScript(std::string_view sql) {
  std::string text(sql);
  ResultPtr res(PQexec(conn_, text.c_str()), &PQclear);
  roundTrips.fetch_add(1, std::memory_order_relaxed);
  ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return {};
  }
  return errorOf(res.get());
}

Result<std::string> PostgresConnection::command(const char* sql) {
  ResultPtr res(PQexec(conn_, sql), &PQclear);
  roundTrips.fetch_add(1, std::memory_order_relaxed);
  if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) return errorOf(res.get());
  return std::string(PQcmdStatus(res.get()));
}

}  // namespace plexus::storage::detail

namespace plexus::storage {

std::uint64_t postgresRoundTrips() { return detail::roundTrips.load(std::memory_order_relaxed); }

}  // namespace plexus::storage
