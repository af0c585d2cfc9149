// Parsing and validating PDUs (spec: server-server API "PDUs" and the event format of each room
// version: rooms/v1.md "Event format", rooms/fragments/v4-, v6-, v11-, v12-event-format.md,
// v6-canonical-json.md), and the Pdu accessors.
#include "plexus/events/pdu.h"

#include "plexus/events/event_hashing.h"
#include "plexus/json/canonical.h"
#include "plexus/json/parse.h"

namespace plexus::events {
namespace {

Unexpected badJson(std::string_view field, std::string_view problem) {
  return fail(ErrorCode::kBadJson, "PDU field '" + std::string(field) + "' " + std::string(problem));
}

const std::string* stringField(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  return v ? v->getString() : nullptr;
}

Status requireString(const json::Object& o, std::string_view key) {
  const json::Value* v = o.find(key);
  if (!v) return badJson(key, "is missing");
  if (!v->isString()) return badJson(key, "must be a string");
  return {};
}

Status optionalOfType(const json::Object& o, std::string_view key, json::Type type,
                      std::string_view what) {
  const json::Value* v = o.find(key);
  if (v && v->type() != type) return badJson(key, std::string("must be ") + std::string(what));
  return {};
}

Status requireOfType(const json::Object& o, std::string_view key, json::Type type,
                     std::string_view what) {
  if (!o.contains(key)) return badJson(key, "is missing");
  return optionalOfType(o, key, type, what);
}

// One entry of prev_events / auth_events: an event ID (v3+), or [event ID, {hashes}] (v1-v2).
bool isPairReference(const json::Value& v) {
  const json::Array* pair = v.getArray();
  return pair && pair->size() == 2 && (*pair)[0].isString() && (*pair)[1].isObject();
}

Status checkReferences(const json::Object& o, std::string_view key, const RoomVersion& version,
                       bool lenientShape) {
  const json::Value* v = o.find(key);
  if (!v) return badJson(key, "is missing");
  const json::Array* entries = v->getArray();
  if (!entries) return badJson(key, "must be an array");
  for (const json::Value& entry : *entries) {
    bool ok = version.eventIdsInEvents ? isPairReference(entry) : entry.isString();
    // Hand-written graphs (trusted IDs) may use either shape in any version.
    if (!ok && lenientShape) ok = entry.isString() || isPairReference(entry);
    if (!ok) {
      return badJson(key, version.eventIdsInEvents ? "entries must be [event_id, {hashes}] pairs"
                                                   : "entries must be event ID strings");
    }
  }
  return {};
}

bool isCreateWithoutRoomId(const json::Object& o, const RoomVersion& version) {
  const std::string* type = stringField(o, "type");
  return version.roomIdFromCreateEvent && type && *type == "m.room.create" && !o.contains("room_id");
}

Status validateShape(const json::Object& o, const RoomVersion& version,
                     const PduParseOptions& options) {
  PLEXUS_TRY_VOID(requireString(o, "type"));
  PLEXUS_TRY_VOID(requireString(o, "sender"));
  const std::string& sender = *stringField(o, "sender");
  if (sender.size() < 3 || sender[0] != '@' || sender.find(':') == std::string::npos) {
    return badJson("sender", "must be a user ID (@localpart:server)");
  }
  // SPEC: rooms/v12 auth rule 1.2 rejects a create event that has a room_id; that is the auth
  // rules' job, so a present room_id is only type-checked here.
  if (!isCreateWithoutRoomId(o, version)) PLEXUS_TRY_VOID(requireString(o, "room_id"));
  PLEXUS_TRY_VOID(requireOfType(o, "content", json::Type::kObject, "an object"));
  PLEXUS_TRY_VOID(requireOfType(o, "origin_server_ts", json::Type::kInt, "an integer"));
  PLEXUS_TRY_VOID(requireOfType(o, "depth", json::Type::kInt, "an integer"));
  PLEXUS_TRY_VOID(checkReferences(o, "prev_events", version, options.trustEventIdField));
  PLEXUS_TRY_VOID(checkReferences(o, "auth_events", version, options.trustEventIdField));
  if (options.trustEventIdField) {
    // Hand-written graphs carry no hashes; they are never checked against them.
    PLEXUS_TRY_VOID(optionalOfType(o, "hashes", json::Type::kObject, "an object"));
  } else {
    PLEXUS_TRY_VOID(requireOfType(o, "hashes", json::Type::kObject, "an object"));
  }
  PLEXUS_TRY_VOID(optionalOfType(o, "signatures", json::Type::kObject, "an object"));
  PLEXUS_TRY_VOID(optionalOfType(o, "unsigned", json::Type::kObject, "an object"));
  PLEXUS_TRY_VOID(optionalOfType(o, "state_key", json::Type::kString, "a string"));
  if (!version.updatedRedactionRules) {
    PLEXUS_TRY_VOID(optionalOfType(o, "redacts", json::Type::kString, "a string"));
  }
  return {};
}

std::vector<std::string_view> referenceIds(const json::Object& o, std::string_view key) {
  std::vector<std::string_view> ids;
  const json::Value* v = o.find(key);
  const json::Array* entries = v ? v->getArray() : nullptr;
  if (!entries) return ids;
  ids.reserve(entries->size());
  for (const json::Value& entry : *entries) {
    if (const std::string* id = entry.getString()) {
      ids.emplace_back(*id);
    } else if (const json::Array* pair = entry.getArray(); pair && !pair->empty()) {
      if (const std::string* pairId = (*pair)[0].getString()) ids.emplace_back(*pairId);
    }
  }
  return ids;
}

std::string_view stringOrEmpty(const json::Object& o, std::string_view key) {
  const std::string* s = stringField(o, key);
  return s ? std::string_view(*s) : std::string_view();
}

}  // namespace

Pdu::Pdu(json::Object object, const RoomVersion& version, std::string eventId)
    : json_(std::move(object)), version_(&version), eventId_(std::move(eventId)) {}

Result<Pdu> Pdu::parse(std::string_view text, const RoomVersion& version,
                       const PduParseOptions& options) {
  // SPEC: rooms/fragments/v6-canonical-json.md: from v6 floats and integers outside
  // [-(2^53)+1, 2^53-1] make the event invalid. Earlier versions accept them.
  json::ParseOptions parseOptions;
  parseOptions.strictIntegers = version.strictCanonicalJson;
  auto parsed = json::parseObject(text, parseOptions);
  if (!parsed.ok()) return std::move(parsed).takeError();
  PduParseOptions effective = options;
  // With strict integers the canonical form is never longer than the text (it only drops
  // whitespace and turns escapes into shorter or equal forms), so a text within the limit needs
  // no second serialization to measure. Floats (v1-v5) can grow ("1e9" -> "1000000000").
  if (version.strictCanonicalJson && text.size() <= kMaxPduBytes) effective.enforceSizeLimit = false;
  return fromJson(std::move(parsed).value(), version, effective);
}

Result<Pdu> Pdu::fromJson(json::Object object, const RoomVersion& version,
                          const PduParseOptions& options) {
  PLEXUS_TRY_VOID(validateShape(object, version, options));
  if (options.enforceSizeLimit) {
    // SPEC: server-server API "Size limits": the whole event in canonical JSON, signatures
    // included, must not exceed 65,536 bytes.
    std::string bytes;
    bytes.reserve(4096);
    json::writeCanonical(object, bytes);
    if (bytes.size() > kMaxPduBytes) {
      return fail(ErrorCode::kTooLarge, "PDU is " + std::to_string(bytes.size()) +
                                            " bytes of canonical JSON; the limit is 65536");
    }
  }

  std::string eventId;
  if (options.trustEventIdField) {
    const std::string* id = stringField(object, "event_id");
    if (!id || id->empty() || (*id)[0] != '$') {
      return badJson("event_id", "must be a string starting with '$' when event IDs are trusted");
    }
    eventId = *id;
  } else {
    // NOTSPEC: from v3 an `event_id` field is not part of the format; it is dropped on receipt
    // so that json() holds what the sender hashed and signed.
    if (!version.eventIdsInEvents) object.erase("event_id");
    PLEXUS_TRY(eventId, computeEventId(object, version));
  }

  bool derivedRoomId = isCreateWithoutRoomId(object, version);
  Pdu pdu(std::move(object), version, std::move(eventId));
  // SPEC: rooms/v12 (MSC4291): the room ID is the create event's ID with the sigil "!".
  if (derivedRoomId) {
    pdu.roomIdFromCreate_.reserve(pdu.eventId_.size());
    pdu.roomIdFromCreate_.push_back('!');
    pdu.roomIdFromCreate_.append(pdu.eventId_, 1);
  }
  return pdu;
}

std::string_view Pdu::roomId() const {
  if (!roomIdFromCreate_.empty()) return roomIdFromCreate_;
  return stringOrEmpty(json_, "room_id");
}

std::string_view Pdu::type() const { return stringOrEmpty(json_, "type"); }

std::string_view Pdu::sender() const { return stringOrEmpty(json_, "sender"); }

std::optional<std::string_view> Pdu::stateKey() const {
  const std::string* key = stringField(json_, "state_key");
  if (!key) return std::nullopt;
  return std::string_view(*key);
}

std::int64_t Pdu::originServerTs() const {
  const json::Value* v = json_.find("origin_server_ts");
  return v ? v->getInt().value_or(0) : 0;
}

std::int64_t Pdu::depth() const {
  const json::Value* v = json_.find("depth");
  return v ? v->getInt().value_or(0) : 0;
}

const json::Object& Pdu::content() const {
  static const json::Object kEmpty;
  const json::Value* v = json_.find("content");
  const json::Object* o = v ? v->getObject() : nullptr;
  return o ? *o : kEmpty;
}

std::vector<std::string_view> Pdu::prevEvents() const { return referenceIds(json_, "prev_events"); }

std::vector<std::string_view> Pdu::authEvents() const { return referenceIds(json_, "auth_events"); }

std::optional<std::string_view> Pdu::redacts() const {
  if (type() != "m.room.redaction") return std::nullopt;
  // SPEC: rooms/v11 "Moving the redacts property ... to a content property".
  const json::Object& where = version_->updatedRedactionRules ? content() : json_;
  const std::string* id = stringField(where, "redacts");
  if (!id) return std::nullopt;
  return std::string_view(*id);
}

std::optional<std::string_view> Pdu::membership() const {
  if (type() != "m.room.member") return std::nullopt;
  const std::string* m = stringField(content(), "membership");
  if (!m) return std::nullopt;
  return std::string_view(*m);
}

std::string Pdu::canonicalJson() const { return json::canonical(json_); }

void Pdu::dropVerificationFields() {
  json_.erase("signatures");
  json_.erase("hashes");
  json_.erase("unsigned");
}

}  // namespace plexus::events
