// What the node tests share: a fresh directory per test, a node config whose data lives there
// and whose client API listens on a free loopback port, and reading a gRPC call counter from a
// node's /metrics.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>

#include "plexus/config/config.h"
#include "plexus/http/client.h"

namespace plexus::node::testing {

// <tmp>/<prefix><pid>_<test name>, emptied.
inline std::filesystem::path freshTestDir(const std::string& prefix) {
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Defaults with the server name, <dir>/data as data dir (created) and the client API on
// 127.0.0.1:0.
inline config::Config testNodeConfig(const std::filesystem::path& dir,
                                     const std::string& serverName) {
  config::Config config = config::Config::defaults();
  config.global.serverName = serverName;
  config.global.dataDir = (dir / "data").string();
  std::filesystem::create_directories(config.global.dataDir);
  config.clientApi.listen = "127.0.0.1:0";
  return config;
}

// Successful gRPC calls this node made to `method` of `service` (e.g. "QueryPushers",
// "plexus.accountsync.v1.AccountSyncService"), from its /metrics; -1 when unreadable.
inline double grpcClientCallsOk(std::uint16_t metricsPort, std::string_view method,
                                std::string_view service) {
  http::Client client("127.0.0.1", metricsPort);
  auto response = client.get("/metrics");
  EXPECT_TRUE(response.ok());
  if (!response.ok()) return -1;
  std::string series = R"(plexus_grpc_client_handled_total{code="OK",method=")";
  series.append(method).append(R"(",service=")").append(service).append("\"} ");
  std::istringstream lines(response->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series, 0) == 0) return std::stod(line.substr(series.size()));
  }
  return 0;
}

}  // namespace plexus::node::testing
