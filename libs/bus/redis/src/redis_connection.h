// One blocking hiredis connection of the RedisStreamsBus, with replies copied into plain values
// so that nothing else includes hiredis. Not thread-safe, except interrupt().
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plexus/bus/redis_streams_bus.h"

struct redisContext;

namespace plexus::bus {
namespace detail {

struct RedisReply {
  enum class Type { kNil, kString, kStatus, kError, kInteger, kArray };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray

  // True for an error reply whose code (first word) is `code`, e.g. "BUSYGROUP".
  bool isError(std::string_view code) const;
};

}  // namespace detail

class RedisStreamsBus::Connection {
 public:
  // Connects, authenticates and selects the database. `extraReadTime` is added to the command
  // timeout (a blocking read waits that much longer). kUnavailable when Redis cannot be reached.
  static Result<std::unique_ptr<Connection>> open(const RedisOptions& options,
                                                  std::chrono::milliseconds extraReadTime);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command and waits for its reply. Error replies are values (RedisReply::kError);
  // an I/O error or timeout returns kUnavailable and leaves the connection unusable.
  Result<detail::RedisReply> command(const std::vector<std::string_view>& args);

  // Makes a command blocked in another thread return at once (with kUnavailable).
  void interrupt();

 private:
  explicit Connection(redisContext* context) : context_(context) {}
  redisContext* context_;
};

}  // namespace plexus::bus
