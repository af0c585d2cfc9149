// The outbound queue of one peer link. Control frames (tree announcements, keepalive-like
// router traffic) always go before traffic. Within a class, frames are grouped by flow, the port
// a frame came in on (0 = originated here), and served by deficit round robin over bytes, so a
// peer that floods traffic through us takes only its share of this link. The queue is bounded
// per flow and in total; when the total is reached the longest flow loses frames, never a
// short one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace plexus::overlay {

enum class TrafficClass : std::uint8_t {
  kControl = 0,
  kTraffic = 1,
};

struct LinkFairQueueLimits {
  std::size_t perFlowBytes = 256 * 1024;
  std::size_t totalBytes = 1024 * 1024;
  // Bytes a flow may send per round; any value works, larger is coarser but cheaper.
  std::size_t quantum = 4096;
};

struct QueuedFrame {
  std::uint8_t type = 0;
  std::string payload;
  TrafficClass trafficClass = TrafficClass::kTraffic;
  std::uint32_t flow = 0;
};

enum class QueueDropReason : std::uint8_t {
  kFlowFull = 0,   // the frame's own flow was at its cap
  kQueueFull = 1,  // the whole queue was at its cap; dropped from the longest flow
  kCount = 2,
};

class LinkFairQueue {
 public:
  explicit LinkFairQueue(LinkFairQueueLimits limits = {});

  // Queues a frame. Returns false when this frame was dropped; it may instead evict older
  // frames of the longest flow, counted as drops too.
  bool push(QueuedFrame frame);
  // The next frame to send, nullopt when empty.
  std::optional<QueuedFrame> pop();
  // Drops everything queued (not counted as drops).
  void clear();

  bool empty() const { return frames_ == 0; }
  std::size_t frames() const { return frames_; }
  std::size_t bytes() const { return bytes_; }
  std::size_t flowBytes(TrafficClass trafficClass, std::uint32_t flow) const;
  std::uint64_t drops(QueueDropReason reason) const {
    return drops_[static_cast<std::size_t>(reason)];
  }
  // The bytes a frame is charged: its payload plus the type byte.
  static std::size_t cost(const QueuedFrame& frame) { return frame.payload.size() + 1; }

 private:
  using FlowKey = std::pair<TrafficClass, std::uint32_t>;
  struct Flow {
    std::deque<QueuedFrame> frames;
    std::size_t bytes = 0;
    std::size_t deficit = 0;
    bool hasTurn = false;  // received this round's quantum already
  };
  struct ClassQueue {
    std::map<std::uint32_t, Flow> flows;  // only non-empty flows
    std::deque<std::uint32_t> ring;       // round-robin order of those flows
  };

  ClassQueue& queueOf(TrafficClass c) { return classes_[static_cast<std::size_t>(c)]; }
  std::optional<QueuedFrame> popFrom(ClassQueue& queue);
  // Drops the newest frame of the longest flow (traffic first); false when nothing is queued.
  bool evictFromLongest(const FlowKey& arriving, bool& evictedArriving);
  void count(QueueDropReason reason) { ++drops_[static_cast<std::size_t>(reason)]; }

  LinkFairQueueLimits limits_;
  std::array<ClassQueue, 2> classes_;
  std::size_t frames_ = 0;
  std::size_t bytes_ = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(QueueDropReason::kCount)> drops_{};
};

}  // namespace plexus::overlay
