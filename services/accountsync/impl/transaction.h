// ACCOUNTSYNC_TRY_TX(db_.runInTransaction(...)): returns the transaction's error. Not
// PLEXUS_TRY_VOID, whose temporary would be shadowed by the PLEXUS_TRY_VOIDs inside the
// transaction lambda (-Wshadow=local).
#pragma once

#include "plexus/core/result.h"

#define ACCOUNTSYNC_TRY_TX(expr)                                                 \
  do {                                                                           \
    ::plexus::Status accountsync_tx_status = (expr);                             \
    if (!accountsync_tx_status.ok()) {                                           \
      return ::plexus::Unexpected{std::move(accountsync_tx_status).takeError()}; \
    }                                                                            \
  } while (0)
