// AccountSyncService, part 3: account data (global, per room, tags), push rules (kept as
// the "m.push_rules" account data) and pushers. Every change takes the account's row lock,
// writes in one transaction together with its bus output (the outbox).
#include "accountsync/api/output.h"
#include "accountsync/impl/accountsync_service.h"
#include "accountsync/impl/push_rules.h"
#include "accountsync/impl/transaction.h"
#include "accountsync/impl/user_ids.h"
#include "accountsync/storage/account_store.h"
#include "plexus/bus/output_sink.h"
#include "plexus/json/canonical.h"

namespace plexus::accountsync {
namespace {

constexpr std::string_view kPushRulesType = "m.push_rules";
constexpr std::string_view kTagType = "m.tag";
constexpr std::size_t kMaxTagLength = 255;
constexpr std::size_t kMaxPushkeyLength = 512;
constexpr std::size_t kMaxAppIdLength = 64;

Error unknownUser() { return makeError(ErrorCode::kNotFound, "Unknown user"); }

Result<std::string> requiredString(const json::Object& body, std::string_view key) {
  const json::Value* v = body.find(key);
  if (!v) return fail(ErrorCode::kMissingParam, "missing field: " + std::string(key));
  if (!v->getString()) return fail(ErrorCode::kBadJson, "not a string: " + std::string(key));
  return *v->getString();
}

}  // namespace

Result<std::int64_t> AccountSyncService::writeAccountData(storage::Executor& ex,
                                                          std::string_view userId,
                                                          std::string_view roomId,
                                                          std::string_view type,
                                                          const json::Object& content) {
  // The position is taken last: its counter row stays locked until commit, so positions
  // become visible in order (a reader never sees N+1 before N).
  std::string text = json::canonical(content);
  PLEXUS_TRY(std::int64_t position, store_->nextAccountDataPosition(ex));
  PLEXUS_TRY_VOID(store_->putAccountData(ex, userId, roomId, type, text, position));
  // In the same transaction: the output exists exactly when the change does.
  AccountDataOutput out{std::string(userId), std::string(roomId), std::string(type), position};
  PLEXUS_TRY_VOID(bus::enqueueTyped(outputs_, ex, out));
  return position;
}

Result<std::int64_t> AccountSyncService::performSetAccountData(const CallContext& ctx,
                                                               std::string_view userId,
                                                               std::string_view roomId,
                                                               std::string_view type,
                                                               const json::Object& content) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (type.empty()) return fail(ErrorCode::kInvalidParam, "empty account data type");
  if (type == kPushRulesType) {
    return fail(ErrorCode::kBadJson, "m.push_rules is managed through the push rules API");
  }
  std::int64_t position = 0;
  ACCOUNTSYNC_TRY_TX(db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return unknownUser();
    PLEXUS_TRY(position, writeAccountData(tx, userId, roomId, type, content));
    return {};
  }));
  publishAccountData();
  return position;
}

Result<AccountDataChanges> AccountSyncService::queryAccountData(const CallContext& ctx,
                                                                std::string_view userId,
                                                                std::int64_t sincePosition) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  AccountDataChanges out;
  // Read the position first: entries committed in between are returned too, and
  // latestPosition is raised to cover them.
  PLEXUS_TRY(out.latestPosition, store_->currentAccountDataPosition(db_));
  PLEXUS_TRY(out.entries, store_->accountDataSince(db_, userId, sincePosition));
  for (const auto& e : out.entries) {
    out.latestPosition = std::max(out.latestPosition, e.streamPosition);
  }
  return out;
}

Result<json::Object> AccountSyncService::queryAccountDataEntry(const CallContext& ctx,
                                                               std::string_view userId,
                                                               std::string_view roomId,
                                                               std::string_view type) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY(auto entry, store_->getAccountData(db_, userId, roomId, type));
  if (!entry) return fail(ErrorCode::kNotFound, "Account data not found");
  return std::move(entry->content);
}

Result<std::int64_t> AccountSyncService::queryAccountDataPosition(const CallContext& ctx) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  return store_->currentAccountDataPosition(db_);
}

// ---- Tags -------------------------------------------------------------------------------

Result<std::int64_t> AccountSyncService::editTags(
    const CallContext& ctx, std::string_view userId, std::string_view roomId,
    const std::function<void(json::Object& tags)>& edit) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  if (roomId.empty()) return fail(ErrorCode::kInvalidParam, "tags need a room ID");
  std::int64_t position = 0;
  ACCOUNTSYNC_TRY_TX(db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return unknownUser();
    PLEXUS_TRY(auto entry, store_->getAccountData(tx, userId, roomId, kTagType));
    json::Object content = entry ? std::move(entry->content) : json::Object{};
    json::Value& tags = content["tags"];
    if (!tags.isObject()) tags = json::Object{};
    edit(*tags.getObject());
    PLEXUS_TRY(position, writeAccountData(tx, userId, roomId, kTagType, content));
    return {};
  }));
  publishAccountData();
  return position;
}

Result<std::int64_t> AccountSyncService::performSetTag(const CallContext& ctx,
                                                       std::string_view userId,
                                                       std::string_view roomId,
                                                       std::string_view tag,
                                                       const json::Object& content) {
  if (tag.empty() || tag.size() > kMaxTagLength) {
    return fail(ErrorCode::kInvalidParam, "tag must be 1 to 255 bytes");
  }
  if (const json::Value* order = content.find("order")) {
    if (!order->isInt() && !order->isFloat()) {
      return fail(ErrorCode::kBadJson, "tag order must be a number");
    }
  }
  return editTags(ctx, userId, roomId,
                  [&](json::Object& tags) { tags.set(std::string(tag), content); });
}

Result<std::int64_t> AccountSyncService::performDeleteTag(const CallContext& ctx,
                                                          std::string_view userId,
                                                          std::string_view roomId,
                                                          std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength) {
    return fail(ErrorCode::kInvalidParam, "tag must be 1 to 255 bytes");
  }
  return editTags(ctx, userId, roomId, [&](json::Object& tags) { tags.erase(tag); });
}

Result<json::Object> AccountSyncService::queryTags(const CallContext& ctx, std::string_view userId,
                                                   std::string_view roomId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY(auto entry, store_->getAccountData(db_, userId, roomId, kTagType));
  if (!entry) return json::Object{};
  const json::Value* tags = entry->content.find("tags");
  if (!tags || !tags->isObject()) return json::Object{};
  return *tags->getObject();
}

// ---- Push rules -------------------------------------------------------------------------

Result<json::Object> AccountSyncService::loadPushRules(storage::Executor& ex,
                                                       std::string_view userId) {
  PLEXUS_TRY(auto entry, store_->getAccountData(ex, userId, "", kPushRulesType));
  if (entry) return std::move(entry->content);
  auto localpart = localpartOf(userId, serverName_);
  return pushrules::defaultRuleset(userId, localpart ? *localpart : std::string(userId));
}

Status AccountSyncService::editPushRules(const CallContext& ctx, std::string_view userId,
                                         const RuleEdit& edit) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  std::int64_t position = 0;
  ACCOUNTSYNC_TRY_TX(db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return unknownUser();
    PLEXUS_TRY(json::Object ruleset, loadPushRules(tx, userId));
    PLEXUS_TRY_VOID(edit(ruleset));
    PLEXUS_TRY(position, writeAccountData(tx, userId, "", kPushRulesType, ruleset));
    return {};
  }));
  publishAccountData();
  return {};
}

Result<json::Object> AccountSyncService::queryPushRules(const CallContext& ctx,
                                                        std::string_view userId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  PLEXUS_TRY(auto account, store_->getAccount(db_, userId));
  if (!account) return unknownUser();
  return loadPushRules(db_, userId);
}

Result<json::Object> AccountSyncService::queryPushRule(const CallContext& ctx,
                                                       std::string_view userId,
                                                       std::string_view kind,
                                                       std::string_view ruleId) {
  PLEXUS_TRY(json::Object ruleset, queryPushRules(ctx, userId));
  return pushrules::findRule(ruleset, kind, ruleId);
}

Status AccountSyncService::performPutPushRule(const CallContext& ctx, std::string_view userId,
                                              std::string_view kind, std::string_view ruleId,
                                              const json::Object& body,
                                              std::optional<std::string> before,
                                              std::optional<std::string> after) {
  return editPushRules(ctx, userId, [&](json::Object& ruleset) {
    return pushrules::putRule(ruleset, kind, ruleId, body, before, after);
  });
}

Status AccountSyncService::performDeletePushRule(const CallContext& ctx, std::string_view userId,
                                                 std::string_view kind, std::string_view ruleId) {
  return editPushRules(ctx, userId, [&](json::Object& ruleset) {
    return pushrules::deleteRule(ruleset, kind, ruleId);
  });
}

Status AccountSyncService::performSetPushRuleEnabled(const CallContext& ctx,
                                                     std::string_view userId, std::string_view kind,
                                                     std::string_view ruleId, bool enabled) {
  return editPushRules(ctx, userId, [&](json::Object& ruleset) {
    return pushrules::setEnabled(ruleset, kind, ruleId, enabled);
  });
}

Status AccountSyncService::performSetPushRuleActions(const CallContext& ctx,
                                                     std::string_view userId, std::string_view kind,
                                                     std::string_view ruleId,
                                                     const json::Array& actions) {
  return editPushRules(ctx, userId, [&](json::Object& ruleset) {
    return pushrules::setActions(ruleset, kind, ruleId, actions);
  });
}

// ---- Pushers ----------------------------------------------------------------------------

Result<std::vector<Pusher>> AccountSyncService::queryPushers(const CallContext& ctx,
                                                             std::string_view userId) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  return store_->listPushers(db_, userId);
}

Status AccountSyncService::performSetPusher(const CallContext& ctx, std::string_view userId,
                                            std::string_view deviceId, const json::Object& body) {
  PLEXUS_TRY_VOID(checkDeadline(ctx));
  Pusher p;
  PLEXUS_TRY(p.pushkey, requiredString(body, "pushkey"));
  PLEXUS_TRY(p.appId, requiredString(body, "app_id"));
  if (p.pushkey.empty() || p.pushkey.size() > kMaxPushkeyLength) {
    return fail(ErrorCode::kInvalidParam, "pushkey must be 1 to 512 bytes");
  }
  if (p.appId.empty() || p.appId.size() > kMaxAppIdLength) {
    return fail(ErrorCode::kInvalidParam, "app_id must be 1 to 64 bytes");
  }
  const json::Value* kind = body.find("kind");
  if (!kind) return fail(ErrorCode::kMissingParam, "missing field: kind");
  const bool remove = kind->isNull();
  bool append = false;
  if (!remove) {
    if (!kind->getString()) return fail(ErrorCode::kBadJson, "kind must be a string or null");
    p.kind = *kind->getString();
    if (p.kind != "http" && p.kind != "email") {
      return fail(ErrorCode::kInvalidParam, "unsupported pusher kind: " + p.kind);
    }
    PLEXUS_TRY(p.appDisplayName, requiredString(body, "app_display_name"));
    PLEXUS_TRY(p.deviceDisplayName, requiredString(body, "device_display_name"));
    PLEXUS_TRY(p.lang, requiredString(body, "lang"));
    const json::Value* data = body.find("data");
    if (!data) return fail(ErrorCode::kMissingParam, "missing field: data");
    if (!data->isObject()) return fail(ErrorCode::kBadJson, "data must be an object");
    p.data = *data->getObject();
    // SPEC: data.url is required for http pushers.
    if (p.kind == "http" && !data->getStringAt("url")) {
      return fail(ErrorCode::kInvalidParam, "http pushers need data.url");
    }
    if (const json::Value* tag = body.find("profile_tag")) {
      if (!tag->getString()) return fail(ErrorCode::kBadJson, "profile_tag must be a string");
      p.profileTag = *tag->getString();
    }
    if (const json::Value* a = body.find("append")) {
      if (!a->isBool()) return fail(ErrorCode::kBadJson, "append must be a boolean");
      append = *a->getBool();
    }
    p.deviceId = std::string(deviceId);
    p.createdMs = now();
  }
  ACCOUNTSYNC_TRY_TX(db_.runInTransaction([&](storage::Transaction& tx) -> Status {
    PLEXUS_TRY(bool exists, store_->lockAccount(tx, userId));
    if (!exists) return unknownUser();
    if (remove) {
      PLEXUS_TRY_VOID(store_->deletePusher(tx, userId, p.appId, p.pushkey));
      return pushersChanged(tx, userId);
    }
    // SPEC: without append, the same app_id + pushkey of other users is removed. Which users
    // lost one is not known here, so every cache forgets everyone's (pusher sets are rare).
    if (!append) PLEXUS_TRY_VOID(store_->deletePushersOfOthers(tx, p.appId, p.pushkey, userId));
    PLEXUS_TRY_VOID(store_->upsertPusher(tx, userId, p));
    return pushersChanged(tx, append ? userId : std::string_view());
  }));
  if (options_.publishPusherChanges) outputs_.committed();
  return {};
}

}  // namespace plexus::accountsync
