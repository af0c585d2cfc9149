// PushDeliverer: expands notifications into one POST per HTTP pusher and sends them from the
// worker threads, retrying transient failures with exponential backoff; pushes are kept in the
// PendingPushStore (when there is one) until sent or given up.
#include "syncapi/impl/push_delivery.h"

#include <algorithm>
#include <chrono>

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::syncapi {
namespace {

constexpr std::string_view kNotifyPath = "/_matrix/push/v1/notify";

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// SPEC: push-gateway-api devices[].tweaks — the set_tweak actions of the matched rule;
// "highlight" without a value means true.
json::Object tweaksOf(const json::Array& actions) {
  json::Object tweaks;
  for (const auto& action : actions) {
    auto name = action.getStringAt("set_tweak");
    if (!name) continue;
    const json::Value* value = action.get("value");
    if (value) {
      tweaks.set(std::string(*name), *value);
    } else if (*name == "highlight") {
      tweaks.set("highlight", true);
    }
  }
  return tweaks;
}

bool hasNotify(const json::Array& actions) {
  for (const auto& action : actions) {
    if (const std::string* s = action.getString(); s && *s == "notify") return true;
  }
  return false;
}

std::int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::vector<accountsync::Pusher>> AccountSyncPushers::queryPushers(
    const std::string& userId) {
  return accounts_.queryPushers(CallContext{}, userId);
}

Status AccountSyncPushers::removePusher(const std::string& userId, const std::string& appId,
                                        const std::string& pushkey) {
  json::Object body{{"app_id", appId}, {"pushkey", pushkey}, {"kind", nullptr}};
  return accounts_.performSetPusher(CallContext{}, userId, "", body);
}

Result<GatewayUrl> parseGatewayUrl(std::string_view url) {
  PLEXUS_TRY(http::Url parsed, http::parseUrl(url));
  // SPEC: client-server push "POST /pushers/set" — data.url MUST have the path
  // /_matrix/push/v1/notify (a prefix before it is tolerated for proxied gateways).
  if (!endsWith(parsed.target, kNotifyPath) || parsed.target.find('?') != std::string::npos) {
    return fail(ErrorCode::kInvalidParam, "push gateway URL must end in /_matrix/push/v1/notify");
  }
  return GatewayUrl{parsed.scheme, std::move(parsed.host), parsed.port, std::move(parsed.target)};
}

json::Object buildNotifyBody(const PushNotification& n, const PushRoomDetails& details,
                             const accountsync::Pusher& pusher) {
  json::Object tweaks = tweaksOf(n.actions);
  // A notification that makes a sound or is a highlight should wake the device at once; the
  // gateway may batch the others (SPEC: prio "low" preserves battery).
  const json::Value* highlight = tweaks.find("highlight");
  const bool urgent = tweaks.find("sound") || (highlight && highlight->getBool().value_or(false));
  // SPEC: client-server push "POST /pushers/set" — data goes to the gateway minus url; format
  // is the homeserver's own switch, so it is left out too.
  json::Object data = pusher.data;
  data.erase("url");
  const json::Value* format = data.find("format");
  const bool idOnly = format && format->getString() && *format->getString() == "event_id_only";
  data.erase("format");

  json::Object device{{"app_id", pusher.appId},
                      {"pushkey", pusher.pushkey},
                      {"pushkey_ts", pusher.createdMs / 1000},
                      {"data", std::move(data)},
                      {"tweaks", std::move(tweaks)}};
  json::Object notification{{"event_id", n.eventId},
                            {"room_id", n.roomId},
                            {"prio", urgent ? "high" : "low"},
                            {"counts", json::Object{{"unread", details.unread}}},
                            {"devices", json::Array{json::Value(std::move(device))}}};
  if (!idOnly) {
    // SPEC: push-gateway-api — with format event_id_only only the event and room IDs, the
    // counts and the devices are sent.
    notification.set("type", n.type);
    notification.set("sender", n.sender);
    notification.set("content", n.content);
    if (n.senderDisplayName) notification.set("sender_display_name", *n.senderDisplayName);
    if (details.roomName) notification.set("room_name", *details.roomName);
    if (details.roomAlias) notification.set("room_alias", *details.roomAlias);
    if (n.userIsTarget) notification.set("user_is_target", true);
  }
  return json::Object{{"notification", std::move(notification)}};
}

PushDeliverer::PushDeliverer(PusherDirectory& directory, PushDetailsSource details,
                             PushDeliveryOptions options)
    : directory_(directory), details_(std::move(details)), options_(std::move(options)) {}

PushDeliverer::~PushDeliverer() { stop(); }

void PushDeliverer::start() {
  {
    std::lock_guard lock(mutex_);
    if (!workers_.empty()) return;
    stopping_ = false;
  }
  resumeStored();
  std::lock_guard lock(mutex_);
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { run(); });
}

void PushDeliverer::stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    workers.swap(workers_);
    jobs_.clear();
  }
  wake_.notify_all();
  for (auto& t : workers) t.join();
}

bool PushDeliverer::enqueue(PushNotification n) {
  if (!hasNotify(n.actions)) return false;
  return schedule(Clock::now(), Job{std::move(n), std::nullopt});
}

bool PushDeliverer::schedule(Clock::time_point due, Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= options_.maxQueued) {
      ++dropped_;
      return false;
    }
    jobs_.emplace(due, std::move(job));
  }
  wake_.notify_one();
  return true;
}

void PushDeliverer::queueAttempt(Clock::time_point due, Attempt a) {
  const std::int64_t pendingId = a.pendingId;
  if (schedule(due, Job{std::nullopt, std::move(a)}) || pendingId == 0) return;
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
  }
  // Dropped by a stop: the stored row is resumed by the next start(). Dropped by a full
  // queue: maxQueued bounds the pushes kept anywhere, so the row goes too.
  if (!stopping) forget(pendingId);
}

void PushDeliverer::resumeStored() {
  if (!options_.pendingStore) return;
  auto stored =
      options_.pendingStore->queryPendingPushes(static_cast<std::int64_t>(options_.maxQueued));
  if (!stored.ok()) {
    ++storeErrors_;
    return;
  }
  const std::int64_t now = nowMs();
  for (PendingPush& p : *stored) {
    auto url = parseGatewayUrl(p.url);
    if (!url.ok()) {
      ++failed_;
      forget(p.id);
      continue;
    }
    Attempt a;
    a.userId = std::move(p.userId);
    a.appId = std::move(p.appId);
    a.pushkey = std::move(p.pushkey);
    a.url = std::move(*url);
    a.urlText = std::move(p.url);
    a.body = std::move(p.body);
    a.attempt = std::max(1, p.attempt);
    a.pendingId = p.id;
    a.resumed = true;
    // Due times are wall-clock ms; a clock that jumped back cannot delay a push beyond the
    // longest retry delay.
    const auto wait = std::chrono::milliseconds(
        std::clamp<std::int64_t>(p.dueMs - now, 0, options_.maxRetryDelay.count()));
    ++resumed_;
    queueAttempt(Clock::now() + wait, std::move(a));
  }
}

bool PushDeliverer::pusherExists(const Attempt& a) {
  auto pushers = directory_.queryPushers(a.userId);
  if (!pushers.ok()) return true;  // cannot tell: let the attempt decide
  return std::any_of(pushers->begin(), pushers->end(), [&](const accountsync::Pusher& p) {
    return p.appId == a.appId && p.pushkey == a.pushkey;
  });
}

void PushDeliverer::forget(std::int64_t pendingId) {
  if (pendingId == 0 || !options_.pendingStore) return;
  if (!options_.pendingStore->removePendingPush(pendingId).ok()) ++storeErrors_;
}

std::int64_t PushDeliverer::nowMs() const {
  return options_.clock ? options_.clock() : systemNowMs();
}

PushDeliverer::Stats PushDeliverer::stats() const {
  return Stats{delivered_.load(), retried_.load(), failed_.load(),     dropped_.load(),
               rejected_.load(),  resumed_.load(), storeErrors_.load()};
}

void PushDeliverer::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (jobs_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto first = jobs_.begin();
    if (first->first > Clock::now()) {
      // A copy: while this thread waits, another worker may take (and free) that job.
      const Clock::time_point due = first->first;
      wake_.wait_until(lock, due);
      continue;
    }
    Job job = std::move(first->second);
    jobs_.erase(first);
    lock.unlock();
    if (job.notification) expand(*job.notification);
    if (job.attempt) send(std::move(*job.attempt));
    lock.lock();
  }
}

void PushDeliverer::expand(const PushNotification& n) {
  auto pushers = directory_.queryPushers(n.userId);
  if (!pushers.ok()) {
    ++failed_;
    return;
  }
  std::optional<PushRoomDetails> details;
  for (const auto& pusher : *pushers) {
    if (pusher.kind != "http") continue;  // TODO(#3): email pushers
    const json::Value* url = pusher.data.find("url");
    auto parsed = url && url->getString()
                      ? parseGatewayUrl(*url->getString())
                      : Result<GatewayUrl>(fail(ErrorCode::kInvalidParam, "no url"));
    if (!parsed.ok()) {
      ++failed_;
      continue;
    }
    if (!details) details = details_ ? details_(n.userId, n.roomId) : PushRoomDetails{};
    Attempt a;
    a.userId = n.userId;
    a.appId = pusher.appId;
    a.pushkey = pusher.pushkey;
    a.url = std::move(*parsed);
    a.urlText = *url->getString();
    a.body = json::canonical(buildNotifyBody(n, *details, pusher));
    if (options_.pendingStore) {
      PendingPush stored{0, a.userId, a.appId, a.pushkey, a.urlText, a.body, 1, nowMs()};
      auto id = options_.pendingStore->addPendingPush(stored);
      if (id.ok()) {
        a.pendingId = *id;
      } else {
        ++storeErrors_;  // still sent, but not kept across a restart
      }
    }
    // Each pusher is its own job: a slow gateway holds one worker, not the others' pushes.
    queueAttempt(Clock::now(), std::move(a));
  }
}

void PushDeliverer::send(Attempt a) {
  if (a.resumed) {
    // Stored by a previous run: the user may have removed the pusher since.
    if (!pusherExists(a)) {
      forget(a.pendingId);
      return;
    }
    a.resumed = false;
  }
  http::Client client(a.url.scheme, a.url.host, a.url.port, options_.client);
  auto response = client.send("POST", a.url.target, a.body);
  const bool transient = !response.ok() || response->status >= 500 || response->status == 429;
  if (transient) {
    if (a.attempt >= options_.maxAttempts) {
      ++failed_;
      forget(a.pendingId);
      return;
    }
    auto delay = options_.firstRetryDelay * (std::int64_t{1} << std::min(a.attempt - 1, 20));
    delay = std::min<std::chrono::milliseconds>(delay, options_.maxRetryDelay);
    ++a.attempt;
    ++retried_;
    if (a.pendingId != 0 &&
        !options_.pendingStore->updatePendingPush(a.pendingId, a.attempt, nowMs() + delay.count())
             .ok()) {
      ++storeErrors_;
    }
    queueAttempt(Clock::now() + delay, std::move(a));
    return;
  }
  forget(a.pendingId);  // answered: sent, or refused for good
  if (response->status < 200 || response->status >= 300) {
    ++failed_;  // the gateway refuses this request: sending it again would not help
    return;
  }
  ++delivered_;
  // SPEC: push-gateway-api — "rejected": pushkeys the gateway will never deliver to; the
  // homeserver should stop sending to them (remove the pusher).
  auto body = json::parseObject(response->body);
  if (!body.ok()) return;
  const json::Value* rejected = body->find("rejected");
  if (!rejected || !rejected->getArray()) return;
  for (const auto& key : *rejected->getArray()) {
    const std::string* s = key.getString();
    if (!s || *s != a.pushkey) continue;
    if (directory_.removePusher(a.userId, a.appId, a.pushkey).ok()) ++rejected_;
  }
}

}  // namespace plexus::syncapi
