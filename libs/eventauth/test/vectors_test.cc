// Runs the data-driven auth-rule vectors in libs/eventauth/vectors/*.json. Each file has a header
// (name, source, checks) and one scenario or a "scenarios" list; a scenario has a room_version,
// a state (events) and events that must be allowed or not_allowed against that state. Every
// case is registered as its own test: Vectors/<file>.<scenario>/<allowed|not_allowed>_<n>.
//
// Event shorthand: missing room_id (the file's or scenario's "room_id", else "!room:example.org";
// for v12 the ID derived from the state's create event), origin_server_ts, depth, prev_events,
// auth_events and content get defaults; event_id is required (IDs are trusted). A case is either
// an event or {"why": text, "event": {...}, "error_contains": text}. A scenario's "state"
// replaces the file's; "extra_state" is added after it, later entries replacing earlier ones
// with the same (type, state_key).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "plexus/eventauth/event_auth.h"
#include "plexus/json/parse.h"

namespace plexus::eventauth {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string file;
  std::string versionId;
  std::string roomId;
  std::vector<json::Object> state;
  json::Object event;
  std::string why;
  std::string errorContains;
  bool allowed = true;
};

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const json::Value* member(const json::Object& o, std::string_view key) { return o.find(key); }

std::string stringMember(const json::Object& o, std::string_view key, std::string fallback = "") {
  const json::Value* v = o.find(key);
  return v != nullptr && v->isString() ? *v->getString() : fallback;
}

std::vector<json::Object> objects(const json::Object& o, std::string_view key) {
  std::vector<json::Object> out;
  if (const json::Value* v = member(o, key); v != nullptr && v->isArray()) {
    for (const json::Value& e : *v->getArray()) {
      if (e.isObject()) out.push_back(*e.getObject());
    }
  }
  return out;
}

// Fills the fields the vectors leave out.
json::Object withDefaults(json::Object event, const std::string& roomId,
                          const events::RoomVersion& version) {
  const bool v12Create =
      version.roomIdFromCreateEvent && stringMember(event, "type") == "m.room.create";
  if (!event.contains("room_id") && !v12Create) event.set("room_id", roomId);
  if (!event.contains("origin_server_ts")) event.set("origin_server_ts", 0);
  if (!event.contains("depth")) event.set("depth", 1);
  if (!event.contains("prev_events")) event.set("prev_events", json::Array{});
  if (!event.contains("auth_events")) event.set("auth_events", json::Array{});
  if (!event.contains("content")) event.set("content", json::Object{});
  return event;
}

Result<events::Pdu> toPdu(json::Object event, const std::string& roomId,
                          const events::RoomVersion& version) {
  events::PduParseOptions options;
  options.trustEventIdField = true;
  options.enforceSizeLimit = false;
  return events::Pdu::fromJson(withDefaults(std::move(event), roomId, version), version, options);
}

std::string roomIdFor(const json::Object& scenario, const json::Object& file,
                      const std::vector<json::Object>& state, const events::RoomVersion* version) {
  std::string roomId = stringMember(scenario, "room_id", stringMember(file, "room_id"));
  if (!roomId.empty()) return roomId;
  if (version != nullptr && version->roomIdFromCreateEvent) {
    for (const json::Object& e : state) {
      if (stringMember(e, "type") != "m.room.create") continue;
      const std::string eventId = stringMember(e, "event_id");
      std::string derived(1, '!');
      if (!eventId.empty()) derived.append(eventId, 1, std::string::npos);
      return derived;
    }
  }
  return "!room:example.org";
}

class VectorCase : public testing::Test {
 public:
  explicit VectorCase(Case c) : case_(std::move(c)) {}

  void TestBody() override {
    const events::RoomVersion* version = events::findRoomVersion(case_.versionId);
    ASSERT_NE(version, nullptr) << "unknown room_version " << case_.versionId;
    const std::string& roomId = case_.roomId;
    std::vector<events::Pdu> state;
    state.reserve(case_.state.size());
    for (const json::Object& e : case_.state) {
      auto pdu = toPdu(e, roomId, *version);
      ASSERT_TRUE(pdu.ok()) << "state event does not parse: " << pdu.error().message;
      state.push_back(std::move(pdu).value());
    }
    // Later state entries replace earlier ones with the same (type, state_key).
    std::vector<const events::Pdu*> pointers;
    for (const events::Pdu& p : state) {
      std::erase_if(pointers, [&p](const events::Pdu* q) {
        return q->type() == p.type() && q->stateKey() == p.stateKey();
      });
      pointers.push_back(&p);
    }
    AuthEventList authState(pointers);

    auto event = toPdu(case_.event, roomId, *version);
    ASSERT_TRUE(event.ok()) << "event does not parse: " << event.error().message;
    const Status plain = checkAuth(*event, authState);
    PowerLevelsCache cache;
    const Status cached = checkAuth(*event, authState, cache);
    EXPECT_EQ(plain.ok(), cached.ok()) << "the cached and uncached checks disagree";
    if (const events::Pdu* create = authState.find("m.room.create", "")) {
      auto levels = PowerLevels::fromState(*create, authState.find("m.room.power_levels", ""));
      if (levels.ok()) {
        EXPECT_EQ(plain.ok(), checkAuth(*event, authState, *levels).ok())
            << "the check with prebuilt power levels disagrees";
      }
    }
    if (case_.allowed) {
      EXPECT_TRUE(plain.ok()) << case_.why << "\nrejected: " << plain.error().message;
    } else {
      ASSERT_FALSE(plain.ok()) << case_.why << "\nwas allowed";
      EXPECT_EQ(plain.error().code, ErrorCode::kForbidden);
      if (!case_.errorContains.empty()) {
        EXPECT_NE(plain.error().message.find(case_.errorContains), std::string::npos)
            << case_.why << "\nrejected for another reason: " << plain.error().message;
      }
    }
  }

 private:
  Case case_;
};

Case makeCase(const json::Value& entry, bool allowed) {
  Case c;
  c.allowed = allowed;
  const json::Object* o = entry.getObject();
  if (o == nullptr) return c;
  if (const json::Value* wrapped = o->find("event"); wrapped != nullptr && wrapped->isObject()) {
    c.event = *wrapped->getObject();
    c.why = stringMember(*o, "why");
    c.errorContains = stringMember(*o, "error_contains");
  } else {
    c.event = *o;
    c.why = stringMember(*o, "event_id");
  }
  return c;
}

std::string sanitize(std::string s) {
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

void registerScenario(const std::string& fileName, const json::Object& file,
                      const json::Object& scenario, const std::string& scenarioName) {
  const std::string versionId =
      stringMember(scenario, "room_version", stringMember(file, "room_version"));
  std::vector<json::Object> state =
      scenario.contains("state") ? objects(scenario, "state") : objects(file, "state");
  for (json::Object& extra : objects(scenario, "extra_state")) state.push_back(std::move(extra));
  const std::string roomId = roomIdFor(scenario, file, state, events::findRoomVersion(versionId));

  for (bool allowed : {true, false}) {
    const json::Value* list = scenario.find(allowed ? "allowed" : "not_allowed");
    if (list == nullptr || !list->isArray()) continue;
    int index = 0;
    for (const json::Value& entry : *list->getArray()) {
      Case c = makeCase(entry, allowed);
      c.file = fileName;
      c.versionId = versionId;
      c.roomId = roomId;
      c.state = state;
      const std::string suite = "Vectors/" + sanitize(fileName) + "." + sanitize(scenarioName);
      const std::string name = std::string(allowed ? "allowed_" : "not_allowed_") +
                               std::to_string(index++) + "_" + sanitize(c.why).substr(0, 60);
      testing::RegisterTest(suite.c_str(), name.c_str(), nullptr, nullptr, __FILE__, __LINE__,
                            [c]() -> testing::Test* { return new VectorCase(c); });
    }
  }
}

// A test that fails when a vector file cannot be loaded, so a broken file is never silent.
class LoadFailure : public testing::Test {
 public:
  explicit LoadFailure(std::string message) : message_(std::move(message)) {}
  void TestBody() override { FAIL() << message_; }

 private:
  std::string message_;
};

void registerLoadFailure(const std::string& fileName, std::string message) {
  testing::RegisterTest("Vectors/LoadFailure", sanitize(fileName).c_str(), nullptr, nullptr,
                        __FILE__, __LINE__,
                        [message]() -> testing::Test* { return new LoadFailure(message); });
}

int registerAll() {
  const fs::path dir = fs::path(PLEXUS_TEST_DATA_DIR) / "vectors";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) registerLoadFailure("none", "no vector files in " + dir.string());
  for (const fs::path& path : files) {
    const std::string fileName = path.stem().string();
    json::ParseOptions options;
    options.strictIntegers = false;  // v1-v5 vectors use floats in power levels
    auto parsed = json::parseObject(readFile(path), options);
    if (!parsed.ok()) {
      registerLoadFailure(fileName, "does not parse: " + parsed.error().message);
      continue;
    }
    const json::Object& file = *parsed;
    for (const char* key : {"name", "source", "checks"}) {
      if (stringMember(file, key).empty()) {
        registerLoadFailure(fileName, std::string("header field missing: ") + key);
      }
    }
    if (const json::Value* scenarios = file.find("scenarios"); scenarios && scenarios->isArray()) {
      int index = 0;
      for (const json::Value& s : *scenarios->getArray()) {
        if (!s.isObject()) continue;
        const std::string name =
            stringMember(*s.getObject(), "name", "scenario" + std::to_string(index));
        registerScenario(fileName, file, *s.getObject(), std::to_string(index++) + "_" + name);
      }
    } else {
      registerScenario(fileName, file, file, "main");
    }
  }
  return 0;
}

const int kRegistered = registerAll();

}  // namespace
}  // namespace plexus::eventauth
