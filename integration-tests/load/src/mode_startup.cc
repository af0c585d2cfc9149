// startup: time from spawning a node to its first answered request, measured from outside the
// node (exec, dynamic loading, migrations and the listener all count). Blocking sockets: there
// is nothing else to do meanwhile.
#include "mode_startup.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "rss_sampler.h"

extern char** environ;

namespace plexus::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

// One GET /_matrix/client/versions; true on a 200 answer.
bool versionsAnswered(const Options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  bool ok = ::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) == 1 &&
            ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (ok) {
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string req = "GET /_matrix/client/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    ok = ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
    char buf[64] = {};
    std::size_t got = 0;
    while (ok && got < 12) {
      ssize_t n = ::recv(fd, buf + got, sizeof buf - 1 - got, 0);
      if (n <= 0) ok = false;
      else got += static_cast<std::size_t>(n);
    }
    ok = ok && std::strncmp(buf, "HTTP/1.1 200", 12) == 0;
  }
  ::close(fd);
  return ok;
}

}  // namespace

int runStartup(const Options& o) {
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, o.logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);

  const auto spawned = Clock::now();
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::fprintf(stderr, "plexus_loadgen: cannot spawn %s: %s\n", argv[0], std::strerror(rc));
    return 1;
  }
  const auto deadline = spawned + std::chrono::seconds(30);
  int attempts = 0;
  bool answered = false;
  while (Clock::now() < deadline) {
    ++attempts;
    if (versionsAnswered(o)) {
      answered = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - spawned).count();
  if (!answered) {
    std::fprintf(stderr, "plexus_loadgen: node pid %d did not answer within 30 s (see %s)\n", pid,
                 o.logFile.c_str());
    std::printf("RESULT mode=startup pid=%d answered=0\n", pid);
    return 1;
  }
  auto mem = readProcMemory(pid).value_or(ProcMemory{});
  std::printf("node pid %d answered after %.1f ms (%d attempts); VmRSS %lld kB\n", pid, ms, attempts,
              static_cast<long long>(mem.rssKb));
  std::printf("RESULT mode=startup pid=%d answered=1 first_answer_ms=%.1f attempts=%d rss_kb=%lld\n", pid,
              ms, attempts, static_cast<long long>(mem.rssKb));
  return 0;
}

}  // namespace plexus::loadgen
