// Test-only tool: writes the signed room of signed_room_generator.h and its keys to a directory
// for replay_keys_cli.sh. Files: room.json (the PDUs), keys.json (both servers),
// keys_a_only.json (b.example missing), expected.json and expected_without_b.json (the states
// `plexus state replay` must print with each keys file).
// Usage: plexus_signed_room_dump ROOM_VERSION DIR
#include <cstdio>
#include <exception>
#include <string>

#include "plexus/events/room_version.h"
#include "signed_room_generator.h"

namespace {

bool writeFile(const std::string& path, const std::string& data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace plexus::stateres::testing;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s ROOM_VERSION DIR\n", argv[0]);
    return 2;
  }
  const plexus::events::RoomVersion* version = plexus::events::findRoomVersion(argv[1]);
  if (!version) {
    std::fprintf(stderr, "unknown room version %s\n", argv[1]);
    return 2;
  }
  try {
    std::vector<SignedRoomServer> servers = defaultServers();
    SignedRoom room = generateSignedRoom(*version, servers);
    std::string dir = argv[2];
    bool ok = writeFile(dir + "/room.json", roomToJson(room.events)) &&
              writeFile(dir + "/keys.json", keysToJson(servers)) &&
              writeFile(dir + "/keys_a_only.json", keysToJson({servers[0]})) &&
              writeFile(dir + "/expected.json", room.stateJson(room.expectedState) + "\n") &&
              writeFile(dir + "/expected_without_b.json", room.stateJson(room.expectedStateWithoutB) + "\n");
    if (!ok) {
      std::fprintf(stderr, "cannot write to %s\n", dir.c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
