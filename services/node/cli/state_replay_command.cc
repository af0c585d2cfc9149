// `plexus state replay`: reads a room's PDUs (a JSON array, plain or gzip, `-` for stdin),
// replays them with libs/stateres and prints the resolved state of the forward extremities as
// {"<type>": {"<state_key>": "<event_id>"}}. A summary goes to stderr unless --quiet.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "plexus/crypto/ed25519.h"
#include "plexus/json/parse.h"
#include "plexus/stateres/replay.h"

namespace plexus::cli {

namespace {

constexpr const char* kUsage =
    "usage: plexus state replay --room-version V [--trust-event-ids] [--keys FILE] [--threads N]\n"
    "                           [--allow-missing-prev-events] [--quiet] [--progress N] FILE|-\n"
    "  FILE is a JSON array of PDUs (gzip is detected). Without --trust-event-ids event IDs are\n"
    "  computed and signatures checked with keys from --keys: {\"server\": {\"ed25519:id\": \"base64\"}}.\n";

Result<std::string> readAll(const char* path) {
  std::FILE* f = std::strcmp(path, "-") == 0 ? stdin : std::fopen(path, "rb");
  if (!f) return fail(ErrorCode::kNotFound, std::string("cannot open ") + path + ": " + std::strerror(errno));
  std::string data;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  bool bad = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (bad) return fail(ErrorCode::kUnavailable, std::string("cannot read ") + path);
  return data;
}

// Inflates gzip data (several members allowed). Errors: kNotJson for corrupt data.
Result<std::string> gunzip(std::string_view in) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return fail(ErrorCode::kInternal, "zlib init failed");
  std::string out;
  // The gzip trailer holds the inflated size mod 2^32 (of the last member): a good first guess.
  std::size_t guess = in.size() * 4;
  if (in.size() >= 18) {
    const auto* t = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
    std::size_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (std::size_t{t[3]} << 24);
    if (isize >= in.size()) guess = isize + 1;
  }
  out.resize(std::max<std::size_t>(guess, 1 << 16));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    if (produced == out.size()) out.resize(out.size() * 2);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    std::size_t room = std::min<std::size_t>(out.size() - produced, 1u << 30);
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return fail(ErrorCode::kNotJson, "corrupt or truncated gzip data");
  out.resize(produced);
  return out;
}

// Keys file: {"server_name": {"ed25519:key": "base64"}}.
Result<crypto::KeyLookup> loadKeys(const char* path) {
  PLEXUS_TRY(std::string text, readAll(path));
  PLEXUS_TRY(json::Object root, json::parseObject(text));
  auto keys = std::make_shared<std::map<std::pair<std::string, std::string>, crypto::PublicKey>>();
  for (const auto& [server, value] : root) {
    const json::Object* entries = value.getObject();
    if (!entries) return fail(ErrorCode::kBadJson, "keys of " + server + " must be an object");
    for (const auto& [keyId, keyValue] : *entries) {
      const std::string* b64 = keyValue.getString();
      auto key = b64 ? crypto::PublicKey::fromBase64(*b64) : std::nullopt;
      if (!key) return fail(ErrorCode::kBadJson, "bad key " + server + " " + keyId);
      keys->emplace(std::make_pair(server, keyId), *key);
    }
  }
  return crypto::KeyLookup([keys](std::string_view server, std::string_view keyId) -> std::optional<crypto::PublicKey> {
    auto it = keys->find(std::make_pair(std::string(server), std::string(keyId)));
    if (it == keys->end()) return std::nullopt;
    return it->second;
  });
}

int usageError(const char* message) {
  std::fprintf(stderr, "plexus state replay: %s\n%s", message, kUsage);
  return 2;
}

}  // namespace

int runStateReplay(std::span<char* const> args) {
  const char* version = nullptr;
  const char* keysPath = nullptr;
  const char* input = nullptr;
  bool quiet = false;
  stateres::ReplayOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    auto value = [&]() -> const char* { return i + 1 < args.size() ? args[++i] : nullptr; };
    if (a == "--room-version") {
      if (!(version = value())) return usageError("--room-version needs a value");
    } else if (a == "--trust-event-ids") {
      options.trustEventIds = true;
    } else if (a == "--keys") {
      if (!(keysPath = value())) return usageError("--keys needs a file");
    } else if (a == "--threads") {
      const char* v = value();
      if (!v) return usageError("--threads needs a number");
      options.threads = static_cast<unsigned>(std::strtoul(v, nullptr, 10));
    } else if (a == "--progress") {
      const char* v = value();
      if (!v) return usageError("--progress needs a number");
      options.progressEvery = std::strtoul(v, nullptr, 10);
    } else if (a == "--allow-missing-prev-events") {
      options.allowMissingPrevEvents = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!input && (a == "-" || !a.starts_with("--"))) {
      input = args[i];
    } else {
      return usageError(("unexpected argument " + std::string(a)).c_str());
    }
  }
  if (!version) return usageError("--room-version is required");
  if (!input) return usageError("no input file");
  const events::RoomVersion* roomVersion = events::findRoomVersion(version);
  if (!roomVersion) return usageError("unknown room version");
  if (!options.trustEventIds && !keysPath) return usageError("--keys is required without --trust-event-ids");

  auto start = std::chrono::steady_clock::now();
  auto fail = [](const Error& e) {
    std::fprintf(stderr, "plexus state replay: %s\n", e.message.c_str());
    return 1;
  };
  if (keysPath) {
    auto keys = loadKeys(keysPath);
    if (!keys.ok()) return fail(keys.error());
    options.keys = std::move(keys).value();
  }
  if (options.progressEvery && !quiet) {
    options.progress = [](std::size_t done, std::size_t total) {
      std::fprintf(stderr, "replayed %zu/%zu events\n", done, total);
    };
  }
  auto raw = readAll(input);
  if (!raw.ok()) return fail(raw.error());
  std::string text = std::move(raw).value();
  if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f && static_cast<unsigned char>(text[1]) == 0x8b) {
    auto inflated = gunzip(text);
    if (!inflated.ok()) return fail(inflated.error());
    text = std::move(inflated).value();
  }
  double readMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  auto pdus = stateres::loadPdus(text, *roomVersion, options);
  text = std::string();  // the parsed events own their data now
  if (!pdus.ok()) return fail(pdus.error());
  double parseMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() - readMs;
  auto result = stateres::replayRoom(std::move(pdus).value(), *roomVersion, options);
  if (!result.ok()) return fail(result.error());

  std::string out = stateres::stateToJson(result->graph, result->state);
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (!quiet) {
    const auto& s = result->stats;
    double totalMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr,
                 "replayed %zu events: %zu rejected, %zu merges resolved, %zu forward extremities; "
                 "read %.0f ms, parse %.0f ms, graph %.0f ms, replay %.0f ms, final resolution %.0f ms, "
                 "total %.0f ms\n",
                 s.events, s.rejected, s.resolutions, result->forwardExtremities.size(), readMs, parseMs,
                 s.graphMs, s.replayMs, s.finalMs, totalMs);
    for (std::size_t i = 0; i < result->rejected.size() && i < 20; ++i) {
      const auto& r = result->rejected[i];
      std::fprintf(stderr, "  rejected %s: %s\n", std::string(result->graph.eventId(r.event)).c_str(),
                   r.reason.c_str());
    }
  }
  // Freeing a large room event by event takes a tenth of a second; the process ends here, so
  // hand the memory back with the process instead (still reachable, not a leak to LSan).
  static stateres::ReplayResult* kept = nullptr;
  kept = new stateres::ReplayResult(std::move(result).value());
  (void)kept;
  return 0;
}

}  // namespace plexus::cli
