// Driver for the hand-written state resolution cases in libs/stateres/vectors/*.vector. A file
// is a header of `# key: value` lines (name, source, checks, room_version) followed by a JSON
// object: {"events": [PDUs with event_id fields], "expected_state": {type: {state_key: id}},
// "rejected": [IDs]}. Each case is replayed and must give exactly that state and those
// rejections.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"
#include "plexus/stateres/replay.h"

namespace plexus::stateres {
namespace {

struct Vector {
  std::string file;
  std::string roomVersion;
  std::string body;
};

std::vector<Vector> loadVectors() {
  std::vector<Vector> out;
  std::filesystem::path dir = std::filesystem::path(PLEXUS_TEST_DATA_DIR) / "vectors";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".vector") continue;
    std::ifstream in(entry.path());
    Vector v{entry.path().filename().string(), "", ""};
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("#")) {
        if (line.starts_with("# room_version: ")) v.roomVersion = line.substr(16);
        continue;
      }
      v.body += line + "\n";
    }
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const Vector& a, const Vector& b) { return a.file < b.file; });
  return out;
}

void PrintTo(const Vector& v, std::ostream* os) { *os << v.file; }

class StateResVectorTest : public testing::TestWithParam<Vector> {};

TEST_P(StateResVectorTest, ReplayGivesExpectedStateAndRejections) {
  const Vector& v = GetParam();
  const events::RoomVersion* version = events::findRoomVersion(v.roomVersion);
  ASSERT_NE(version, nullptr) << v.file << ": room_version header";
  auto body = json::parseObject(v.body);
  ASSERT_TRUE(body.ok()) << v.file << ": " << body.error().message;
  const json::Value* events = body->find("events");
  const json::Value* expected = body->find("expected_state");
  const json::Value* rejected = body->find("rejected");
  ASSERT_TRUE(events && expected && rejected) << v.file;

  ReplayOptions options;
  options.trustEventIds = true;
  options.threads = 1;
  auto result = replayRoomJson(json::canonical(*events), *version, options);
  ASSERT_TRUE(result.ok()) << v.file << ": " << result.error().message;
  EXPECT_EQ(stateToJson(result->graph, result->state), json::canonical(*expected)) << v.file;

  std::vector<std::string> gotRejected, wantRejected;
  for (const RejectedEvent& r : result->rejected) gotRejected.emplace_back(result->graph.eventId(r.event));
  for (const json::Value& id : *rejected->getArray()) wantRejected.push_back(*id.getString());
  std::sort(gotRejected.begin(), gotRejected.end());
  std::sort(wantRejected.begin(), wantRejected.end());
  std::string reasons;
  for (const RejectedEvent& r : result->rejected) {
    reasons += std::string(result->graph.eventId(r.event)) + ": " + r.reason + "\n";
  }
  EXPECT_EQ(gotRejected, wantRejected) << v.file << "\n" << reasons;
}

INSTANTIATE_TEST_SUITE_P(Vectors, StateResVectorTest, testing::ValuesIn(loadVectors()),
                         [](const testing::TestParamInfo<Vector>& param) {
                           std::string name = param.param.file.substr(0, param.param.file.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace plexus::stateres
