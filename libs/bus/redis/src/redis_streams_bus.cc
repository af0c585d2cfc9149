// RedisStreamsBus: publishing (XADD), stream keys and offsets, consumer names.
#include "plexus/bus/redis_streams_bus.h"

#include <unistd.h>

#include <charconv>

#include "redis_connection.h"

namespace plexus::bus {
namespace {

std::string defaultConsumerName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') host[0] = '?';
  return std::string(host) + "-" + std::to_string(getpid());
}

}  // namespace

RedisStreamsBus::RedisStreamsBus(Options options) : options_(std::move(options)) {
  if (options_.consumerName.empty()) options_.consumerName = defaultConsumerName();
}

RedisStreamsBus::~RedisStreamsBus() = default;

std::string RedisStreamsBus::streamKey(std::string_view topic) {
  return "plexus:" + std::string(topic);
}

std::uint64_t RedisStreamsBus::offsetOf(std::string_view entryId) {
  constexpr std::uint64_t kSeqBits = 20;
  auto dash = entryId.find('-');
  if (dash == std::string_view::npos) return 0;
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;
  const char* end = entryId.data() + entryId.size();
  auto a = std::from_chars(entryId.data(), entryId.data() + dash, ms);
  auto b = std::from_chars(entryId.data() + dash + 1, end, seq);
  if (a.ec != std::errc() || a.ptr != entryId.data() + dash || b.ec != std::errc() ||
      b.ptr != end || ms >= (std::uint64_t{1} << (64 - kSeqBits))) {
    return 0;
  }
  return (ms << kSeqBits) | std::min(seq, (std::uint64_t{1} << kSeqBits) - 1);
}

Result<std::uint64_t> RedisStreamsBus::publish(std::string_view topic, std::string_view key,
                                               std::string payload) {
  std::string stream = streamKey(topic);
  std::string maxLen = std::to_string(options_.maxLen);
  std::vector<std::string_view> args{"XADD", stream};
  if (options_.maxLen > 0) args.insert(args.end(), {"MAXLEN", "~", maxLen});
  args.insert(args.end(), {"*", "key", key, "payload", payload});

  std::lock_guard lock(publishMutex_);
  // A kept connection may have died since its last use (Redis restarted): then one retry on a
  // fresh connection. A fresh connection that fails means Redis is down.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = !publisher_;
    if (fresh) {
      auto opened = Connection::open(options_.redis, std::chrono::milliseconds(0));
      if (!opened.ok()) return std::move(opened).takeError();
      publisher_ = std::move(*opened);
    }
    auto reply = publisher_->command(args);
    if (!reply.ok()) {
      publisher_.reset();
      if (fresh) return std::move(reply).takeError();
      continue;
    }
    if (reply->type != detail::RedisReply::Type::kString) {
      return fail(ErrorCode::kInternal, "redis: XADD " + stream + ": " + reply->str);
    }
    return offsetOf(reply->str);
  }
  return fail(ErrorCode::kUnavailable, "redis: XADD " + stream + ": connection lost");
}

void RedisStreamsBus::detach(const std::string& topicGroup, int member) {
  std::lock_guard lock(mutex_);
  auto it = members_.find(topicGroup);
  if (it == members_.end()) return;
  it->second.erase(member);
  if (it->second.empty()) members_.erase(it);
}

}  // namespace plexus::bus
