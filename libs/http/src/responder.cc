// Responder and its shared Exchange: first completion wins, cancellation runs callbacks once.
#include "plexus/http/responder.h"

#include "exchange.h"

namespace plexus::http {
namespace detail {

bool Exchange::complete(Response response) {
  {
    std::lock_guard lock(mu_);
    if (done_ || cancelled_) return false;
    done_ = true;
    cancelCallbacks_.clear();
    if (!sink_) response_ = std::move(response);
  }
  if (sink_) {
    sink_(std::move(response));
  } else if (notify_) {
    notify_();
  }
  return true;
}

void Exchange::cancel() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mu_);
    if (done_ || cancelled_) return;
    cancelled_ = true;
    callbacks.swap(cancelCallbacks_);
  }
  for (auto& cb : callbacks) {
    try {
      cb();
    } catch (...) {  // a callback's failure must not take the io thread down
    }
  }
}

bool Exchange::done() const {
  std::lock_guard lock(mu_);
  return done_;
}

bool Exchange::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

std::optional<Response> Exchange::take() {
  std::lock_guard lock(mu_);
  std::optional<Response> out = std::move(response_);
  response_.reset();
  return out;
}

void Exchange::onCancel(std::function<void()> callback) {
  {
    std::lock_guard lock(mu_);
    if (done_) return;
    if (!cancelled_) {
      cancelCallbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

void Exchange::expireAfter(std::chrono::milliseconds delay, std::function<void()> callback) {
  {
    std::lock_guard lock(mu_);
    if (done_ || cancelled_) return;
  }
  if (scheduler_) scheduler_(delay, std::move(callback));
}

}  // namespace detail

Responder Responder::detached(std::function<void(Response)> onSend) {
  auto exchange = std::make_shared<detail::Exchange>(nullptr, nullptr);
  exchange->setSink(std::move(onSend));
  return Responder(std::move(exchange));
}

void Responder::cancel() const { exchange_->cancel(); }
bool Responder::send(Response response) const { return exchange_->complete(std::move(response)); }
void Responder::setRoute(std::string_view route) const { exchange_->setRoute(std::string(route)); }
bool Responder::done() const { return exchange_->done(); }
bool Responder::cancelled() const { return exchange_->cancelled(); }
void Responder::onCancel(std::function<void()> callback) const { exchange_->onCancel(std::move(callback)); }
void Responder::expireAfter(std::chrono::milliseconds delay, std::function<void()> callback) const {
  exchange_->expireAfter(delay, std::move(callback));
}

}  // namespace plexus::http
