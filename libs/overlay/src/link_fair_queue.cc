// LinkFairQueue (link_fair_queue.h).
#include "plexus/overlay/link_fair_queue.h"

#include <algorithm>

namespace plexus::overlay {

LinkFairQueue::LinkFairQueue(LinkFairQueueLimits limits) : limits_(limits) {
  limits_.quantum = std::max<std::size_t>(limits_.quantum, 1);
}

std::size_t LinkFairQueue::flowBytes(TrafficClass trafficClass, std::uint32_t flow) const {
  const auto& flows = classes_[static_cast<std::size_t>(trafficClass)].flows;
  auto it = flows.find(flow);
  return it == flows.end() ? 0 : it->second.bytes;
}

bool LinkFairQueue::push(QueuedFrame frame) {
  const std::size_t size = cost(frame);
  const FlowKey key{frame.trafficClass, frame.flow};
  if (flowBytes(key.first, key.second) + size > limits_.perFlowBytes) {
    count(QueueDropReason::kFlowFull);
    return false;
  }
  if (size > limits_.totalBytes) {
    count(QueueDropReason::kQueueFull);
    return false;
  }
  while (bytes_ + size > limits_.totalBytes) {
    bool evictedArriving = false;
    if (!evictFromLongest(key, evictedArriving) || evictedArriving) {
      count(QueueDropReason::kQueueFull);
      return false;
    }
    count(QueueDropReason::kQueueFull);
  }
  ClassQueue& queue = queueOf(key.first);
  auto [it, inserted] = queue.flows.try_emplace(key.second);
  if (inserted) queue.ring.push_back(key.second);
  it->second.bytes += size;
  it->second.frames.push_back(std::move(frame));
  ++frames_;
  bytes_ += size;
  return true;
}

bool LinkFairQueue::evictFromLongest(const FlowKey& arriving, bool& evictedArriving) {
  // Control frames are only evicted to make room for other control frames.
  ClassQueue* source = &queueOf(TrafficClass::kTraffic);
  if (source->flows.empty()) {
    if (arriving.first != TrafficClass::kControl) return false;
    source = &queueOf(TrafficClass::kControl);
    if (source->flows.empty()) return false;
  }
  auto longest = source->flows.end();
  for (auto it = source->flows.begin(); it != source->flows.end(); ++it) {
    if (longest == source->flows.end() || it->second.bytes > longest->second.bytes) longest = it;
  }
  const TrafficClass sourceClass =
      source == &queueOf(TrafficClass::kTraffic) ? TrafficClass::kTraffic : TrafficClass::kControl;
  // The arriving frame's flow is the one to shorten when it would be the longest.
  if (sourceClass == arriving.first) {
    const std::size_t arrivingBytes = flowBytes(arriving.first, arriving.second);
    if (arriving.second == longest->first || arrivingBytes >= longest->second.bytes) {
      evictedArriving = true;
      return true;
    }
  }
  Flow& flow = longest->second;
  const std::size_t size = cost(flow.frames.back());
  flow.frames.pop_back();
  flow.bytes -= size;
  bytes_ -= size;
  --frames_;
  if (flow.frames.empty()) {
    source->ring.erase(std::find(source->ring.begin(), source->ring.end(), longest->first));
    source->flows.erase(longest);
  }
  return true;
}

std::optional<QueuedFrame> LinkFairQueue::pop() {
  auto& control = queueOf(TrafficClass::kControl);
  if (!control.ring.empty()) return popFrom(control);
  auto& traffic = queueOf(TrafficClass::kTraffic);
  if (!traffic.ring.empty()) return popFrom(traffic);
  return std::nullopt;
}

std::optional<QueuedFrame> LinkFairQueue::popFrom(ClassQueue& queue) {
  // Each flow's deficit grows by a quantum per visit, so this ends within
  // (largest frame / quantum + 1) rounds of the ring.
  while (!queue.ring.empty()) {
    const std::uint32_t id = queue.ring.front();
    Flow& flow = queue.flows.at(id);
    if (!flow.hasTurn) {
      flow.deficit += limits_.quantum;
      flow.hasTurn = true;
    }
    const std::size_t size = cost(flow.frames.front());
    if (size > flow.deficit) {
      flow.hasTurn = false;
      queue.ring.pop_front();
      queue.ring.push_back(id);
      continue;
    }
    flow.deficit -= size;
    QueuedFrame frame = std::move(flow.frames.front());
    flow.frames.pop_front();
    flow.bytes -= size;
    bytes_ -= size;
    --frames_;
    if (flow.frames.empty()) {
      queue.ring.pop_front();
      queue.flows.erase(id);
    }
    return frame;
  }
  return std::nullopt;
}

void LinkFairQueue::clear() {
  for (auto& queue : classes_) {
    queue.flows.clear();
    queue.ring.clear();
  }
  frames_ = 0;
  bytes_ = 0;
}

}  // namespace plexus::overlay
