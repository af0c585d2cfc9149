// Test fixture: an AccountSyncService on a fresh database of each backend (SQLite and
// PostgreSQL) with an InProcessBus, a controllable clock and the cheapest password hashing.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "accountsync/impl/accountsync_service.h"
#include "plexus/bus/outbox.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::accountsync::testing {

inline constexpr std::string_view kServer = "example.org";

class AccountSyncServiceTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto migrated = AccountSyncService::migrate(db());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    AccountSyncOptions options = AccountSyncOptions::forTests();
    options.clock = [this] { return clockMs_.load(); };
    options.exclusiveLocalpartPrefixes = {"_bridge_"};
    customize(options);
    auto outbox = bus::Outbox::open(db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    bus_ = std::move(*outbox);
    service_ = std::make_unique<AccountSyncService>(std::string(kServer), db(), *bus_, options);
  }
  void TearDown() override { service_.reset(); }

  virtual void customize(AccountSyncOptions& /*options*/) {}

  AccountSyncApi& api() { return *service_; }
  const CallContext& ctx() const { return ctx_; }

  // Registers a user with a password and one device; fails the test on error.
  LoginResult registerUser(const std::string& localpart, const std::string& password = "pw",
                           bool refresh = false) {
    RegisterRequest r;
    r.localpart = localpart;
    r.password = password;
    r.refreshToken = refresh;
    auto result = api().performRegister(ctx(), r);
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return result.ok() ? *result : LoginResult{};
  }

  // Appended piecewise: an operator+ chain here trips GCC 12's -Wrestrict when inlined.
  static std::string userId(std::string_view localpart) {
    std::string id = "@";
    id.append(localpart);
    id.push_back(':');
    id.append(kServer);
    return id;
  }

  std::unique_ptr<bus::Outbox> bus_;  // AccountDataOutput is durable: rows in db()
  std::atomic<std::int64_t> clockMs_{1'700'000'000'000};
  CallContext ctx_;
  std::unique_ptr<AccountSyncService> service_;
};

}  // namespace plexus::accountsync::testing
