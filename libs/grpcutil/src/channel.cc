// Channel and server settings (channel.h).
#include "plexus/grpcutil/channel.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <mutex>

namespace plexus::grpcutil {

namespace {

// Debian builds Abseil without NDEBUG, which leaves its mutexes' deadlock detection on: every
// lock of gRPC's internal mutexes updated a lock-order graph, 2-3 % of all CPU in the cluster
// under load (perf). gRPC's own tests are where that check belongs.
void tuneAbseilOnce() {
  static std::once_flag once;
  std::call_once(once, [] { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); });
}

}  // namespace

grpc::ChannelArguments channelArguments() {
  tuneAbseilOnce();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return args;
}

std::shared_ptr<grpc::Channel> makeInsecureChannel(const std::string& target) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), channelArguments());
}

void configureServerBuilder(grpc::ServerBuilder& builder) {
  tuneAbseilOnce();
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
}

}  // namespace plexus::grpcutil
