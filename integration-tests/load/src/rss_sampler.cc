// /proc/PID/status reading for the node's memory figures.
#include "rss_sampler.h"

#include <algorithm>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "context.h"

namespace plexus::loadgen {

std::optional<ProcMemory> readProcMemory(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  ProcMemory m;
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) m.rssKb = std::stoll(line.substr(6));
    else if (line.starts_with("VmHWM:")) m.hwmKb = std::stoll(line.substr(6));
  }
  return m;
}

std::optional<double> readProcCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  // Fields after the command name (which may hold spaces) start after the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void RssSampler::sampleNow() {
  if (auto m = readProcMemory(pid_)) {
    last_ = *m;
    maxRssKb_ = std::max(maxRssKb_, m->rssKb);
  }
}

boost::asio::awaitable<void> RssSampler::run(boost::asio::io_context& io) {
  while (!stopped_) {
    sampleNow();
    co_await sleepFor(io, std::chrono::milliseconds(250));
  }
}

}  // namespace plexus::loadgen
