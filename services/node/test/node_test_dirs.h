// What the node tests share: a fresh directory per test, and a node config whose data lives
// there and whose client API listens on a free loopback port.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "plexus/config/config.h"

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

}  // namespace plexus::node::testing
