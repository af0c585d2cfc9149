// Test fixture for the keyserver service: a fresh database (SQLite or PostgreSQL), an in-process
// bus, a migrated KeyserverService, and helpers that build correctly signed keys.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "keyserver/impl/keyserver_service.h"
#include "plexus/bus/outbox.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/crypto/json_signing.h"
#include "plexus/storage/testing/database_test.h"

namespace plexus::keyserver::testing {

class KeyserverServiceTest : public storage::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto outbox = bus::Outbox::open(db());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    bus_ = std::move(*outbox);
    service_ = std::make_unique<KeyserverService>(db(), *bus_, serviceOptions());
    auto migrated = service_->migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }
  void TearDown() override { service_.reset(); }

  // Options of the service under test (federation tests override it).
  virtual KeyserverService::Options serviceOptions() { return {}; }

  KeyserverService& service() { return *service_; }
  bus::Outbox& bus() { return *bus_; }
  const CallContext& ctx() const { return ctx_; }

  // DeviceKeys for (user, device), signed by the device's ed25519 key.
  static json::Object deviceKeys(const std::string& user, const std::string& device,
                                 const crypto::SigningKey& key) {
    json::Object keys{
        {"algorithms", json::Array{"m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"}},
        {"device_id", device},
        {"keys", json::Object{{"curve25519:" + device, "curve-" + device},
                              {"ed25519:" + device, key.publicKey().toBase64()}}},
        {"user_id", user}};
    crypto::signJson(keys, user, "ed25519:" + device, key);
    return keys;
  }

  // A CrossSigningKey of `user` with `usage`, optionally signed by `signer` (key ID
  // "ed25519:<signer public key>").
  static json::Object crossSigningKey(const std::string& user, const std::string& usage,
                                      const crypto::SigningKey& key,
                                      const crypto::SigningKey* signer = nullptr) {
    std::string pub = key.publicKey().toBase64();
    json::Object object{{"keys", json::Object{{"ed25519:" + pub, pub}}},
                        {"usage", json::Array{usage}},
                        {"user_id", user}};
    if (signer) crypto::signJson(object, user, "ed25519:" + signer->publicKey().toBase64(), *signer);
    return object;
  }

  // Uploads signed device keys for (user, device); fails the test on error.
  void uploadDevice(const std::string& user, const std::string& device,
                    const crypto::SigningKey& key, json::Object oneTimeKeys = {},
                    json::Object fallbackKeys = {}) {
    auto result = service().performUploadKeys(ctx(), user, device, deviceKeys(user, device, key),
                                              oneTimeKeys, fallbackKeys);
    ASSERT_TRUE(result.ok()) << result.error().message;
  }

 private:
  std::unique_ptr<bus::Outbox> bus_;  // DeviceListUpdate is durable: rows in db()
  std::unique_ptr<KeyserverService> service_;
  CallContext ctx_ = CallContext::withTimeout(std::chrono::seconds(30), "test");
};

}  // namespace plexus::keyserver::testing
