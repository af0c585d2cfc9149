// Shared state of one request between the connection that owns it and the handler's Responder
// copies, which may live on other threads. The connection supplies how to wake itself and how
// to run a timer; the Exchange itself knows nothing of sockets.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "plexus/http/response.h"

namespace plexus::http::detail {

class Exchange {
 public:
  using Notify = std::function<void()>;
  using Scheduler = std::function<void(std::chrono::milliseconds, std::function<void()>)>;

  // `notify` runs (on the completing thread, outside the lock) after a successful complete().
  Exchange(Notify notify, Scheduler scheduler)
      : notify_(std::move(notify)), scheduler_(std::move(scheduler)) {}

  // Detached mode: complete() hands the response to `sink` instead of storing it.
  void setSink(std::function<void(Response)> sink) { sink_ = std::move(sink); }

  bool complete(Response response);
  // Marks the exchange cancelled and runs the cancel callbacks. No-op when done or cancelled.
  void cancel();
  bool done() const;
  bool cancelled() const;
  // The response, once; nullopt before completion.
  std::optional<Response> take();
  void onCancel(std::function<void()> callback);
  void expireAfter(std::chrono::milliseconds delay, std::function<void()> callback);
  // The pattern of the route that handles the request (metrics); empty when none matched.
  void setRoute(std::string route) {
    std::lock_guard lock(mu_);
    route_ = std::move(route);
  }
  std::string route() const {
    std::lock_guard lock(mu_);
    return route_;
  }

 private:
  mutable std::mutex mu_;
  std::optional<Response> response_;
  std::string route_;
  bool done_ = false;
  bool cancelled_ = false;
  std::vector<std::function<void()>> cancelCallbacks_;
  Notify notify_;
  std::function<void(Response)> sink_;
  Scheduler scheduler_;
};

}  // namespace plexus::http::detail
