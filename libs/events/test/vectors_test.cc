// The one driver for the data files in libs/events/vectors/*.test. Each file starts with a
// header of '#' lines (name, source, what it checks); then records: a directive line, the input
// (one or more lines), "----", and the expected result (lines up to a blank line).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "plexus/crypto/base64.h"
#include "plexus/crypto/ed25519.h"
#include "plexus/events/event_hashing.h"
#include "plexus/events/event_signing.h"
#include "plexus/events/redaction.h"
#include "plexus/events/room_version.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::events {
namespace {

struct Record {
  int line = 0;
  std::vector<std::string> directive;  // the directive line split on spaces
  std::string input;
  std::string expected;
};

std::vector<std::string> splitWords(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string vectorPath(const std::string& name) {
  return std::string(PLEXUS_TEST_DATA_DIR) + "/vectors/" + name;
}

std::vector<Record> readRecords(const std::string& name) {
  std::ifstream in(vectorPath(name));
  EXPECT_TRUE(in) << "cannot open " << vectorPath(name);
  std::vector<Record> records;
  enum { kBetween, kInput, kExpected } state = kBetween;
  int lineNo = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineNo;
    if (state == kBetween) {
      if (line.empty() || line[0] == '#') continue;
      records.push_back(Record{lineNo, splitWords(line), "", ""});
      // A `key` directive has no body.
      state = records.back().directive[0] == "key" ? kBetween : kInput;
    } else if (state == kInput) {
      if (line == "----") {
        state = kExpected;
      } else {
        records.back().input += line + "\n";
      }
    } else {
      if (line.empty()) {
        state = kBetween;
      } else {
        records.back().expected += (records.back().expected.empty() ? "" : "\n") + line;
      }
    }
  }
  return records;
}

json::Object parseObject(const std::string& text, int line) {
  auto parsed = json::parseObject(text, json::ParseOptions{.strictIntegers = true});
  EXPECT_TRUE(parsed.ok()) << "line " << line << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : json::Object();
}

const RoomVersion& versionOf(const Record& r) {
  const RoomVersion* v = r.directive.size() > 1 ? findRoomVersion(r.directive[1]) : nullptr;
  EXPECT_NE(v, nullptr) << "line " << r.line << ": bad room version";
  return v ? *v : defaultRoomVersion();
}

std::string canonicalOf(const std::string& text, int line) {
  return json::canonical(parseObject(text, line));
}

TEST(EventVectorsTest, RedactionMatchesEveryRuleSet) {
  int cases = 0;
  for (const Record& r : readRecords("redaction.test")) {
    SCOPED_TRACE("redaction.test line " + std::to_string(r.line));
    ASSERT_EQ(r.directive[0], "redact");
    json::Object redacted = redact(parseObject(r.input, r.line), versionOf(r));
    EXPECT_EQ(json::canonical(redacted), canonicalOf(r.expected, r.line));
    ++cases;
  }
  EXPECT_GE(cases, 20);
}

TEST(EventVectorsTest, EventIdsMatchIndependentlyComputedHashes) {
  int cases = 0;
  for (const Record& r : readRecords("event_ids.test")) {
    SCOPED_TRACE("event_ids.test line " + std::to_string(r.line));
    const RoomVersion& version = versionOf(r);
    auto first = computeEventId(parseObject(r.input, r.line), version);
    ASSERT_TRUE(first.ok()) << first.error().message;
    const std::string& kind = r.directive[0];
    if (kind == "event-id") {
      EXPECT_EQ(*first, r.expected);
    } else {
      auto second = computeEventId(parseObject(r.expected, r.line), version);
      ASSERT_TRUE(second.ok()) << second.error().message;
      if (kind == "same-event-id") {
        EXPECT_EQ(*first, *second);
      } else {
        ASSERT_EQ(kind, "different-event-id");
        EXPECT_NE(*first, *second);
      }
    }
    ++cases;
  }
  EXPECT_GE(cases, 10);
}

TEST(EventVectorsTest, SigningMatchesSpecAppendixAndRejectsTampering) {
  std::optional<crypto::SigningKey> key;
  std::string server;
  std::string keyId;
  auto lookup = [&](std::string_view entity, std::string_view id) -> std::optional<crypto::PublicKey> {
    if (key && entity == server && id == keyId) return key->publicKey();
    return std::nullopt;
  };
  int cases = 0;
  for (const Record& r : readRecords("event_signing.test")) {
    SCOPED_TRACE("event_signing.test line " + std::to_string(r.line));
    const std::string& kind = r.directive[0];
    if (kind == "key") {
      ASSERT_EQ(r.directive.size(), 4u);
      key = crypto::SigningKey::fromSeedBase64(r.directive[1]);
      ASSERT_TRUE(key.has_value());
      server = r.directive[2];
      keyId = r.directive[3];
      continue;
    }
    json::Object event = parseObject(r.input, r.line);
    if (kind == "content-hash") {
      EXPECT_EQ(crypto::encodeBase64(computeContentHash(event)), r.expected);
    } else if (kind == "sign") {
      ASSERT_TRUE(key.has_value());
      hashAndSignEvent(event, server, keyId, *key, versionOf(r));
      EXPECT_EQ(json::canonical(event), canonicalOf(r.expected, r.line));
      EXPECT_TRUE(verifyEventSignatures(event, versionOf(r), lookup).ok());
    } else {
      ASSERT_EQ(kind, "verify");
      Status status = verifyEventSignatures(event, versionOf(r), lookup);
      std::string outcome;
      if (!status.ok()) {
        EXPECT_EQ(status.error().code, ErrorCode::kInvalidSignature);
        outcome = "invalid-signature";
      } else {
        outcome = contentHashMatches(event) ? "ok" : "redaction-needed";
      }
      EXPECT_EQ(outcome, r.expected);
    }
    ++cases;
  }
  EXPECT_GE(cases, 15);
}

TEST(EventVectorsTest, EveryVectorFileHasAHeaderAndADriver) {
  const std::set<std::string> driven = {"redaction.test", "event_ids.test", "event_signing.test"};
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(vectorPath(""))) {
    std::string name = entry.path().filename().string();
    EXPECT_TRUE(driven.count(name)) << name << " is not run by any test";
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first.rfind("# name:", 0), 0u) << name << " lacks its header";
    ++files;
  }
  EXPECT_EQ(files, 3);
}

}  // namespace
}  // namespace plexus::events
