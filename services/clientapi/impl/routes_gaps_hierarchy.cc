// GET /_matrix/client/v1/rooms/{roomId}/hierarchy: the space tree below a room, depth first,
// from the m.space.child state events of the rooms this server knows (no federation yet: unknown
// children are left out). Rooms the caller may not see are skipped.
//
// Pagination is stateless: the token records how many rooms earlier pages returned together with
// max_depth and suggested_only, and the walk is replayed (it is deterministic for the same state).
#include <algorithm>
#include <charconv>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "clientapi/impl/gap_routes.h"
#include "clientapi/impl/routes_room_helpers.h"

namespace plexus::clientapi::gaps {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 100;
constexpr std::int64_t kDefaultMaxDepth = 10;
constexpr std::int64_t kMaxMaxDepth = 50;
// Rooms looked at in one request at most (a huge or cyclic tree cannot exhaust the server).
constexpr std::size_t kMaxVisited = 2000;

struct Token {
  std::int64_t skip = 0;
  std::int64_t maxDepth = 0;
  bool suggestedOnly = false;

  std::string encode() const {
    return std::to_string(skip) + "_" + std::to_string(maxDepth) + "_" +
           (suggestedOnly ? "1" : "0");
  }
};

std::optional<std::int64_t> parseNumber(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

Result<Token> decodeToken(std::string_view text) {
  const auto first = text.find('_');
  const auto second = first == std::string_view::npos ? first : text.find('_', first + 1);
  if (second == std::string_view::npos)
    return fail(ErrorCode::kInvalidParam, "Unknown pagination token");
  auto skip = parseNumber(text.substr(0, first));
  auto depth = parseNumber(text.substr(first + 1, second - first - 1));
  std::string_view flag = text.substr(second + 1);
  if (!skip || !depth || (flag != "0" && flag != "1")) {
    return fail(ErrorCode::kInvalidParam, "Unknown pagination token");
  }
  return Token{*skip, *depth, flag == "1"};
}

// SPEC: client-server "m.space.child" ordering — a valid `order` (printable ASCII, at most 50
// characters) sorts first, lexicographically; then origin_server_ts; then the room ID.
std::optional<std::string> validOrder(const roomserver::RoomEvent& child) {
  const json::Value* order = child.pdu.content().find("order");
  if (!order || !order->getString()) return std::nullopt;
  const std::string& s = *order->getString();
  if (s.size() > 50) return std::nullopt;
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7E) return std::nullopt;
  }
  return s;
}

bool childBefore(const roomserver::RoomEvent& a, const roomserver::RoomEvent& b) {
  auto oa = validOrder(a);
  auto ob = validOrder(b);
  if (oa.has_value() != ob.has_value()) return oa.has_value();
  if (oa && *oa != *ob) return *oa < *ob;
  if (a.pdu.originServerTs() != b.pdu.originServerTs())
    return a.pdu.originServerTs() < b.pdu.originServerTs();
  return a.pdu.stateKey().value_or("") < b.pdu.stateKey().value_or("");
}

bool isSuggested(const roomserver::RoomEvent& child) {
  const json::Value* suggested = child.pdu.content().find("suggested");
  return suggested && *suggested == json::Value(true);
}

// A stripped state event with origin_server_ts (SPEC: StrippedChildStateEvent).
json::Object strippedChild(const roomserver::RoomEvent& child) {
  return json::Object{{"type", json::Value(std::string(child.pdu.type()))},
                      {"state_key", json::Value(std::string(child.pdu.stateKey().value_or("")))},
                      {"content", json::Value(child.pdu.content())},
                      {"sender", json::Value(std::string(child.pdu.sender()))},
                      {"origin_server_ts", json::Value(child.pdu.originServerTs())}};
}

Result<json::Value> getHierarchy(ClientApiDeps& deps, const http::Request& http,
                                 const Requester& who) {
  PLEXUS_TRY_VOID(rooms::needRoomserver(deps));
  PLEXUS_TRY(std::string rootId, rooms::roomIdParam(http));
  PLEXUS_TRY(auto suggestedParam, queryBool(http, "suggested_only"));
  PLEXUS_TRY(auto limitParam, queryInt(http, "limit"));
  PLEXUS_TRY(auto depthParam, queryInt(http, "max_depth"));
  if (limitParam && *limitParam <= 0)
    return fail(ErrorCode::kInvalidParam, "limit must be greater than zero");
  if (depthParam && *depthParam < 0)
    return fail(ErrorCode::kInvalidParam, "max_depth must not be negative");
  const std::size_t limit = static_cast<std::size_t>(
      std::min<std::int64_t>(limitParam.value_or(kDefaultLimit), kMaxLimit));
  Token token{0, std::min(depthParam.value_or(kDefaultMaxDepth), kMaxMaxDepth),
              suggestedParam.value_or(false)};
  if (std::string from = rooms::queryString(http, "from"); !from.empty()) {
    PLEXUS_TRY(Token previous, decodeToken(from));
    // SPEC: max_depth and suggested_only cannot change during pagination.
    if ((depthParam && std::min(*depthParam, kMaxMaxDepth) != previous.maxDepth) ||
        (suggestedParam && *suggestedParam != previous.suggestedOnly)) {
      return fail(ErrorCode::kInvalidParam,
                  "suggested_only and max_depth cannot change on paginated requests");
    }
    token = previous;
  }

  const CallContext ctx = callContext(http);
  // SPEC: 403 when the user cannot view the root room, including when it does not exist.
  auto root = loadRoomInfo(deps, ctx, rootId);
  if (!root.ok()) return fail(ErrorCode::kForbidden, "You are not allowed to view this room");
  PLEXUS_TRY(bool rootVisible, maySeeRoom(deps, ctx, *root, who.userId));
  if (!rootVisible) return fail(ErrorCode::kForbidden, "You are not allowed to view this room");

  struct Pending {
    std::string roomId;
    std::int64_t depth;
  };
  std::vector<Pending> stack{{rootId, 0}};
  std::set<std::string> visited;
  json::Array page;
  std::int64_t emitted = 0;
  bool more = false;
  while (!stack.empty() && visited.size() < kMaxVisited) {
    Pending next = std::move(stack.back());
    stack.pop_back();
    if (!visited.insert(next.roomId).second) continue;
    Result<RoomInfo> info =
        next.depth == 0 ? std::move(root) : loadRoomInfo(deps, ctx, next.roomId);
    if (!info.ok()) continue;  // unknown here: a remote room we cannot describe without federation
    if (next.depth > 0) {
      PLEXUS_TRY(bool visible, maySeeRoom(deps, ctx, *info, who.userId));
      if (!visible) continue;
    }
    std::vector<roomserver::RoomEvent> children;
    for (auto& child : info->spaceChildren) {
      if (!token.suggestedOnly || isSuggested(child)) children.push_back(std::move(child));
    }
    std::sort(children.begin(), children.end(), childBefore);

    if (emitted >= token.skip) {
      if (page.size() == limit) {
        more = true;
        break;
      }
      json::Object chunk = publishedRoomChunk(*info);
      json::Array childrenState;
      for (const auto& child : children) childrenState.push_back(json::Value(strippedChild(child)));
      chunk.set("children_state", std::move(childrenState));
      page.push_back(json::Value(std::move(chunk)));
    }
    ++emitted;
    if (next.depth < token.maxDepth) {
      for (auto it = children.rbegin(); it != children.rend(); ++it) {
        std::string childId(it->pdu.stateKey().value_or(""));
        if (isValidRoomId(childId) && !visited.count(childId))
          stack.push_back({std::move(childId), next.depth + 1});
      }
    }
  }

  json::Object body{{"rooms", std::move(page)}};
  if (more) {
    Token following = token;
    following.skip = emitted;
    body.set("next_batch", json::Value(following.encode()));
  }
  return json::Value(std::move(body));
}

}  // namespace

void registerHierarchyRoutes(http::Router& router, ClientApiDeps& deps) {
  addAuthedRoute(router, deps, "GET", "/_matrix/client/v1/rooms/{roomId}/hierarchy",
                 rooms::jsonRoute(deps, getHierarchy), {.allowGuests = true});
}

}  // namespace plexus::clientapi::gaps
