// Fuzzes the Router with frames from two peers, as a malicious or broken neighbour would send
// them. Input: a list of (u8 peer+type, u16 length, payload) records; the low bit of the first
// byte picks the peer (port 1 or 2), the rest picks one of the router's frame types or a stray
// one. Between records the clock advances 100 ms so timers (repair, searches) run too. The router
// must never crash, hang or read out of bounds; whatever it sends goes nowhere.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plexus/overlay/router.h"

namespace {

using namespace plexus::overlay;

class NullHost : public RouterHost {
 public:
  void sendFrame(Port, RouterFrame, std::string, bool) override {}
  void deliver(const NodeId&, std::string_view, int) override {}
};

NodeId key(std::uint8_t seed) {
  NodeId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(seed * 31 + i * 7);
  }
  return id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  NullHost host;
  RouterConfig config;
  config.signAnnouncements = false;
  Router router(config, key(1), host, AnnouncementSigner{});
  Micros now = 1'000'000;
  router.addPeer(1, key(2), now);
  router.addPeer(2, key(3), now);
  std::size_t pos = 0;
  while (pos + 3 <= size) {
    const std::uint8_t head = data[pos];
    const std::size_t length = (std::size_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    const std::size_t take = length < size - pos ? length : size - pos;
    const Port port = (head & 1) ? 2 : 1;
    const auto type = static_cast<RouterFrame>(14 + ((head >> 1) % 8));  // 16-19 and strays
    router.onFrame(port, type,
                   std::string_view(reinterpret_cast<const char*>(data + pos), take), now);
    pos += take;
    now += 100'000;
    if (router.nextTimer() <= now) router.onTimer(now);
  }
  router.send(key(9), "probe", now);
  router.removePeer(1, now);
  router.onTimer(now + 10'000'000);
  return 0;
}
