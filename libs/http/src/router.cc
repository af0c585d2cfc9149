// Router: linear scan over compiled patterns. A few hundred routes cost microseconds, far below
// a request's other work; a trie can replace the scan if profiles ever say so.
#include "plexus/http/router.h"

#include <algorithm>
#include <exception>
#include <map>

namespace plexus::http {
namespace {

struct Segment {
  std::string text;  // literal text, or the parameter name
  bool isParam = false;
};

struct Route {
  std::string method;
  std::vector<Segment> segments;
  Handler handler;
  std::optional<std::size_t> maxBodyBytes;  // set: this route's own body limit
  std::string pattern;                      // as registered: the route's name in metrics
};

std::vector<Segment> compilePattern(std::string_view pattern) {
  std::vector<Segment> out;
  std::string_view rest = pattern.empty() ? pattern : pattern.substr(1);
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      out.push_back({std::string(seg.substr(1, seg.size() - 2)), true});
    } else {
      out.push_back({std::string(seg), false});
    }
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return out;
}

Response internalError() {
  return Response::matrixError(makeError(ErrorCode::kUnknown, "Internal server error"));
}

}  // namespace

struct Router::Impl {
  std::vector<Route> routes;
  std::map<std::string, std::vector<std::string>, std::less<>> restrictions;
  Handler fallback;
  bool anyBodyLimit = false;

  bool segmentMatches(const Segment& seg, const std::string& value) const {
    if (!seg.isParam) return seg.text == value;
    if (value.empty()) return false;
    auto it = restrictions.find(seg.text);
    if (it == restrictions.end()) return true;
    return std::find(it->second.begin(), it->second.end(), value) != it->second.end();
  }

  bool pathMatches(const Route& route, const std::vector<std::string>& segments) const {
    if (route.segments.size() != segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      if (!segmentMatches(route.segments[i], segments[i])) return false;
    }
    return true;
  }

  // True when `a` is more specific than `b`: at the first position where one has a literal and
  // the other a parameter, the literal wins.
  static bool moreSpecific(const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
      if (a.segments[i].isParam != b.segments[i].isParam) return !a.segments[i].isParam;
    }
    return false;
  }

  // The route a request goes to (HEAD falls back to GET); nullptr when none. `allowed`, when
  // given, collects the methods of every route whose path matches (for 405 answers).
  const Route* select(const std::string& method, const std::vector<std::string>& segments,
                      std::vector<std::string>* allowed) const {
    const Route* best = nullptr;
    const Route* bestGet = nullptr;
    for (const Route& route : routes) {
      if (!pathMatches(route, segments)) continue;
      if (allowed && std::find(allowed->begin(), allowed->end(), route.method) == allowed->end()) {
        allowed->push_back(route.method);
      }
      if (route.method == method) {
        if (!best || moreSpecific(route, *best)) best = &route;
      } else if (method == "HEAD" && route.method == "GET") {
        if (!bestGet || moreSpecific(route, *bestGet)) bestGet = &route;
      }
    }
    return best ? best : bestGet;
  }
};

Router::Router() : impl_(std::make_unique<Impl>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::restrictParam(std::string name, std::vector<std::string> values) {
  impl_->restrictions[std::move(name)] = std::move(values);
}

void Router::add(std::string_view method, std::string_view pattern, Handler handler) {
  impl_->routes.push_back({std::string(method), compilePattern(pattern), std::move(handler),
                           std::nullopt, std::string(pattern)});
}

void Router::add(std::string_view method, std::string_view pattern, Handler handler,
                 std::size_t maxBodyBytes) {
  impl_->routes.push_back({std::string(method), compilePattern(pattern), std::move(handler),
                           maxBodyBytes, std::string(pattern)});
  impl_->anyBodyLimit = true;
}

std::optional<std::size_t> Router::bodyLimit(const Request& head) const {
  if (!impl_->anyBodyLimit) return std::nullopt;
  const Route* route = impl_->select(head.method, head.pathSegments, nullptr);
  return route ? route->maxBodyBytes : std::nullopt;
}

void Router::addSync(std::string_view method, std::string_view pattern, SyncHandler handler) {
  add(method, pattern, [h = std::move(handler)](Request request, Responder responder) {
    responder.send(h(request));
  });
}

void Router::setFallback(Handler handler) { impl_->fallback = std::move(handler); }

void Router::dispatch(Request request, Responder responder) const {
  std::vector<std::string> allowed;
  const Route* best = impl_->select(request.method, request.pathSegments, &allowed);
  try {
    if (best) {
      responder.setRoute(best->pattern);
      for (std::size_t i = 0; i < best->segments.size(); ++i) {
        if (best->segments[i].isParam) {
          request.pathParams[best->segments[i].text] = request.pathSegments[i];
        }
      }
      best->handler(std::move(request), responder);
    } else if (!allowed.empty()) {
      // SPEC: client-server-api "Common error codes" — M_UNRECOGNIZED with 405 for a known
      // endpoint called with the wrong method.
      Response r = Response::matrixError(405, "M_UNRECOGNIZED", "Unrecognized request");
      std::string allow;
      for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
      r.headers.set("Allow", allow);
      responder.send(std::move(r));
    } else if (impl_->fallback) {
      impl_->fallback(std::move(request), responder);
    } else {
      responder.send(Response::matrixError(404, "M_UNRECOGNIZED", "Unrecognized request"));
    }
  } catch (const std::exception&) {
    responder.send(internalError());
  } catch (...) {
    responder.send(internalError());
  }
}

Handler Router::toHandler() && {
  return sharedHandler(std::make_shared<Router>(std::move(*this)));
}

Handler Router::sharedHandler(std::shared_ptr<const Router> router) {
  return [router = std::move(router)](Request request, Responder responder) {
    router->dispatch(std::move(request), std::move(responder));
  };
}

}  // namespace plexus::http
