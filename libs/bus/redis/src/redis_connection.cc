// RedisStreamsBus::Connection: hiredis's synchronous API with socket timeouts.
#include "redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace plexus::bus {
namespace {

timeval toTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

detail::RedisReply convert(const redisReply& r) {
  detail::RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = detail::RedisReply::Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = detail::RedisReply::Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = detail::RedisReply::Type::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = detail::RedisReply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = detail::RedisReply::Type::kArray;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default:
      out.type = detail::RedisReply::Type::kNil;
      break;
  }
  return out;
}

Error ioError(const redisContext* c, std::string_view what) {
  std::string message = "redis: " + std::string(what);
  if (c && c->err) message += std::string(": ") + c->errstr;
  return makeError(ErrorCode::kUnavailable, std::move(message));
}

}  // namespace

bool detail::RedisReply::isError(std::string_view code) const {
  if (type != Type::kError || str.size() < code.size()) return false;
  return str.compare(0, code.size(), code) == 0 &&
         (str.size() == code.size() || str[code.size()] == ' ');
}

Result<std::unique_ptr<RedisStreamsBus::Connection>> RedisStreamsBus::Connection::open(
    const RedisOptions& options, std::chrono::milliseconds extraReadTime) {
  redisContext* c = redisConnectWithTimeout(options.host.c_str(), options.port,
                                            toTimeval(options.connectTimeout));
  if (!c) return fail(ErrorCode::kUnavailable, "redis: out of memory");
  std::unique_ptr<Connection> conn(new Connection(c));
  if (c->err) return ioError(c, "connect to " + options.host + ":" + std::to_string(options.port));
  if (redisSetTimeout(c, toTimeval(options.commandTimeout + extraReadTime)) != REDIS_OK) {
    return ioError(c, "set timeout");
  }
  if (!options.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!options.username.empty()) auth.push_back(options.username);
    auth.push_back(options.password);
    PLEXUS_TRY(detail::RedisReply reply, conn->command(auth));
    // A wrong password is a configuration error, but it shows as "Redis is unavailable": the
    // caller keeps retrying, which is right if the password is rotated on the server first.
    if (reply.type == detail::RedisReply::Type::kError) {
      return fail(ErrorCode::kUnavailable, "redis: AUTH failed: " + reply.str);
    }
  }
  if (options.db != 0) {
    std::string db = std::to_string(options.db);
    PLEXUS_TRY(detail::RedisReply reply, conn->command({"SELECT", db}));
    if (reply.type == detail::RedisReply::Type::kError) {
      return fail(ErrorCode::kUnavailable, "redis: SELECT failed: " + reply.str);
    }
  }
  return conn;
}

RedisStreamsBus::Connection::~Connection() { redisFree(context_); }

Result<detail::RedisReply> RedisStreamsBus::Connection::command(
    const std::vector<std::string_view>& args) {
  if (context_->err) return ioError(context_, "connection broken");
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (!reply) return ioError(context_, std::string(args.empty() ? "" : args.front()));
  detail::RedisReply out = convert(*reply);
  freeReplyObject(reply);
  return out;
}

void RedisStreamsBus::Connection::interrupt() {
  // The descriptor stays open until the owner frees the context, so this never hits another
  // file that reused the number.
  ::shutdown(context_->fd, SHUT_RDWR);
}

}  // namespace plexus::bus
