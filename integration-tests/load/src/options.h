// Command-line options of plexus_loadgen: one mode plus the knobs of every mode, with defaults
// matching issue 3's speed goals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace plexus::loadgen {

struct Options {
  std::string mode;  // latency | sequential | throughput | idle | startup
  std::string host = "127.0.0.1";
  std::uint16_t port = 8008;
  int clients = 100;           // latency, throughput
  int rooms = 100;             // latency
  double rate = 1000;          // latency: messages/s in total, open loop
  double duration = 10;        // latency, throughput: seconds of load
  int messages = 2000;         // sequential: counted messages
  int warmup = 100;            // sequential: messages before the clock starts
  int depth = 1;               // throughput: requests in flight per client
  int connections = 10000;     // idle: long-polling /sync connections
  int users = 100;             // idle: registered users the connections share
  int pollTimeoutMs = 30000;   // latency, idle: /sync timeout
  double hold = 30;            // idle: seconds to hold every connection open
  int setupConcurrency = 16;   // registrations/room creations in flight during setup
  int rampConcurrency = 256;   // idle: connections being opened at once
  double grace = 5;            // latency: seconds to wait for the last messages after sending
  double warmupSeconds = 0;    // latency: load before --duration that the figures leave out
  std::string prefix;          // user name prefix (default: random, so runs never collide)
  std::optional<int> pid;      // node process to sample VmRSS/VmHWM from
  bool check = false;
  std::string logFile;                // startup: the node's stdout and stderr go here
  // latency across servers: receivers register, join and /sync on this other node (its client
  // port); senders stay on --host/--port. Joins go through `joinVia` (?server_name=).
  std::optional<std::uint16_t> receiverPort;
  std::string receiverHost = "127.0.0.1";
  std::string joinVia;                // latency: server_name for the receivers' joins
  std::vector<std::string> command;   // startup: the node command line (after --)          // exit 1 unless every request succeeded and every message arrived
};

// Parses argv; prints usage and returns nullopt on --help or a bad flag (`exitCode` says which).
std::optional<Options> parseOptions(int argc, char** argv, int& exitCode);

}  // namespace plexus::loadgen
