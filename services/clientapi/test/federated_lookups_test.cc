// Client requests that other servers answer through the federation sender: profiles of remote
// users, remote room aliases and remote room directories; without a federation sender they
// answer 404 as before.
#include <map>
#include <mutex>

#include "clientapi/test/room_test_fixture.h"
#include "federationsender/testing/unavailable_federation_sender.h"

namespace plexus::clientapi::roomtest {
namespace {

using namespace federationsender;

// Answers profile, directory and publicRooms queries from maps; everything else is refused.
class FakeRemoteServers final : public federationsender::testing::UnavailableFederationSender {
 public:
  std::map<std::string, json::Object> profiles;                   // user ID -> profile
  std::map<std::string, DirectoryResponse> aliases;               // alias -> answer
  std::map<std::string, json::Object> directories;                // server -> publicRooms answer
  std::vector<std::pair<std::string, json::Object>> roomQueries;  // (server, body)
  std::mutex mutex;

  Result<json::Object> queryProfile(const CallContext&, const std::string& destination,
                                    const std::string& userId,
                                    const std::optional<std::string>&) override {
    if (destination == "down.test") return fail(ErrorCode::kUnavailable, "unreachable");
    auto it = profiles.find(userId);
    if (it == profiles.end() || userId.substr(userId.find(':') + 1) != destination)
      return fail(ErrorCode::kNotFound, "no such user");
    return it->second;
  }
  Result<DirectoryResponse> queryDirectory(const CallContext&, const std::string& destination,
                                           const std::string& alias) override {
    auto it = aliases.find(alias);
    if (it == aliases.end() || alias.substr(alias.find(':') + 1) != destination)
      return fail(ErrorCode::kNotFound, "Room alias not found");
    return it->second;
  }
  Result<json::Object> queryPublicRooms(const CallContext&, const std::string& destination,
                                        const json::Object& request) override {
    std::lock_guard lock(mutex);
    roomQueries.emplace_back(destination, request);
    auto it = directories.find(destination);
    if (it == directories.end()) return fail(ErrorCode::kUnavailable, "unreachable");
    return it->second;
  }
};

class FederatedLookupsTest : public RoomApiTest {
 protected:
  void wire(ClientApiDeps& deps) override { deps.federation = &remote_; }
  FakeRemoteServers remote_;
};

TEST_F(FederatedLookupsTest, RemoteProfilesComeFromTheUsersServer) {
  TestUser alice = registerUser("alice");
  remote_.profiles["@rita:far.test"] =
      json::Object{{"displayname", "Rita"}, {"avatar_url", "mxc://far.test/abc"}};
  Reply whole =
      call("GET", "/_matrix/client/v3/profile/" + enc("@rita:far.test"), "", alice.accessToken);
  EXPECT_EQ(whole.status, 200) << whole.raw;
  EXPECT_EQ(whole.str("displayname"), "Rita");
  EXPECT_EQ(whole.str("avatar_url"), "mxc://far.test/abc");
  Reply name = call("GET", "/_matrix/client/v3/profile/" + enc("@rita:far.test") + "/displayname",
                    "", alice.accessToken);
  EXPECT_EQ(name.status, 200) << name.raw;
  EXPECT_EQ(name.str("displayname"), "Rita");

  Reply unknown =
      call("GET", "/_matrix/client/v3/profile/" + enc("@nobody:far.test"), "", alice.accessToken);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.errcode(), "M_NOT_FOUND");
  Reply down =
      call("GET", "/_matrix/client/v3/profile/" + enc("@x:down.test"), "", alice.accessToken);
  EXPECT_EQ(down.status, 503) << down.raw;
}

TEST_F(FederatedLookupsTest, RemoteAliasesAreAskedOfTheirServer) {
  remote_.aliases["#lobby:far.test"] = DirectoryResponse{"!lobby:far.test", {"far.test", "b.test"}};
  Reply found = call("GET", "/_matrix/client/v3/directory/room/" + enc("#lobby:far.test"));
  ASSERT_EQ(found.status, 200) << found.raw;
  EXPECT_EQ(found.str("room_id"), "!lobby:far.test");
  const json::Value* servers = found.get("servers");
  ASSERT_TRUE(servers && servers->isArray());
  EXPECT_EQ(servers->getArray()->size(), 2u);
  Reply missing = call("GET", "/_matrix/client/v3/directory/room/" + enc("#none:far.test"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.errcode(), "M_NOT_FOUND");
}

TEST_F(FederatedLookupsTest, RemoteDirectoriesForwardTheQuery) {
  TestUser alice = registerUser("alice");
  remote_.directories["far.test"] =
      json::Object{{"chunk", json::Array{json::Object{{"room_id", "!a:far.test"},
                                                      {"num_joined_members", 3},
                                                      {"world_readable", false},
                                                      {"guest_can_join", false}}}},
                   {"total_room_count_estimate", 1}};
  Reply get = call("GET", "/_matrix/client/v3/publicRooms?server=far.test&limit=5");
  ASSERT_EQ(get.status, 200) << get.raw;
  const json::Value* chunk = get.get("chunk");
  ASSERT_TRUE(chunk && chunk->isArray());
  ASSERT_EQ(chunk->getArray()->size(), 1u);
  Reply post = call("POST", "/_matrix/client/v3/publicRooms?server=far.test",
                    R"({"limit":2,"filter":{"generic_search_term":"chess"}})", alice.accessToken);
  ASSERT_EQ(post.status, 200) << post.raw;
  ASSERT_EQ(remote_.roomQueries.size(), 2u);
  EXPECT_EQ(remote_.roomQueries[0].first, "far.test");
  EXPECT_EQ(toText(remote_.roomQueries[0].second), R"({"limit":5})");
  EXPECT_EQ(toText(remote_.roomQueries[1].second),
            R"({"filter":{"generic_search_term":"chess"},"limit":2})");
  Reply down = call("GET", "/_matrix/client/v3/publicRooms?server=gone.test");
  EXPECT_EQ(down.status, 503) << down.raw;
}

class NoFederationLookupsTest : public RoomApiTest {};

TEST_F(NoFederationLookupsTest, WithoutFederationRemoteLookupsAreNotFound) {
  TestUser alice = registerUser("alice");
  Reply profile =
      call("GET", "/_matrix/client/v3/profile/" + enc("@rita:far.test"), "", alice.accessToken);
  EXPECT_EQ(profile.status, 404);
  Reply alias = call("GET", "/_matrix/client/v3/directory/room/" + enc("#lobby:far.test"));
  EXPECT_EQ(alias.status, 404);
  Reply rooms = call("GET", "/_matrix/client/v3/publicRooms?server=far.test");
  EXPECT_EQ(rooms.status, 404);
}

}  // namespace
}  // namespace plexus::clientapi::roomtest
