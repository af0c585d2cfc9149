// Deferred statements: a write whose outcome the caller does not need before its transaction's
// next statement, so that on PostgreSQL it costs no round trip of its own.
//
// executeDeferred(ex, sql, params) on a PostgreSQL Transaction queues the statement; it is sent
// in one pipeline with the transaction's next statement (execute, query, executeScript) or with
// its COMMIT, in order, and the server answers them all at once. Anywhere else (SQLite, a
// Database outside a transaction, any other Executor) it runs at once, like execute().
//
// Errors: the statement's own error when it ran at once; otherwise the first failing deferred
// statement's error is returned by the call that sent it (the next statement or commit()), and
// that call's own statement did not run. Either way the transaction has failed as a whole.
// A rollback (or destroying the Transaction) drops deferred statements that were not sent.
#pragma once

#include <string_view>

#include "plexus/core/result.h"
#include "plexus/storage/database.h"

namespace plexus::storage {

Status executeDeferred(Executor& ex, std::string_view sql, const Params& params = {});

}  // namespace plexus::storage
