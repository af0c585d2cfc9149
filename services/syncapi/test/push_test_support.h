// Test support for push delivery: a push gateway on loopback that records what it is sent, a
// pusher directory in memory, a sample notification and a bounded wait.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plexus/http/response.h"
#include "plexus/http/server.h"
#include "plexus/json/parse.h"
#include "syncapi/impl/push_delivery.h"

namespace plexus::syncapi::testing {

inline constexpr std::chrono::seconds kWait{10};

// A push gateway that records every notify body; `respond` picks the answer per request.
class FakeGateway {
 public:
  // Plain HTTP, or https with `tls`. `port` 0 picks a free one; a fixed port brings a gateway
  // back where one was before.
  explicit FakeGateway(std::optional<http::ServerTlsOptions> tls = std::nullopt,
                       std::uint16_t port = 0)
      : tls_(tls.has_value()) {
    http::ServerOptions options;
    options.port = port;
    options.tls = std::move(tls);
    server_ = std::make_unique<http::Server>(
        options, [this](http::Request request, http::Responder responder) {
          auto body = json::parseObject(request.body);
          std::function<http::Response(int)> respond;
          int n = 0;
          {
            std::lock_guard lock(mutex_);
            paths_.push_back(request.path);
            bodies_.push_back(body.ok() ? *body : json::Object{});
            n = static_cast<int>(bodies_.size());
            respond = respond_;
          }
          cv_.notify_all();
          responder.send(respond ? respond(n)
                                 : http::Response::json(json::Object{{"rejected", json::Array{}}}));
        });
    EXPECT_TRUE(server_->start().ok());
  }
  ~FakeGateway() { server_->stop(); }

  std::string url(const std::string& host = "127.0.0.1") const {
    return (tls_ ? "https://" : "http://") + host + ":" + std::to_string(server_->port()) +
           "/_matrix/push/v1/notify";
  }
  std::uint16_t port() const { return server_->port(); }
  std::size_t received() {
    std::lock_guard lock(mutex_);
    return bodies_.size();
  }
  void setResponder(std::function<http::Response(int)> respond) {
    std::lock_guard lock(mutex_);
    respond_ = std::move(respond);
  }
  // Waits (bounded) until at least n requests arrived; returns the bodies so far.
  std::vector<json::Object> waitFor(std::size_t n) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return bodies_.size() >= n; });
    return bodies_;
  }
  std::vector<std::string> paths() {
    std::lock_guard lock(mutex_);
    return paths_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<json::Object> bodies_;
  std::vector<std::string> paths_;
  std::function<http::Response(int)> respond_;
  bool tls_;
  std::unique_ptr<http::Server> server_;
};

class FakePushers final : public PusherDirectory {
 public:
  void add(const std::string& userId, const std::string& pushkey, const std::string& url,
           std::optional<std::string> format = std::nullopt) {
    accountsync::Pusher p;
    p.kind = "http";
    p.appId = "org.example.app";
    p.pushkey = pushkey;
    p.createdMs = 1700000000123;
    p.data = json::Object{{"url", url}, {"extra", "kept"}};
    if (format) p.data.set("format", *format);
    std::lock_guard lock(mutex_);
    pushers_[userId].push_back(std::move(p));
  }
  Result<std::vector<accountsync::Pusher>> queryPushers(const std::string& userId) override {
    std::lock_guard lock(mutex_);
    return pushers_[userId];
  }
  Status removePusher(const std::string& userId, const std::string& appId,
                      const std::string& pushkey) override {
    std::lock_guard lock(mutex_);
    auto& list = pushers_[userId];
    std::erase_if(list, [&](const auto& p) { return p.appId == appId && p.pushkey == pushkey; });
    return {};
  }
  std::size_t count(const std::string& userId) {
    std::lock_guard lock(mutex_);
    return pushers_[userId].size();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<accountsync::Pusher>> pushers_;
};

inline PushNotification messageFor(const std::string& userId, const std::string& eventId) {
  PushNotification n;
  n.userId = userId;
  n.eventId = eventId;
  n.roomId = "!room:test";
  n.type = "m.room.message";
  n.sender = "@alice:test";
  n.senderDisplayName = "Alice";
  n.content = json::Object{{"msgtype", "m.text"}, {"body", "hello"}};
  n.actions = json::Array{"notify", json::Object{{"set_tweak", "sound"}, {"value", "default"}},
                          json::Object{{"set_tweak", "highlight"}, {"value", false}}};
  return n;
}

inline const json::Object& notificationOf(const json::Object& body) {
  static const json::Object kEmpty;
  const json::Value* n = body.find("notification");
  return n && n->getObject() ? *n->getObject() : kEmpty;
}

template <typename Pred>
bool waitUntil(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    // Polling a condition, bounded by the deadline.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace plexus::syncapi::testing
