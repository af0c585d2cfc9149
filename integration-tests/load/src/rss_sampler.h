// Samples a process's resident memory from /proc/PID/status (VmRSS, VmHWM) while a mode runs.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <optional>

namespace plexus::loadgen {

struct ProcMemory {
  std::int64_t rssKb = 0;
  std::int64_t hwmKb = 0;
};

std::optional<ProcMemory> readProcMemory(int pid);

// CPU time (user + system, all threads) a process has used so far, in seconds; nullopt when
// the process is gone. On a shared machine this is steadier than wall-clock rates.
std::optional<double> readProcCpuSeconds(int pid);

// Node CPU used over a measured window: start() at its beginning, then cpuSeconds().
class CpuWindow {
 public:
  explicit CpuWindow(std::optional<int> pid) : pid_(pid) {}
  void start() { start_ = pid_ ? readProcCpuSeconds(*pid_).value_or(0) : 0; }
  // Seconds of node CPU since start(); 0 without a pid.
  double cpuSeconds() const { return pid_ ? readProcCpuSeconds(*pid_).value_or(start_) - start_ : 0; }

 private:
  std::optional<int> pid_;
  double start_ = 0;
};

class RssSampler {
 public:
  explicit RssSampler(int pid) : pid_(pid) {}
  // Samples every 250 ms until stop(); records the largest VmRSS seen.
  boost::asio::awaitable<void> run(boost::asio::io_context& io);
  void stop() { stopped_ = true; }
  void sampleNow();
  std::int64_t maxRssKb() const { return maxRssKb_; }
  std::int64_t lastRssKb() const { return last_.rssKb; }
  std::int64_t lastHwmKb() const { return last_.hwmKb; }

 private:
  int pid_;
  bool stopped_ = false;
  std::int64_t maxRssKb_ = 0;
  ProcMemory last_;
};

}  // namespace plexus::loadgen
