// Setup steps shared by the modes: running many requests with bounded concurrency (one
// connection per worker), registering users, creating rooms.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "context.h"
#include "http_connection.h"
#include "matrix_client.h"

namespace plexus::loadgen {

using IndexedTask = std::function<boost::asio::awaitable<bool>(HttpConnection&, int index)>;

// Runs task(conn, i) for i in [0, count) on `concurrency` workers, each with its own keep-alive
// connection. Stops handing out work after the first failure. True when every task succeeded.
boost::asio::awaitable<bool> forEachConcurrent(Context& ctx, int count, int concurrency,
                                               IndexedTask task);

// Registers `count` users named <prefix>-<tag>-<i>. Nullopt (with a message on stderr) on error.
boost::asio::awaitable<std::optional<std::vector<Account>>> registerUsers(Context& ctx, int count,
                                                                         const std::string& tag);

// Prints "<what>: <error>" to stderr.
void reportError(const std::string& what, const std::string& error);

}  // namespace plexus::loadgen
