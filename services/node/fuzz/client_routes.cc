// The route table and the filling in of path patterns.
#include "fuzz/client_routes.h"

#include <array>

namespace plexus::node::fuzz {
namespace {

constexpr RouteTemplate kRoutes[] = {
    {"GET", "/.well-known/matrix/client"},                                                   // 0
    {"GET", "/.well-known/matrix/policy_server"},                                            // 1
    {"GET", "/.well-known/matrix/support"},                                                  // 2
    {"GET", "/_matrix/client/v1/admin/lock/{userId}"},                                       // 3
    {"PUT", "/_matrix/client/v1/admin/lock/{userId}"},                                       // 4
    {"POST", "/_matrix/client/v1/appservice/{appserviceId}/ping"},                           // 5
    {"GET", "/_matrix/client/v1/auth_metadata"},                                             // 6
    {"POST", "/_matrix/client/v1/login/get_token"},                                          // 7
    {"GET", "/_matrix/client/v1/mutual_rooms"},                                              // 8
    {"GET", "/_matrix/client/v1/register/m.login.registration_token/validity"},              // 9
    {"GET", "/_matrix/client/v1/room_summary/{roomIdOrAlias}"},                              // 10
    {"GET", "/_matrix/client/v1/rooms/{roomId}/hierarchy"},                                  // 11
    {"GET", "/_matrix/client/v1/rooms/{roomId}/relations/{eventId}"},                        // 12
    {"GET", "/_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}"},              // 13
    {"GET", "/_matrix/client/v1/rooms/{roomId}/relations/{eventId}/{relType}/{eventType}"},  // 14
    {"GET", "/_matrix/client/v1/rooms/{roomId}/threads"},                                    // 15
    {"GET", "/_matrix/client/v1/rooms/{roomId}/timestamp_to_event"},                         // 16
    {"GET", "/_matrix/client/versions"},                                                     // 17
    {"GET", "/_matrix/client/{version}/account/3pid"},                                       // 18
    {"POST", "/_matrix/client/{version}/account/3pid"},                                      // 19
    {"POST", "/_matrix/client/{version}/account/3pid/add"},                                  // 20
    {"POST", "/_matrix/client/{version}/account/3pid/bind"},                                 // 21
    {"POST", "/_matrix/client/{version}/account/3pid/delete"},                               // 22
    {"POST", "/_matrix/client/{version}/account/3pid/email/requestToken"},                   // 23
    {"POST", "/_matrix/client/{version}/account/3pid/msisdn/requestToken"},                  // 24
    {"POST", "/_matrix/client/{version}/account/3pid/unbind"},                               // 25
    {"POST", "/_matrix/client/{version}/account/deactivate"},                                // 26
    {"POST", "/_matrix/client/{version}/account/password"},                                  // 27
    {"POST", "/_matrix/client/{version}/account/password/email/requestToken"},               // 28
    {"POST", "/_matrix/client/{version}/account/password/msisdn/requestToken"},              // 29
    {"GET", "/_matrix/client/{version}/account/whoami"},                                     // 30
    {"GET", "/_matrix/client/{version}/admin/whois/{userId}"},                               // 31
    {"GET", "/_matrix/client/{version}/capabilities"},                                       // 32
    {"POST", "/_matrix/client/{version}/createRoom"},                                        // 33
    {"POST", "/_matrix/client/{version}/delete_devices"},                                    // 34
    {"GET", "/_matrix/client/{version}/devices"},                                            // 35
    {"DELETE", "/_matrix/client/{version}/devices/{deviceId}"},                              // 36
    {"GET", "/_matrix/client/{version}/devices/{deviceId}"},                                 // 37
    {"PUT", "/_matrix/client/{version}/devices/{deviceId}"},                                 // 38
    {"PUT", "/_matrix/client/{version}/directory/list/appservice/{networkId}/{roomId}"},     // 39
    {"GET", "/_matrix/client/{version}/directory/list/room/{roomId}"},                       // 40
    {"PUT", "/_matrix/client/{version}/directory/list/room/{roomId}"},                       // 41
    {"DELETE", "/_matrix/client/{version}/directory/room/{roomAlias}"},                      // 42
    {"GET", "/_matrix/client/{version}/directory/room/{roomAlias}"},                         // 43
    {"PUT", "/_matrix/client/{version}/directory/room/{roomAlias}"},                         // 44
    {"GET", "/_matrix/client/{version}/events"},                                             // 45
    {"GET", "/_matrix/client/{version}/events/{eventId}"},                                   // 46
    {"GET", "/_matrix/client/{version}/initialSync"},                                        // 47
    {"POST", "/_matrix/client/{version}/join/{roomIdOrAlias}"},                              // 48
    {"GET", "/_matrix/client/{version}/joined_rooms"},                                       // 49
    {"GET", "/_matrix/client/{version}/keys/changes"},                                       // 50
    {"POST", "/_matrix/client/{version}/keys/claim"},                                        // 51
    {"POST", "/_matrix/client/{version}/keys/device_signing/upload"},                        // 52
    {"POST", "/_matrix/client/{version}/keys/query"},                                        // 53
    {"POST", "/_matrix/client/{version}/keys/signatures/upload"},                            // 54
    {"POST", "/_matrix/client/{version}/keys/upload"},                                       // 55
    {"POST", "/_matrix/client/{version}/knock/{roomIdOrAlias}"},                             // 56
    {"GET", "/_matrix/client/{version}/login"},                                              // 57
    {"POST", "/_matrix/client/{version}/login"},                                             // 58
    {"GET", "/_matrix/client/{version}/login/sso/redirect"},                                 // 59
    {"GET", "/_matrix/client/{version}/login/sso/redirect/{idpId}"},                         // 60
    {"POST", "/_matrix/client/{version}/logout"},                                            // 61
    {"POST", "/_matrix/client/{version}/logout/all"},                                        // 62
    {"GET", "/_matrix/client/{version}/notifications"},                                      // 63
    {"GET", "/_matrix/client/{version}/presence/{userId}/status"},                           // 64
    {"PUT", "/_matrix/client/{version}/presence/{userId}/status"},                           // 65
    {"GET", "/_matrix/client/{version}/profile/{userId}"},                                   // 66
    {"DELETE", "/_matrix/client/{version}/profile/{userId}/{keyName}"},                      // 67
    {"GET", "/_matrix/client/{version}/profile/{userId}/{keyName}"},                         // 68
    {"PUT", "/_matrix/client/{version}/profile/{userId}/{keyName}"},                         // 69
    {"GET", "/_matrix/client/{version}/publicRooms"},                                        // 70
    {"POST", "/_matrix/client/{version}/publicRooms"},                                       // 71
    {"GET", "/_matrix/client/{version}/pushers"},                                            // 72
    {"POST", "/_matrix/client/{version}/pushers/set"},                                       // 73
    {"GET", "/_matrix/client/{version}/pushrules"},                                          // 74
    {"DELETE", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}"},                // 75
    {"GET", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}"},                   // 76
    {"PUT", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}"},                   // 77
    {"GET", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}/actions"},           // 78
    {"PUT", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}/actions"},           // 79
    {"GET", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}/enabled"},           // 80
    {"PUT", "/_matrix/client/{version}/pushrules/global/{kind}/{ruleId}/enabled"},           // 81
    {"POST", "/_matrix/client/{version}/refresh"},                                           // 82
    {"POST", "/_matrix/client/{version}/register"},                                          // 83
    {"GET", "/_matrix/client/{version}/register/available"},                                 // 84
    {"POST", "/_matrix/client/{version}/register/email/requestToken"},                       // 85
    {"POST", "/_matrix/client/{version}/register/msisdn/requestToken"},                      // 86
    {"DELETE", "/_matrix/client/{version}/room_keys/keys"},                                  // 87
    {"GET", "/_matrix/client/{version}/room_keys/keys"},                                     // 88
    {"PUT", "/_matrix/client/{version}/room_keys/keys"},                                     // 89
    {"DELETE", "/_matrix/client/{version}/room_keys/keys/{roomId}"},                         // 90
    {"GET", "/_matrix/client/{version}/room_keys/keys/{roomId}"},                            // 91
    {"PUT", "/_matrix/client/{version}/room_keys/keys/{roomId}"},                            // 92
    {"DELETE", "/_matrix/client/{version}/room_keys/keys/{roomId}/{sessionId}"},             // 93
    {"GET", "/_matrix/client/{version}/room_keys/keys/{roomId}/{sessionId}"},                // 94
    {"PUT", "/_matrix/client/{version}/room_keys/keys/{roomId}/{sessionId}"},                // 95
    {"GET", "/_matrix/client/{version}/room_keys/version"},                                  // 96
    {"POST", "/_matrix/client/{version}/room_keys/version"},                                 // 97
    {"DELETE", "/_matrix/client/{version}/room_keys/version/{backupVersion}"},               // 98
    {"GET", "/_matrix/client/{version}/room_keys/version/{backupVersion}"},                  // 99
    {"PUT", "/_matrix/client/{version}/room_keys/version/{backupVersion}"},                  // 100
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/aliases"},                             // 101
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/ban"},                                // 102
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/context/{eventId}"},                   // 103
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/event/{eventId}"},                     // 104
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/forget"},                             // 105
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/initialSync"},                         // 106
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/invite"},                             // 107
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/join"},                               // 108
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/joined_members"},                      // 109
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/kick"},                               // 110
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/leave"},                              // 111
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/members"},                             // 112
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/messages"},                            // 113
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/read_markers"},                       // 114
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/receipt/{receiptType}/{eventId}"},    // 115
    {"PUT", "/_matrix/client/{version}/rooms/{roomId}/redact/{eventId}/{txnId}"},            // 116
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/report"},                             // 117
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/report/{eventId}"},                   // 118
    {"PUT", "/_matrix/client/{version}/rooms/{roomId}/send/{eventType}/{txnId}"},            // 119
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/state"},                               // 120
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}"},                   // 121
    {"PUT", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}"},                   // 122
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}/"},                  // 123
    {"PUT", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}/"},                  // 124
    {"GET", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}/{stateKey}"},        // 125
    {"PUT", "/_matrix/client/{version}/rooms/{roomId}/state/{eventType}/{stateKey}"},        // 126
    {"PUT", "/_matrix/client/{version}/rooms/{roomId}/typing/{userId}"},                     // 127
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/unban"},                              // 128
    {"POST", "/_matrix/client/{version}/rooms/{roomId}/upgrade"},                            // 129
    {"POST", "/_matrix/client/{version}/search"},                                            // 130
    {"PUT", "/_matrix/client/{version}/sendToDevice/{eventType}/{txnId}"},                   // 131
    {"GET", "/_matrix/client/{version}/sync"},                                               // 132
    {"GET", "/_matrix/client/{version}/thirdparty/protocol/{protocol}"},                     // 133
    {"GET", "/_matrix/client/{version}/thirdparty/protocols"},                               // 134
    {"GET", "/_matrix/client/{version}/user/{userId}/account_data/{type}"},                  // 135
    {"PUT", "/_matrix/client/{version}/user/{userId}/account_data/{type}"},                  // 136
    {"POST", "/_matrix/client/{version}/user/{userId}/filter"},                              // 137
    {"GET", "/_matrix/client/{version}/user/{userId}/filter/{filterId}"},                    // 138
    {"POST", "/_matrix/client/{version}/user/{userId}/openid/request_token"},                // 139
    {"GET", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/account_data/{type}"},   // 140
    {"PUT", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/account_data/{type}"},   // 141
    {"GET", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/tags"},                  // 142
    {"DELETE", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/tags/{tag}"},         // 143
    {"PUT", "/_matrix/client/{version}/user/{userId}/rooms/{roomId}/tags/{tag}"},            // 144
    {"POST", "/_matrix/client/{version}/user_directory/search"},                             // 145
    {"POST", "/_matrix/client/{version}/users/{userId}/report"},                             // 146
    {"GET", "/_matrix/client/{version}/voip/turnServer"},                                    // 147
};

std::string percentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~' || c == '!' || c == '$' || c == ':' ||
                 c == '@' || c == '+' || c == '=';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// A value for the named segment that reaches past the route's own validation.
std::string defaultFor(std::string_view name, const FuzzSession& s, std::uint64_t serial) {
  if (name == "roomId" || name == "roomIdOrAlias") return s.roomId;
  if (name == "userId") return s.userId;
  if (name == "deviceId") return s.deviceId;
  if (name == "eventId") return s.eventId;
  if (name == "roomAlias") return s.roomAlias;
  if (name == "txnId") return "t" + std::to_string(serial);
  if (name == "eventType" || name == "type") return "m.room.message";
  if (name == "stateKey") return "";
  if (name == "kind") return "override";
  if (name == "ruleId") return "fuzzrule";
  if (name == "keyName") return "displayname";
  if (name == "tag") return "u.fuzz";
  if (name == "filterId") return "0";
  if (name == "sessionId") return "session";
  if (name == "backupVersion") return "1";
  if (name == "receiptType") return "m.read";
  if (name == "relType") return "m.annotation";
  return "x";  // appserviceId, idpId, networkId, protocol
}

}  // namespace

std::span<const RouteTemplate> clientRouteTemplates() { return kRoutes; }

std::string expandPattern(std::string_view pattern, std::string_view version,
                          const std::vector<std::string>& args, const FuzzSession& session,
                          std::uint64_t serial) {
  std::string out;
  std::size_t next = 0;
  while (!pattern.empty()) {
    std::size_t open = pattern.find('{');
    if (open == std::string_view::npos) {
      out.append(pattern);
      break;
    }
    std::size_t close = pattern.find('}', open);
    out.append(pattern.substr(0, open));
    std::string_view name = pattern.substr(open + 1, close - open - 1);
    pattern.remove_prefix(close + 1);
    if (name == "version") {
      out.append(version);
      continue;
    }
    bool given = next < args.size() && args[next] != "_";
    out.append(percentEncode(given ? args[next] : defaultFor(name, session, serial)));
    ++next;
  }
  return out;
}

}  // namespace plexus::node::fuzz
